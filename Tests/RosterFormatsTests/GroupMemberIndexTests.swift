import RosterCore
import Testing

@testable import RosterFormats

/// The external sort behind group members: any run budget and merge width gives the same members.
@Suite("Group member index")
struct GroupMemberIndexTests {
  /// A deterministic generator, so a failure repeats.
  struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
      state &+= 0x9E37_79B9_7F4A_7C15
      var z = state
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return z ^ (z >> 31)
    }
  }

  /// Sorted by slot, arrival order kept within a slot, whether it fits one run or needs merges of
  /// merges (a 4 KiB budget and two runs per merge).
  /// With `finishingEarly`, gathering is ended (twice) before the sort is read, as a conversion does;
  /// entries of 20,000 bytes now and then are longer than a merge's 16 KiB read buffers.
  @Test(arguments: [
    (8 << 20, 64, false), (8 << 20, 64, true), (4096, 2, false), (4096, 3, true), (4096, 64, false),
    (1 << 20, 4, false), (1 << 20, 4, true),
  ])
  func sortsBySlotKeepingArrivalOrder(budget: Int, fanIn: Int, finishingEarly: Bool) throws {
    var random = SplitMix(state: 42)
    var added: [(slot: Int, entry: [UInt8])] = []
    for number in 0..<8_000 {
      let slot = Int.random(in: 0..<300, using: &random)
      let length = number % 997 == 5 ? 20_000 : Int.random(in: 0..<40, using: &random)
      var entry = [UInt8](repeating: UInt8(truncatingIfNeeded: slot), count: length)
      entry.appendInteger(UInt32(number))
      added.append((slot, entry))
    }
    let sorter = MembershipSorter(runBudget: budget, fanIn: fanIn)
    for (slot, entry) in added { try sorter.append(slot: slot, entry: entry[...]) }
    if finishingEarly {
      try sorter.finishGathering()
      try sorter.finishGathering()
    }
    var sorted: [(slot: Int, entry: [UInt8])] = []
    try sorter.forEachSorted { slot, entry in sorted.append((slot, Array(entry))) }
    let expected = added.enumerated().sorted { ($0.element.slot, $0.offset) < ($1.element.slot, $1.offset) }
    #expect(sorted.count == expected.count)
    #expect(sorted.map(\.slot) == expected.map(\.element.slot))
    #expect(sorted.map(\.entry) == expected.map(\.element.entry))
  }

  @Test func emptySorterCallsNothing() throws {
    var calls = 0
    try MembershipSorter().forEachSorted { _, _ in calls += 1 }
    #expect(calls == 0)
  }

  /// Memberships of `rows` random rows over `groups` groups, the group rows among them; with
  /// `merging`, some rows are spooled at the index of an earlier row, as `--dedupe merge` does.
  func members(
    rows: Int, groups: Int, merging: Bool, budget: Int, policy: UnknownGroupPolicy = .warn
  ) throws -> [GroupMembers] {
    var random = SplitMix(state: 7)
    let directory = GroupDirectory()
    let memberships = MembershipSpool(runBudget: budget, keepsRowSlots: policy == .reject)
    var rowGroups = RowMemberships()
    for index in 0..<rows {
      let position = RowPosition(index: index, line: index + 2)
      var ownSlot = -1
      if index % 10 == 9 && index / 10 < groups {
        _ = directory.define(name: "Team \(index / 10)", id: "group-\(index / 10)", at: position)
        ownSlot = directory.slot(named: "Team \(index / 10)", mentionedAt: position)
      }
      var memberPosition = position
      var id = "person-\(index)"
      if merging && index > 20 && Int.random(in: 0..<4, using: &random) == 0 {
        // A later duplicate of an earlier row: listed at that row, under its id.
        let first = Int.random(in: 0..<index, using: &random)
        memberPosition = RowPosition(index: first, line: 0)
        id = "person-\(first)"
      }
      rowGroups.start(
        position: memberPosition, ownSlot: ownSlot, memberID: id, memberName: "Name \(index)",
        memberEmail: index % 3 == 0 ? "" : "m\(index)@example.com")
      // A few names no group row defines (policy matters for those rows).
      for _ in 0..<Int.random(in: 1...3, using: &random) {
        let slot = directory.slot(
          named: "Team \(Int.random(in: 0..<(groups + 3), using: &random))", mentionedAt: position)
        rowGroups.add(slot: slot, isPrimary: Bool.random(using: &random))
      }
      try memberships.append(rowGroups)
    }
    directory.settle(policy: policy)
    let linker = GroupLinker(directory: directory, policy: policy, headers: [:])
    let index = try GroupMemberIndex(
      memberships: memberships, linker: linker, includeReferenced: true, collapsingRepeatedMembers: merging)
    return try (0..<directory.groups.count).map { try index.members(ofSlot: $0) }
  }

  @Test(arguments: [false, true], [UnknownGroupPolicy.warn, .reject, .create])
  func membersDoNotDependOnTheBudget(merging: Bool, policy: UnknownGroupPolicy) throws {
    let inMemory = try members(rows: 3000, groups: 40, merging: merging, budget: 8 << 20, policy: policy)
    let spilled = try members(rows: 3000, groups: 40, merging: merging, budget: 4096, policy: policy)
    #expect(inMemory == spilled)
    #expect(inMemory.contains { !$0.children.isEmpty })
    if merging {
      // Each id listed once per group.
      for group in inMemory { #expect(Set(group.children).count == group.children.count) }
    }
  }
}

