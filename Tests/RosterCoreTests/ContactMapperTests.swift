import RosterCore
import Testing

/// Cells given as optional strings; `nil` stands for bytes that are not UTF-8.
struct StringCells: RecordCells {
  var values: [String?]
  var count: Int { values.count }
  func isEmpty(at index: Int) -> Bool { values[index] == "" }
  func string(at index: Int) -> String? { values[index] }
}

private func map(_ headers: [String], _ row: [String?]) throws -> (Contact, [IssueDetail]) {
  let mapper = ContactMapper(headerMap: try HeaderMap(headers: headers))
  var problems: [IssueDetail] = []
  let contact = mapper.draft(from: StringCells(values: row), problems: &problems)
  return (contact, problems)
}

@Suite("Contact mapper")
struct ContactMapperTests {
  @Test func firstAndLastNameBuildTheName() throws {
    let (contact, problems) = try map(["First Name", "Last Name"], ["Ada", "Lovelace"])
    #expect(problems.isEmpty)
    #expect(contact.name == "Ada Lovelace")
    #expect(contact.firstName == "Ada")
    #expect(contact.lastName == "Lovelace")
  }

  @Test func dotNotationNestsAndEmptyCellsAddNoKey() throws {
    let (contact, _) = try map(
      ["Name", "metadata.facebook.psid", "metadata.facebook.page", "metadata.csv_import", "address.city"],
      ["Ada", "123", "", "yes", "London"])
    var expected = NestedFields()
    expected.set("123", at: ["facebook", "psid"])
    expected.set("yes", at: ["csv_import"])
    #expect(contact.metadata == expected)
    #expect(contact.address.entries.map(\.key) == ["city"])
  }

  @Test(arguments: [("", ContactType.person), ("person", .person), ("GROUP", .group), (" group ", .group)])
  func typeValues(value: String, type: ContactType) throws {
    let (contact, problems) = try map(["Name", "Type"], ["X", value])
    #expect(problems.isEmpty)
    #expect(contact.type == type)
  }

  @Test func unknownTypeIsARowIssueNamingTheHeader() throws {
    let (_, problems) = try map(["Name", "Kind"], ["X", "robot"])
    #expect(problems.isEmpty)  // "Kind" is not Type: kept in metadata
    let (_, typed) = try map(["Name", "contact type"], ["X", "robot"])
    #expect(typed.map(\.code) == ["type.invalid"])
    #expect(typed.first?.header == "contact type")
    #expect(typed.first?.value == "robot")
  }

  @Test func missingNameNamesEveryNameHeader() throws {
    let (_, problems) = try map(["First Name", "Last Name", "Email"], ["", " ", "a@b.co"])
    #expect(problems.map(\.code) == ["name.missing", "name.missing"])
    #expect(problems.map(\.header) == ["First Name", "Last Name"])
  }

  @Test func emptyAndRaggedRows() throws {
    #expect(try map(["Name", "Email"], ["", ""]).1.map(\.code) == ["row.empty"])
    #expect(try map(["Name", "Email"], ["a"]).1.map(\.code) == ["row.field_count"])
    #expect(try map(["Name", "Email"], ["a", "b", "c"]).1.first?.message == "has 3 fields, the header has 2")
  }

  @Test func invalidUTF8IsReportedOnceForItsColumn() throws {
    let (_, problems) = try map(["Name", "Email"], [nil, "a@b.co"])
    #expect(problems.map(\.code) == ["row.invalid_utf8"])
    #expect(problems.first?.header == "Name")
  }

  @Test func mergedDuplicateColumnsMustAgree() throws {
    #expect(try map(["Name", "Email", "email"], ["a", "x@y.co", "x@y.co"]).1.isEmpty)
    #expect(try map(["Name", "Email", "email"], ["a", "", "x@y.co"]).0.email == "x@y.co")
    let (_, problems) = try map(["Name", "Email", "email"], ["a", "x@y.co", "z@y.co"])
    #expect(problems.map(\.code) == ["row.duplicate_column_conflict"])
    #expect(problems.first?.header == "email")
  }

  @Test func documentColumnsMergeKeyByKeyThroughTheDecoder() throws {
    var mapper = ContactMapper(
      headerMap: try HeaderMap(headers: ["Name", "metadata", "metadata.extra", "address_extra"]))
    mapper.documentDecoder = { text in
      guard text != "bad" else { throw HeaderError(code: "x", message: "not a map", headers: []) }
      var fields = NestedFields()
      for pair in text.split(separator: ",") {
        let parts = pair.split(separator: "=").map(String.init)
        fields.set(parts[1], at: parts[0].split(separator: ".").map(String.init)[...])
      }
      return fields
    }
    var problems: [IssueDetail] = []
    let contact = mapper.draft(from: StringCells(values: ["Ann", "a.b=1,c=2", "3", "wing=B"]), problems: &problems)
    #expect(problems.isEmpty)
    var expected = NestedFields()
    expected.set("1", at: ["a", "b"])
    expected.set("2", at: ["c"])
    expected.set("3", at: ["extra"])
    #expect(contact.metadata == expected)
    #expect(contact.address.entries.map(\.key) == ["wing"])

    problems.removeAll()
    _ = mapper.draft(from: StringCells(values: ["Ann", "extra=4", "3", ""]), problems: &problems)
    #expect(problems.map(\.code) == ["row.duplicate_column_conflict"])
    problems.removeAll()
    _ = mapper.draft(from: StringCells(values: ["Ann", "extra.deep=4", "3", ""]), problems: &problems)
    #expect(problems.map(\.code) == ["row.path_conflict"])
    problems.removeAll()
    _ = mapper.draft(from: StringCells(values: ["Ann", "bad", "", ""]), problems: &problems)
    #expect(problems.map(\.code) == ["row.invalid_document"])
    #expect(problems.first?.header == "metadata")
  }

