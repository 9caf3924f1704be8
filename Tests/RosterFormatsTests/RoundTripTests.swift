import Foundation
import RosterCore
import RosterFormats
import RosterTestSupport
import Testing

@Suite("Round trips through Roster's own CSV")
struct RoundTripTests {
  /// Converts `input` to `format` at `output` with the fixture's options; returns the output's bytes.
  ///
  /// The formula guard is off unless asked for: these tests check that nothing changes.
  private func convert(
    _ input: URL, to format: OutputFormat, at output: URL, like fixture: FixtureCase, flatten: Bool = false,
    formulaGuard: FormulaGuard = .off
  ) throws -> Data {
    var job = ConversionJob(
      input: input.path, output: (format, .file(output.path)),
      report: (.json, .file(output.path + ".report.json")), defaultRegion: fixture.defaultRegion)
    job.groups = fixture.groupOptions
    job.inputOptions = fixture.inputOptions
    job.dedupe = fixture.dedupeOptions
    job.flattenMetadata = flatten
    job.formulaGuard = formulaGuard
    _ = try job.run()
    return try Data(contentsOf: output)
  }

  @Test(arguments: FixtureCase.all)
  func csvOutputReadsBackToTheSameContacts(_ fixture: FixtureCase) throws {
    let directory = try TestSupport.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let json = try convert(
      fixture.input, to: .jsonl, at: directory.appendingPathComponent("direct.jsonl"), like: fixture)
    let csvURL = directory.appendingPathComponent("a.csv")
    let csv = try convert(fixture.input, to: .csv, at: csvURL, like: fixture)
    let again = try convert(csvURL, to: .csv, at: directory.appendingPathComponent("b.csv"), like: fixture)
    #expect(
      again == csv,
      "CSV → CSV changed \(fixture.name):\n\(String(decoding: csv, as: UTF8.self))\n---\n\(String(decoding: again, as: UTF8.self))"
    )
    let viaCSV = try convert(csvURL, to: .jsonl, at: directory.appendingPathComponent("via.jsonl"), like: fixture)
    #expect(
      viaCSV == json,
      "CSV → JSONL differs from the input's JSONL for \(fixture.name):\n\(String(decoding: json, as: UTF8.self))\n---\n\(String(decoding: viaCSV, as: UTF8.self))"
    )
  }

  @Test(arguments: FixtureCase.all)
  func jsonOutputReadsBackToTheSameContacts(_ fixture: FixtureCase) throws {
    let directory = try TestSupport.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let jsonlURL = directory.appendingPathComponent("a.jsonl")
    let jsonl = try convert(fixture.input, to: .jsonl, at: jsonlURL, like: fixture)
    let csv = try convert(fixture.input, to: .csv, at: directory.appendingPathComponent("a.csv"), like: fixture)
    // JSONL → JSONL and JSONL → CSV → JSONL give the same bytes; JSONL → CSV gives the CSV.
    let again = try convert(jsonlURL, to: .jsonl, at: directory.appendingPathComponent("b.jsonl"), like: fixture)
    #expect(again == jsonl, "JSONL → JSONL changed \(fixture.name):\n\(String(decoding: again, as: UTF8.self))")
    let csvURL = directory.appendingPathComponent("b.csv")
    let viaJSON = try convert(jsonlURL, to: .csv, at: csvURL, like: fixture)
    #expect(viaJSON == csv, "JSONL → CSV differs for \(fixture.name):\n\(String(decoding: viaJSON, as: UTF8.self))")
    let back = try convert(csvURL, to: .jsonl, at: directory.appendingPathComponent("c.jsonl"), like: fixture)
    #expect(back == jsonl, "JSONL → CSV → JSONL changed \(fixture.name)")
    // The streamed JSON array reads back like the lines.
    let arrayURL = directory.appendingPathComponent("a.json")
    _ = try convert(fixture.input, to: .json, at: arrayURL, like: fixture)
    let fromArray = try convert(arrayURL, to: .jsonl, at: directory.appendingPathComponent("d.jsonl"), like: fixture)
    #expect(fromArray == jsonl, "JSON array → JSONL differs for \(fixture.name)")
  }

  @Test func aGuardedCSVReadsBackWithTheQuoteAndIsStableFromThenOn() throws {
    let directory = try TestSupport.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let input = directory.appendingPathComponent("in.csv")
    try Data("Name,Phone,Company\n=1+2,+44 20 7946 0958,-x\nAnn,,@y\n".utf8).write(to: input)
    let fixture = FixtureCase(name: "none")
    let guardedURL = directory.appendingPathComponent("guarded.csv")
    let guarded = try convert(input, to: .csv, at: guardedURL, like: fixture, flatten: true, formulaGuard: .on)
    let text = String(decoding: guarded, as: UTF8.self)
    #expect(text.contains(",person,'=1+2,,,,+442079460958,"), "\(text)")
    #expect(text.contains(",'-x,,\r\n"), "\(text)")
    // Read back, the guard's quote is part of the value: the name is now "'=1+2".
    let back = try convert(guardedURL, to: .jsonl, at: directory.appendingPathComponent("back.jsonl"), like: fixture)
    let backText = String(decoding: back, as: UTF8.self)
    #expect(backText.contains(#""name":"'=1+2""#), "\(backText)")
    #expect(backText.contains(#""phone":"+442079460958""#))
    #expect(backText.contains(#""metadata":{"Company":"'-x"}"#))
    #expect(backText.contains(#""metadata":{"Company":"'@y"}"#))
    // A guarded cell starts with ', so guarding again changes nothing: CSV → CSV is byte-identical.
    let again = try convert(
      guardedURL, to: .csv, at: directory.appendingPathComponent("again.csv"), like: fixture, flatten: true,
      formulaGuard: .on)
    #expect(again == guarded)
    // Unguarded, the same input reads back exactly.
    let plainURL = directory.appendingPathComponent("plain.csv")
    _ = try convert(input, to: .csv, at: plainURL, like: fixture, flatten: true)
    let plain = try convert(plainURL, to: .jsonl, at: directory.appendingPathComponent("plain.jsonl"), like: fixture)
    let direct = try convert(input, to: .jsonl, at: directory.appendingPathComponent("direct.jsonl"), like: fixture)
    #expect(plain == direct)
  }

  @Test func metadataCellsLoadAsTheOriginalStringsInPyYAMLAndRuamel() throws {
    let directory = try TestSupport.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let input = directory.appendingPathComponent("in.csv")
    let values = [
      "yes", "No", "on", "~", "null", "0123", "1e3", "12:30", "2001-12-14", "a: b", "x #y", "- z", "[1]", "", " lead",
      "é😀", "two\nlines",
    ]
    var text = "Name," + values.indices.map { "metadata.k\($0)" }.joined(separator: ",") + "\n" + "Ann,"
    text += values.map { "\"" + $0.replacing("\"", with: "\"\"") + "\"" }.joined(separator: ",") + "\n"
    try Data(text.utf8).write(to: input)
    let fixture = FixtureCase(name: "none")
    let csv = try convert(input, to: .csv, at: directory.appendingPathComponent("out.csv"), like: fixture)
    let script = """
      import csv, io, json, sys, yaml
      from ruamel.yaml import YAML
      rows = list(csv.DictReader(io.StringIO(sys.stdin.read(), newline='')))
      cell = rows[0]['metadata']
      print(json.dumps([yaml.safe_load(cell), YAML(typ='safe', pure=True).load(cell)]))
      """
    let python =
      ProcessInfo.processInfo.environment["ROSTER_PYTHON"]
      ?? TestSupport.packageRoot.appendingPathComponent(".build-venv/bin/python").path
    let result = try TestSupport.run(URL(fileURLWithPath: python), ["-c", script], stdin: csv)
    #expect(result.status == 0, "\(result.stderrText)")
    let loaded = try JSONSerialization.jsonObject(with: result.stdout) as? [[String: String]]
    let expected = Dictionary(
      uniqueKeysWithValues: values.enumerated().compactMap { index, value in
        value.isEmpty ? nil : ("k\(index)", value)
      })
    #expect(loaded?.count == 2)
    #expect(loaded?[0] == expected, "PyYAML")
    #expect(loaded?[1] == expected, "ruamel.yaml")
  }
}
