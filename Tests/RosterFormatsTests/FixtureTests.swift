import Foundation
import RosterCore
import RosterFormats
import RosterTestSupport
import Testing

/// Every `Fixtures/<case>/contacts.csv`, with its optional `args` (one argument per line).
struct FixtureCase: CustomTestStringConvertible, Sendable {
  let name: String
  var directory: URL { TestSupport.fixtures.appendingPathComponent(name) }
  var input: URL { directory.appendingPathComponent("contacts.csv") }
  var testDescription: String { name }

  var defaultRegion: String? {
    guard let text = try? String(contentsOf: directory.appendingPathComponent("args"), encoding: .utf8) else {
      return nil
    }
    let arguments = text.split(separator: "\n").map(String.init)
    guard let flag = arguments.firstIndex(of: "--default-region"), flag + 1 < arguments.count else { return nil }
    return arguments[flag + 1]
  }

  static let all: [FixtureCase] = {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: TestSupport.fixtures.path)) ?? []
    return names.sorted().map(FixtureCase.init).filter {
      FileManager.default.fileExists(atPath: $0.input.path)
    }
  }()
}

/// Records which rows went where, to check that each row ends in exactly one place.
final class RecordingSink: IssueSink {
  var accepted: [Int] = []
  var rejected: [Int] = []
  func accepted(id: String, position: RowPosition) { accepted.append(position.index) }
  func rejected(_ issue: RowIssue) { rejected.append(issue.position.index) }
  func warning(_ warning: RunWarning) {}
  func finish(summary: RunSummary) {}
}

@Suite("Fixtures")
struct FixtureTests {
  @Test(arguments: FixtureCase.all)
  func outputAndReportMatchTheGoldenFiles(_ fixture: FixtureCase) throws {
    let directory = try TestSupport.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let output = directory.appendingPathComponent("out.jsonl")
    let report = directory.appendingPathComponent("report.json")
    let job = ConversionJob(
      input: fixture.input.path, output: (.jsonl, .file(output.path)), report: (.json, .file(report.path)),
      defaultRegion: fixture.defaultRegion)
    _ = try job.run()
    for (produced, golden) in [(output, "expected.jsonl"), (report, "expected-report.json")] {
      let expectedURL = fixture.directory.appendingPathComponent(golden)
      let bytes = try Data(contentsOf: produced)
      if TestSupport.recording {
        try bytes.write(to: expectedURL)
        continue
      }
      let expected = try Data(contentsOf: expectedURL)
      #expect(
        bytes == expected,
        "\(fixture.name)/\(golden) differs; rerun with ROSTER_RECORD=1 to rewrite it on purpose:\n\(String(decoding: bytes, as: UTF8.self))"
      )
    }
  }

  @Test(arguments: FixtureCase.all)
  func everyRowIsAcceptedOrRejectedExactlyOnce(_ fixture: FixtureCase) throws {
    let file = try InputFile(path: fixture.input.path)
    let reader = CSVRecordReader(source: file, displayName: file.displayName)
    let mapper = ContactMapper(headerMap: try HeaderMap(headers: try reader.readHeader().headers))
    let validator = ContactValidator(phone: try #require(PhoneNumberValidator(defaultRegion: fixture.defaultRegion)))
    let sink = RecordingSink()
    var pipeline = ContactPipeline(validator: validator, writer: DiscardingContactWriter(), sink: sink)
    let summary = try ConversionJob.stream(reader, mapper: mapper, into: &pipeline)
    #expect(summary.rows == summary.accepted + summary.rejected)
    #expect(sink.accepted.count == summary.accepted)
    #expect(sink.rejected.count == summary.rejected)
    #expect((sink.accepted + sink.rejected).sorted() == Array(0..<summary.rows))
  }
}
