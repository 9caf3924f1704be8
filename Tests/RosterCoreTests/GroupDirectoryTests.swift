import RosterCore
import Testing

@Suite("Groups")
struct GroupDirectoryTests {
  @Test(arguments: [
    ("a;b", [String]?.some(["a", "b"])), (" \"x;y\" ; z", ["x;y", "z"]), ("\"a\"\"b\"", ["a\"b"]),
    ("\"open", nil), (";; ;", []), ("Team \"A\"", ["Team \"A\""]), ("é;日本", ["é", "日本"]),
  ])
  func groupNamesSplitOutsideQuotes(cell: String, names: [String]?) {
    #expect(ContactMapper.groupNames(in: cell, separator: UInt8(ascii: ";")) == names)
  }

  /// A cell without quotes is split as slices of the cell: it must agree with the quote-aware path,
  /// which the same cell takes once an empty quoted name (dropped) is added to it.
  @Test func namesWithoutQuotesSplitLikeTheQuoteAwarePath() {
    let alphabet = ["a", " ", "\t", "\r", "\n", ";", "é"]
    var cells = [""]
    for _ in 0..<4 { cells += cells.flatMap { cell in alphabet.map { cell + $0 } } }
    for cell in Set(cells) {
      let plain = ContactMapper.groupNames(in: cell, separator: UInt8(ascii: ";"))
      let quoteAware = ContactMapper.groupNames(in: cell + ";\"\"", separator: UInt8(ascii: ";"))
      #expect(plain == quoteAware, "cell \(cell.debugDescription)")
    }
    #expect(ContactMapper.groupNames(in: "\r\n a \t;\tb\r", separator: UInt8(ascii: ";")) == ["a", "b"])
  }

  @Test func customSeparator() {
    #expect(ContactMapper.groupNames(in: "a;b|c", separator: UInt8(ascii: "|")) == ["a;b", "c"])
  }

  @Test(arguments: [
    ("  West\t Coast  ", "west coast"), ("STRASSE", "strasse"), ("straße", "strasse"), ("ΟΔΟΣ", "οδοσ"),
    ("οδος", "οδοσ"), ("Cafe\u{301}", "café"), ("CAFÉ", "café"),
  ])
  func namesNormalizeByTrimFoldAndNFC(name: String, normalized: String) {
    #expect(Array(GroupDirectory.normalizedName(name).utf8) == Array(normalized.utf8))
  }

  /// The byte loop for ASCII names agrees with the Unicode path (white space per
  /// `Character.isWhitespace`, lowercase of uppercase, NFC) on every ASCII byte, in runs and at the ends.
  @Test func asciiNamesNormalizeLikeTheUnicodePath() {
    func unicodePath(_ name: String) -> String {
      let folded = name.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ").uppercased().lowercased()
      return String(decoding: folded._nfcCodeUnits, as: UTF8.self)
    }
    var generator = SystemRandomNumberGenerator()
    let alphabet = (0..<128).map { UInt8($0) }
    for length in 0..<40 {
      for _ in 0..<50 {
        let bytes = (0..<length).map { _ in alphabet.randomElement(using: &generator)! }
        let name = String(decoding: bytes, as: UTF8.self)
        #expect(GroupDirectory.normalizedName(name) == unicodePath(name), "\(bytes)")
      }
    }
    for name in [" \r\n A\u{0B}b\u{0C}  c\t", "\u{1C}x\u{1F}", "", "   "] {
      #expect(GroupDirectory.normalizedName(name) == unicodePath(name))
    }
  }

  @Test func cyclesAreFoundAndOtherGroupsAreNot() {
    let directory = GroupDirectory()
    let names = ["A", "B", "C", "D", "Self", "Free"]
    for (index, name) in names.enumerated() {
      _ = directory.define(name: name, id: name, at: RowPosition(index: index, line: index + 2))
    }
    func slot(_ name: String) -> Int { directory.slot(named: name, mentionedAt: nil) }
    directory.nest(slot("A"), in: slot("B"))
    directory.nest(slot("B"), in: slot("C"))
    directory.nest(slot("C"), in: slot("A"))
    directory.nest(slot("D"), in: slot("A"))
    directory.nest(slot("Self"), in: slot("Self"))
    directory.nest(slot("Free"), in: slot("D"))
    directory.settle(policy: .warn)
    let statuses = names.map { directory.groups[slot($0)].status }
    #expect(statuses == [.cyclic, .cyclic, .cyclic, .defined, .cyclic, .defined])
    #expect(directory.groups[slot("A")].cycle == ["A", "B", "C", "A"])
    #expect(directory.groups[slot("Self")].cycle == ["Self", "Self"])
  }

