import Foundation
import RosterCore
import RosterFormats
import RosterTestSupport
import Testing

@testable import RosterXLSX

/// A stand-in for the libyaml encoder: `{key: value, child: {...}}` with values in double quotes.
func flowRendering(_ fields: NestedFields) -> String {
  "{"
    + fields.entries.map { entry in
      switch entry.value {
      case .string(let value): "\(entry.key): \"\(value)\""
      case .object(let child): "\(entry.key): \(flowRendering(child))"
      }
    }.joined(separator: ", ") + "}"
}

/// Values a spreadsheet is tempted to reinterpret, and text that is hard to carry through XML.
let hostileValues = [
  "=1+2", "=HYPERLINK(\"http://x\")", "+441234567890", "+1 (555) 010-9999", "-5", "-A1", "@SUM(A1:A2)",
  "00123", "0049 30 1234", "1e5", "1E-3", "0x1F", "2024-01-01", "01/02/2024", "12:30", "TRUE", "false",
  "#N/A", "'quoted", "50%", "$1,000", "1/2", "  padded  ", " ", "<b>&amp;</b> \"q\" 'a'",
  "Zoë Ångström", "李小龙", "Ελληνικά", "עברית", "\u{202E}reversed", "👩‍👩‍👧‍👦 family", "e\u{301}", "🇬🇧",
  "_x0041_", "a_x00e9_b", "_x005F_x0041_", "_x000D_", "__x0041__", "_x12_", "_x1F_", "_x5f_", "_x0_", "_X0041_",
  "_x00012_", "_x0041\u{01}", "_x00\u{1F}", "_x7\r\n", "_x0041\t_x0041\n",
  "tab\there", "line\nfeed", "carriage\rreturn", "crlf\r\n", "bell\u{07}", "\u{1B}[31mred", "\u{1F}unit",
  "del\u{7F}", "c1\u{85}next", "nbsp\u{A0}", "bom\u{FEFF}", "private\u{E000}", "astral\u{10FFFD}",
  String(repeating: "long ", count: 2_000),
]

/// A contact carrying `value` in every free-text column (and the metadata, through the YAML renderer).
func hostileContact(_ value: String, number: Int) -> Contact {
  var contact = Contact()
  contact.id = "id-\(number)"
  contact.name = value
  contact.firstName = value
  contact.lastName = "L\(number)"
  contact.email = value
  contact.phone = value
  contact.phoneExtension = value
  contact.address.set(value, at: ["address_line1"])
  contact.address.set(value, at: ["postcode"])
  contact.address.set(value, at: ["floor"])  // not a column of its own: goes to address_extra
  contact.groups = [GroupReference(name: value, id: "g-\(number)", isPrimary: true)]
  contact.metadata.set(value, at: ["note"])
  return contact
}

/// Where `actual` and `expected` part, without printing 30,000-character values in full.
func difference(_ actual: String?, _ expected: String) -> String {
  guard let actual else { return "read back nothing, expected \(expected.utf16.count) UTF-16 units" }
  let common = zip(actual.unicodeScalars, expected.unicodeScalars).prefix { $0 == $1 }.count
  func excerpt(_ text: String) -> String {
    String(String.UnicodeScalarView(text.unicodeScalars.dropFirst(common).prefix(40))).debugDescription
  }
  return "\(actual.unicodeScalars.count) vs \(expected.unicodeScalars.count) code points, "
    + "first difference at \(common): \(excerpt(actual)) vs \(excerpt(expected))"
}

/// The longest prefix of whole characters within Excel's 32,767 UTF-16 units.
func excelPrefix(_ value: String) -> String {
  var units = 0
  var prefix = ""
  for character in value {
    units += character.utf16.count
    if units > 32_767 { break }
    prefix.append(character)
  }
  return prefix
}

