import Foundation
import RosterTestSupport
import Testing

private let roster = TestSupport.rosterBinary
private let fixture = TestSupport.fixtures.appendingPathComponent("dedupe-merge/contacts.csv")

@Suite("roster --dedupe, end to end")
struct DedupeCommandTests {
  @Test func mergeWritesTheFixturesGoldenAndReportsEachMergedRow() throws {
    let result = try TestSupport.run(roster, ["convert", fixture.path, "--dedupe", "merge", "--dedupe-key", "email"])
    #expect(result.status == 0)
    let golden = TestSupport.fixtures.appendingPathComponent("dedupe-merge/expected.jsonl")
    #expect(result.stdoutText == (try String(contentsOf: golden, encoding: .utf8)))
    #expect(result.stderrText.contains("\(fixture.path):6 (row 4): merged into row 0 (line 2)\n"))
    #expect(result.stderrText.hasSuffix("\(fixture.path): 12 rows: 7 accepted, 1 rejected, 4 merged, 3 warnings\n"))
  }

  @Test func reportRejectsDuplicatesAndStrictFailsOnThem() throws {
    let result = try TestSupport.run(
      roster, ["validate", fixture.path, "--dedupe", "report", "--dedupe-key", "email", "--report-format", "github"])
    #expect(result.status == 1)
    #expect(
      result.stdoutText.contains(
        "::error file=\(fixture.path),line=6,title=row 4 rejected::Email \"Ann@example.com\": duplicates row 0"))
    // Merges reject nothing: --strict fails only for the row with a bad email.
    let merged = try TestSupport.run(
      roster, ["convert", fixture.path, "--dedupe", "merge", "--dedupe-key", "email", "--strict", "--quiet"])
    #expect(merged.status == 1)
    let clean = "Name,Email\nAnn,ann@example.com\nAnn,ANN@example.com\n"
    let cleanMerge = try TestSupport.run(
      roster, ["convert", "--dedupe", "merge", "--dedupe-key", "email", "--strict", "--quiet"], stdin: Data(clean.utf8))
    #expect(cleanMerge.status == 0)
    #expect(cleanMerge.stdoutText.split(separator: "\n").count == 1)
  }

  @Test func mergeFromStandardInputIsTheSameAsFromAFile() throws {
    let arguments = ["convert", "--dedupe", "merge", "--dedupe-key", "email", "--quiet"]
    let fromFile = try TestSupport.run(roster, arguments + [fixture.path])
    let fromStdin = try TestSupport.run(roster, arguments, stdin: try Data(contentsOf: fixture))
    #expect(fromFile.status == 0)
    #expect(fromStdin.stdoutText == fromFile.stdoutText)
  }

  @Test func jsonlReportListsMergesAndTheSummaryCountsThem() throws {
    let result = try TestSupport.run(
      roster,
      ["validate", fixture.path, "--dedupe", "merge", "--dedupe-key", "email", "--report-format", "jsonl", "--quiet"])
    let lines = result.stdoutText.split(separator: "\n")
    #expect(lines.filter { $0.hasPrefix("{\"kind\":\"merge\"") }.count == 4)
    #expect(
      lines.last == "{\"kind\":\"summary\",\"rows\":12,\"accepted\":7,\"rejected\":1,\"warnings\":3,\"merged\":4}")
  }

  @Test func badValuesAreUsageErrors() throws {
    let mode = try TestSupport.run(roster, ["convert", fixture.path, "--dedupe", "sometimes"])
    #expect(mode.status == 2)
    #expect(mode.stderrText.contains("--dedupe"))
    let key = try TestSupport.run(roster, ["convert", fixture.path, "--dedupe", "report", "--dedupe-key", "name"])
    #expect(key.status == 2)
    #expect(key.stderrText.contains("--dedupe-key"))
  }
}
