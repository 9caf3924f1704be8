public import RosterCore

#if canImport(Glibc)
  import Glibc
#endif

/// One membership seen in the first pass: row `row` names group `slot`.
struct MembershipRecord {
  var position: RowPosition
  /// The slot the row defines when it is a group row, else -1.
  var ownSlot: Int
  var slot: Int
  var isPrimary: Bool
  var memberID: String
  var memberName: String
  var memberEmail: String
}

/// Memberships from the first pass, spooled to an unlinked temporary file in input order.
///
/// Memory holds only a byte count per group; the records themselves stay on disk.
final class MembershipSpool {
  private let spool: SpoolFile
  private var scratch: [UInt8] = []
  /// Bytes of encoded member entries per slot, to plan the member index in bounded chunks.
  private(set) var entryBytesBySlot: [Int] = []

  init() throws(RosterError) {
    spool = try SpoolFile()
  }

  func append(_ record: MembershipRecord) throws(RosterError) {
    scratch.removeAll(keepingCapacity: true)
    scratch.appendInteger(UInt64(record.position.index))
    scratch.appendInteger(UInt64(record.position.line))
    scratch.appendInteger(Int64(record.ownSlot))
    scratch.appendInteger(UInt32(record.slot))
    let entryStart = scratch.count
    scratch.appendMemberEntry(
      isPrimary: record.isPrimary, id: record.memberID, name: record.memberName, email: record.memberEmail)
    if record.slot >= entryBytesBySlot.count {
      entryBytesBySlot.append(contentsOf: repeatElement(0, count: record.slot + 1 - entryBytesBySlot.count))
    }
    entryBytesBySlot[record.slot] += scratch.count - entryStart
    try scratch.withUnsafeBufferPointer { bytes throws(RosterError) in try spool.output.write(bytes) }
  }

  /// Calls `body` with each row's memberships, in input order.
  func forEachRow(_ body: ([MembershipRecord]) throws(RosterError) -> Void) throws(RosterError) {
    let reader = try SpoolReader(spool)
    var row: [MembershipRecord] = []
    while let index: UInt64 = try reader.integer() {
      guard let line: UInt64 = try reader.integer(), let ownSlot: Int64 = try reader.integer(),
        let slot: UInt32 = try reader.integer(), let entry = try reader.memberEntry()
      else { throw SpoolReader.truncated }
      let record = MembershipRecord(
        position: RowPosition(index: Int(index), line: Int(line)), ownSlot: Int(ownSlot), slot: Int(slot),
        isPrimary: entry.isPrimary, memberID: entry.id, memberName: entry.name, memberEmail: entry.email)
      if let last = row.last, last.position != record.position {
        try body(row)
        row.removeAll(keepingCapacity: true)
      }
      row.append(record)
    }
    if !row.isEmpty { try body(row) }
  }
}

/// Each group's accepted members, written group after group to an unlinked temporary file.
final class GroupMemberIndex: GroupMemberSource {
  private let spool: SpoolFile
  private var ranges: [Range<Int>] = []
  private let includeReferenced: Bool

  /// Builds the index from `memberships`, counting only rows `linker` will accept.
  ///
  /// Groups are gathered in chunks whose entries fit in `memoryBudget` bytes (one spool read per
  /// chunk); a single group larger than the budget is a chunk of its own.
  init(
    memberships: MembershipSpool, linker: GroupLinker, includeReferenced: Bool, memoryBudget: Int = 32 << 20
  ) throws(RosterError) {
    spool = try SpoolFile()
    self.includeReferenced = includeReferenced
    let slotCount = linker.directory.groups.count
    ranges = Array(repeating: 0..<0, count: slotCount)
    var sizes = memberships.entryBytesBySlot
    sizes.append(contentsOf: repeatElement(0, count: max(0, slotCount - sizes.count)))
    var chunkStart = 0
    var written = 0
    while chunkStart < slotCount {
      var chunkEnd = chunkStart
      var chunkBytes = 0
      while chunkEnd < slotCount && (chunkEnd == chunkStart || chunkBytes + sizes[chunkEnd] <= memoryBudget) {
        chunkBytes += sizes[chunkEnd]
        chunkEnd += 1
      }
      guard chunkBytes > 0 else {
        chunkStart = chunkEnd
        continue
      }
      var entries = Array(repeating: [UInt8](), count: chunkEnd - chunkStart)
      try memberships.forEachRow { row throws(RosterError) in
        let first = row[0]
        let slots = row.lazy.map(\.slot)
        guard
          linker.countsAsMember(ownSlot: first.ownSlot >= 0 ? first.ownSlot : nil, at: first.position, slots: slots)
        else { return }
        for record in row where record.slot >= chunkStart && record.slot < chunkEnd {
          guard linker.directory.accepts(record.slot) else { continue }
          entries[record.slot - chunkStart].appendMemberEntry(
            isPrimary: record.isPrimary, id: record.memberID, name: record.memberName, email: record.memberEmail)
        }
      }
      for (offset, bytes) in entries.enumerated() {
        try bytes.withUnsafeBufferPointer { buffer throws(RosterError) in try spool.output.write(buffer) }
        ranges[chunkStart + offset] = written..<(written + bytes.count)
        written += bytes.count
      }
      chunkStart = chunkEnd
    }
    try spool.output.flush()
  }

