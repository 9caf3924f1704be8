public import RosterCore

/// Writes contacts as RFC 4180 CSV with `SpreadsheetLayout`'s fixed header.
///
/// Fields are quoted when they hold a comma, a quote, CR or LF, or start or end with a space (quotes
/// doubled); lines end with CRLF, as RFC 4180 says. Nested maps are rendered by `yaml` into one cell.
/// With `formulaGuard` on (the default), a cell a spreadsheet would run as a formula gets a leading
/// `'` (see `FormulaGuard`); the validated E.164 `phone` cell is exempt and stays byte-exact.
public struct CSVContactWriter: ContactWriter {
  public let output: ByteOutput
  private let yaml: (NestedFields) throws -> String
  private let groupSeparator: UInt8
  private let layout: SpreadsheetLayout
  private let formulaGuard: FormulaGuard
  /// The `phone` column's position, the same in every layout.
  private let phoneColumn = SpreadsheetLayout.headers.firstIndex(of: "phone")
  private var wroteHeader = false
  /// How many cells the formula guard has prefixed with `'` so far (for the run's warning).
  public private(set) var guardedCells = 0

  /// `groupSeparator` joins group names, as the run read them, so the file re-imports with the same flags.
  public init(
    output: ByteOutput, layout: SpreadsheetLayout = SpreadsheetLayout(), groupSeparator: UInt8 = UInt8(ascii: ";"),
    formulaGuard: FormulaGuard = .on, yaml: @escaping (NestedFields) throws -> String
  ) {
    self.output = output
    self.layout = layout
    self.groupSeparator = groupSeparator
    self.formulaGuard = formulaGuard
    self.yaml = yaml
  }

  public mutating func write(_ contact: Contact) throws {
    if !wroteHeader { try writeHeader() }
    var cells = try layout.cells(for: contact, groupSeparator: groupSeparator, yaml: yaml)
    if formulaGuard == .on {
      for column in cells.indices {
        if column == phoneColumn && FormulaGuard.isValidatedPhone(cells[column]) { continue }
        guard let guarded = FormulaGuard.guarded(cells[column]) else { continue }
        cells[column] = guarded
        guardedCells += 1
      }
    }
    try Self.writeRecord(cells, to: output)
  }

  public mutating func finish() throws {
    if !wroteHeader { try writeHeader() }
    try output.flush()
  }

  private mutating func writeHeader() throws(RosterError) {
    wroteHeader = true
    try Self.writeRecord(layout.headers, to: output)
  }

  /// Writes one CSV record, quoting the cells that need it (as they are: no formula guard), in one
  /// access to the output's buffer.
  public static func writeRecord(_ cells: [String], to output: ByteOutput) throws(RosterError) {
    try output.append { out in
      for (index, cell) in cells.enumerated() {
        if index > 0 { out.append(UInt8(ascii: ",")) }
        out.appendCSVField(cell)
      }
      out.append("\r\n")
    }
  }
}
