import RosterCore

#if canImport(Glibc)
  import Glibc
#endif

/// The groups one row of the first pass names: each as a slot, and whether it is a primary group.
/// Reused from row to row (`start`), so its arrays are allocated once.
struct RowMemberships {
  var position = RowPosition(index: 0, line: 0)
  /// The slot the row defines when it is a group row, else -1.
  var ownSlot = -1
  private(set) var slots: [Int] = []
  private(set) var primary: [Bool] = []
  var memberID = ""
  /// Name and email of the member, kept only for `referenced_contacts` (else empty).
  var memberName = ""
  var memberEmail = ""

  /// Begins the next row, with no memberships yet.
  mutating func start(position: RowPosition, ownSlot: Int, memberID: String, memberName: String, memberEmail: String) {
    self.position = position
    self.ownSlot = ownSlot
    self.memberID = memberID
    self.memberName = memberName
    self.memberEmail = memberEmail
    slots.removeAll(keepingCapacity: true)
    primary.removeAll(keepingCapacity: true)
  }

  mutating func add(slot: Int, isPrimary: Bool) {
    slots.append(slot)
    primary.append(isPrimary)
  }
}

/// Memberships from the first pass, gathered by group slot in bounded memory (`MembershipSorter`,
/// which spills sorted runs to an unlinked temporary file), for `GroupMemberIndex`.
///
/// Each membership is one sorter entry: the row's index, its line's distance from the index
/// (zigzag), its own slot + 1 (0 for none) and the count of the row's other slots, each a LEB128
/// varint (four or five bytes for most rows, where fixed-width fields took 24); those slots (UInt32
/// each; kept only when `keepsRowSlots`, which `--unknown-groups reject` needs), then the member
/// entry that the index lists as it is.
final class MembershipSpool {
  let sorter: MembershipSorter
  /// Whether each entry carries every slot of its row.
  let keepsRowSlots: Bool
  // Used for every row with groups, from the one thread scanning: no dynamic exclusivity checks.
  @exclusivity(unchecked) private var scratch = SpoolRecordBytes(capacity: 256)

  /// - Parameters:
  ///   - runBudget: the memory the sorter's runs may take (see `MembershipSorter`).
  ///   - keepsRowSlots: keep every slot a row names with each of its memberships (for
  ///     `--unknown-groups reject`, where one unknown group takes the row out of all of them).
  init(runBudget: Int = 4 << 20, keepsRowSlots: Bool) {
    sorter = MembershipSorter(runBudget: runBudget)
    self.keepsRowSlots = keepsRowSlots
  }

  /// Adds each membership of one row, in the order the row names them.
  ///
  /// The row's entry is encoded once; its memberships differ only in the member entry's primary flag.
  func append(_ row: RowMemberships) throws(RosterError) {
    scratch.removeAll()
    scratch.appendVarint(UInt64(row.position.index))
    // The line as its distance from the index (zigzag: a JSON array on one line puts it below), which
    // is one byte for most CSV rows.
    let lineOffset = Int64(row.position.line) - Int64(row.position.index)
    scratch.appendVarint(UInt64(bitPattern: lineOffset << 1 ^ lineOffset >> 63))
    scratch.appendVarint(UInt64(row.ownSlot + 1))
    if keepsRowSlots {
      scratch.appendVarint(UInt64(row.slots.count))
      for rowSlot in row.slots { scratch.appendLittleEndian(UInt32(rowSlot)) }
    } else {
      scratch.appendVarint(0)
    }
    let flagsOffset = scratch.count
    scratch.appendMemberEntry(isPrimary: false, id: row.memberID, name: row.memberName, email: row.memberEmail)
    let flags = scratch.bytes[flagsOffset]
    for (offset, slot) in row.slots.enumerated() {
      scratch.setByte(row.primary[offset] ? flags | 1 : flags, at: flagsOffset)
      let bytes = scratch.bytes
      try sorter.append(slot: slot, entry: UnsafeRawBufferPointer(bytes))
    }
  }
}

