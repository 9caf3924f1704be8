public import RosterCore

/// Reads the rows of one worksheet of an XLSX workbook, streaming: the sheet's XML is inflated and
/// tokenized in 64 KiB steps, so memory stays bounded whatever the row count (the shared-string
/// table is held in memory, compactly, as one byte store).
///
/// Cells come back as the text Roster reads:
/// - strings (shared or inline, rich-text runs joined) with `_xHHHH_` escapes decoded;
/// - numbers with every digit and no exponent (`447911123456`, `0.00001`, `2.5`);
/// - booleans as `TRUE` / `FALSE`; error values as written (`#N/A`);
/// - numbers styled with a date or time format as ISO 8601 (`2024-03-01`, `2024-03-01T13:45:00`, `13:45:00`).
///
/// ```swift
/// let reader = try XLSXRowReader(path: "contacts.xlsx", displayName: "contacts.xlsx")
/// let (headers, _) = try reader.readHeader()
/// while let (cells, line) = try reader.next() { ... }
/// ```
///
/// Every failure (not a ZIP, not a workbook, truncated, a zip bomb, malformed XML) is a
/// `RosterError(.input)` naming the file. A row over one of the cell limits (`XLSXInputLimits.rows`:
/// a cell or shared string over `maxFieldBytes`, a non-empty cell right of `maxColumns`, more than
/// `maxRowBytes` of cells) is read to its end without keeping its cells and comes back empty with its
/// `limitViolation`; a header over one is an error.
public final class XLSXRowReader {
  /// Every sheet's name, in workbook order.
  public let sheetNames: [String]

  private let zip: ZipFile
  private let displayName: String
  private let xml: XMLTokenizer
  private let sharedStrings: SharedStrings
  private let styles: [NumberDisplay]
  private let date1904: Bool
  private let rowLimits: InputLimits
  private var lastRow = 0
  private var inSheetData = false
  private var finished = false
  private var headerRead = false
  private var value: [UInt8] = []

  /// Opens `path` and prepares `sheet` (its name; the first worksheet when nil).
  ///
  /// - Throws: `RosterError(.input)` when the file is not a readable workbook or has no such sheet
  ///   (the message lists the sheet names).
  public convenience init(
    path: String, displayName: String, sheet: String? = nil, limits: XLSXInputLimits = .init()
  ) throws(RosterError) {
    try self.init(
      zip: try ZipFile(path: path, displayName: displayName, limits: limits), displayName: displayName, sheet: sheet,
      limits: limits)
  }

  /// Reads the workbook held by the open regular file `descriptor` (an unlinked temporary copy of a
  /// workbook that came over HTTP, in a data URL or on standard input); the caller keeps `descriptor`.
  public convenience init(
    descriptor: Int32, displayName: String, sheet: String? = nil, limits: XLSXInputLimits = .init()
  ) throws(RosterError) {
    try self.init(
      zip: try ZipFile(descriptor: descriptor, displayName: displayName, limits: limits), displayName: displayName,
      sheet: sheet, limits: limits)
  }

  private init(zip: ZipFile, displayName: String, sheet: String?, limits: XLSXInputLimits) throws(RosterError) {
    self.displayName = displayName
    self.zip = zip
    let budget = DecompressionBudget(limits: limits)
    let parts = try WorkbookParts.read(zip, budget: budget)
    sheetNames = parts.sheets.map(\.name)
    date1904 = parts.date1904
    rowLimits = limits.rows
    let chosen: SheetInfo
    if let sheet {
      guard
        let match = parts.sheets.first(where: { $0.name == sheet })
          ?? parts.sheets.first(where: { $0.name.lowercased() == sheet.lowercased() })
      else {
        let names = parts.sheets.map { "\"\($0.name)\"" }.joined(separator: ", ")
        throw RosterError(.input, file: displayName, "no sheet named \"\(sheet)\"; the workbook's sheets are \(names)")
      }
      guard match.isWorksheet else {
        throw RosterError(.input, file: displayName, "sheet \"\(match.name)\" is not a worksheet (a chart sheet?)")
      }
      chosen = match
    } else {
      guard let first = parts.sheets.first(where: \.isWorksheet) else {
        throw RosterError(.input, file: displayName, "the workbook has no worksheet")
      }
      chosen = first
    }
    guard let sheetPath = chosen.path, zip.entry(sheetPath) != nil else {
      throw RosterError(
        .input, file: displayName, "malformed XLSX: sheet \"\(chosen.name)\" has no part in the archive")
    }
    if let stylesPath = parts.stylesPath {
      styles = try WorkbookParts.styles(zip, stylesPath, budget: budget)
    } else {
      styles = []
    }
    if let sharedStringsPath = parts.sharedStringsPath {
      sharedStrings = try SharedStrings.read(zip, sharedStringsPath, budget: budget)
    } else {
      sharedStrings = SharedStrings()
    }
    xml = try WorkbookParts.tokenizer(zip, sheetPath, budget: budget)
  }

