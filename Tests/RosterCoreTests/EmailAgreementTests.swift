import Foundation
import RosterCore
import RosterTestSupport
import Testing

/// Measures `EmailValidator` against Python's email-validator on `Fixtures/validation/emails.tsv`
/// (written by `scripts/build-email-corpus`). With `ROSTER_PYTHON` set (scripts/test sets it), the corpus's
/// labels are first checked against that Python's email-validator, so a stale corpus cannot pass.
///
/// Every input where Roster differs is listed, with a reason, in
/// `Fixtures/validation/email-disagreements.tsv`; a new difference and a fixed one both fail, so the list
/// stays exact. `ROSTER_RECORD=1` rewrites the list (keeping the reasons of entries still in it).
@Suite("Email agreement with email-validator")
struct EmailAgreementTests {
  /// One corpus line: the input and email-validator's `normalized`, or `nil` when it rejects the input.
  struct Labelled: Equatable {
    var input: String
    var normalized: String?
  }

  static let corpusURL = TestSupport.fixtures.appendingPathComponent("validation/emails.tsv")
  static let disagreementsURL = TestSupport.fixtures.appendingPathComponent("validation/email-disagreements.tsv")
  /// The agreement the corpus must reach, on verdicts and on normalised values.
  static let requiredAgreement = 0.995

  @Test("agrees with email-validator on the corpus, differing exactly where the disagreement list says")
  func agreement() throws {
    let corpus = try Self.readCorpus()
    #expect(corpus.count >= 2000, "the corpus should hold at least 2,000 addresses")

    // 1. The committed labels are still the reference's, when the reference is at hand.
    if let python = ProcessInfo.processInfo.environment["ROSTER_PYTHON"], !python.isEmpty {
      let live = try Self.labelLive(corpus.map(\.input), python: python)
      let stale = zip(corpus, live).filter { !Self.sameText($0.0.normalized, $0.1) }
      try #require(
        stale.isEmpty,
        """
        \(stale.count) corpus labels differ from \(python)'s email-validator, e.g. \
        \(stale.prefix(5).map { "\(Self.escape($0.0.input)): committed \($0.0.normalized ?? "invalid"), live \($0.1 ?? "invalid")" }); \
        run scripts/build-email-corpus and review the diff
        """)
    }

    // 2. Agreement.
    let validator = EmailValidator()
    var verdictAgreements = 0
    var fullAgreements = 0
    var disagreements: [(input: String, kind: String, detail: String)] = []
    for entry in corpus {
      let roster: String?
      let rosterCode: String
      switch validator.validate(entry.input) {
      case .valid(let normalized):
        roster = normalized
        rosterCode = "valid"
      case .invalid(let code, _):
        roster = nil
        rosterCode = code.rawValue
      }
      if (roster == nil) == (entry.normalized == nil) { verdictAgreements += 1 }
      if Self.sameText(roster, entry.normalized) {
        fullAgreements += 1
      } else if let roster, let expected = entry.normalized {
        disagreements.append(
          (
            entry.input, "normalized",
            "roster \(Self.escape(roster)), email-validator \(Self.escape(expected))"
              + (roster == expected ? " (canonically equivalent, not the same code points)" : "")
          ))
      } else {
        let expected = entry.normalized.map { "valid (\(Self.escape($0)))" } ?? "invalid"
        disagreements.append((entry.input, "verdict", "roster \(rosterCode), email-validator \(expected)"))
      }
    }
    let count = Double(corpus.count)
    let verdictRate = Double(verdictAgreements) / count
    let fullRate = Double(fullAgreements) / count
    print(
      "email agreement: \(corpus.count) inputs, verdict \(Self.percent(verdictRate)), "
        + "verdict and normalized \(Self.percent(fullRate)), \(disagreements.count) disagreements")
    #expect(verdictRate >= Self.requiredAgreement, "verdict agreement \(Self.percent(verdictRate))")
    #expect(fullRate >= Self.requiredAgreement, "normalized agreement \(Self.percent(fullRate))")

