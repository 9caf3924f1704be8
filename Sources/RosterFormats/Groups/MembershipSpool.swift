public import RosterCore

#if canImport(Glibc)
  import Glibc
#endif

/// One membership seen in the first pass: the row at `position` names group `slot`.
struct MembershipRecord {
  var position: RowPosition
  /// The slot the row defines when it is a group row, else -1.
  var ownSlot: Int
  var slot: Int
  var isPrimary: Bool
  var memberID: String
  /// Name and email of the member, kept only for `referenced_contacts` (else empty).
  var memberName: String
  var memberEmail: String
}

/// One row's memberships as read back from the spool, in reused storage.
struct SpooledRow {
  var position = RowPosition(index: 0, line: 0)
  var ownSlot = -1
  var slots: [Int] = []
  /// Encoded member entries back to back; entry `i` ends at `entryEnds[i]`.
  var entries: [UInt8] = []
  var entryEnds: [Int] = []

  mutating func clear() {
    slots.removeAll(keepingCapacity: true)
    entries.removeAll(keepingCapacity: true)
    entryEnds.removeAll(keepingCapacity: true)
  }
}

/// Memberships from the first pass, spooled to an unlinked temporary file in input order.
///
/// Memory holds nothing per record or per group; the records stay on disk. A record is a fixed 32-byte
/// header (row index, line, own slot, slot, entry length) and the member entry, which is copied as is
/// into the member index.
final class MembershipSpool {
  private let spool: SpoolFile
  private var scratch: [UInt8] = []
  private var header: [UInt8] = []

  init() throws(RosterError) {
    spool = try SpoolFile()
  }

  func append(_ record: MembershipRecord) throws(RosterError) {
    scratch.removeAll(keepingCapacity: true)
    scratch.appendMemberEntry(
      isPrimary: record.isPrimary, id: record.memberID, name: record.memberName, email: record.memberEmail)
    let entryLength = scratch.count
    header.removeAll(keepingCapacity: true)
    header.appendInteger(UInt64(record.position.index))
    header.appendInteger(UInt64(record.position.line))
    header.appendInteger(Int64(record.ownSlot))
    header.appendInteger(UInt32(record.slot))
    header.appendInteger(UInt32(entryLength))
    try header.withUnsafeBufferPointer { bytes throws(RosterError) in try spool.output.write(bytes) }
    try scratch.withUnsafeBufferPointer { bytes throws(RosterError) in try spool.output.write(bytes) }
  }

  /// Calls `body` with each row's memberships, in input order.
  func forEachRow(_ body: (SpooledRow) throws(RosterError) -> Void) throws(RosterError) {
    let reader = try SpoolReader(spool)
    var row = SpooledRow()
    var hasRow = false
    while let header = try reader.bytes(32) {
      let index = Int(header.loadLittleEndian(UInt64.self, at: 0))
      let line = Int(header.loadLittleEndian(UInt64.self, at: 8))
      let ownSlot = Int(Int64(bitPattern: header.loadLittleEndian(UInt64.self, at: 16)))
      let slot = Int(header.loadLittleEndian(UInt32.self, at: 24))
      let entryLength = Int(header.loadLittleEndian(UInt32.self, at: 28))
      if hasRow && row.position.index != index {
        try body(row)
        row.clear()
      }
      hasRow = true
      row.position = RowPosition(index: index, line: line)
      row.ownSlot = ownSlot
      row.slots.append(slot)
      guard let entry = try reader.bytes(entryLength) else { throw SpoolReader.truncated }
      row.entries.append(contentsOf: entry)
      row.entryEnds.append(row.entries.count)
    }
    if hasRow { try body(row) }
  }
}

/// Each group's accepted members, written group after group to an unlinked temporary file.
///
/// Memory holds one offset per group; the members stay on disk until their group row asks for them.
final class GroupMemberIndex: GroupMemberSource {
  private let spool: SpoolFile
  /// The members of slot `s` are the bytes `offsets[s]..<offsets[s + 1]` of `spool`.
  private var offsets: [Int] = []
  private let includeReferenced: Bool

