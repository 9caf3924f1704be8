import Foundation
import RosterCore
import RosterFuzzHarness
import RosterTestSupport
import RosterXLSXInput
import Testing

/// Replays every input the fuzzers found (`Fixtures/fuzz/<target>/`) through the same harness as
/// `scripts/fuzz`, so each fixed crash, hang or broken invariant stays fixed without libFuzzer.
@Suite struct FuzzRegressionTests {
  static let root = TestSupport.fixtures.appendingPathComponent("fuzz")

  /// The reproducers kept for `target`, sorted by name.
  static func reproducers(_ target: FuzzTarget) -> [URL] {
    let directory = root.appendingPathComponent(target.rawValue)
    let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
    return names.filter { !$0.hasPrefix(".") && !$0.hasSuffix(".md") }.sorted().map {
      directory.appendingPathComponent($0)
    }
  }

  @Test(arguments: FuzzTarget.allCases)
  func reproducersRunClean(_ target: FuzzTarget) throws {
    let scratch = FuzzScratch()
    defer { scratch.removeAll() }
    for file in Self.reproducers(target) {
      let input = try [UInt8](Data(contentsOf: file))
      do {
        try FuzzHarness.run(target, input, scratch: scratch)
      } catch {
        Issue.record("\(target.rawValue)/\(file.lastPathComponent): \(error)")
      }
    }
  }

  @Test func accountingCheckCatchesARowThatIsNeitherAcceptedNorReported() throws {
    var summary = RunSummary()
    summary.rows = 2
    summary.accepted = 1
    summary.rejected = 1
    let report = Array(
      """
      {"kind":"issue","index":1,"line":3,"errors":[],"details":[]}
      {"kind":"summary","rows":2,"accepted":1,"rejected":1,"warnings":0}

      """.utf8)
    let contacts = Array("{\"id\":\"a\"}\n".utf8)
    try FuzzHarness.checkAccounting(summary, report: report, contacts: contacts)
    // The same report with the issue gone: row 1 is in neither the output nor the report.
    let silent = Array(report.split(separator: UInt8(ascii: "\n"))[1] + [UInt8(ascii: "\n")])
    #expect(throws: FuzzFailure.self) { try FuzzHarness.checkAccounting(summary, report: silent, contacts: contacts) }
    // A row counted but neither accepted nor rejected.
    summary.rows = 3
    #expect(throws: FuzzFailure.self) { try FuzzHarness.checkAccounting(summary, report: report, contacts: contacts) }
  }

  @Test func partsAssembleIntoAWorkbookTheReaderOpens() throws {
    let sheet =
      #"<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Name</t></is></c>"#
      + #"<c r="B1" t="s"><v>0</v></c></row></sheetData></worksheet>"#
    let strings = #"<sst><si><t>Email</t></si></sst>"#
    let input = Array(sheet.utf8) + [0xFF] + Array(strings.utf8)
    let directory = try TestSupport.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let path = directory.appendingPathComponent("parts.xlsx").path
    try Data(StoredZip.workbook(fromParts: input)).write(to: URL(fileURLWithPath: path))
    let reader = try XLSXRowReader(path: path, displayName: "parts.xlsx")
    #expect(try reader.readHeader().headers == ["Name", "Email"])
  }

  /// Reads every row of the workbook made of `sheet` (XML), header first.
  func readSheet(_ sheet: String) throws -> [[String]] {
    let directory = try TestSupport.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let path = directory.appendingPathComponent("sheet.xlsx").path
    try Data(StoredZip.workbook(fromParts: Array(sheet.utf8))).write(to: URL(fileURLWithPath: path))
    let reader = try XLSXRowReader(path: path, displayName: "sheet.xlsx")
    var rows = [try reader.readHeader().headers]
    while let row = try reader.next() { rows.append(row.cells) }
    return rows
  }

  /// An inline-string cell.
  func cell(_ reference: String, _ text: String) -> String {
    #"<c r="\#(reference)" t="inlineStr"><is><t>\#(text)</t></is></c>"#
  }

  @Test func rowsOutOfOrderAreRefusedNotGivenTheSameLine() throws {
    let sheet =
      "<worksheet><sheetData><row r=\"1\">\(cell("A1", "Name"))</row><row r=\"3\">\(cell("A3", "Ada"))</row>"
      + "<row r=\"2\">\(cell("A2", "Grace"))</row></sheetData></worksheet>"
    #expect(throws: RosterError.self) { try readSheet(sheet) }
    do {
      _ = try readSheet(sheet)
    } catch {
      #expect("\(error)".contains("row 2 comes after row 3"))
    }
  }

  @Test func aRepeatedCellIsRefusedNotOverwritten() throws {
    let sheet =
      "<worksheet><sheetData><row r=\"1\">\(cell("A1", "Name"))\(cell("B1", "Email"))</row>"
      + "<row r=\"2\">\(cell("B2", "ada@example.com"))\(cell("B2", "other@example.com"))</row></sheetData></worksheet>"
    #expect(throws: RosterError.self) { try readSheet(sheet) }
    // In column order, with a gap, the same cells read as written.
    let ordered =
      "<worksheet><sheetData><row r=\"1\">\(cell("A1", "Name"))\(cell("C1", "Email"))</row></sheetData></worksheet>"
    #expect(try readSheet(ordered) == [["Name", "", "Email"]])
  }
}
