import RosterCore

/// A run of worksheets that share one header row: `Contacts`, then `Contacts 2`, `Contacts 3`, ...
/// when a sheet holds `rowsPerSheet` data rows.
///
/// Each sheet gets the bold header row, frozen; each column its width (set once); and, when the
/// sheet is complete, an autofilter over its header and data.
struct SheetSeries {
  let baseName: String
  /// The header cells, already prepared by `CellText`.
  let headers: [String]
  /// The width of each header's column.
  let widths: [Double]
  /// The width of every column after `widths`, if they may hold values.
  let restWidth: Double?
  let rowsPerSheet: Int
  private(set) var sheet: XLSXWorkbook.Sheet
  private var sheetNumber = 1
  /// The data rows written to `sheet` (its next row index is `rows + 1`).
  private(set) var rows = 0
  /// The rightmost column written to `sheet`, for the autofilter.
  private var lastColumn: Int

  init(
    baseName: String, headers: [String], widths: [Double], restWidth: Double? = nil, rowsPerSheet: Int,
    in workbook: XLSXWorkbook, formats: Formats
  ) throws(RosterError) {
    self.baseName = baseName
    self.headers = headers
    self.widths = widths
    self.restWidth = restWidth
    self.rowsPerSheet = rowsPerSheet
    lastColumn = headers.count - 1
    sheet = try Self.addSheet(
      baseName, headers: headers, widths: widths, restWidth: restWidth, in: workbook, formats: formats)
  }

  /// The formats every sheet uses.
  struct Formats {
    let header: XLSXWorkbook.Format
    let text: XLSXWorkbook.Format
  }

  /// The row index (0-based, the header is 0) for the next data row, moving to a new sheet first when
  /// the current one is full.
  mutating func nextRow(in workbook: XLSXWorkbook, formats: Formats) throws(RosterError) -> Int {
    if rows == rowsPerSheet {
      try complete(in: workbook)
      sheetNumber += 1
      sheet = try Self.addSheet(
        "\(baseName) \(sheetNumber)", headers: headers, widths: widths, restWidth: restWidth, in: workbook,
        formats: formats)
      rows = 0
      lastColumn = headers.count - 1
    }
    rows += 1
    return rows
  }

  /// Notes that `column` of the current sheet holds a value, for the autofilter range.
  mutating func noteColumn(_ column: Int) {
    if column > lastColumn { lastColumn = column }
  }

  /// Puts the autofilter over the current sheet's header and data.
  func complete(in workbook: XLSXWorkbook) throws(RosterError) {
    try workbook.autofilter(sheet, lastRow: rows, lastColumn: lastColumn)
  }

  private static func addSheet(
    _ name: String, headers: [String], widths: [Double], restWidth: Double?, in workbook: XLSXWorkbook,
    formats: Formats
  ) throws(RosterError) -> XLSXWorkbook.Sheet {
    let sheet = try workbook.addSheet(named: name)
    // Each column once: libxlsxwriter lets later ranges overwrite earlier ones silently. The text
    // format makes what a person later types into an empty cell stay text too.
    for (column, width) in widths.enumerated() {
      try workbook.setColumns(column, column, width: width, format: formats.text, sheet: sheet)
    }
    if let restWidth, widths.count < XLSXContactWriter.excelColumnLimit {
      // Width only: a format here would stretch the sheet's dimension to column XFD, and readers that
      // trust it (openpyxl's read-only mode) would then pad every row to 16,384 cells.
      try workbook.setColumns(
        widths.count, XLSXContactWriter.excelColumnLimit - 1, width: restWidth, format: nil, sheet: sheet)
    }
    try workbook.freezeHeaderRow(of: sheet)
    for (column, header) in headers.enumerated() {
      try workbook.write(header, sheet: sheet, row: 0, column: column, format: formats.header)
    }
    return sheet
  }
}