  /// Builds the index from `memberships`, counting only rows `linker` will accept.
  ///
  /// One read of the spool feeds the accepted entries to a `MembershipSorter` (sorted runs of
  /// `memoryBudget` bytes at most, merged by slot), whose output is written slot after slot.
  /// With `collapsingRepeatedMembers` (`--dedupe merge`, where a merged row's memberships are spooled
  /// at the index of the row it merged into), members are listed in the order of those indexes, an id
  /// already among a group's members is not listed again, and a primary membership makes the first
  /// listing primary; that mode holds one group's members in memory at a time.
  init(
    memberships: MembershipSpool, linker: GroupLinker, includeReferenced: Bool,
    collapsingRepeatedMembers: Bool = false, memoryBudget: Int = 8 << 20
  ) throws(RosterError) {
    spool = try SpoolFile()
    self.includeReferenced = includeReferenced
    let slotCount = linker.directory.groups.count
    let sorter = MembershipSorter(runBudget: memoryBudget)
    // Merge mode also needs each entry's row index: it goes in front of the entry.
    var indexed: [UInt8] = []
    try memberships.forEachRow { row throws(RosterError) in
      guard
        linker.countsAsMember(ownSlot: row.ownSlot >= 0 ? row.ownSlot : nil, at: row.position, slots: row.slots)
      else { return }
      var entryStart = 0
      for (offset, slot) in row.slots.enumerated() {
        let entryEnd = row.entryEnds[offset]
        defer { entryStart = entryEnd }
        guard slot < slotCount && linker.directory.accepts(slot) else { continue }
        if collapsingRepeatedMembers {
          indexed.removeAll(keepingCapacity: true)
          indexed.appendInteger(UInt64(row.position.index))
          indexed.append(contentsOf: row.entries[entryStart..<entryEnd])
          try sorter.append(slot: slot, entry: indexed[...])
        } else {
          try sorter.append(slot: slot, entry: row.entries[entryStart..<entryEnd])
        }
      }
    }
    offsets = Array(repeating: 0, count: slotCount + 1)
    var written = 0
    var nextSlot = 0
    /// Ends every slot before `slot` at `written`.
    func closeSlots(before slot: Int) {
      while nextSlot < slot {
        nextSlot += 1
        offsets[nextSlot] = written
      }
    }
    var group = CollapsedGroup()
    var groupSlot = -1
    let output = spool.output
    func writeGroup() throws(RosterError) {
      guard groupSlot >= 0 else { return }
      let bytes = group.ordered()
      try bytes.withUnsafeBufferPointer { buffer throws(RosterError) in try output.write(buffer) }
      closeSlots(before: groupSlot)
      written += bytes.count
      group.clear()
    }
    try sorter.forEachSorted { slot, entry throws(RosterError) in
      if collapsingRepeatedMembers {
        if slot != groupSlot {
          try writeGroup()
          groupSlot = slot
        }
        group.add(entry)
      } else {
        closeSlots(before: slot)
        try entry.withUnsafeBufferPointer { buffer throws(RosterError) in try output.write(buffer) }
        written += entry.count
      }
    }
    try writeGroup()
    closeSlots(before: slotCount)
    try output.flush()
  }

  func members(ofSlot slot: Int) throws -> GroupMembers {
    var members = GroupMembers()
    if includeReferenced { members.referenced = [] }
    guard slot + 1 < offsets.count, offsets[slot] < offsets[slot + 1] else { return members }
    let bytes = try spool.read(offsets[slot]..<offsets[slot + 1])
    var cursor = bytes[...]
    while !cursor.isEmpty {
      guard let entry = cursor.popMemberEntry() else { throw SpoolReader.truncated }
      members.children.append(entry.id)
      if entry.isPrimary { members.primary.append(entry.id) }
      if includeReferenced {
        members.referenced?.append(
          ReferencedContact(id: entry.id, name: entry.name, email: entry.email.isEmpty ? nil : entry.email))
      }
    }
    return members
  }
}

/// One group's members in `--dedupe merge` mode, gathered in spool order and written in row-index order.
///
/// Each added entry is the row index (UInt64) and the member entry. An id already listed is not listed
/// again (a primary membership makes the first listing primary); the listings are then ordered by row
/// index, equal indexes in the order they were added.
struct CollapsedGroup {
  private var entries: [UInt8] = []
  /// Each listing: its row index and its bytes in `entries`.
  private var spans: [(index: Int, start: Int, end: Int)] = []
  private var listed: [String: Int] = [:]

  /// Adds an entry prefixed with its row index.
  mutating func add(_ indexed: ArraySlice<UInt8>) {
    let index = Int(indexed.loadLittleEndian(UInt64.self, at: 0))
    let entry = indexed.dropFirst(8)
    var probe = entry
    if let member = probe.popMemberEntry() {
      if let first = listed[member.id] {
        if member.isPrimary { entries[first] |= 1 }
        return
      }
      listed[member.id] = entries.count
    }
    let start = entries.count
    spans.append((index, start, start + entry.count))
    entries.append(contentsOf: entry)
  }