  @Test func duplicatesReportTheFirstDefinition() {
    let directory = GroupDirectory()
    let first = RowPosition(index: 0, line: 2)
    #expect(directory.define(name: "Avengers", id: "x", at: first) == nil)
    #expect(directory.define(name: "Avengers", id: "x", at: first) == nil)
    #expect(directory.define(name: " AVENGERS ", id: "y", at: RowPosition(index: 5, line: 7)) == first)
    #expect(directory.groups.count == 1)
  }

  @Test(arguments: [UnknownGroupPolicy.warn, .reject, .create])
  func unknownNamesFollowThePolicy(policy: UnknownGroupPolicy) {
    let directory = GroupDirectory()
    let ghost = directory.slot(named: "Ghost", mentionedAt: RowPosition(index: 0, line: 2))
    directory.settle(policy: policy)
    #expect(directory.accepts(ghost) == (policy == .create))
    let linker = GroupLinker(directory: directory, policy: policy, headers: [.groups: "Groups"])
    let counts = linker.countsAsMember(ownSlot: nil, at: RowPosition(index: 0, line: 2), slots: [ghost])
    #expect(counts == (policy != .reject))
  }

  @Test func referencesByIDResolveBeforeAndAfterTheGroupRow() throws {
    let directory = GroupDirectory()
    let early = directory.slot(for: GroupReference(name: "", id: "g-1"), mentionedAt: RowPosition(index: 0, line: 2))
    _ = directory.define(name: "Crew", id: "g-1", at: RowPosition(index: 1, line: 3))
    let late = directory.slot(for: GroupReference(name: "", id: "g-1"), mentionedAt: RowPosition(index: 2, line: 4))
    let ghost = directory.slot(for: GroupReference(name: "", id: "g-9"), mentionedAt: nil)
    directory.settle(policy: .warn)
    #expect(early == late)
    #expect(directory.existingSlot(named: "crew") == early)
    #expect(directory.accepts(early) && !directory.accepts(ghost))
    let linker = GroupLinker(directory: directory, policy: .warn, headers: [:])
    var person = Contact()
    person.name = "Ann"
    person.groups = [GroupReference(name: "", id: "g-1"), GroupReference(name: "", id: "g-9")]
    var problems: [IssueDetail] = []
    var warnings: [RunWarning] = []
    try linker.link(&person, at: RowPosition(index: 2, line: 4), problems: &problems, warnings: &warnings)
    #expect(person.groups.map(\.name) == ["Crew"])
    #expect(
      warnings.map(\.message) == [
        "Groups names group id \"g-9\", which no group row defines; the membership is dropped"
      ])
  }

  /// The output pass links by the slots the first pass found (`GroupReference.slot`): on random
  /// references (spellings of one group, unknown names, repeats, primaries) that must give what
  /// looking every name up gives, for each policy.
  @Test(arguments: [UnknownGroupPolicy.warn, .reject, .create])
  func linkingBySlotsAgreesWithLookingNamesUp(policy: UnknownGroupPolicy) throws {
    let directory = GroupDirectory()
    for (index, name) in ["Sales", "Support", "Crew"].enumerated() {
      _ = directory.define(name: name, id: "g-\(index)", at: RowPosition(index: index, line: index + 2))
    }
    let spellings = ["Sales", " sales", "SALES", "Support", "support ", "Crew", "Ghost", "ghost", "Nobody"]
    var generator = SystemRandomNumberGenerator()
    var rows: [[GroupReference]] = []
    for _ in 0..<300 {
      rows.append(
        (0..<Int.random(in: 1...20, using: &generator)).map { _ in
          GroupReference(
            name: spellings.randomElement(using: &generator)!, id: "", isPrimary: Bool.random(using: &generator))
        })
    }
    // The first pass: every reference looked up once, as `scanGroups` does.
    var hinted = rows
    for row in hinted.indices {
      for reference in hinted[row].indices {
        hinted[row][reference].slot = Int32(directory.slot(for: hinted[row][reference], mentionedAt: nil))
      }
    }
    directory.settle(policy: policy)
    let linker = GroupLinker(directory: directory, policy: policy, headers: [.groups: "Groups"])
    for (plain, withSlots) in zip(rows, hinted) {
      var results: [([GroupReference], [IssueDetail], [String])] = []
      for groups in [plain, withSlots] {
        var contact = Contact()
        contact.groups = groups
        var problems: [IssueDetail] = []
        var warnings: [RunWarning] = []
        try linker.link(&contact, at: RowPosition(index: 9, line: 11), problems: &problems, warnings: &warnings)
        results.append((problems.isEmpty ? contact.groups : [], problems, warnings.map(\.message)))
      }
      #expect(results[0].0 == results[1].0 && results[0].1 == results[1].1 && results[0].2 == results[1].2)
      #expect(results[0].0.map(\.slot) == results[1].0.map(\.slot))
      #expect(Set(results[0].0.map(\.id)).count == results[0].0.count, "each group once")
    }
  }

  /// The slot is a hint outside the reference's value, and linking goes by it when it has one.
  @Test func aSlotHintIsUsedButIsNotPartOfTheValue() throws {
    let directory = GroupDirectory()
    _ = directory.define(name: "Sales", id: "", at: RowPosition(index: 0, line: 2))
    let sales = directory.slot(named: "Sales", mentionedAt: nil)
    directory.settle(policy: .warn)
    var hinted = GroupReference(name: "Elsewhere", id: "")
    hinted.slot = Int32(sales)
    #expect(hinted == GroupReference(name: "Elsewhere", id: ""))
    #expect(Set([hinted, GroupReference(name: "Elsewhere", id: "")]).count == 1)
    var contact = Contact()
    contact.groups = [hinted]
    var problems: [IssueDetail] = []
    var warnings: [RunWarning] = []
    try GroupLinker(directory: directory, policy: .warn, headers: [:]).link(
      &contact, at: RowPosition(index: 1, line: 3), problems: &problems, warnings: &warnings)
    #expect(contact.groups.map(\.name) == ["Sales"] && warnings.isEmpty)
  }

  /// Ids are spelled once per slot in a small directory and anew in a large one: both give each
  /// group's own id, and a group row's id replaces one spelled before it.
  @Test(arguments: [10, 3000])
  func idsAreTheGroupsOwnWhateverTheDirectorysSize(groups: Int) {
    let directory = GroupDirectory()
    let slots = (0..<groups).map { directory.slot(named: "Team \($0)", mentionedAt: nil) }
    for _ in 0..<2 {
      for (number, slot) in slots.enumerated() {
        #expect(directory.id(of: slot) == ContactIdentifier.groupID(named: "Team \(number)"))
      }
    }
    let explicit = "0b8a4c9e-3f0d-4b6e-9a51-7c2d1e0f9a88"
    _ = directory.define(name: "Team 1", id: explicit, at: RowPosition(index: 0, line: 2))
    _ = directory.define(name: "Team 2", id: "crm-2", at: RowPosition(index: 1, line: 3))
    #expect(directory.id(of: slots[1]) == explicit)
    #expect(directory.id(of: slots[2]) == "crm-2")
    #expect(directory.id(of: slots[3]) == ContactIdentifier.groupID(named: "Team 3"))
  }

  @Test func explicitGroupIDsWinOverDerivedOnes() throws {
    let directory = GroupDirectory()
    _ = directory.define(name: "Crew", id: "crm-7", at: RowPosition(index: 1, line: 3))
    directory.settle(policy: .warn)
    let linker = GroupLinker(directory: directory, policy: .warn, headers: [:])
    var person = Contact()
    person.name = "Ann"
    person.groups = [GroupReference(name: "crew", id: ContactIdentifier.groupID(named: "crew"))]
    var problems: [IssueDetail] = []
    var warnings: [RunWarning] = []
    try linker.link(&person, at: RowPosition(index: 0, line: 2), problems: &problems, warnings: &warnings)
    #expect(problems.isEmpty && warnings.isEmpty)
    #expect(person.groups.map(\.id) == ["crm-7"])
  }

  /// Names share a slot exactly when their normalized names are equal, whichever path looks them up
  /// (short ASCII names are folded in a stack buffer, others through `normalizedName`): random names
  /// from letters, digits, white space, controls that are not white space, a non-ASCII letter, and
  /// lengths on both sides of the 64-byte ASCII path.
  @Test func namesShareASlotExactlyWhenTheirKeysMatch() {
    let pieces = ["A", "a", "B", "b", "1", " ", "  ", "\t", "\n", "\u{0B}", "\u{1C}", "\u{1F}", "É", "é", "-"]
    var generator = SystemRandomNumberGenerator()
    let directory = GroupDirectory()
    var slotByKey: [String: Int] = [:]
    for round in 0..<4_000 {
      let length =
        round % 10 == 0 ? Int.random(in: 40...80, using: &generator) : Int.random(in: 0...6, using: &generator)
      let name = (0..<length).map { _ in pieces.randomElement(using: &generator)! }.joined()
      let key = GroupDirectory.normalizedName(name)
      let slot = directory.slot(named: name, mentionedAt: nil)
      if let known = slotByKey[key] {
        #expect(slot == known, "\(name.debugDescription) has key \(key.debugDescription)")
      } else {
        #expect(!slotByKey.values.contains(slot), "\(name.debugDescription) took another key's slot")
        slotByKey[key] = slot
      }
      #expect(directory.existingSlot(named: name) == slot)
    }
  }

  /// The name look-up keeps no names of its own: it folds each slot's name again. A group first
  /// named one way (ASCII) and defined by a row that spells it another (non-ASCII, same key), or the
  /// other way round, is still found under every spelling after the directory has grown well past
  /// it, and a slot named by id takes the name its group row gives.
  @Test func renamedGroupsAreFoundUnderEverySpellingAfterGrowth() {
    let directory = GroupDirectory()
    let pairs = [("STRASSE", "Straße"), ("Straße Süd", "STRASSE SÜD"), ("Kelvin", "\u{212A}elvin"), ("ΣΟΦΊΑ", "σοφία")]
    var slots: [Int] = []
    for (number, (first, defining)) in pairs.enumerated() {
      let slot = directory.slot(named: first, mentionedAt: RowPosition(index: number, line: number + 2))
      #expect(directory.define(name: defining, id: "", at: RowPosition(index: 100 + number, line: 102 + number)) == nil)
      #expect(directory.name(of: slot) == defining)
      slots.append(slot)
    }
    let byID = directory.slot(for: GroupReference(name: "", id: "crm-9"), mentionedAt: nil)
    _ = directory.define(name: "Ünïcode Crew", id: "crm-9", at: RowPosition(index: 200, line: 202))
    for number in 0..<20_000 { _ = directory.slot(named: "Filler \(number)", mentionedAt: nil) }
    for (slot, (first, defining)) in zip(slots, pairs) {
      for spelling in [first, defining, first.lowercased(), " \(defining)  "] {
        #expect(directory.existingSlot(named: spelling) == slot, "\(spelling)")
        #expect(directory.slot(named: spelling, mentionedAt: nil) == slot, "\(spelling)")
      }
    }
    #expect(directory.existingSlot(named: "ünïcode  CREW") == byID)
    #expect(directory.existingSlot(named: "Filler 19999") == directory.slotCount - 1)
    #expect(directory.existingSlot(named: "Filler 20000") == nil)
  }

  /// Definitions and first mentions are kept in 8 bytes where they fit and whole where they do not:
  /// either way they read back as given.
  @Test func positionsReadBackAtAnySize() {
    let directory = GroupDirectory()
    let positions = [
      RowPosition(index: 0, line: 2), RowPosition(index: 4_294_967_294, line: 4_294_967_293),
      RowPosition(index: 5_000_000_000, line: 6), RowPosition(index: 7, line: 6_000_000_000),
      RowPosition(index: Int.max, line: Int.max),
    ]
    for (number, position) in positions.enumerated() {
      let slot = directory.slot(named: "Team \(number)", mentionedAt: position)
      #expect(directory.groups[slot].firstMention == position)
      #expect(directory.definition(of: slot) == nil)
      let defined = RowPosition(index: position.index / 2, line: position.line)
      #expect(directory.define(name: "Team \(number)", id: "", at: defined) == nil)
      #expect(directory.definition(of: slot) == defined)
      // Defined again elsewhere: the first definition is the one reported.
      #expect(directory.define(name: "team \(number)", id: "", at: RowPosition(index: 1, line: 1)) == defined)
    }
    let unmentioned = directory.slot(named: "Nobody", mentionedAt: nil)
    #expect(directory.groups[unmentioned].firstMention == nil)
  }
}