/// A membership as the sorter gives it back: the fields in front of the member entry. Its bytes are
/// the sorter's, valid only while the sorter's callback runs.
private struct SortedMembership {
  var position: RowPosition
  var ownSlot: Int?
  /// The row's slots (empty unless the spool keeps them), as UInt32s.
  var rowSlots: UnsafeRawBufferPointer
  var entry: UnsafeRawBufferPointer

  init?(_ bytes: UnsafeRawBufferPointer) {
    var offset = 0
    guard let index = bytes.varint(at: &offset), let zigzag = bytes.varint(at: &offset),
      let own = bytes.varint(at: &offset), let slotCount = bytes.varint(at: &offset),
      index <= UInt64(Int.max), own <= UInt64(UInt32.max), slotCount <= UInt64(bytes.count - offset) / 4
    else { return nil }
    let lineOffset = Int64(bitPattern: zigzag >> 1) ^ -Int64(bitPattern: zigzag & 1)
    position = RowPosition(index: Int(index), line: Int(truncatingIfNeeded: Int64(index) &+ lineOffset))
    ownSlot = own == 0 ? nil : Int(own) - 1
    let slotBytes = Int(slotCount) * 4
    rowSlots = UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + slotBytes])
    entry = UnsafeRawBufferPointer(rebasing: bytes[(offset + slotBytes)...])
  }

  /// The row's slots as integers.
  var slots: some Sequence<Int> {
    let rowSlots = rowSlots
    return stride(from: 0, to: rowSlots.count, by: 4).lazy.map {
      Int(UInt32(littleEndian: rowSlots.loadUnaligned(fromByteOffset: $0, as: UInt32.self)))
    }
  }
}

/// Where each slot's members end in a member index's spool, filled as the sorted entries go by. A
/// class, so the closure that fills it captures a constant (a captured variable is checked for
/// exclusive access at run time, on every entry).
private final class SlotEnds {
  @exclusivity(unchecked) var offsets: [Int]
  /// The bytes written so far.
  @exclusivity(unchecked) var written = 0
  @exclusivity(unchecked) private var nextSlot = 0

  init(slotCount: Int) { offsets = [Int](repeating: 0, count: slotCount + 1) }

