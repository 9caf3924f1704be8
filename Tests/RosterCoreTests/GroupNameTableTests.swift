import Testing

@testable import RosterCore

@Suite("Group name table")
struct GroupNameTableTests {
  /// A table over keys kept by the test, as the directory keeps names: look-ups and insertions.
  final class Keyed {
    let table = GroupNameTable()
    var keys: [[UInt8]] = []
    /// A fixed hash for every key, when set: every look-up then walks one chain.
    var fixedHash: UInt64?

    func hash(_ key: [UInt8]) -> UInt64 { fixedHash ?? key.withUnsafeBufferPointer { GroupNameTable.hash($0) } }

    func slot(_ key: [UInt8]) -> Int? { table.slot(hash: hash(key)) { keys[$0] == key } }

    func insert(_ key: [UInt8]) -> Int {
      keys.append(key)
      table.insert(slot: keys.count - 1, hash: hash(key)) { hash(keys[$0]) }
      return keys.count - 1
    }
  }

  /// Keys of every length around the 8-byte words the hash takes, keys that differ only in their last
  /// byte, the empty key, a long key and non-ASCII keys: each finds its own slot, through the table's
  /// growth, and keys never inserted find nothing (a `Dictionary` is the reference).
  @Test func agreesWithADictionary() {
    var keys: [String] = [String(repeating: "long", count: 300), "", "é", "日本", "Team 1", "team 1", "Team 1 "]
    for length in 1...24 {
      let base = String(repeating: "x", count: length - 1)
      for last in ["a", "b", "\u{7F}"] { keys.append(base + last) }
    }
    for number in 0..<5000 { keys.append("Group \(number * 7919 % 100_003)") }
    let keyed = Keyed()
    var reference: [String: Int] = [:]
    for key in keys where reference[key] == nil {
      #expect(keyed.slot(Array(key.utf8)) == nil)
      reference[key] = keyed.insert(Array(key.utf8))
    }
    #expect(keyed.table.count == reference.count)
    for (key, slot) in reference { #expect(keyed.slot(Array(key.utf8)) == slot) }
    for absent in ["Group -1", "xx", "team 2", String(repeating: "x", count: 25), "é "] {
      #expect(keyed.slot(Array(absent.utf8)) == nil)
    }
  }

  /// Keys whose hashes are all the same (as crafted names would be without the seed) are still told
  /// apart by the caller's check, through growth; slots on both sides of what a bucket holds (a
  /// UInt32) come back, the larger ones from the overflow, under equal hashes too.
  @Test func sameHashesAreToldApartByTheCheck() {
    let keyed = Keyed()
    keyed.fixedHash = 0xDEAD_BEEF_0000_0001
    for number in 0..<300 { #expect(keyed.insert(Array("k\(number)".utf8)) == number) }
    for number in (0..<300).reversed() { #expect(keyed.slot(Array("k\(number)".utf8)) == number) }
    #expect(keyed.slot(Array("k300".utf8)) == nil)
    let table = GroupNameTable()
    let slots = [Int(UInt32.max) - 1, 0, Int(UInt32.max), 1 << 40, Int.max]
    for (number, slot) in slots.enumerated() {
      let hash: UInt64 = number < 3 ? 7 : .max
      table.insert(slot: slot, hash: hash) { _ in 7 }
      #expect(table.slot(hash: hash) { $0 == slot } == slot)
    }
    for (number, slot) in slots.enumerated() {
      #expect(table.slot(hash: number < 3 ? 7 : .max) { $0 == slot } == slot)
    }
    #expect(table.count == slots.count)
    // Another tag in the same chain is not asked about.
    #expect(table.slot(hash: 7 | 1 << 52) { _ in true } == nil)
  }

  /// Names spread over every part of the table, each growing on its own: all found, none twice.
  @Test func everyPartGrowsOnItsOwn() {
    let keyed = Keyed()
    for number in 0..<(GroupNameTable.partCount * 40) { _ = keyed.insert(Array("Group \(number)".utf8)) }
    var parts = Set<UInt64>()
    for (slot, key) in keyed.keys.enumerated() {
      #expect(keyed.slot(key) == slot)
      parts.insert(keyed.hash(key) >> 58)
    }
    #expect(parts.count == GroupNameTable.partCount)
  }

  @Test func hashesDependOnEveryByte() {
    var seen = Set<UInt64>()
    var key = [UInt8](repeating: 0, count: 19)
    for position in key.indices {
      key[position] = 1
      seen.insert(key.withUnsafeBufferPointer { GroupNameTable.hash($0) })
      key[position] = 0
    }
    #expect(seen.count == key.count)
  }
}

@Suite("Slot columns")
struct SlotColumnTests {
  /// Values read back as written, across chunk boundaries, after appends and in-place changes.
  @Test func readsBackAcrossChunks() {
    var column = SlotColumn<Int>()
    let count = SlotColumn<Int>.chunkSize * 2 + 3
    for value in 0..<count { column.append(value * 3) }
    #expect(column.count == count)
    for slot in stride(from: 0, to: count, by: 7) { column[slot] += 1 }
    for slot in column.indices { #expect(column[slot] == slot * 3 + (slot % 7 == 0 ? 1 : 0)) }
  }
}

@Suite("Group ids in the directory")
struct GroupDirectoryIDTests {
  @Test func derivedAndGivenIDsComeBackAsWritten() {
    let directory = GroupDirectory()
    let derived = directory.slot(named: "  Ünïcode   Crew ", mentionedAt: nil)
    #expect(directory.id(of: derived) == ContactIdentifier.groupID(named: "ünïcode crew"))
    let ids = ["crm-7", "C0FFEE00-0000-5000-8000-000000000000", "c0ffee00-0000-5000-8000-000000000000", ""]
    for (index, id) in ids.enumerated() {
      _ = directory.define(name: "Given \(index)", id: id, at: RowPosition(index: index, line: index + 2))
      #expect(directory.id(of: directory.slot(named: "given \(index)", mentionedAt: nil)) == id)
    }
    // An id-only reference first, a UUID given by the group row later: the slot takes the row's id.
    let early = directory.slot(for: GroupReference(name: "", id: "ref-1"), mentionedAt: nil)
    #expect(directory.id(of: early) == "ref-1")
    _ = directory.define(name: "Late", id: "ref-1", at: RowPosition(index: 9, line: 11))
    #expect(directory.existingSlot(named: "late") == early)
    #expect(directory.groups[early].id == "ref-1")
  }

  /// Past the size where spelled ids are kept: a name's own id is derived again on every call, a UUID
  /// given by the group row (even after thousands of groups, and for groups added after it) and a
  /// text id come back as given, and a row giving the name's own id keeps it.
  @Test func idsComeBackInALargeDirectory() {
    let directory = GroupDirectory()
    for number in 0..<5_000 { _ = directory.slot(named: "Team \(number)", mentionedAt: nil) }
    let given = "0badcafe-0000-5000-8000-00000000000a"
    _ = directory.define(name: "team 4000", id: given, at: RowPosition(index: 1, line: 2))
    _ = directory.define(name: "TEAM 10", id: "crm-10", at: RowPosition(index: 2, line: 3))
    let own = ContactIdentifier.groupID(named: "team 20")
    _ = directory.define(name: "Team 20", id: own, at: RowPosition(index: 3, line: 4))
    for number in 5_000..<9_000 { _ = directory.slot(named: "Team \(number)", mentionedAt: nil) }
    let later = "0badcafe-0000-5000-8000-00000000000b"
    _ = directory.define(name: "Team 8999", id: later, at: RowPosition(index: 4, line: 5))
    for number in [0, 10, 20, 3_999, 4_000, 4_999, 5_000, 8_998, 8_999] {
      let slot = directory.existingSlot(named: "team \(number)")!
      let expected =
        switch number {
        case 4_000: given
        case 10: "crm-10"
        case 8_999: later
        default: ContactIdentifier.groupID(named: "team \(number)")
        }
      #expect(directory.id(of: slot) == expected, "Team \(number)")
      #expect(directory.groups[slot].id == expected, "Team \(number)")
    }
  }

  /// First mentions are kept only when asked for.
  @Test func firstMentionsAreKeptOnlyWhenAskedFor() {
    for keeps in [true, false] {
      let directory = GroupDirectory(keepsFirstMentions: keeps)
      let slot = directory.slot(named: "Crew", mentionedAt: RowPosition(index: 3, line: 5))
      #expect(directory.groups[slot].firstMention == (keeps ? RowPosition(index: 3, line: 5) : nil))
    }
  }
}