  /// The listings, ordered by row index (stable).
  func ordered() -> [UInt8] {
    let ordered = spans.enumerated().sorted { ($0.element.index, $0.offset) < ($1.element.index, $1.offset) }
    guard ordered.map(\.offset) != Array(spans.indices) else { return entries }
    var reordered: [UInt8] = []
    reordered.reserveCapacity(entries.count)
    for span in ordered { reordered.append(contentsOf: entries[span.element.start..<span.element.end]) }
    return reordered
  }

  mutating func clear() {
    entries.removeAll(keepingCapacity: true)
    spans.removeAll(keepingCapacity: true)
    listed.removeAll(keepingCapacity: true)
  }
}

/// Reads a spool file back from its start through a 64 KiB buffer.
final class SpoolReader {
  static let truncated = RosterError(.output, "a temporary spool file was cut short; is the disk full?")
  private var buffer: [UInt8] = []
  private var cursor = 0
  private let spool: SpoolFile

  init(_ spool: SpoolFile) throws(RosterError) {
    self.spool = spool
    try spool.rewindForReading()
  }

  /// Makes `count` bytes available at `cursor`; `false` at the end of the spool.
  private func ensure(_ count: Int) throws(RosterError) -> Bool {
    if buffer.count - cursor >= count { return true }
    buffer.removeSubrange(0..<cursor)
    cursor = 0
    while buffer.count < count {
      let chunk = try spool.readChunk()
      if chunk.isEmpty { return false }
      buffer.append(contentsOf: chunk)
    }
    return true
  }

  /// The next `count` bytes, or `nil` at a clean end; a partial record is an error.
  func bytes(_ count: Int) throws(RosterError) -> ArraySlice<UInt8>? {
    guard try ensure(count) else {
      if buffer.count > cursor { throw Self.truncated }
      return nil
    }
    defer { cursor += count }
    return buffer[cursor..<cursor + count]
  }
}

/// Member entries: a flags byte (1: primary, 2: the id is a UUID stored as 16 bytes, 4: name and email
/// follow), the id (16 bytes, or a length-prefixed string), then optionally name and email.
extension [UInt8] {
  /// Appends `value` little-endian.
  mutating func appendInteger<T: FixedWidthInteger>(_ value: T) {
    for offset in 0..<MemoryLayout<T>.size { append(UInt8(truncatingIfNeeded: value >> (8 * offset))) }
  }

  mutating func appendString(_ text: String) {
    appendInteger(UInt32(text.utf8.count))
    append(contentsOf: text.utf8)
  }

  mutating func appendMemberEntry(isPrimary: Bool, id: String, name: String, email: String) {
    let uuid = NameBasedUUID.bytes(ofText: id)
    let named = !name.isEmpty || !email.isEmpty
    append((isPrimary ? 1 : 0) | (uuid != nil ? 2 : 0) | (named ? 4 : 0))
    if let uuid { append(contentsOf: uuid) } else { appendString(id) }
    if named {
      appendString(name)
      appendString(email)
    }
  }
}

extension ArraySlice<UInt8> {
  /// The little-endian integer at `offset` from the start of the slice.
  func loadLittleEndian<T: FixedWidthInteger>(_ type: T.Type, at offset: Int) -> T {
    withUnsafeBytes { T(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: T.self)) }
  }

  mutating func popInteger<T: FixedWidthInteger>() -> T? {
    guard count >= MemoryLayout<T>.size else { return nil }
    let value = loadLittleEndian(T.self, at: 0)
    self = self.dropFirst(MemoryLayout<T>.size)
    return value
  }

  mutating func popString() -> String? {
    guard let count: UInt32 = popInteger(), self.count >= Int(count) else { return nil }
    defer { self = self.dropFirst(Int(count)) }
    return String(decoding: self.prefix(Int(count)), as: UTF8.self)
  }

  mutating func popMemberEntry() -> (isPrimary: Bool, id: String, name: String, email: String)? {
    guard let flags: UInt8 = popInteger() else { return nil }
    let id: String
    if flags & 2 != 0 {
      guard count >= 16 else { return nil }
      id = NameBasedUUID.text(of: prefix(16))
      self = dropFirst(16)
    } else {
      guard let text = popString() else { return nil }
      id = text
    }
    var name = ""
    var email = ""
    if flags & 4 != 0 {
      guard let storedName = popString(), let storedEmail = popString() else { return nil }
      (name, email) = (storedName, storedEmail)
    }
    return (flags & 1 != 0, id, name, email)
  }
}