    // 3. The disagreements are exactly the listed ones.
    let listed = try Self.readDisagreements()
    let actual = Set(disagreements.map(\.input))
    if TestSupport.recording {
      try Self.writeDisagreements(disagreements, reasons: listed)
      return
    }
    let new = disagreements.filter { listed[$0.input] == nil }
    let fixed = listed.keys.filter { !actual.contains($0) }.sorted()
    #expect(
      new.isEmpty,
      """
      \(new.count) new disagreements with email-validator: \
      \(new.prefix(10).map { "\(Self.escape($0.input)) (\($0.detail))" }.joined(separator: "; ")). \
      Fix them, or list them in Fixtures/validation/email-disagreements.tsv with a reason \
      (ROSTER_RECORD=1 swift test --filter EmailAgreement rewrites it)
      """)
    #expect(
      fixed.isEmpty,
      """
      \(fixed.count) listed disagreements no longer happen: \
      \(fixed.prefix(10).map(Self.escape).joined(separator: "; ")). Remove them from \
      Fixtures/validation/email-disagreements.tsv (ROSTER_RECORD=1 swift test --filter EmailAgreement rewrites it)
      """)
  }

  // MARK: - Files

  static func readCorpus() throws -> [Labelled] {
    try dataLines(corpusURL).map { fields in
      guard fields.count == 3, fields[1] == "valid" || fields[1] == "invalid" else {
        throw CorpusError(line: fields.joined(separator: "\t"))
      }
      return Labelled(input: unescape(fields[0]), normalized: fields[1] == "valid" ? unescape(fields[2]) : nil)
    }
  }

  /// Input (unescaped) to its reason line: `kind TAB reason`.
  static func readDisagreements() throws -> [String: String] {
    var result: [String: String] = [:]
    for fields in try dataLines(disagreementsURL) {
      guard fields.count >= 2 else { throw CorpusError(line: fields.joined(separator: "\t")) }
      result[unescape(fields[0])] = fields.dropFirst().joined(separator: "\t")
    }
    return result
  }

  static func writeDisagreements(
    _ disagreements: [(input: String, kind: String, detail: String)], reasons: [String: String]
  ) throws {
    var text = """
      # Inputs of Fixtures/validation/emails.tsv where Roster's EmailValidator differs from email-validator.
      # Columns: input (escaped as in emails.tsv), kind (verdict or normalized), reason.
      # Checked by Tests/RosterCoreTests/EmailAgreementTests.swift; ROSTER_RECORD=1 rewrites it, keeping reasons.

      """
    for entry in disagreements {
      let reason = reasons[entry.input] ?? "\(entry.kind)\t\(entry.detail)"
      text += "\(escape(entry.input))\t\(reason)\n"
    }
    try text.write(to: disagreementsURL, atomically: true, encoding: .utf8)
  }

  /// The tab-separated fields of each line that is not a comment.
  static func dataLines(_ url: URL) throws -> [[String]] {
    // Split bytes, not Characters: a line may start with a combining mark.
    let data = try Data(contentsOf: url)
    return data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true)
      .filter { $0.first != UInt8(ascii: "#") }
      .map { line in
        line.split(separator: UInt8(ascii: "\t"), omittingEmptySubsequences: false)
          .map { String(decoding: $0, as: UTF8.self) }
      }
  }

  struct CorpusError: Error, CustomStringConvertible {
    var line: String
    var description: String { "malformed corpus line: \(line)" }
  }

  // MARK: - Escapes (see scripts/build-email-corpus)

  static func unescape(_ text: String) -> String {
    guard text.contains("\\") else { return text }
    var result = String.UnicodeScalarView()
    var scalars = text.unicodeScalars[...]
    while let scalar = scalars.popFirst() {
      guard scalar == "\\", let next = scalars.popFirst() else {
        result.append(scalar)
        continue
      }
      switch next {
      case "t": result.append("\t")
      case "n": result.append("\n")
      case "r": result.append("\r")
      case "u":
        // \u{HEX}
        _ = scalars.popFirst()  // "{"
        var hex = ""
        while let digit = scalars.popFirst(), digit != "}" { hex.unicodeScalars.append(digit) }
        result.append(Unicode.Scalar(UInt32(hex, radix: 16) ?? 0xFFFD) ?? "\u{FFFD}")
      default: result.append(next)
      }
    }
    return String(result)
  }

  static func escape(_ text: String) -> String {
    var result = text.hasPrefix("#") ? "\\" : ""
    for scalar in text.unicodeScalars {
      switch scalar.value {
      case 0x5C: result += "\\\\"
      case 0x09: result += "\\t"
      case 0x0A: result += "\\n"
      case 0x0D: result += "\\r"
      case 0x00..<0x20, 0x7F...0x9F, 0x2028, 0x2029:
        result += "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
      default: result.unicodeScalars.append(scalar)
      }
    }
    return result
  }

  /// Whether two optional strings have the same scalars. Not `==`: String's `==` ignores differences of
  /// Unicode normalisation, which are exactly what NFC agreement is about.
  static func sameText(_ a: String?, _ b: String?) -> Bool {
    switch (a, b) {
    case (nil, nil): true
    case (let a?, let b?): a.utf8.elementsEqual(b.utf8)
    default: false
    }
  }

  static func percent(_ rate: Double) -> String {
    let tenths = Int((rate * 1000).rounded(.down))
    return "\(tenths / 10).\(tenths % 10)%"
  }

  // MARK: - The reference, live

  /// email-validator's `normalized` for each input (`nil` when it rejects it), from `python`.
  static func labelLive(_ inputs: [String], python: String) throws -> [String?] {
    let script = """
      import json, sys
      from email_validator import EmailNotValidError, validate_email
      labels = []
      for address in json.load(sys.stdin):
          try:
              labels.append(validate_email(address, check_deliverability=False).normalized)
          except EmailNotValidError:
              labels.append(None)
      json.dump(labels, sys.stdout)
      """
    let input = try JSONSerialization.data(withJSONObject: inputs)
    let result = try TestSupport.run(URL(fileURLWithPath: python), ["-c", script], stdin: input)
    try #require(result.status == 0, "\(python) failed: \(result.stderrText)")
    let labels = try #require(try JSONSerialization.jsonObject(with: result.stdout) as? [Any])
    try #require(labels.count == inputs.count)
    return labels.map { $0 as? String }
  }
}
