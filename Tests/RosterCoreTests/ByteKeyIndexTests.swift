import Testing

@testable import RosterCore

@Suite("Byte-keyed index")
struct ByteKeyIndexTests {
  /// Keys of every length around the 8-byte words the hash and the comparison take, keys that differ
  /// only in their last byte, the empty key, a long key and non-ASCII keys: each finds its own value, through the
  /// index's growth, and keys never inserted find nothing (a `Dictionary` is the reference).
  @Test func agreesWithADictionary() {
    // A first key longer than the key buffer starts with, so it grows past doubling.
    var keys: [String] = [String(repeating: "long", count: 300), "", "é", "日本", "Team 1", "team 1", "Team 1 "]
    for length in 1...24 {
      let base = String(repeating: "x", count: length - 1)
      for last in ["a", "b", "\u{7F}"] { keys.append(base + last) }
    }
    for number in 0..<5000 { keys.append("Group \(number * 7919 % 100_003)") }
    let index = ByteKeyIndex()
    var reference: [String: Int] = [:]
    for (value, key) in keys.enumerated() where reference[key] == nil {
      #expect(index.value(for: key) == nil)
      index.insert(key, value: value)
      reference[key] = value
    }
    #expect(index.count == reference.count)
    for (key, value) in reference { #expect(index.value(for: key) == value) }
    for absent in ["Group -1", "xx", "team 2", String(repeating: "x", count: 25), "é "] {
      #expect(index.value(for: absent) == nil)
    }
  }

  /// Keys around the length where a record takes the long form (2^24 - 1 bytes), and values on both
  /// sides of the largest a short record holds (negative ones too), read back as inserted.
  @Test func longKeysAndLargeValuesReadBack() {
    let index = ByteKeyIndex()
    let lengths = [(1 << 24) - 2, (1 << 24) - 1, 1 << 24, 9]
    for (number, value) in [ByteKeyIndex.largestValue, ByteKeyIndex.largestValue + 1, Int.max, -1, Int.min]
      .enumerated()
    {
      index.insert("value \(number)", value: value)
    }
    for (number, value) in [ByteKeyIndex.largestValue, ByteKeyIndex.largestValue + 1, Int.max, -1, Int.min]
      .enumerated()
    {
      #expect(index.value(for: "value \(number)") == value)
    }
    for (number, length) in lengths.enumerated() {
      var key = [UInt8](repeating: UInt8(ascii: "k"), count: length)
      key[length - 1] = UInt8(number)
      key.withUnsafeBufferPointer { index.insert($0, value: ByteKeyIndex.largestValue - number) }
    }
    for (number, length) in lengths.enumerated() {
      var key = [UInt8](repeating: UInt8(ascii: "k"), count: length)
      key[length - 1] = UInt8(number)
      #expect(key.withUnsafeBufferPointer { index.value(for: $0) } == ByteKeyIndex.largestValue - number)
      key[length - 1] = 0xFF
      #expect(key.withUnsafeBufferPointer { index.value(for: $0) } == nil)
    }
  }

  @Test func hashesDependOnEveryByte() {
    var seen = Set<UInt32>()
    var key = [UInt8](repeating: 0, count: 19)
    for position in key.indices {
      key[position] = 1
      seen.insert(key.withUnsafeBufferPointer { ByteKeyIndex.hash($0) })
      key[position] = 0
    }
    #expect(seen.count == key.count)
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
}
