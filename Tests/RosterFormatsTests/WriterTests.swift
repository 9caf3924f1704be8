import Foundation
import RosterCore
import RosterFormats
import RosterTestSupport
import Testing

/// Runs `body` with a `ByteOutput` on a temporary file and returns what it wrote.
func captured(_ body: (ByteOutput) throws -> Void) throws -> String {
  let directory = try TestSupport.temporaryDirectory()
  defer { try? FileManager.default.removeItem(at: directory) }
  let path = directory.appendingPathComponent("out").path
  let file = try AtomicFile(destination: path)
  try body(file.output)
  try file.commit()
  return try String(contentsOfFile: path, encoding: .utf8)
}

@Suite("JSON contact writer")
struct JSONContactWriterTests {
  static func sample() -> Contact {
    var contact = Contact()
    contact.id = "id-1"
    contact.name = "Tab\tQuote\"Back\\slash\u{1}"
    contact.email = "a@b.co"
    contact.address.set("Main St", at: ["address_line1"])
    contact.metadata.set("1", at: ["facebook", "psid"])
    contact.metadata.set("yes", at: ["csv_import"])
    contact.groups = [GroupReference(name: "G", id: "g-1")]
    return contact
  }

  @Test func canonicalKeyOrderEscapesAndOmissions() throws {
    let text = try captured { output in
      var writer = JSONContactWriter(output: output, layout: .lines)
      try writer.write(Self.sample())
      try writer.finish()
    }
    #expect(
      text == """
        {"id":"id-1","type":"person","name":"Tab\\tQuote\\"Back\\\\slash\\u0001","email":"a@b.co",\
        "address":{"address_line1":"Main St"},"groups":["g-1"],\
        "metadata":{"facebook":{"psid":"1"},"csv_import":"yes"}}

        """)
    let decoded = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
    #expect(decoded?["name"] as? String == Self.sample().name)
  }

  /// Strings are scanned for escapes eight bytes at a time: every ASCII byte, at every offset in and
  /// across an 8-byte word, is escaped as a byte-by-byte escaper does it.
  @Test func everyByteIsEscapedAtEveryOffset() {
    func reference(_ text: String) -> String {
      var out = "\""
      for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case "\u{08}": out += "\\b"
        case "\u{0C}": out += "\\f"
        case let control where control.value < 0x20:
          out += "\\u00" + (control.value < 0x10 ? "0" : "") + String(control.value, radix: 16)
        default: out.unicodeScalars.append(scalar)
        }
      }
      return out + "\""
    }
    let output = ByteOutput(inMemory: "test")
    for byte in UInt8(0)..<0x80 {
      for offset in 0..<17 {
        let text =
          String(repeating: "é", count: offset % 3) + String(repeating: "a", count: offset)
          + String(UnicodeScalar(byte)) + String(repeating: "z", count: 16 - offset)
        try? output.writeJSONString(text)
        let written = String(decoding: output.takeBytes(), as: UTF8.self)
        #expect(written == reference(text), "byte \(byte) at offset \(offset)")
      }
    }
  }

  @Test func arrayLayoutIsValidJSONForZeroOneAndManyContacts() throws {
    for count in [0, 1, 3] {
      let text = try captured { output in
        var writer = JSONContactWriter(output: output, layout: .array)
        for _ in 0..<count { try writer.write(Self.sample()) }
        try writer.finish()
      }
      let decoded = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [Any]
      #expect(decoded?.count == count)
    }
  }
}

@Suite("Issue report writer")
struct IssueReportWriterTests {
  static let issue = RowIssue(
    position: RowPosition(index: 2, line: 4),
    details: [
      IssueDetail(
        header: "Email", field: "email", code: "email.domain_no_tld",
        message: "the domain has no top-level part after its last dot", value: "thor@asgard.")
    ])

  static func report(_ format: ReportFormat, inputName: String = "contacts.csv") throws -> String {
    try captured { output in
      let writer = try IssueReportWriter(format: format, inputName: inputName, output: output)
      try writer.accepted(id: "a", position: RowPosition(index: 0, line: 2))
      try writer.rejected(Self.issue)
      try writer.warning(RunWarning(code: "header.unknown_column", message: "column \"X\" kept", header: "X"))
      var summary = RunSummary()
      (summary.rows, summary.accepted, summary.rejected, summary.warnings) = (2, 1, 1, 1)
      try writer.finish(summary: summary)
    }
  }

  @Test func textNamesFileLineRowHeaderValueAndReason() throws {
    #expect(
      try Self.report(.text) == """
        contacts.csv:4 (row 2) Email "thor@asgard.": the domain has no top-level part after its last dot
        contacts.csv: warning: column "X" kept
        contacts.csv: 2 rows: 1 accepted, 1 rejected, 1 warning

        """)
  }

  @Test func githubAnnotationsEscapeProperties() throws {
    let text = try Self.report(.github, inputName: "data/a,b:c.csv")
    #expect(text.hasPrefix("::error file=data/a%2Cb%3Ac.csv,line=4,title=row 2 rejected::Email \"thor@asgard.\""))
  }

  @Test func jsonIsOneDocumentShapedLikeTheImportResponse() throws {
    let text = try Self.report(.json)
    let document = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    #expect(document["created"] as? [String] == ["a"])
    let issues = try #require(document["issues"] as? [[String: Any]])
    #expect(issues.count == 1)
    #expect(issues[0]["index"] as? Int == 2)
    #expect(issues[0]["line"] as? Int == 4)
    #expect(issues[0]["errors"] as? [String] == ["Email"])
    let details = try #require(issues[0]["details"] as? [[String: Any]])
    #expect(details[0]["code"] as? String == "email.domain_no_tld")
    #expect(details[0]["value"] as? String == "thor@asgard.")
    #expect((document["warnings"] as? [Any])?.count == 1)
    let summary = try #require(document["summary"] as? [String: Int])
    #expect(summary == ["rows": 2, "accepted": 1, "rejected": 1, "warnings": 1])
  }

  @Test func jsonlHasOneKindedObjectPerLine() throws {
    let lines = try Self.report(.jsonl).split(separator: "\n")
    #expect(lines.count == 3)
    let kinds = try lines.map { line in
      (try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["kind"] as? String
    }
    #expect(kinds == ["issue", "warning", "summary"])
  }
}
