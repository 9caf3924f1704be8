public import RosterCore

/// Writes the rejected rows of a CSV input in its own shape, to fix and import again.
///
/// The file has the input's header plus a last `roster_errors` column, then each rejected row with its
/// cells exactly as read (their bytes unchanged, re-quoted only where CSV needs it) and the reasons.
/// On import Roster ignores the `roster_errors` column (with a warning). A row skipped for going over
/// an input limit has no cells to copy: it is written with empty cells and its reasons (which name its
/// line), so it is not lost, and importing it as it stands is rejected again (`row.empty`) rather than
/// taking a cut-down row for the real one.
public final class RejectedRowsWriter {
  /// The column that carries the reasons.
  public static let errorsHeader = "roster_errors"
  private let output: ByteOutput
  private let inputName: String
  private let columnCount: Int

  public init(output: ByteOutput, header: [String], inputName: String) throws(RosterError) {
    self.output = output
    self.inputName = inputName
    columnCount = header.count
    try CSVContactWriter.writeRecord(header + [Self.errorsHeader], to: output)
  }

  /// Writes `record` and the reasons it was rejected.
  public func write(_ record: CSVRecord, issue: RowIssue) throws(RosterError) {
    var start = 0
    for end in record.ends {
      try writeCell(record.bytes[start..<end])
      try output.write(byte: UInt8(ascii: ","))
      start = end
    }
    let reasons = IssueReportWriter.sentence(for: issue)
    try output.append { $0.appendCSVField(reasons) }
    try output.write("\r\n")
  }

  /// Writes a row whose cells were not kept (over an input limit): empty cells and the reasons.
  public func writeOmitted(issue: RowIssue) throws(RosterError) {
    for _ in 0..<columnCount { try output.write(byte: UInt8(ascii: ",")) }
    let reasons = Self.omittedPrefix(issue) + IssueReportWriter.sentence(for: issue)
    try output.append { $0.appendCSVField(reasons) }
    try output.write("\r\n")
  }

  /// Names the input line of a row whose cells are not in the file, to copy them from.
  static func omittedPrefix(_ issue: RowIssue) -> String {
    "row \(issue.position.index) (line \(issue.position.line) of the input) is not copied here: "
  }

  /// Writes a spreadsheet row's cells and the reasons it was rejected.
  public func write(cells: [String], issue: RowIssue) throws(RosterError) {
    try CSVContactWriter.writeRecord(cells + [IssueReportWriter.sentence(for: issue)], to: output)
  }

  public func finish() throws(RosterError) {
    try output.flush()
  }

  private func writeCell(_ bytes: ArraySlice<UInt8>) throws(RosterError) {
    try output.append { out in bytes.withUnsafeBufferPointer { out.appendCSVField(utf8: $0) } }
  }
}

/// Writes the rejected elements of a JSON input as JSON Lines, each object as read with a
/// `roster_errors` array added (which Roster ignores on import), to fix and import again.
public final class RejectedJSONWriter {
  private let output: ByteOutput

  public init(output: ByteOutput) {
    self.output = output
  }

  /// Writes an element whose bytes were not kept (over an input limit): only its reasons, which
  /// name its line (importing it as it stands is rejected again, as an empty object).
  public func writeOmitted(issue: RowIssue) throws(RosterError) {
    try output.write("{\"roster_errors\":")
    try output.writeJSONArray(
      [
        "element \(issue.position.index) (line \(issue.position.line) of the input) is not copied here; "
          + "take it from the input"
      ] + Self.reasons(issue))
    try output.write("}\n")
  }

  private static func reasons(_ issue: RowIssue) -> [String] {
    issue.details.map { detail in
      (detail.header.map { $0 + ": " } ?? "") + detail.message
    }
  }

  /// Writes `raw` (one JSON value) with the reasons it was rejected.
  public func write(_ raw: [UInt8], issue: RowIssue) throws(RosterError) {
    let reasons = Self.reasons(issue)
    var end = raw.count
    while end > 0, raw[end - 1] == 0x20 || raw[end - 1] == 0x09 || raw[end - 1] == 0x0A || raw[end - 1] == 0x0D {
      end -= 1
    }
    guard end > 0, raw[end - 1] == UInt8(ascii: "}") else {
      // Not an object: keep it whole under "value".
      try output.write("{\"value\":")
      try writeOnOneLine(raw[..<end])
      try output.write(",\"roster_errors\":")
      try output.writeJSONArray(reasons)
      try output.write("}\n")
      return
    }
    let body = raw[..<(end - 1)]
    let isEmpty = !body.contains { $0 != UInt8(ascii: "{") && $0 != 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D }
    try writeOnOneLine(body)
    try output.write(isEmpty ? "\"roster_errors\":" : ",\"roster_errors\":")
    try output.writeJSONArray(reasons)
    try output.write("}\n")
  }

  public func finish() throws(RosterError) {
    try output.flush()
  }

  /// One line per element: line breaks between tokens are spaces in JSON (a string cannot hold one).
  private func writeOnOneLine(_ bytes: ArraySlice<UInt8>) throws(RosterError) {
    for byte in bytes { try output.write(byte: byte == 0x0A || byte == 0x0D ? 0x20 : byte) }
  }
}
