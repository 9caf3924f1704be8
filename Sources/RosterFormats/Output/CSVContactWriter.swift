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
  private static let phoneColumn = SpreadsheetLayout.headers.firstIndex(of: "phone")
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

  /// A writer with `settings`, the ones its rows rendered ahead were made with.
  public init(output: ByteOutput, settings: Rendering) {
    self.init(
      output: output, layout: settings.layout, groupSeparator: settings.groupSeparator,
      formulaGuard: settings.formulaGuard, yaml: settings.yaml)
  }

  public mutating func write(_ contact: Contact) throws {
    if !wroteHeader { try writeHeader() }
    var cells = try layout.cells(for: contact, groupSeparator: groupSeparator, yaml: yaml)
    guardedCells += Self.applyGuard(&cells, in: cells.indices, with: formulaGuard)
    try Self.writeRecord(cells, to: output)
  }

  /// Writes `contact`; with `rendered` (what `render` gave in the first pass), only its two group
  /// cells are made here, between the rendered parts.
  public mutating func write(_ contact: consuming Contact, rendered: RenderedParts?) throws {
    guard let rendered else { return try write(contact) }
    if !wroteHeader { try writeHeader() }
    var cells = SpreadsheetLayout.groupCells(of: contact, separator: groupSeparator)
    guardedCells += rendered.guardedCells + Self.applyGuard(&cells, in: cells.indices, with: formulaGuard)
    try output.append { out in
      rendered.bytes.withUnsafeBufferPointer { bytes in
        out.append(UnsafeBufferPointer(rebasing: bytes[..<rendered.prefixCount]))
        out.appendCSVField(cells[0])
        out.append(UInt8(ascii: ","))
        out.appendCSVField(cells[1])
        out.append(UnsafeBufferPointer(rebasing: bytes[rendered.prefixCount...]))
      }
    }
  }

  /// What a CSV row rendered ahead needs to know: the writer's settings. Safe to use from any thread.
  public struct Rendering: Sendable {
    let layout: SpreadsheetLayout
    let groupSeparator: UInt8
    let formulaGuard: FormulaGuard
    let yaml: @Sendable (NestedFields) throws -> String

    /// The settings of a `CSVContactWriter` made with the same arguments.
    public init(
      layout: SpreadsheetLayout, groupSeparator: UInt8, formulaGuard: FormulaGuard,
      yaml: @escaping @Sendable (NestedFields) throws -> String
    ) {
      self.layout = layout
      self.groupSeparator = groupSeparator
      self.formulaGuard = formulaGuard
      self.yaml = yaml
    }
  }

  /// The `groups` column; `primary_groups` follows it, in every layout (flattened metadata columns
  /// come after both).
  private static let groupsColumn = SpreadsheetLayout.headers.firstIndex(of: "groups") ?? 0

  /// Renders `contact`'s record as `write(_:rendered:)` takes it: the cells before its group cells,
  /// each with its comma, into `out` (empty), then a comma, the cells after them and the line end.
  /// Returns where the first part ends and how many cells the formula guard prefixed.
  /// - Throws: what `rendering.yaml` throws (the row is then written the usual way, which throws it).
  static func render(
    _ contact: Contact, with rendering: Rendering, into out: inout OutputBuffer
  ) throws -> (prefixCount: Int, guardedCells: Int) {
    var cells = try rendering.layout.cells(for: contact, groupSeparator: rendering.groupSeparator, yaml: rendering.yaml)
    let groups = groupsColumn..<groupsColumn + 2
    let guarded =
      applyGuard(&cells, in: 0..<groups.lowerBound, with: rendering.formulaGuard)
      + applyGuard(&cells, in: groups.upperBound..<cells.count, with: rendering.formulaGuard)
    for cell in cells[..<groups.lowerBound] {
      out.appendCSVField(cell)
      out.append(UInt8(ascii: ","))
    }
    let prefixCount = out.count
    for cell in cells[groups.upperBound...] {
      out.append(UInt8(ascii: ","))
      out.appendCSVField(cell)
    }
    out.append("\r\n")
    return (prefixCount, guarded)
  }

  /// Prefixes the cells in `columns` that a spreadsheet would run as formulas with `'` (not the
  /// validated E.164 phone); returns how many it prefixed.
  private static func applyGuard(_ cells: inout [String], in columns: Range<Int>, with formulaGuard: FormulaGuard)
    -> Int
  {
    guard formulaGuard == .on else { return 0 }
    var count = 0
    for column in columns {
      if column == phoneColumn && FormulaGuard.isValidatedPhone(cells[column]) { continue }
      guard let guarded = FormulaGuard.guarded(cells[column]) else { continue }
      cells[column] = guarded
      count += 1
    }
    return count
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
