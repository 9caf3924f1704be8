public import RosterCore

/// Writes contacts as RFC 4180 CSV with `SpreadsheetLayout`'s fixed header.
///
/// Fields are quoted when they hold a comma, a quote, CR or LF, or start or end with a space (quotes
/// doubled); lines end with CRLF, as RFC 4180 says. Nested maps are rendered by `yaml` into one cell.
public struct CSVContactWriter: ContactWriter {
  public let output: ByteOutput
  private let yaml: (NestedFields) throws -> String
  private let groupSeparator: UInt8
  private let layout: SpreadsheetLayout
  private var wroteHeader = false

  /// `groupSeparator` joins group names, as the run read them, so the file re-imports with the same flags.
  public init(
    output: ByteOutput, layout: SpreadsheetLayout = SpreadsheetLayout(), groupSeparator: UInt8 = UInt8(ascii: ";"),
    yaml: @escaping (NestedFields) throws -> String
  ) {
    self.output = output
    self.layout = layout
    self.groupSeparator = groupSeparator
    self.yaml = yaml
  }

  public mutating func write(_ contact: Contact) throws {
    if !wroteHeader { try writeHeader() }
    try Self.writeRecord(
      try layout.cells(for: contact, groupSeparator: groupSeparator, yaml: yaml), to: output)
  }

  public mutating func finish() throws {
    if !wroteHeader { try writeHeader() }
    try output.flush()
  }

  private mutating func writeHeader() throws(RosterError) {
    wroteHeader = true
    try Self.writeRecord(layout.headers, to: output)
  }

  /// Writes one CSV record, quoting the cells that need it.
  public static func writeRecord(_ cells: [String], to output: ByteOutput) throws(RosterError) {
    for (index, cell) in cells.enumerated() {
      if index > 0 { try output.write(byte: UInt8(ascii: ",")) }
      try writeCell(cell, to: output)
    }
    try output.write("\r\n")
  }

  static func writeCell(_ cell: String, to output: ByteOutput) throws(RosterError) {
    let utf8 = cell.utf8
    let needsQuotes =
      utf8.contains { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 0x0A || $0 == 0x0D }
      || utf8.first == 0x20 || utf8.last == 0x20
    guard needsQuotes else {
      try output.write(cell)
      return
    }
    try output.write(byte: UInt8(ascii: "\""))
    try output.write(cell.replacing("\"", with: "\"\""))
    try output.write(byte: UInt8(ascii: "\""))
  }
}