  /// The header: the first non-empty row, and its 1-based row number.
  ///
  /// - Throws: `RosterError(.header)` when the sheet has no rows or the header row is over a cell
  ///   limit; `.input` when it cannot be read.
  public func readHeader() throws(RosterError) -> (headers: [String], line: Int) {
    guard !headerRead else { throw RosterError(.usage, file: displayName, "readHeader() called twice") }
    headerRead = true
    guard let row = try readRow() else { throw RosterError(.header, file: displayName, line: 1, "the sheet is empty") }
    if let violation = row.limitViolation {
      let column = violation.column.map { " (column \(CellRendering.columnName($0 + 1)))" } ?? ""
      throw RosterError(
        .header, file: displayName, line: row.line,
        "the header row\(column) \(violation.problem); raise \(violation.kind.flag) to read this workbook")
    }
    return (row.cells, row.line)
  }

  /// The next non-empty data row: its cells (missing cells filled with "", trailing empty cells dropped)
  /// and its 1-based row number in the sheet, or, for a row over a cell limit, no cells and the
  /// violation. Nil at the end of the sheet.
  public func next() throws(RosterError) -> (cells: [String], line: Int, limitViolation: LimitViolation?)? {
    if !headerRead { headerRead = true }
    return try readRow()
  }

  private func readRow() throws(RosterError) -> (cells: [String], line: Int, limitViolation: LimitViolation?)? {
    if finished { return nil }
    while true {
      switch try xml.next() {
      case .end_of_file:
        finished = true
        if inSheetData { throw xml.malformed("the sheet ends inside its data (truncated?)") }
        return nil
      case .end:
        if xml.nameIs("sheetData") {
          finished = true
          return nil
        }
      case .text: break
      case .start:
        if xml.nameIs("sheetData") {
          if xml.selfClosing {
            finished = true
            return nil
          }
          inSheetData = true
        } else if inSheetData, xml.nameIs("row") {
          let number = try xml.integerAttribute("r") ?? (lastRow + 1)
          // Rows come in increasing order (ECMA-376); a repeated or earlier row number would give
          // two rows the same line in the report.
          guard number > lastRow, number <= 1_048_576 else {
            throw xml.malformed(
              number > lastRow
                ? "row \(number) is past row 1048576"
                : number < 1
                  ? "a row is numbered \(number)" : "row \(number) comes after row \(lastRow): rows must be in order")
          }
          lastRow = number
          if xml.selfClosing { continue }
          var (cells, violation) = try readCells(row: number)
          if let violation { return ([], number, violation) }
          while let last = cells.last, last.isEmpty { cells.removeLast() }
          if !cells.isEmpty { return (cells, number, nil) }
        }
      }
    }
  }

  /// Reads `<c>` elements up to `</row>`; after a cell over a limit, the rest of the row is read but
  /// not kept.
  private func readCells(row: Int) throws(RosterError) -> (cells: [String], violation: LimitViolation?) {
    var cells: [String] = []
    var violation: LimitViolation?
    var rowBytes = 0
    var lastColumn = 0
    while true {
      switch try xml.next() {
      case .end_of_file: throw xml.malformed("the sheet ends inside row \(row) (truncated?)")
      case .end:
        if xml.nameIs("row") { return (violation == nil ? cells : [], violation) }
      case .text: break
      case .start:
        guard xml.nameIs("c") else { continue }
        let column = try xml.cellReference("r")?.column ?? (lastColumn + 1)
        guard column >= 1, column <= 16_384 else {
          throw xml.malformed("row \(row) has a cell outside columns A to XFD")
        }
        // Cells come in column order (ECMA-376); a repeated or earlier column would overwrite a value.
        guard column > lastColumn else {
          throw xml.malformed(
            "row \(row) has a cell in column \(column) after column \(lastColumn): cells must be in column order")
        }
        lastColumn = column
        let type = cellType(xml.attributeBytes("t"))
        let style = try xml.integerAttribute("s") ?? 0
        let read = xml.selfClosing ? "" : try readCellValue(type: type, style: style, row: row)
        guard violation == nil else { continue }
        guard let text = read else {
          violation = LimitViolation(
            kind: .fieldBytes, limit: rowLimits.maxFieldBytes, column: column - 1, line: row)
          continue
        }
        if text.isEmpty { continue }
        if column > rowLimits.maxColumns {
          violation = LimitViolation(kind: .columns, limit: rowLimits.maxColumns, column: column - 1, line: row)
          continue
        }
        rowBytes += text.utf8.count
        if rowBytes > rowLimits.maxRowBytes {
          violation = LimitViolation(kind: .rowBytes, limit: rowLimits.maxRowBytes, column: column - 1, line: row)
          continue
        }
        // Cells come in column order (checked above), so this one goes after every cell kept so far.
        cells.reserveCapacity(column)
        while cells.count < column - 1 { cells.append("") }
        cells.append(text)
      }
    }
  }

