public import RosterCore

/// Writes the rejected rows of a CSV input in its own shape, to fix and import again.
///
/// The file has the input's header plus a last `roster_errors` column, then each rejected row with its
/// cells exactly as read (their bytes unchanged, re-quoted only where CSV needs it) and the reasons.
/// On import Roster ignores the `roster_errors` column (with a warning).
public final class RejectedRowsWriter {
  /// The column that carries the reasons.
  public static let errorsHeader = "roster_errors"
  private let output: ByteOutput
  private let inputName: String

  public init(output: ByteOutput, header: [String], inputName: String) throws(RosterError) {
    self.output = output
    self.inputName = inputName
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
    try CSVContactWriter.writeCell(reasons, to: output)
    try output.write("\r\n")
  }

  public func finish() throws(RosterError) {
    try output.flush()
  }

  private func writeCell(_ bytes: ArraySlice<UInt8>) throws(RosterError) {
    let needsQuotes =
      bytes.contains { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 0x0A || $0 == 0x0D }
      || bytes.first == 0x20 || bytes.last == 0x20
    if needsQuotes { try output.write(byte: UInt8(ascii: "\"")) }
    for byte in bytes {
      if byte == UInt8(ascii: "\"") { try output.write(byte: byte) }
      try output.write(byte: byte)
    }
    if needsQuotes { try output.write(byte: UInt8(ascii: "\"")) }
  }
}