  @Test func groupsSplitTrimAndMarkPrimaryMembership() throws {
    let (contact, _) = try map(["Name", "Groups", "Primary Groups"], ["a", " Avengers ;; west  coast;", "Avengers"])
    #expect(contact.groups.map(\.name) == ["Avengers", "west  coast"])
    #expect(contact.groups.map(\.isPrimary) == [true, false])
    #expect(ContactIdentifier.groupID(named: "AVENGERS") == ContactIdentifier.groupID(named: " avengers"))
  }
}

@Suite("Nested fields")
struct NestedFieldsTests {
  @Test func keepsInsertionOrderAndRefusesConflicts() {
    var fields = NestedFields()
    let results = [
      fields.set("1", at: ["b"]), fields.set("2", at: ["a", "x"]), fields.set("3", at: ["a", "y"]),
      fields.set("4", at: ["b", "z"]), fields.set("5", at: ["a"]),
    ]
    #expect(results == [true, true, true, false, false])
    #expect(fields.entries.map(\.key) == ["b", "a"])
    guard case .object(let child)? = fields["a"] else {
      Issue.record("a should be an object")
      return
    }
    #expect(child.entries.map(\.key) == ["x", "y"])
  }
}

@Suite("Identity")
struct IdentityTests {
  @Test func uuidV5MatchesTheRFCConstruction() {
    // Python: uuid.uuid5(uuid.NAMESPACE_DNS, "python.org")
    #expect(
      NameBasedUUID(namespace: NameBasedUUID.dnsNamespace, name: "python.org".utf8).description
        == "886313e1-3b8a-5372-9b90-0c9aee199e5d")
    // A name longer than one SHA-1 block.
    #expect(
      NameBasedUUID(namespace: NameBasedUUID.dnsNamespace, name: String(repeating: "a", count: 100).utf8)
        .description == "56596f37-716c-57a9-a735-2561f8608390")
  }

  @Test func uuidTextRoundTripsOnlyInCanonicalForm() {
    let text = "886313e1-3b8a-5372-9b90-0c9aee199e5d"
    let bytes = NameBasedUUID.bytes(ofText: text)
    #expect(bytes?.count == 16)
    #expect(bytes.map { NameBasedUUID.text(of: $0) } == text)
    #expect(NameBasedUUID.bytes(ofText: text.uppercased()) == nil)
    #expect(NameBasedUUID.bytes(ofText: "crm-42") == nil)
    #expect(NameBasedUUID.bytes(ofText: "886313e1_3b8a-5372-9b90-0c9aee199e5d") == nil)
    #expect(NameBasedUUID.text(of: [0xAB]) == "ab000000-0000-0000-0000-000000000000")
    #expect(NameBasedUUID.text(of: Array(repeating: 0xFF, count: 20)) == "ffffffff-ffff-ffff-ffff-ffffffffffff")
  }

  @Test func groupNamesNormalizeBeforeHashing() {
    #expect(GroupDirectory.normalizedName("  West\t Coast  ") == "west coast")
    #expect(GroupDirectory.normalizedName("STRASSE") == GroupDirectory.normalizedName("straße"))
    #expect(GroupDirectory.normalizedName("Cafe\u{301}") == GroupDirectory.normalizedName("CAFÉ"))
    #expect(ContactIdentifier.groupID(named: "Ünïcode Team") == ContactIdentifier.groupID(named: "ÜNÏCODE  team"))
    #expect(ContactIdentifier.groupID(named: "a") != ContactIdentifier.groupID(named: "b"))
  }

  @Test func derivedIDsAreStableAndDependOnTheKey() {
    var contact = Contact()
    contact.name = "Ada"
    contact.email = "ada@example.com"
    let first = ContactIdentifier.derivedID(for: contact)
    #expect(first == ContactIdentifier.derivedID(for: contact))
    contact.phone = "+442079460958"
    #expect(first != ContactIdentifier.derivedID(for: contact))
    contact.type = .group
    #expect(ContactIdentifier.derivedID(for: contact) == ContactIdentifier.groupID(named: "ada"))
  }
}
