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