  /// Ends every slot before `slot` at `written`.
  func close(before slot: Int) {
    while nextSlot < slot {
      nextSlot += 1
      offsets[nextSlot] = written
    }
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
  /// The sorter's entries come back by slot, in input order within a slot; the accepted ones are
  /// written slot after slot. With `collapsingRepeatedMembers` (`--dedupe merge`, where a merged row's
  /// memberships are spooled at the index of the row it merged into), members are listed in the order
  /// of those indexes, an id already among a group's members is not listed again, and a primary
  /// membership makes the first listing primary; that mode holds one group's members in memory at a
  /// time.
  init(
    memberships: MembershipSpool, linker: GroupLinker, includeReferenced: Bool,
    collapsingRepeatedMembers: Bool = false
  ) throws(RosterError) {
    guard memberships.keepsRowSlots || linker.policy != .reject else {
      throw RosterError(.output, "internal error: --unknown-groups reject needs the spool to keep every group of a row")
    }
    spool = try SpoolFile()
    self.includeReferenced = includeReferenced
    let directory = linker.directory
    let slotCount = directory.groups.count
    let ends = SlotEnds(slotCount: slotCount)
    var group = CollapsedGroup()
    var groupSlot = -1
    let output = spool.output
    func writeGroup() throws(RosterError) {
      guard groupSlot >= 0 else { return }
      let bytes = group.ordered()
      try bytes.withUnsafeBufferPointer { buffer throws(RosterError) in try output.write(buffer) }
      ends.close(before: groupSlot)
      ends.written += bytes.count
      group.clear()
    }
    try memberships.sorter.forEachSorted { slot, bytes throws(RosterError) in
      guard let membership = SortedMembership(bytes) else { throw SpoolReader.truncated }
      guard slot < slotCount && directory.accepts(slot) else { return }
      guard linker.countsAsMember(ownSlot: membership.ownSlot, at: membership.position, slots: membership.slots)
      else { return }
      if collapsingRepeatedMembers {
        if slot != groupSlot {
          try writeGroup()
          groupSlot = slot
        }
        group.add(Array(membership.entry)[...], index: membership.position.index)
      } else {
        ends.close(before: slot)
        try output.write(membership.entry.assumingMemoryBound(to: UInt8.self))
        ends.written += membership.entry.count
      }
    }
    try writeGroup()
    ends.close(before: slotCount)
    offsets = ends.offsets
    try output.flush()
  }

  func members(ofSlot slot: Int) throws -> GroupMembers {
    var members = GroupMembers()
    if includeReferenced { members.referenced = [] }
    guard slot + 1 < offsets.count, offsets[slot] < offsets[slot + 1] else { return members }
    let bytes = try spool.read(offsets[slot]..<offsets[slot + 1])
    // Most entries are a flags byte and a 16-byte id.
    members.children.reserveCapacity(bytes.count / 17)
    let complete = bytes.withUnsafeBytes { raw in
      var reader = MemberEntryReader(raw)
      while !reader.atEnd {
        guard let entry = reader.next() else { return false }
        members.children.append(entry.id)
        if entry.isPrimary { members.primary.append(entry.id) }
        if includeReferenced {
          members.referenced?.append(
            ReferencedContact(id: entry.id, name: entry.name, email: entry.email.isEmpty ? nil : entry.email))
        }
      }
      return true
    }
    guard complete else { throw SpoolReader.truncated }
    return members
  }
}

/// Reads the member entries `appendMemberEntry` wrote (as `popMemberEntry` does) straight from
/// their bytes: no slices, and a UUID id is spelled from its 16 bytes in one go.
private struct MemberEntryReader {
  private let raw: UnsafeRawBufferPointer
  private var offset = 0

  init(_ raw: UnsafeRawBufferPointer) { self.raw = raw }

  /// Bytes read so far.
  var consumed: Int { offset }

  var atEnd: Bool { offset >= raw.count }

  /// The next entry; `nil` when it is cut short.
  mutating func next() -> (isPrimary: Bool, id: String, name: String, email: String)? {
    guard offset < raw.count else { return nil }
    let flags = raw[offset]
    offset += 1
    let id: String
    if flags & 2 != 0 {
      guard raw.count - offset >= 16 else { return nil }
      id = NameBasedUUID.text(ofRaw: UnsafeRawBufferPointer(rebasing: raw[offset..<offset + 16]))
      offset += 16
    } else {
      guard let text = string() else { return nil }
      id = text
    }
    var name = ""
    var email = ""
    if flags & 4 != 0 {
      guard let storedName = string(), let storedEmail = string() else { return nil }
      (name, email) = (storedName, storedEmail)
    }
    return (flags & 1 != 0, id, name, email)
  }

  /// A length-prefixed (UInt32, little-endian) string.
  private mutating func string() -> String? {
    guard raw.count - offset >= 4 else { return nil }
    let count = Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
    offset += 4
    guard raw.count - offset >= count else { return nil }
    defer { offset += count }
    return count == 0
      ? "" : String(decoding: UnsafeRawBufferPointer(rebasing: raw[offset..<offset + count]), as: UTF8.self)
  }
}

/// One group's members in `--dedupe merge` mode, gathered in spool order and written in row-index order.
///
/// An id already listed is not listed
/// again (a primary membership makes the first listing primary); the listings are then ordered by row
/// index, equal indexes in the order they were added.
struct CollapsedGroup {
  private var entries: [UInt8] = []
  /// Each listing: its row index and its bytes in `entries`.
  private var spans: [(index: Int, start: Int, end: Int)] = []
  private var listed: [String: Int] = [:]

