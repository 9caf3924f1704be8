import Foundation
import RosterTestSupport
import Testing

private let roster = TestSupport.rosterBinary

/// The report of a run with `--report-format json`, decoded loosely.
private struct Report: Decodable {
  struct Issue: Decodable {
    struct Detail: Decodable {
      var header: String?
      var field: String
      var code: String
      var message: String
    }
    var index: Int
    var line: Int
    var details: [Detail]
  }
  struct Summary: Decodable {
    var rows: Int
    var accepted: Int
    var rejected: Int
  }
  var issues: [Issue]
  var summary: Summary
}

/// `roster validate` on `input` (standard input) with a JSON report; the exit code and the report.
private func validate(_ input: String, _ arguments: [String]) throws -> (status: Int32, report: Report?, stderr: String)
{
  let result = try TestSupport.run(
    roster, ["validate", "--report-format", "json", "--quiet"] + arguments, stdin: Data(input.utf8))
  let report = try? JSONDecoder().decode(Report.self, from: result.stdout)
  if let report { #expect(report.summary.rows == report.summary.accepted + report.summary.rejected) }
  return (result.status, report, result.stderrText)
}

@Suite("roster input limits, end to end")
struct InputLimitTests {
  @Test func maxFieldBytesSkipsTheRowNamesItsHeaderAndKeepsItInTheRejects() throws {
    let directory = try TestSupport.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let rejects = directory.appendingPathComponent("rejects.csv")
    let x = { (count: Int) in String(repeating: "x", count: count) }
    let csv = "Name,Notes\nAda,\(x(100))\nBob,\(x(99))\nCy,\"\(x(60))\n\(x(41))\"\nDee,ok\n"
    let result = try TestSupport.run(
      roster,
      ["validate", "--report-format", "json", "--quiet", "--max-field-bytes", "100", "--rejects", rejects.path],
      stdin: Data(csv.utf8))
    #expect(result.status == 1)
    let report = try JSONDecoder().decode(Report.self, from: result.stdout)
    #expect(report.summary.rows == 4 && report.summary.accepted == 3 && report.summary.rejected == 1)
    let issue = try #require(report.issues.first)
    #expect(issue.index == 2 && issue.line == 4)
    #expect(issue.details.map(\.code) == ["limit.field_bytes"])
    #expect(issue.details.first?.header == "Notes")
    #expect(issue.details.first?.field == "metadata.Notes")
    #expect(issue.details.first?.message.contains("raise --max-field-bytes") == true)
    let rejected = try String(contentsOf: rejects, encoding: .utf8)
    #expect(rejected.hasPrefix("Name,Notes,roster_errors\r\n,,\"row 2 (line 4 of the input) is not copied here: "))
    // Lines keep counting past the skipped record (Eve is on line 7).
    let short = try validate(csv + "Eve,\(x(101))\n", ["--max-field-bytes", "100"])
    #expect(short.report?.issues.map(\.line) == [4, 7])
    // A JSON string counts the same way.
    let json = "[{\"name\":\"Ada\",\"note\":\"\(x(100))\"},\n{\"name\":\"Bob\",\"note\":\"\(x(101))\"}]"
    let fromJSON = try validate(json, ["--max-field-bytes", "100", "--from", "json"])
    #expect(fromJSON.status == 1)
    #expect(fromJSON.report?.issues.map(\.line) == [2])
    #expect(fromJSON.report?.issues.first?.details.first?.code == "limit.field_bytes")
  }

  @Test func aGiantFieldOnStandardInputIsARowIssue() throws {
    // 32 MiB in one cell: over the default 1 MiB, read in bounded memory (see README for 1 GiB).
    let csv = "Name,Notes\nAda," + String(repeating: "x", count: 32 << 20) + "\nBob,ok\n"
    let result = try validate(csv, [])
    #expect(result.status == 1)
    #expect(result.report?.summary.rows == 2)
    #expect(result.report?.issues.first?.details.first?.message.contains("longer than 1048576 bytes") == true)
  }

  @Test func maxColumnsSkipsAWideRowAndStopsOnAWideHeader() throws {
    let wide = try validate("Name,Email\nAda,a@example.com\nBob,b@example.com,extra\n", ["--max-columns", "2"])
    #expect(wide.status == 1)
    #expect(wide.report?.issues.first?.details.map(\.code) == ["limit.columns"])
    #expect(wide.report?.issues.first?.details.first?.header == nil)
    let header = try TestSupport.run(
      roster, ["validate", "--quiet", "--max-columns", "2"], stdin: Data("Name,Email,Phone\nAda,,\n".utf8))
    #expect(header.status == 2)
    #expect(
      header.stderrText
        == "roster: <stdin>:1: the header starting at byte offset 0 has more than 2 cells; raise --max-columns to read this file\n"
    )
  }

  @Test func maxRowBytesSkipsALongJSONLine() throws {
    let line = { (name: String) in "{\"name\":\"\(name)\"}" }
    let input = line("Ada") + "\n" + line(String(repeating: "b", count: 100)) + "\n" + line("Cy") + "\n"
    let result = try validate(input, ["--from", "jsonl", "--max-row-bytes", "100"])
    #expect(result.status == 1)
    #expect(result.report?.issues.map(\.index) == [1])
    #expect(result.report?.issues.first?.details.first?.code == "limit.row_bytes")
    #expect(try validate(input, ["--from", "jsonl", "--max-row-bytes", "113"]).status == 0)
  }

  @Test func aMillionBracketsInJSONOrInAYAMLCellAreRowIssues() throws {
    let bomb = String(repeating: "[", count: 1_000_000) + String(repeating: "]", count: 1_000_000)
    for (input, format) in [
      ("[{\"name\":\"Ada\"},\n{\"name\":\"Bob\",\"metadata\":{\"x\":" + bomb + "}},\n{\"name\":\"Cy\"}]", "json"),
      ("{\"name\":\"Ada\"}\n" + bomb + "\n{\"name\":\"Cy\"}\n", "jsonl"),
    ] {
      let result = try validate(input, ["--from", format])
      #expect(result.status == 1, "\(result.stderr)")
      #expect(result.report?.summary.rows == 3)
      #expect(result.report?.issues.map(\.line) == [2])
      #expect(result.report?.issues.first?.details.first?.code == "limit.json_depth")
    }
    // A million nested mappings in a YAML metadata cell (one CSV cell under 1 MiB).
    for cell in [String(repeating: "{", count: 1_000_000), String(repeating: "{a: ", count: 200_000)] {
      let csv = "name,metadata\nAda,{a: b}\nBob,\(cell)\n"
      let result = try validate(csv, [])
      #expect(result.status == 1)
      #expect(result.report?.issues.map(\.index) == [1])
      #expect(result.report?.issues.first?.details.first?.header == "metadata")
    }
    let deepCell = try validate(
      "name,metadata\nBob," + String(repeating: "{a: ", count: 70) + "x" + String(repeating: "}", count: 70) + "\n",
      [])
    #expect(deepCell.report?.issues.first?.details.first?.code == "limit.json_depth")
    // Converting writes the rows around them.
    let convert = try TestSupport.run(
      roster, ["convert", "--from", "json", "--quiet"],
      stdin: Data(("[{\"name\":\"Ada\"}," + bomb + ",{\"name\":\"Cy\"}]").utf8))
    #expect(convert.status == 0)
    #expect(convert.stdoutText.split(separator: "\n").count == 2)
  }

  @Test func maxJSONDepthAtJustUnderAndOverTheLimit() throws {
    func element(_ depth: Int) -> String {
      "{\"name\":\"Ada\",\"metadata\":" + String(repeating: "{\"k\":", count: depth - 2) + "{\"v\":\"x\"}"
        + String(repeating: "}", count: depth - 2) + "}\n"
    }
    #expect(try validate(element(8), ["--from", "jsonl", "--max-json-depth", "8"]).status == 0)
    #expect(try validate(element(7), ["--from", "jsonl", "--max-json-depth", "8"]).status == 0)
    let over = try validate(element(9), ["--from", "jsonl", "--max-json-depth", "8"])
    #expect(over.status == 1)
    #expect(over.report?.issues.first?.details.first?.message.contains("deeper than 8 levels") == true)
    // A dotted header deeper than the limit cannot be read.
    let header = try TestSupport.run(
      roster, ["validate", "--quiet", "--max-json-depth", "3"], stdin: Data("Name,metadata.a.b.c\nAda,x\n".utf8))
    #expect(header.status == 2)
    #expect(header.stderrText.contains("<stdin>:1: header 2 nests 4 levels deep"))
    let tooLarge = try TestSupport.run(roster, ["validate", "--max-json-depth", "1001"], stdin: Data())
    #expect(tooLarge.status == 2)
    #expect(tooLarge.stderrText.contains("--max-json-depth must be between 1 and 1000"))
  }

  /// At the largest depth allowed, every writer walks the tree without trouble.
  @Test(arguments: ["jsonl", "json", "csv", "xlsx"])
  func theDeepestContactAllowedIsWrittenByEveryWriter(format: String) throws {
    let directory = try TestSupport.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let output = directory.appendingPathComponent("out.\(format)")
    let depth = 1000
    let element =
      "{\"name\":\"Ada\",\"metadata\":" + String(repeating: "{\"k\":", count: depth - 2) + "{\"v\":\"x\"}"
      + String(repeating: "}", count: depth - 2) + "}\n"
    let result = try TestSupport.run(
      roster, ["convert", "--from", "jsonl", "--max-json-depth", "\(depth)", "-o", output.path, "--quiet"],
      stdin: Data(element.utf8))
    #expect(result.status == 0, "\(result.stderrText)")
    #expect(FileManager.default.fileExists(atPath: output.path))
  }

  @Test func xlsxLimitsAreFlags() throws {
    let directory = try TestSupport.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let bomb = TestSupport.fixtures.appendingPathComponent("xlsx/zip-bomb.xlsx").path
    let byRatio = try TestSupport.run(roster, ["validate", bomb, "--quiet"])
    #expect(byRatio.status == 2)
    #expect(byRatio.stderrText.contains("compression-ratio limit"))
    let bySize = try TestSupport.run(
      roster, ["validate", bomb, "--quiet", "--max-xlsx-ratio", "100000", "--max-xlsx-bytes", "4194304"])
    #expect(bySize.status == 2)
    #expect(bySize.stderrText.contains("4194304") && bySize.stderrText.contains("decompressed"), "\(bySize.stderrText)")

    let workbook = directory.appendingPathComponent("contacts.xlsx")
    try TestSupport.writeWorkbook(
      [["Name", "Notes"], ["Ada", String(repeating: "x", count: 10)], ["Bob", String(repeating: "y", count: 11)]],
      sharedStrings: true, to: workbook)
    let cells = try TestSupport.run(
      roster, ["validate", workbook.path, "--report-format", "json", "--quiet", "--max-field-bytes", "10"])
    #expect(cells.status == 1)
    let report = try JSONDecoder().decode(Report.self, from: cells.stdout)
    #expect(report.issues.map(\.line) == [3])
    #expect(report.issues.first?.details.first?.header == "Notes")
    let tooSmall = try TestSupport.run(roster, ["validate", workbook.path, "--quiet", "--max-xlsx-bytes", "100"])
    #expect(tooSmall.status == 2)
    #expect(tooSmall.stderrText.contains("over the limit of 100 decompressed bytes"), "\(tooSmall.stderrText)")
  }
}