/// A directory for one test's files, removed afterwards; `entries` lists what is left in it.
struct Scratch: ~Copyable {
  let url: URL
  init() throws { url = try TestSupport.temporaryDirectory() }
  deinit { try? FileManager.default.removeItem(at: url) }
  func path(_ name: String) -> String { url.appendingPathComponent(name).path }
  var entries: [String] { ((try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []).sorted() }
}

@Suite("XLSX contact writer")
struct XLSXContactWriterTests {
  static let lastContactColumn = "U"  // 21 columns

  @Test func hostileValuesAreWrittenAsTextAndReadBackExactly() throws {
    let scratch = try Scratch()
    let path = scratch.path("contacts.xlsx")
    let writer = try XLSXContactWriter(destination: path, yaml: flowRendering)
    let contacts = hostileValues.enumerated().map { hostileContact($1, number: $0) }
    for contact in contacts { try writer.write(contact) }
    try writer.finish()
    #expect(writer.adjustments.isEmpty, "nothing here needs the policy: \(writer.adjustments.prefix(3))")
    #expect(writer.contactCount == contacts.count)
    #expect(scratch.entries == ["contacts.xlsx"], "a temporary file was left behind")

    guard let book = try WorkbookReadBack.read(path) else { return }
    #expect(book.sheets.map(\.name) == ["Contacts", "Issues"])
    #expect(book.formulas == 0)
    #expect(book.nonInlineStringCells.isEmpty, "cells not written as strings: \(book.nonInlineStringCells.prefix(5))")
    let sheet = try #require(book.sheet("Contacts"))
    #expect(sheet.texts.first == SpreadsheetLayout.headers.map { $0 })
    #expect(sheet.bold == Array(repeating: true, count: SpreadsheetLayout.headers.count))
    #expect(sheet.freeze == "A2")
    #expect(sheet.autofilter == "A1:\(Self.lastContactColumn)\(contacts.count + 1)")
    #expect(sheet.dimension == sheet.autofilter)
    // libxlsxwriter stores a width plus its 0.71 character padding.
    #expect(abs((sheet.widths["A"] ?? 0) - 38.71) < 0.01)  // id
    #expect(abs((sheet.widths["G"] ?? 0) - 30.71) < 0.01)  // email
    try #require(sheet.rows.count == contacts.count + 1)
    for (index, contact) in contacts.enumerated() {
      let row = sheet.rows[index + 1]
      let expected = SpreadsheetLayout.cells(for: contact, yaml: flowRendering)
      try #require(row.count == expected.count)
      for (column, (cell, value)) in zip(row, expected).enumerated() {
        let place = "row \(index + 2) column \(SpreadsheetLayout.headers[column])"
        if value.isEmpty {
          #expect(cell.text == nil, "\(place) should be empty")
        } else {
          let same = cell.text == value
          #expect(same, "\(place): \(difference(cell.text, value))")
          #expect(cell.type == "str", "\(place) is \(cell.type)")
        }
      }
    }
    // Spot checks written out, independent of SpreadsheetLayout.
    let byName = Dictionary(sheet.rows.dropFirst().map { ($0[3].text ?? "", $0) }, uniquingKeysWith: { a, _ in a })
    #expect(byName["+441234567890"]?[7].raw == "+441234567890")
    #expect(byName["00123"]?[7].raw == "00123")
    #expect(byName["=1+2"]?[6].raw == "=1+2")
    #expect(byName["2024-01-01"]?[3].type == "str")
    #expect(byName["  padded  "]?[4].raw == "  padded  ")
    #expect(byName["_x0041_"]?[3].raw == "_x005F_x0041_")  // escaped so Excel shows the text
    #expect(byName["carriage\rreturn"]?[3].raw == "carriage_x000D_return")  // libxlsxwriter's escape
    #expect(byName["metadata"] == nil)
  }