@Suite("First-pass spool")
struct PreparedRowSpoolTests {
  /// Spools `groups.count` accepted rows, each naming "A" and "B", with `slots` as their slot records.
  private func spool(rows: Int, slots: [[Int]]) throws -> PreparedRowSpool {
    let spool = try PreparedRowSpool(layout: .contacts)
    var encoded = SpoolRecordBytes()
    var rendering = OutputBuffer(capacity: 256)
    defer { rendering.deallocate() }
    for index in 0..<rows {
      var contact = Contact()
      contact.name = "Row \(index)"
      contact.groups = [GroupReference(name: "A", id: ""), GroupReference(name: "B", id: "")]
      let position = RowPosition(index: index, line: index + 2)
      encoded.removeAll()
      PreparedRowSpool.encode(
        PreparedRow(
          row: SourceRow(position: position, contact: contact, problems: [], original: .notKept),
          fingerprintSupplied: false),
        layout: spool.layout, into: &encoded, rendering: &rendering)
      try spool.write(encoded: encoded, rows: 1)
    }
    for record in slots { try spool.recordSlots(record) }
    return spool
  }

  @Test func theReplayGivesEachReferenceTheSlotItsFirstPassFound() throws {
    let many = Array(0..<300)
    let replay = try spool(rows: 5, slots: [[4, 7], [], [7, 4], many, [1]]).replay(inputBytes: 0)
    #expect(try replay.next()?.row.contact.groups.map(\.slot) == [4, 7])
    // No slot record (a row the first pass did not look up): linking looks its names up.
    #expect(try replay.next()?.row.contact.groups.map(\.slot) == [-1, -1])
    #expect(try replay.next()?.row.contact.groups.map(\.slot) == [7, 4])
    // Over 254 slots are not kept, and a record that does not match the row's references is not
    // used; the rows after stay in step.
    #expect(try replay.next()?.row.contact.groups.map(\.slot) == [-1, -1])
    #expect(try replay.next()?.row.contact.groups.map(\.slot) == [-1, -1])
    #expect(try replay.next() == nil)
  }

  @Test func aReplayOutOfStepWithItsSlotRecordsStops() throws {
    let replay = try spool(rows: 1, slots: [[1, 2], [3, 4]]).replay(inputBytes: 0)
    #expect(try replay.next()?.row.contact.name == "Row 0")
    #expect(throws: RosterError.self) { _ = try replay.next() }
    let short = try spool(rows: 2, slots: [[1, 2]]).replay(inputBytes: 0)
    _ = try short.next()
    #expect(throws: RosterError.self) { _ = try short.next() }
  }
}

@Suite("Spool varints")
struct SpoolVarintTests {
  @Test func varintsReadBackAndACutShortOneIsNil() {
    let values: [UInt64] = [0, 1, 127, 128, 300, 16_383, 16_384, 1 << 32, UInt64(Int.max), UInt64.max]
    var bytes = SpoolRecordBytes()
    for value in values { bytes.appendVarint(value) }
    let raw = UnsafeRawBufferPointer(bytes.bytes)
    var offset = 0
    #expect(values.map { _ in raw.varint(at: &offset) } == values.map { $0 })
    #expect(offset == raw.count)
    // Every value over 127 takes more than one byte: stopping inside one is `nil`.
    var inside = 0
    #expect(UnsafeRawBufferPointer(rebasing: raw[3..<4]).varint(at: &inside) == nil)
    let overlong = [UInt8](repeating: 0xFF, count: 11)
    overlong.withUnsafeBytes { raw in
      var start = 0
      #expect(raw.varint(at: &start) == nil)
    }
  }
}
