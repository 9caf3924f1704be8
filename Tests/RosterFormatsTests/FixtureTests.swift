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

  /// The command-line arguments in `args`, one per line.
  var arguments: [String] {
    guard let text = try? String(contentsOf: directory.appendingPathComponent("args"), encoding: .utf8) else {
      return []
    }
    return text.split(separator: "\n").map(String.init)
  }

  private func value(after flag: String) -> String? {
    guard let index = arguments.firstIndex(of: flag), index + 1 < arguments.count else { return nil }
    return arguments[index + 1]
  }

  var defaultRegion: String? { value(after: "--default-region") }

  /// The group options `args` sets (the same flags as the command line).
  var groupOptions: GroupOptions {
    var options = GroupOptions()
    if let separator = value(after: "--group-separator")?.utf8.first { options.separator = separator }
    if let policy = value(after: "--unknown-groups").flatMap(UnknownGroupPolicy.init(rawValue:)) {
      options.unknownGroups = policy
    }
    options.referencedContacts = arguments.contains("--referenced-contacts")
    return options
  }

  /// The duplicate options `args` sets (`--dedupe`, `--dedupe-key`).
  var dedupeOptions: DedupeOptions {
    var options = DedupeOptions()
    if let mode = value(after: "--dedupe").flatMap(DedupeMode.init(rawValue:)) { options.mode = mode }
    if let key = value(after: "--dedupe-key").flatMap(DedupeKey.init(rawValue:)) { options.key = key }
    return options
  }

  /// The input options `args` sets (`--encoding`).
  var inputOptions: InputChainOptions {
    var options = InputChainOptions()
    if let name = value(after: "--encoding"), let encoding = TextEncoding(charsetName: name) {
      options.encoding = .fixed(encoding)
    }
    return options
  }

  /// The data rows of every fixture's input as Python's csv module counts them (empty lines skipped,
  /// the first non-empty line being the header), independently of Roster's reader and summary.
  static let independentRowCounts: [String: Int] = {
    let script = """
      import csv, io, json, sys
      csv.field_size_limit(1 << 30)
      counts = {}
      for name, path in zip(sys.argv[1::2], sys.argv[2::2]):
          data = open(path, 'rb').read()
          # Only the structure matters here, and it is ASCII in UTF-8 and Windows-1252 alike.
          text = data.decode('utf-16') if data[:2] in (b'\\xff\\xfe', b'\\xfe\\xff') else data.decode('latin-1')
          rows = [row for row in csv.reader(io.StringIO(text, newline='')) if row]
          counts[name] = max(len(rows) - 1, 0)
      print(json.dumps(counts))
      """
    let arguments = all.flatMap { [$0.name, $0.input.path] }
    guard let result = try? TestSupport.python(script, arguments), result.status == 0 else { return [:] }
    return (try? JSONDecoder().decode([String: Int].self, from: result.stdout)) ?? [:]
  }()

  /// Checks `rows = accepted + rejected` against this fixture's rows counted from the input itself.
  func expectEveryInputRowAccounted(rows: Int, accepted: Int, rejected: Int, merged: Int = 0) throws {
    let inputRows = try #require(Self.independentRowCounts[name], "Python's csv module could not count \(name)")
    #expect(rows == inputRows, "\(name): the summary counts \(rows) rows, the input has \(inputRows)")
    #expect(
      accepted + rejected + merged == inputRows,
      "\(name): \(accepted) accepted + \(rejected) rejected + \(merged) merged")
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
    var job = ConversionJob(
      input: fixture.input.path, output: (.jsonl, .file(output.path)), report: (.json, .file(report.path)),
      defaultRegion: fixture.defaultRegion)
    job.groups = fixture.groupOptions
    job.inputOptions = fixture.inputOptions
    job.dedupe = fixture.dedupeOptions
    let summary = try job.run()
    try fixture.expectEveryInputRowAccounted(
      rows: summary.rows, accepted: summary.accepted, rejected: summary.rejected, merged: summary.merged)
    let written = try Data(contentsOf: output).split(separator: UInt8(ascii: "\n")).count
    #expect(written == summary.accepted + summary.createdGroups)
    let producedReport = try #require(
      try JSONSerialization.jsonObject(with: Data(contentsOf: report)) as? [String: Any])
    #expect((producedReport["issues"] as? [Any])?.count == summary.rejected)
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
  func reportAndOutputAccountForEveryRow(_ fixture: FixtureCase) throws {
    let output = try Data(contentsOf: fixture.directory.appendingPathComponent("expected.jsonl"))
    let report = try Data(contentsOf: fixture.directory.appendingPathComponent("expected-report.json"))
    let document = try #require(try JSONSerialization.jsonObject(with: report) as? [String: Any])
    let summary = try #require(document["summary"] as? [String: Int])
    let issues = try #require(document["issues"] as? [[String: Any]])
    let created = try #require(document["created"] as? [String])
    let rows = try #require(summary["rows"])
    try fixture.expectEveryInputRowAccounted(
      rows: rows, accepted: try #require(summary["accepted"]), rejected: try #require(summary["rejected"]),
      merged: summary["merged"] ?? 0)
    // Every merged row is listed once, into an accepted row before it, and is neither accepted nor rejected.
    let merges = document["merges"] as? [[String: Any]] ?? []
    #expect(merges.count == summary["merged"] ?? 0)
    let mergedIndices = merges.compactMap { $0["index"] as? Int }
    #expect(Set(mergedIndices).count == mergedIndices.count)
    #expect(merges.allSatisfy { ($0["into"] as? Int ?? .max) < ($0["index"] as? Int ?? -1) })
    #expect(issues.count == summary["rejected"])
    let indices = issues.compactMap { $0["index"] as? Int }
    #expect(Set(indices).count == indices.count && indices.allSatisfy { (0..<rows).contains($0) })
    #expect(Set(indices).isDisjoint(with: mergedIndices))
    let lines = output.split(separator: UInt8(ascii: "\n"))
    #expect(lines.count == summary["accepted"]! + (summary["groups_created"] ?? 0))
    let ids = try lines.map { line in
      try #require(try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any])["id"] as? String
    }
    #expect(ids == created)
  }

  @Test(arguments: FixtureCase.all)
  func everyRowIsAcceptedOrRejectedExactlyOnce(_ fixture: FixtureCase) throws {
    let file = try InputFile(path: fixture.input.path)
    let reader = CSVRecordReader(source: file, displayName: file.displayName)
    let mapper = ContactMapper(
      headerMap: try HeaderMap(headers: try reader.readHeader().headers), groupSeparator: fixture.groupOptions.separator
    )
    let validator = ContactValidator(phone: try #require(PhoneNumberValidator(defaultRegion: fixture.defaultRegion)))
    let sink = RecordingSink()
    var pipeline = ContactPipeline(validator: validator, writer: DiscardingContactWriter(), sink: sink)
    let rows = PreparedRowStream(
      CSVRowReader(reader, mapper: mapper),
      preparation: RowPreparation(validator: validator, headers: mapper.fieldHeaders), threads: 2)
    try ConversionJob.stream(rows, into: &pipeline)
    let summary = try pipeline.finish()
    try fixture.expectEveryInputRowAccounted(
      rows: summary.rows, accepted: summary.accepted, rejected: summary.rejected)
    #expect(sink.accepted.count == summary.accepted)
    #expect(sink.rejected.count == summary.rejected)
    #expect((sink.accepted + sink.rejected).sorted() == Array(0..<summary.rows))
  }
}