  @Test func valuesExcelCannotHoldAreChangedByThePolicyAndReported() throws {
    let scratch = try Scratch()
    let path = scratch.path("policy.xlsx")
    let writer = try XLSXContactWriter(destination: path, yaml: flowRendering)
    let long = String(repeating: "a", count: 40_000)
    let emoji = String(repeating: "😀", count: 20_000)  // 40,000 UTF-16 units, 20,000 code points
    let family = String(repeating: "a", count: 32_760) + "👩‍👩‍👧‍👦"  // one 11-unit character over the limit
    let escapes = String(repeating: "_x0041_", count: 5_000)  // 35,000 characters, 65,000 once escaped
    let cases: [(value: String, shown: String, kinds: [XLSXCellAdjustment.Kind])] = [
      (String(repeating: "x", count: 32_767), String(repeating: "x", count: 32_767), []),
      (String(repeating: "é", count: 32_767), String(repeating: "é", count: 32_767), []),
      (String(repeating: "😀", count: 16_383) + "x", String(repeating: "😀", count: 16_383) + "x", []),
      ("a\u{0}b\u{0}", "a\u{FFFD}b\u{FFFD}", [.nulReplaced]),
      ("x\u{FFFE}y\u{FFFF}", "x\u{FFFD}y\u{FFFD}", [.noncharacterReplaced]),
      (long, String(long.prefix(32_767)), [.truncated]),
      (String(repeating: "b", count: 32_768), String(repeating: "b", count: 32_767), [.truncated]),
      (emoji, String(repeating: "😀", count: 16_383), [.truncated]),
      (family, String(repeating: "a", count: 32_760), [.truncated]),
      ("\u{0}" + long, "\u{FFFD}" + String(long.prefix(32_766)), [.nulReplaced, .truncated]),
      // libxlsxwriter counts the escapes' code points too: 13 per "_x0041_", so 2,520 whole ones (32,760)
      // and "_x0041" (6 more; its closing "_" would add 7).
      (escapes, String(escapes.prefix(2_520 * 7 + 6)), [.truncated]),
    ]
    for (number, entry) in cases.enumerated() {
      var contact = Contact()
      contact.id = "p-\(number)"
      contact.name = entry.value
      try writer.write(contact)
    }
    try writer.finish()

    let nameColumn = "name"
    let expected = cases.enumerated().flatMap { number, entry in
      entry.kinds.map { (kind: $0, row: number + 2, id: "p-\(number)") }
    }
    #expect(writer.adjustments.map(\.kind) == expected.map(\.kind))
    #expect(writer.adjustments.map(\.row) == expected.map(\.row))
    #expect(writer.adjustments.map(\.contactID) == expected.map(\.id))
    #expect(writer.adjustments.allSatisfy { $0.sheet == "Contacts" && $0.column == nameColumn })
    #expect(writer.adjustments.first?.message.contains("2 NUL characters") == true)
    #expect(writer.adjustments[2].message.contains("40000 to 32767"))
    #expect(expected.first?.row == 5, "the three values at the limit are unchanged")
    #expect(writer.adjustments.map(\.code.rawValue).contains("xlsx.value_truncated"))

    guard let book = try WorkbookReadBack.read(path) else { return }
    let sheet = try #require(book.sheet("Contacts"))
    try #require(sheet.rows.count == cases.count + 1)
    let nameIndex = try #require(SpreadsheetLayout.headers.firstIndex(of: nameColumn))
    for (number, entry) in cases.enumerated() {
      let cell = sheet.rows[number + 1][nameIndex]
      #expect(cell.type == "str")
      let same = cell.text == entry.shown
      #expect(same, "case \(number): \(difference(cell.text, entry.shown))")
      #expect((cell.text?.utf16.count ?? 0) <= 32_767)
    }
    let taken = writer.takeAdjustments()
    #expect(taken.count == expected.count)
    #expect(writer.adjustments.isEmpty)
  }

