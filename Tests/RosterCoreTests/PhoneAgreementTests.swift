import Foundation
import RosterTestSupport
import Testing

@testable import RosterCore

/// Measures agreement with Python phonenumbers (libphonenumber) on `Fixtures/validation/phones.tsv`, built
/// by `scripts/build-phone-corpus`. Every input where Roster differs is listed, with a reason, in
/// `Fixtures/validation/phone-disagreements.tsv`; `ROSTER_RECORD=1` rewrites that list (keeping the
/// reasons already written, marking new lines `TODO`).
@Suite struct PhoneAgreementTests {
  /// One corpus line: what phonenumbers says about `input` read with `region`.
  struct Labelled: Hashable {
    var input: String
    var region: String
    var verdict: String
    var e164: String

    var key: String { input + "\t" + region }
  }

  static let corpusURL = TestSupport.fixtures.appendingPathComponent("validation/phones.tsv")
  static let disagreementsURL = TestSupport.fixtures.appendingPathComponent("validation/phone-disagreements.tsv")
  static let disagreementsHeader = "input\tregion\texpected verdict\texpected e164\troster verdict\troster e164\treason"

  /// The corpus lines after the header.
  static func corpus() throws -> [Labelled] {
    try lines(of: corpusURL).dropFirst().map { fields in
      try #require(fields.count == 4, "a corpus line needs 4 columns: \(fields)")
      return Labelled(input: fields[0], region: fields[1], verdict: fields[2], e164: fields[3])
    }
  }

  /// Tab-separated fields of every non-empty line.
  static func lines(of url: URL) throws -> [[String]] {
    let text = try String(contentsOf: url, encoding: .utf8)
    return text.split(separator: "\n", omittingEmptySubsequences: true).map {
      $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
    }
  }

  /// What Roster says, in the corpus's terms.
  static func roster(_ row: Labelled, validators: inout [String: PhoneNumberValidator]) throws -> (String, String) {
    if validators[row.region] == nil {
      validators[row.region] = try #require(PhoneNumberValidator(defaultRegion: row.region.isEmpty ? nil : row.region))
    }
    switch validators[row.region]!.validate(row.input) {
    case .valid(let normalized): return ("valid", normalized)
    case .invalid: return ("invalid", "")
    }
  }

  /// Labels the inputs with the Python at `python` (its phonenumbers), one (verdict, E.164) per input.
  static func liveLabels(_ rows: [Labelled], python: String) throws -> (version: String, labels: [[String]]) {
    let script = """
      import sys, phonenumbers
      from phonenumbers import NumberParseException, PhoneNumberFormat
      out = [phonenumbers.__version__]
      for line in sys.stdin.buffer.read().decode("utf-8").split("\\n"):
          if not line:
              continue
          text, region = line.split("\\t")
          try:
              number = phonenumbers.parse(text, region or None)
          except NumberParseException:
              out.append("invalid\\t")
              continue
          if phonenumbers.is_valid_number(number):
              out.append("valid\\t" + phonenumbers.format_number(number, PhoneNumberFormat.E164))
          else:
              out.append("invalid\\t")
      sys.stdout.buffer.write(("\\n".join(out) + "\\n").encode("utf-8"))
      """
    let input = rows.map { $0.input + "\t" + $0.region + "\n" }.joined()
    let result = try TestSupport.run(URL(fileURLWithPath: python), ["-c", script], stdin: Data(input.utf8))
    try #require(result.status == 0, "\(python) failed: \(result.stderrText)")
    var lines = result.stdoutText.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    if lines.last == "" { lines.removeLast() }
    let version = lines.isEmpty ? "" : lines.removeFirst()
    return (version, lines.map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) })
  }

  @Test func agreesWithPhonenumbers() throws {
    let rows = try Self.corpus()
    #expect(rows.count >= 3000)
    #expect(Set(rows.map(\.key)).count == rows.count, "the corpus repeats an input")

    // First: the committed labels are phonenumbers' own (when a reference Python is at hand).
    if let python = ProcessInfo.processInfo.environment["ROSTER_PYTHON"], !python.isEmpty {
      let (version, live) = try Self.liveLabels(rows, python: python)
      #expect(
        "phonenumbers \(version)" == PhoneRegionMetadata.source,
        "ROSTER_PYTHON has phonenumbers \(version); the metadata is from \(PhoneRegionMetadata.source)")
      try #require(live.count == rows.count, "phonenumbers labelled \(live.count) of \(rows.count) inputs")
      var stale: [String] = []
      for (row, label) in zip(rows, live) where label != [row.verdict, row.e164] {
        stale.append("\(row.input) [\(row.region)]: committed \(row.verdict) \(row.e164), live \(label)")
      }
      #expect(
        stale.isEmpty,
        "phones.tsv is not what phonenumbers says (run scripts/build-phone-corpus): \(stale.prefix(20))")
    }

    // Then: agreement, and the disagreements are exactly the committed list.
    var validators: [String: PhoneNumberValidator] = [:]
    var sameVerdict = 0
    var sameResult = 0
    var disagreements: [(Labelled, String, String)] = []
    for row in rows {
      let (verdict, e164) = try Self.roster(row, validators: &validators)
      if verdict == row.verdict { sameVerdict += 1 }
      if verdict == row.verdict && e164 == row.e164 {
        sameResult += 1
      } else {
        disagreements.append((row, verdict, e164))
      }
    }
    let verdictAgreement = Double(sameVerdict) / Double(rows.count)
    let agreement = Double(sameResult) / Double(rows.count)
    print(
      "phones: \(rows.count) inputs, verdict agreement \(verdictAgreement * 100)%, "
        + "normalized agreement \(agreement * 100)%, \(disagreements.count) disagreements")
    #expect(agreement >= 0.995, "agreement \(agreement) is under 99.5%")

    let committed =
      FileManager.default.fileExists(atPath: Self.disagreementsURL.path)
      ? try Self.lines(of: Self.disagreementsURL).dropFirst().map { $0 } : []
    var reasons: [String: String] = [:]
    for fields in committed where fields.count >= 2 {
      reasons[fields[0] + "\t" + fields[1]] = fields.count >= 7 ? fields[6] : ""
    }
    let found = Set(disagreements.map { $0.0.key })
    let listed = Set(reasons.keys)
    if TestSupport.recording {
      var text = Self.disagreementsHeader + "\n"
      for (row, verdict, e164) in disagreements {
        let reason = reasons[row.key].flatMap { $0.isEmpty ? nil : $0 } ?? "TODO: explain"
        text += [row.input, row.region, row.verdict, row.e164, verdict, e164, reason].joined(separator: "\t") + "\n"
      }
      try text.write(to: Self.disagreementsURL, atomically: true, encoding: .utf8)
    }
    let new = found.subtracting(listed).sorted()
    let fixed = listed.subtracting(found).sorted()
    #expect(
      new.isEmpty,
      Comment(
        rawValue: "new disagreements with phonenumbers (fix them, or list them with a reason in "
          + "phone-disagreements.tsv; ROSTER_RECORD=1 rewrites it): \(new)")
    )
    #expect(
      fixed.isEmpty,
      Comment(
        rawValue: "these listed disagreements are fixed: remove them from phone-disagreements.tsv "
          + "(ROSTER_RECORD=1 rewrites it): \(fixed)")
    )
    #expect(!reasons.values.contains { $0.isEmpty || $0.hasPrefix("TODO") }, "every disagreement needs a reason")
  }
}