  func members(ofSlot slot: Int) throws -> GroupMembers {
    var members = GroupMembers()
    if includeReferenced { members.referenced = [] }
    guard slot < ranges.count, !ranges[slot].isEmpty else { return members }
    let bytes = try spool.read(ranges[slot])
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

/// Reads a spool file back from its start through a 64 KiB buffer.
final class SpoolReader {
  static let truncated = RosterError(.output, "a temporary spool file was cut short; is the disk full?")
  private var bytes: [UInt8] = []
  private var cursor = 0
  private let spool: SpoolFile

  init(_ spool: SpoolFile) throws(RosterError) {
    self.spool = spool
    try spool.rewindForReading()
  }

  private func ensure(_ count: Int) throws(RosterError) -> Bool {
    if bytes.count - cursor >= count { return true }
    bytes.removeFirst(cursor)
    cursor = 0
    while bytes.count < count {
      let chunk = try spool.readChunk()
      if chunk.isEmpty { return false }
      bytes.append(contentsOf: chunk)
    }
    return true
  }

  func integer<T: FixedWidthInteger>() throws(RosterError) -> T? {
    guard try ensure(MemoryLayout<T>.size) else {
      if bytes.count > cursor { throw Self.truncated }
      return nil
    }
    var value: T = 0
    for offset in 0..<MemoryLayout<T>.size { value |= T(bytes[cursor + offset]) << (8 * offset) }
    cursor += MemoryLayout<T>.size
    return value
  }

  func string() throws(RosterError) -> String? {
    guard let count: UInt32 = try integer(), try ensure(Int(count)) else { return nil }
    defer { cursor += Int(count) }
    return String(decoding: bytes[cursor..<cursor + Int(count)], as: UTF8.self)
  }

  func memberEntry() throws(RosterError) -> (isPrimary: Bool, id: String, name: String, email: String)? {
    guard let flags: UInt8 = try integer(), let id = try string(), let name = try string(),
      let email = try string()
    else { return nil }
    return (flags & 1 != 0, id, name, email)
  }
}

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
    append(isPrimary ? 1 : 0)
    appendString(id)
    appendString(name)
    appendString(email)
  }
}

extension ArraySlice<UInt8> {
  mutating func popInteger<T: FixedWidthInteger>() -> T? {
    guard count >= MemoryLayout<T>.size else { return nil }
    var value: T = 0
    for offset in 0..<MemoryLayout<T>.size { value |= T(self[startIndex + offset]) << (8 * offset) }
    self = self.dropFirst(MemoryLayout<T>.size)
    return value
  }

  mutating func popString() -> String? {
    guard let count: UInt32 = popInteger(), self.count >= Int(count) else { return nil }
    defer { self = self.dropFirst(Int(count)) }
    return String(decoding: self.prefix(Int(count)), as: UTF8.self)
  }

  mutating func popMemberEntry() -> (isPrimary: Bool, id: String, name: String, email: String)? {
    guard let flags: UInt8 = popInteger(), let id = popString(), let name = popString(), let email = popString()
    else { return nil }
    return (flags & 1 != 0, id, name, email)
  }
}