  @Test func issuesSheetListsRejectedRowsWithTheirOriginalValues() throws {
    let scratch = try Scratch()
    let path = scratch.path("issues.xlsx")
    let headers = ["Name", "E-mail", "Phone", "Notes"]
    let writer = try XLSXContactWriter(destination: path, inputHeaders: headers, yaml: flowRendering)
    var contact = Contact()
    contact.id = "ok-1"
    contact.name = "Ada"
    try writer.write(contact)
    try writer.recordIssue(
      RowIssue(
        position: RowPosition(index: 1, line: 3),
        details: [
          IssueDetail(
            header: "E-mail", field: "email", code: "email.domain_no_tld",
            message: "the domain has no top-level part after its last dot", value: "thor@asgard."),
          IssueDetail(
            header: "Phone", field: "phone", code: "phone.too_short", message: "too short", value: "007"),
        ]),
      originalValues: ["Thor", "thor@asgard.", "007", "=cmd|' /C calc'!A0"])
    try writer.recordIssue(
      RowIssue(
        position: RowPosition(index: 4, line: 9),
        details: [IssueDetail(header: nil, field: "row", code: "row.ragged", message: "6 fields, 4 headers")]),
      originalValues: ["a", "", "2024-01-01", "x\u{0}y", "extra 1", "_x0041_"])
    try writer.finish()
    #expect(writer.issueCount == 2)
    #expect(writer.adjustments.map(\.kind) == [.nulReplaced])
    #expect(writer.adjustments.first?.sheet == "Issues")
    #expect(writer.adjustments.first?.row == 3)
    #expect(writer.adjustments.first?.column == "Notes")
    #expect(writer.adjustments.first?.position == RowPosition(index: 4, line: 9))

    guard let book = try WorkbookReadBack.read(path) else { return }
    #expect(book.formulas == 0)
    // Only the Issues sheet's index and line are numbers.
    #expect(
      book.nonInlineStringCells.sorted()
        == [
          "xl/worksheets/sheet2.xml!A2", "xl/worksheets/sheet2.xml!A3",
          "xl/worksheets/sheet2.xml!B2", "xl/worksheets/sheet2.xml!B3",
        ].sorted())
    let sheet = try #require(book.sheet("Issues"))
    #expect(sheet.freeze == "A2")
    #expect(sheet.bold == Array(repeating: true, count: 8) + [false, false])  // the ragged row's columns have none
    #expect(sheet.autofilter == "A1:J3")  // through the ragged row's last value
    #expect(sheet.dimension == "A1:J3")
    #expect(
      sheet.texts.first == [
        "index", "line", "headers in error", "reasons", "Name", "E-mail", "Phone", "Notes", nil, nil,
      ])
    #expect(
      sheet.texts[1] == [
        "1", "3", "E-mail\nPhone",
        "E-mail: the domain has no top-level part after its last dot [email.domain_no_tld]\n"
          + "Phone: too short [phone.too_short]",
        "Thor", "thor@asgard.", "007", "=cmd|' /C calc'!A0", nil, nil,
      ])
    #expect(sheet.rows[1].map(\.type).prefix(2) == ["int", "int"])
    #expect(sheet.rows[1][6].type == "str")
    #expect(
      sheet.texts[2] == [
        "4", "9", nil, "row: 6 fields, 4 headers [row.ragged]", "a", nil, "2024-01-01", "x\u{FFFD}y", "extra 1",
        "_x0041_",
      ])
    #expect(sheet.rows[2][6].type == "str")
  }

  @Test func rowsContinueOnFurtherSheetsPastTheRowLimit() throws {
    let scratch = try Scratch()
    let path = scratch.path("rollover.xlsx")
    let writer = try XLSXContactWriter(destination: path, inputHeaders: [], yaml: flowRendering, rowsPerSheet: 3)
    for number in 0..<7 {
      var contact = Contact()
      contact.id = "c\(number)"
      contact.name = "Name \(number)"
      try writer.write(contact)
      if number % 2 == 0 {
        try writer.recordIssue(
          RowIssue(
            position: RowPosition(index: 100 + number, line: 200 + number),
            details: [IssueDetail(header: "Email", field: "email", code: "email.bad", message: "bad")]),
          originalValues: ["v\(number)"])
      }
    }
    try writer.finish()
    guard let book = try WorkbookReadBack.read(path) else { return }
    #expect(book.sheets.map(\.name) == ["Contacts", "Issues", "Contacts 2", "Contacts 3", "Issues 2"])
    let ids = ["Contacts", "Contacts 2", "Contacts 3"].map { name in
      book.sheet(name)?.texts.dropFirst().map { $0[0] ?? "" } ?? []
    }
    #expect(ids == [["c0", "c1", "c2"], ["c3", "c4", "c5"], ["c6"]])
    let issues = ["Issues", "Issues 2"].map { name in book.sheet(name)?.texts.dropFirst().map { $0[4] ?? "" } ?? [] }
    #expect(issues == [["v0", "v2", "v4"], ["v6"]])
    for sheet in book.sheets {
      #expect(sheet.freeze == "A2", "\(sheet.name)")
      #expect(sheet.bold.allSatisfy { $0 }, "\(sheet.name)")
      #expect(sheet.texts.first?.first == "index" || sheet.texts.first?.first == "id", "\(sheet.name)")
    }
    #expect(book.sheets.map(\.autofilter) == ["A1:U4", "A1:E4", "A1:U4", "A1:U2", "A1:E2"])
    #expect(book.sheet("Issues")?.texts.first == ["index", "line", "headers in error", "reasons", "original values"])
  }

  @Test func anEmptyRunWritesHeadersOnly() throws {
    let scratch = try Scratch()
    let path = scratch.path("empty.xlsx")
    let writer = try XLSXContactWriter(destination: path, yaml: flowRendering)
    try writer.finish()
    guard let book = try WorkbookReadBack.read(path) else { return }
    #expect(book.sheet("Contacts")?.rows.count == 1)
    #expect(book.sheet("Contacts")?.autofilter == "A1:U1")
    #expect(book.sheet("Issues")?.rows.count == 1)
    #expect(book.sheets.map(\.dimension) == ["A1:U1", "A1:E1"])
  }

  @Test func groupsAreJoinedWithTheRunsSeparator() throws {
    let scratch = try Scratch()
    let path = scratch.path("groups.xlsx")
    let writer = try XLSXContactWriter(
      destination: path, groupSeparator: UInt8(ascii: "|"), yaml: flowRendering)
    var contact = Contact()
    contact.id = "g"
    contact.groups = [
      GroupReference(name: "Friends", id: "1", isPrimary: true), GroupReference(name: "a|b", id: "2"),
    ]
    try writer.write(contact)
    try writer.finish()
    guard let book = try WorkbookReadBack.read(path) else { return }
    let row = try #require(book.sheet("Contacts")?.texts.dropFirst().first)
    #expect(row[try #require(SpreadsheetLayout.headers.firstIndex(of: "groups"))] == "Friends|\"a|b\"")
    #expect(row[try #require(SpreadsheetLayout.headers.firstIndex(of: "primary_groups"))] == "Friends")
  }

  @Test(arguments: ["missing/out.xlsx", "file/out.xlsx", "directory"])
  func anUnwritableDestinationFailsBeforeAnyRow(_ relative: String) throws {
    let scratch = try Scratch()
    try Data("x".utf8).write(to: scratch.url.appendingPathComponent("file"))
    try FileManager.default.createDirectory(
      at: scratch.url.appendingPathComponent("directory"), withIntermediateDirectories: false)
    let before = scratch.entries
    let destination = scratch.path(relative)
    var rendered = 0
    let error = #expect(throws: RosterError.self) {
      _ = try XLSXContactWriter(destination: destination) { _ in
        rendered += 1
        return ""
      }
    }
    #expect(error?.code == .output)
    #expect(error?.file == destination)
    #expect(error?.message.isEmpty == false)
    #expect(rendered == 0)
    #expect(scratch.entries == before)
    #expect((try? FileManager.default.contentsOfDirectory(atPath: scratch.path("directory"))) == [])
  }

  @Test func abandonedAndFailedRunsLeaveNoFile() throws {
    let scratch = try Scratch()
    // Abandoned after some rows: no file, no temporary file.
    do {
      let writer = try XLSXContactWriter(destination: scratch.path("abandoned.xlsx"), yaml: flowRendering)
      try writer.write(hostileContact("x", number: 1))
      #expect(scratch.entries.count == 1, "the temporary file exists while writing")
      writer.abandon()
      #expect(scratch.entries == [])
      #expect(throws: RosterError.self) { try writer.write(hostileContact("y", number: 2)) }
      #expect(throws: RosterError.self) { try writer.finish() }
      #expect(scratch.entries == [])
    }
    // Dropped without finish: deinit abandons.
    do {
      let writer = try XLSXContactWriter(destination: scratch.path("dropped.xlsx"), yaml: flowRendering)
      try writer.write(hostileContact("x", number: 1))
    }
    #expect(scratch.entries == [])
    // A failing row (the YAML renderer throws) abandons the workbook and keeps an existing destination.
    struct RenderFailure: Error {}
    try Data("previous".utf8).write(to: scratch.url.appendingPathComponent("kept.xlsx"))
    let writer = try XLSXContactWriter(destination: scratch.path("kept.xlsx")) { _ in throw RenderFailure() }
    var plain = Contact()
    plain.id = "plain"
    try writer.write(plain)  // no nested fields: the renderer is not called
    let error = #expect(throws: RosterError.self) { try writer.write(hostileContact("x", number: 1)) }
    #expect(error?.code == .output)
    #expect(error?.message.contains("id-1") == true)
    #expect(scratch.entries == ["kept.xlsx"])
    #expect(try String(contentsOfFile: scratch.path("kept.xlsx"), encoding: .utf8) == "previous")
    #expect(throws: RosterError.self) { try writer.finish() }
    #expect(scratch.entries == ["kept.xlsx"])
  }

  @Test func finishReplacesAnExistingFileAndOnlyOnce() throws {
    let scratch = try Scratch()
    let path = scratch.path("out.xlsx")
    try Data("previous".utf8).write(to: URL(fileURLWithPath: path))
    let writer = try XLSXContactWriter(destination: path, yaml: flowRendering)
    try writer.write(hostileContact("v", number: 0))
    #expect(try String(contentsOfFile: path, encoding: .utf8) == "previous", "replaced before finish")
    try writer.finish()
    #expect(scratch.entries == ["out.xlsx"])
    let attributes = try FileManager.default.attributesOfItem(atPath: path)
    #expect((attributes[.posixPermissions] as? Int) == 0o644)
    let error = #expect(throws: RosterError.self) { try writer.finish() }
    #expect(error?.message.contains("already finished") == true)
    writer.abandon()  // after finish: does nothing
    #expect(scratch.entries == ["out.xlsx"])
    let head = try FileHandle(forReadingFrom: URL(fileURLWithPath: path)).readData(ofLength: 2)
    #expect(head == Data("PK".utf8))
  }

  @Test(.enabled(if: WorkbookReadBack.soffice != nil, "LibreOffice (soffice) is not on PATH"))
  func libreOfficeShowsEveryCellAsWritten() throws {
    let scratch = try Scratch()
    let path = scratch.path("lo.xlsx")
    let writer = try XLSXContactWriter(destination: path, inputHeaders: ["Name", "Phone"], yaml: flowRendering)
    let values = hostileValues + ["a\u{0}b", String(repeating: "😀", count: 20_000)]
    let contacts = values.enumerated().map { hostileContact($1, number: $0) }
    for contact in contacts { try writer.write(contact) }
    try writer.recordIssue(
      RowIssue(
        position: RowPosition(index: 3, line: 5),
        details: [IssueDetail(header: "Phone", field: "phone", code: "phone.bad", message: "bad")]),
      originalValues: ["_x0041_", "+0044 20"])
    try writer.finish()
    guard let soffice = WorkbookReadBack.soffice,
      let sheets = try WorkbookReadBack.readWithLibreOffice(path, soffice: soffice)
    else { return }
    #expect(Set(sheets.keys) == ["Contacts", "Issues"])
    let rows = try #require(sheets["Contacts"])
    try #require(rows.count == contacts.count + 1)
    #expect(rows[0] == SpreadsheetLayout.headers)
    for (index, contact) in contacts.enumerated() {
      // LibreOffice keeps cells' line breaks as LF: it turns CR LF into LF (a lone CR stays).
      let expected = SpreadsheetLayout.cells(for: contact, yaml: flowRendering).map {
        excelPrefix($0.replacing("\u{0}", with: "\u{FFFD}")).replacing("\r\n", with: "\n")
      }
      for (column, (shown, value)) in zip(rows[index + 1], expected).enumerated() {
        let same = shown == value
        #expect(same, "row \(index + 2) column \(SpreadsheetLayout.headers[column]): \(difference(shown, value))")
      }
    }
    #expect(sheets["Issues"]?[1] == ["3", "5", "Phone", "Phone: bad [phone.bad]", "_x0041_", "+0044 20"])
  }
}