  /// Adds a member entry of the row at `index`.
  mutating func add(_ entry: ArraySlice<UInt8>, index: Int) {
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

extension [UInt8] {
  /// Appends `value` little-endian.
  mutating func appendInteger<T: FixedWidthInteger>(_ value: T) {
    for offset in 0..<MemoryLayout<T>.size { append(UInt8(truncatingIfNeeded: value >> (8 * offset))) }
  }
}

/// Member entries: a flags byte (1: primary, 2: the id is a UUID stored as 16 bytes, 4: name and email
/// follow), the id (16 bytes, or a length-prefixed string), then optionally name and email.
extension SpoolRecordBytes {
  /// Appends a member entry (the layout `popMemberEntry` reads); a UUID id is parsed without allocating.
  mutating func appendMemberEntry(isPrimary: Bool, id: String, name: String, email: String) {
    let named = !name.isEmpty || !email.isEmpty
    var uuid: (UInt64, UInt64) = (0, 0)
    var id = id
    let isUUID = id.withUTF8 { utf8 in
      withUnsafeMutableBytes(of: &uuid) { NameBasedUUID.parse(utf8, into: $0.baseAddress!) }
    }
    append((isPrimary ? 1 : 0) | (isUUID ? 2 : 0) | (named ? 4 : 0))
    if isUUID {
      withUnsafeBytes(of: &uuid) { append($0) }
    } else {
      appendLengthPrefixed(id)
    }
    if named {
      appendLengthPrefixed(name)
      appendLengthPrefixed(email)
    }
  }
}

extension SpoolRecordBytes {
  /// `value` in LEB128: seven bits a byte, low bits first, the top bit set on all but the last.
  @inline(__always)
  mutating func appendVarint(_ value: UInt64) {
    // Most values written are lengths and counts under 128: one byte, no loop.
    guard value >= 0x80 else { return append(UInt8(truncatingIfNeeded: value)) }
    appendLongVarint(value)
  }

  /// `appendVarint` for a value of two bytes or more.
  private mutating func appendLongVarint(_ value: UInt64) {
    var value = value
    while value >= 0x80 {
      append(UInt8(truncatingIfNeeded: value) | 0x80)
      value >>= 7
    }
    append(UInt8(value))
  }
}

extension UnsafeRawBufferPointer {
  /// The LEB128 integer (`appendVarint`) at `offset`, moving past it; `nil` when it is cut short or
  /// longer than a UInt64.
  @inline(__always)
  func varint(at offset: inout Int) -> UInt64? {
    // One byte under 128, the common case, without the loop.
    if offset < count, self[offset] < 0x80 {
      defer { offset += 1 }
      return UInt64(self[offset])
    }
    return longVarint(at: &offset)
  }

  /// `varint(at:)` for an integer of two bytes or more (or one cut short).
  private func longVarint(at offset: inout Int) -> UInt64? {
    var value: UInt64 = 0
    var shift: UInt64 = 0
    while offset < count && shift < 64 {
      let byte = self[offset]
      offset += 1
      value |= UInt64(byte & 0x7F) << shift
      if byte < 0x80 { return value }
      shift += 7
    }
    return nil
  }
}

extension ArraySlice<UInt8> {
  /// The little-endian integer at `offset` from the start of the slice.
  func loadLittleEndian<T: FixedWidthInteger>(_ type: T.Type, at offset: Int) -> T {
    withUnsafeBytes { T(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: T.self)) }
  }

  /// The member entry at the start of the slice (as `appendMemberEntry` wrote it), moving past it;
  /// `nil` when it is cut short.
  mutating func popMemberEntry() -> (isPrimary: Bool, id: String, name: String, email: String)? {
    let (entry, length) = withUnsafeBytes { raw in
      var reader = MemberEntryReader(raw)
      return (reader.next(), reader.consumed)
    }
    guard let entry else { return nil }
    self = dropFirst(length)
    return entry
  }
}