  private enum CellType { case number, sharedString, inlineString, formulaString, boolean, error, date }

  private func cellType(_ t: ArraySlice<UInt8>?) -> CellType {
    guard let t, let first = t.first else { return .number }
    switch (first, t.count) {
    case (UInt8(ascii: "n"), 1): return .number
    case (UInt8(ascii: "s"), 1): return .sharedString
    case (UInt8(ascii: "b"), 1): return .boolean
    case (UInt8(ascii: "e"), 1): return .error
    case (UInt8(ascii: "d"), 1): return .date
    case (UInt8(ascii: "s"), 3): return .formulaString
    case (UInt8(ascii: "i"), _): return .inlineString
    default: return .number
    }
  }

  /// Reads a cell's children up to `</c>`: the `<v>` text, or an inline string's `<t>` texts; `nil`
  /// when the cell is longer than `InputLimits.maxFieldBytes` (the rest of it is read, not kept).
  private func readCellValue(type: CellType, style: Int, row: Int) throws(RosterError) -> String? {
    value.removeAll(keepingCapacity: true)
    var overflowed = false
    var capture = false
    var phoneticDepth = 0
    var sawValue = false
    while true {
      switch try xml.next() {
      case .end_of_file: throw xml.malformed("the sheet ends inside a cell of row \(row) (truncated?)")
      case .start:
        if xml.selfClosing { continue }
        if xml.nameIs("rPh") {
          phoneticDepth += 1
        } else if type == .inlineString ? xml.nameIs("t") : xml.nameIs("v") {
          capture = phoneticDepth == 0
          sawValue = true
        }
      case .end:
        if xml.nameIs("c") {
          guard sawValue else { return "" }
          if overflowed { return nil }
          return try render(type: type, style: style, row: row)
        }
        if xml.nameIs("rPh") { phoneticDepth -= 1 } else { capture = false }
      case .text:
        if capture, !overflowed {
          if xml.textOverflowed || value.count + xml.text.count > rowLimits.maxFieldBytes {
            overflowed = true
          } else {
            value.append(contentsOf: xml.text)
          }
        }
      }
    }
  }

  private func render(type: CellType, style: Int, row: Int) throws(RosterError) -> String? {
    switch type {
    case .inlineString, .formulaString: return CellRendering.decodeEscapes(value)
    case .error, .date: return String(decoding: value, as: UTF8.self)
    case .boolean:
      let text = String(decoding: value, as: UTF8.self)
      return text == "1" || text == "true" ? "TRUE" : text == "0" || text == "false" ? "FALSE" : text
    case .sharedString:
      var index = 0
      for c in value {
        let d = c &- 48
        guard d < 10, index < 1 << 40 else { throw xml.malformed("row \(row) has a bad shared-string index") }
        index = index * 10 + Int(d)
      }
      if sharedStrings.oversized.contains(index) { return nil }
      guard !value.isEmpty, let text = sharedStrings[index] else {
        throw xml.malformed("row \(row) refers to shared string \(index), but the table has \(sharedStrings.count)")
      }
      return text
    case .number:
      let display = style < styles.count ? styles[style] : .number
      if display != .number,
        let serial = Double(String(decoding: value, as: UTF8.self)),
        let date = CellRendering.date(serial: serial, display: display, date1904: date1904)
      {
        return date
      }
      return CellRendering.number(value[...])
    }
  }
}