@Suite("XLSX cell text policy")
struct CellTextTests {
  @Test(arguments: [
    ("_x0041_", "_x005F_x0041_"),
    ("_x005F_x0041_", "_x005F_x005F_x005F_x0041_"),
    ("a_x00e9_b_xBEEF_", "a_x005F_x00e9_b_x005F_xBEEF_"),
    ("_x12_", "_x005F_x12_"), ("_x1_", "_x005F_x1_"), ("__x1F__", "__x005F_x1F__"), ("_x00012_", "_x00012_"),
    ("_X0041_", "_X0041_"), ("_x004G_", "_x004G_"), ("_x_", "_x_"), ("plain", "plain"), ("", ""),
    // libxlsxwriter writes these controls as `_x0001_`-style escapes, which would close the pattern.
    ("_x0041\u{01}", "_x005F_x0041\u{01}"), ("_x00\r", "_x005F_x00\r"), ("_x0041\t", "_x0041\t"),
  ])
  func literalEscapesAreEscaped(_ value: String, _ written: String) {
    #expect(CellText.prepare(value).text == written)
    #expect(CellText.prepare(value).changes.isEmpty)
  }

  @Test func truncationKeepsWholeCharacters() {
    let family = "👩‍👩‍👧‍👦"
    #expect(CellText.prefix(of: "ab" + family, limit: 12) == "ab")
    #expect(CellText.prefix(of: "ab" + family, limit: 13) == "ab" + family)
    // A single character longer than the limit is cut between code points rather than dropped.
    #expect(CellText.prefix(of: family, limit: 5) == "👩\u{200D}👩")
    // Escapes count 7 code points for libxlsxwriter: "_x0041_" alone needs 13.
    #expect(CellText.prefix(of: "_x0041_", limit: 12) == "_x0041")
    #expect(CellText.prefix(of: "_x0041_", limit: 13) == "_x0041_")
    #expect(CellText.prefix(of: "_x0041\u{01}", limit: 12) == "_x0041")
    #expect(CellText.prefix(of: "_x0041\u{01}", limit: 13) == "_x0041\u{01}")
    let value = String(repeating: "z", count: 32_766) + "😀"
    #expect(CellText.prepare(value).changes == [.truncated(fromUTF16: 32_768, toUTF16: 32_766)])
  }
}
