public import RosterCore

#if canImport(Glibc)
  import Glibc
#endif

/// Writes contacts to an XLSX workbook with libxlsxwriter, streaming in constant memory.
///
/// The workbook has a `Contacts` sheet (the `SpreadsheetLayout` columns, shared with the CSV writer)
/// and an `Issues` sheet (one row per rejected input row). Every sheet has a bold, frozen header row,
/// an autofilter over its data and a width per column; every contact value is written as text, so a
/// phone keeps its `+` and leading zeros and nothing becomes a formula, number or date.
///
/// Values Excel cannot hold follow the `CellText` policy and each change is reported in
/// `adjustments`: NUL, U+FFFE and U+FFFF become U+FFFD; values longer than 32,767 UTF-16 units are cut
/// at a character boundary; literal `_xHHHH_` text is escaped so Excel shows it as typed; control
/// characters are kept (libxlsxwriter writes them as `_x000D_`-style escapes that Excel decodes).
///
/// A sheet holds at most 1,048,575 data rows (Excel's 1,048,576 rows less the header). Further contacts
/// continue on `Contacts 2`, `Contacts 3`, ..., added after the `Issues` sheet (libxlsxwriter
/// cannot insert a sheet before an existing one); further issues likewise on `Issues 2`, ....
///
/// The workbook is built at a temporary path beside the destination; `finish` renames it into place
/// and `abandon` (or an error, or deinit without `finish`) removes it, so a failed run leaves neither
/// a partial workbook nor a temporary file.
///
/// ```swift
/// let writer = try XLSXContactWriter(destination: "out.xlsx", yaml: renderFlowYAML)
/// for contact in contacts { try writer.write(contact) }
/// try writer.finish()
/// ```
///
/// Memory is flat in the number of rows (about one row per sheet is kept); `adjustments` grows with the
/// number of changed cells only, and `takeAdjustments()` drains it.
public final class XLSXContactWriter: ContactWriter {
  /// Excel's rows per worksheet.
  public static let excelRowLimit = 1_048_576
  /// Excel's columns per worksheet.
  public static let excelColumnLimit = 16_384
  /// Data rows per worksheet: Excel's rows less the header row.
  public static let dataRowsPerSheet = excelRowLimit - 1
  /// The first contacts sheet; later ones are `Contacts 2`, `Contacts 3`, ...
  public static let contactsSheetName = "Contacts"
  /// The first issues sheet; later ones are `Issues 2`, ...
  public static let issuesSheetName = "Issues"
  /// The Issues sheet's leading columns; the row's original values follow them, one per column.
  public static let issueColumns = ["index", "line", "headers in error", "reasons"]

  /// The file the workbook appears at after `finish`.
  public let destination: String
  /// Every cell the policy changed, in write order (see `XLSXCellAdjustment`).
  public private(set) var adjustments: [XLSXCellAdjustment] = []
  /// Contacts written so far.
  public private(set) var contactCount = 0
  /// Issues recorded so far.
  public private(set) var issueCount = 0

  private enum State {
    case open
    case finished
    case abandoned
  }

  private let yaml: (NestedFields) throws -> String
  private let groupSeparator: UInt8
  private let layout: SpreadsheetLayout
  /// `layout.headers`, made once (the property builds the array).
  private let contactHeaders: [String]
  private let temporary: SiblingTemporaryFile
  /// Where the workbook is built until `finish` renames it: for a caller's signal-time cleanup.
  public var temporaryPath: String { temporary.path }
  private let workbook: XLSXWorkbook
  private let formats: SheetSeries.Formats
  private var contacts: SheetSeries
  private var issues: SheetSeries
  /// The Issues sheet's column names as given (for adjustments), at most Excel's column count.
  private let issueColumnNames: [String]
  private var state = State.open

  /// Creates the workbook at a temporary path beside `destination` (renamed over it by `finish`).
  ///
  /// - Parameters:
  ///   - destination: the `.xlsx` file to write; replaced only when `finish` succeeds.
  ///   - inputHeaders: the input's header row, labelling the original-value columns of the Issues
  ///     sheet (without it the first is labelled `original values` and the rest are unlabelled).
  ///   - groupSeparator: joins group names, as the run read them (as `CSVContactWriter` does).
  ///   - yaml: renders a nested map as a one-line YAML flow mapping (`address_extra`, `metadata`).
  /// - Throws: `RosterError` (output) if the destination's directory is missing or not writable, or the
  ///   destination is a directory: before any row is processed.
  public convenience init(
    destination: String, layout: SpreadsheetLayout = SpreadsheetLayout(), inputHeaders: [String] = [],
    groupSeparator: UInt8 = UInt8(ascii: ";"), yaml: @escaping (NestedFields) throws -> String
  ) throws(RosterError) {
    try self.init(
      destination: destination, layout: layout, inputHeaders: inputHeaders, groupSeparator: groupSeparator,
      yaml: yaml, rowsPerSheet: Self.dataRowsPerSheet)
  }

  /// As the public initializer, with the data rows per sheet lowered (for tests of the rollover).
  init(
    destination: String, layout: SpreadsheetLayout = SpreadsheetLayout(), inputHeaders: [String],
    groupSeparator: UInt8 = UInt8(ascii: ";"), yaml: @escaping (NestedFields) throws -> String, rowsPerSheet: Int
  ) throws(RosterError) {
    let rowsPerSheet = min(max(rowsPerSheet, 1), Self.dataRowsPerSheet)
    self.destination = destination
    self.layout = layout
    contactHeaders = layout.headers
    self.groupSeparator = groupSeparator
    self.yaml = yaml
    let temporary = try SiblingTemporaryFile(destination: destination)
    let scratch = getenv("TMPDIR").map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 }
    let workbook: XLSXWorkbook
    do {
      workbook = try XLSXWorkbook(path: temporary.path, displayName: destination, temporaryDirectory: scratch)
    } catch {
      temporary.remove()
      throw error
    }
    var adjustments: [XLSXCellAdjustment] = []
    var issueHeaders = Self.issueColumns + (inputHeaders.isEmpty ? ["original values"] : inputHeaders)
    if issueHeaders.count > Self.excelColumnLimit {
      adjustments.append(
        XLSXCellAdjustment(
          kind: .columnsDropped, sheet: Self.issuesSheetName, row: 1, column: issueHeaders[Self.excelColumnLimit],
          message: "the input has \(inputHeaders.count) columns; the Issues sheet labels the first "
            + "\(Self.excelColumnLimit - Self.issueColumns.count) (Excel's column limit)"))
      issueHeaders.removeSubrange(Self.excelColumnLimit...)
    }
    let issueColumnNames = issueHeaders
    for (column, header) in issueColumnNames.enumerated() {
      let (text, changes) = CellText.prepare(header)
      issueHeaders[column] = text
      adjustments += changes.map {
        Self.adjustment($0, sheet: Self.issuesSheetName, row: 1, column: header)
      }
    }
    do {
      let formats = SheetSeries.Formats(
        header: try workbook.addFormat(bold: true, numberFormat: "@"), text: try workbook.addFormat(numberFormat: "@"))
      contacts = try SheetSeries(
        baseName: Self.contactsSheetName, headers: layout.headers,
        widths: layout.headers.map(Self.width(ofContactColumn:)), rowsPerSheet: rowsPerSheet,
        in: workbook, formats: formats)
      issues = try SheetSeries(
        baseName: Self.issuesSheetName, headers: issueHeaders,
        widths: [8, 8, 24, 60] + issueHeaders.dropFirst(Self.issueColumns.count).map { Self.width(header: $0, 16) },
        restWidth: 16, rowsPerSheet: rowsPerSheet, in: workbook, formats: formats)
      self.formats = formats
    } catch {
      workbook.discard()
      temporary.remove()
      throw error
    }
    self.temporary = temporary
    self.workbook = workbook
    self.issueColumnNames = issueColumnNames
    self.adjustments = adjustments
  }

  deinit { abandon() }

  /// Writes `contact` as the next row of the current Contacts sheet.
  ///
  /// - Throws: `RosterError` (output) when the YAML renderer or libxlsxwriter fails; the workbook is
  ///   then abandoned (no file, no temporary file) and later calls throw too.
  public func write(_ contact: Contact) throws(RosterError) {
    try abandoningOnError { () throws(RosterError) in
      let cells: [String]
      do {
        cells = try layout.cells(for: contact, groupSeparator: groupSeparator, yaml: yaml)
      } catch let error as RosterError {
        throw error
      } catch {
        throw RosterError(.output, file: destination, "cannot render contact \(contact.id) as YAML: \(error)")
      }
      let row = try contacts.nextRow(in: workbook, formats: formats)
      for (column, cell) in cells.enumerated() where !cell.isEmpty {
        try writeCell(cell, row: row, column: column, contactID: contact.id)
      }
      contactCount += 1
    }
  }

  /// Writes `contact` with `rendered` (what `render` gave in the first pass): only its two group
  /// cells are made here; the other cells are written as rendered, without a `String` each.
  ///
  /// - Throws: as `write(_:)`; an internal error when `rendered` is not `render`'s output.
  public func write(_ contact: consuming Contact, rendered: RenderedParts?) throws(RosterError) {
    guard let rendered else { return try write(contact) }
    try abandoningOnError { () throws(RosterError) in
      let row = try contacts.nextRow(in: workbook, formats: formats)
      let id = contact.id
      let groups = SpreadsheetLayout.groupCells(of: contact, separator: groupSeparator)
      let failure = rendered.bytes.withUnsafeBytes { bytes -> RosterError? in
        do throws(RosterError) {
          let suffix = rendered.prefixCount
          guard suffix <= bytes.count else { throw Self.malformed }
          try writeRendered(UnsafeRawBufferPointer(rebasing: bytes[..<suffix]), row: row, contactID: id)
          for (offset, cell) in groups.enumerated() where !cell.isEmpty {
            try writeCell(cell, row: row, column: Self.groupsColumn + offset, contactID: id)
          }
          try writeRendered(UnsafeRawBufferPointer(rebasing: bytes[suffix...]), row: row, contactID: id)
          return nil
        } catch {
          return error
        }
      }
      if let failure { throw failure }
      contactCount += 1
    }
  }

  /// What an XLSX row rendered ahead needs to know: the writer's columns and how it renders nested
  /// maps. Safe to use from any thread.
  public struct Rendering: Sendable {
    let layout: SpreadsheetLayout
    let yaml: @Sendable (NestedFields) throws -> String

    /// The settings of an `XLSXContactWriter` made with the same layout and YAML renderer.
    public init(layout: SpreadsheetLayout, yaml: @escaping @Sendable (NestedFields) throws -> String) {
      self.layout = layout
      self.yaml = yaml
    }
  }

  /// Renders `contact`'s cells as `write(_:rendered:)` takes them, on any thread: every non-empty cell
  /// but the two group cells, as `CellText` makes it, handed to `append` piece by piece. Returns how
  /// many bytes come before the group cells (the `prefixCount` of its `RenderedParts`).
  ///
  /// Each cell is its column (UInt32), the number of `CellText` changes (a byte) and each change (a
  /// kind byte and two UInt64), then the text's length (UInt32), the text and a NUL, all
  /// little-endian.
  /// - Throws: what `rendering.yaml` throws (the row is then written the usual way, which throws it).
  public static func render(
    _ contact: Contact, with rendering: Rendering, append: (UnsafeRawBufferPointer) -> Void
  ) throws -> Int {
    let cells = try rendering.layout.cells(for: contact, yaml: rendering.yaml)
    var written = 0
    var prefixCount = 0
    func appendInteger<Integer: FixedWidthInteger>(_ value: Integer) {
      withUnsafeBytes(of: value.littleEndian) { append($0) }
      written += MemoryLayout<Integer>.size
    }
    for (column, cell) in cells.enumerated() {
      if column == groupsColumn { prefixCount = written }
      guard !cell.isEmpty, column != groupsColumn, column != groupsColumn + 1 else { continue }
      let (prepared, changes) = CellText.prepare(cell)
      var text = prepared
      appendInteger(UInt32(column))
      appendInteger(UInt8(changes.count))
      for change in changes {
        switch change {
        case .replacedNUL(let count): appendInteger(UInt8(0)); appendInteger(UInt64(count)); appendInteger(UInt64(0))
        case .replacedNoncharacter(let count):
          appendInteger(UInt8(1)); appendInteger(UInt64(count)); appendInteger(UInt64(0))
        case .truncated(let from, let to):
          appendInteger(UInt8(2)); appendInteger(UInt64(from)); appendInteger(UInt64(to))
        }
      }
      text.withUTF8 { utf8 in
        appendInteger(UInt32(utf8.count))
        append(UnsafeRawBufferPointer(utf8))
        written += utf8.count
      }
      appendInteger(UInt8(0))
    }
    return prefixCount
  }

  /// The `groups` column; `primary_groups` follows it, in every layout.
  private static let groupsColumn = SpreadsheetLayout.headers.firstIndex(of: "groups") ?? 0

  private static var malformed: RosterError {
    RosterError(.output, "internal error: a row rendered ahead for XLSX does not read back")
  }

  /// Writes the cells `render` encoded in `bytes` to `row` of the Contacts sheet, and notes their changes.
  private func writeRendered(_ bytes: UnsafeRawBufferPointer, row: Int, contactID: String) throws(RosterError) {
    var offset = 0
    func integer<Integer: FixedWidthInteger>(_: Integer.Type) throws(RosterError) -> Integer {
      let size = MemoryLayout<Integer>.size
      guard offset + size <= bytes.count else { throw Self.malformed }
      defer { offset += size }
      return Integer(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: Integer.self))
    }
    while offset < bytes.count {
      let column = Int(try integer(UInt32.self))
      let changeCount = Int(try integer(UInt8.self))
      for _ in 0..<changeCount {
        let kind = try integer(UInt8.self)
        let first = Int(try integer(UInt64.self))
        let second = Int(try integer(UInt64.self))
        let change: CellText.Change
        switch kind {
        case 0: change = .replacedNUL(count: first)
        case 1: change = .replacedNoncharacter(count: first)
        case 2: change = .truncated(fromUTF16: first, toUTF16: second)
        default: throw Self.malformed
        }
        note(change, row: row, column: column, contactID: contactID)
      }
      let length = Int(try integer(UInt32.self))
      guard column < contactHeaders.count, offset + length < bytes.count, bytes[offset + length] == 0 else {
        throw Self.malformed
      }
      let text = bytes.baseAddress!.advanced(by: offset).assumingMemoryBound(to: CChar.self)
      try workbook.write(cString: text, sheet: contacts.sheet, row: row, column: column)
      offset += length + 1
    }
  }

  /// Writes one contact cell made in this pass (a group cell) through `CellText`, noting its changes.
  private func writeCell(_ cell: String, row: Int, column: Int, contactID: String) throws(RosterError) {
    let (text, changes) = CellText.prepare(cell)
    for change in changes { note(change, row: row, column: column, contactID: contactID) }
    try workbook.write(text, sheet: contacts.sheet, row: row, column: column)
  }

  /// Records a change `CellText` made to a cell of the Contacts sheet.
  private func note(_ change: CellText.Change, row: Int, column: Int, contactID: String) {
    var adjustment = Self.adjustment(change, sheet: contacts.sheet.name, row: row + 1, column: contactHeaders[column])
    adjustment.contactID = contactID
    adjustments.append(adjustment)
  }

  /// Adds a row to the Issues sheet: the row's index and line (as numbers, so they sort), the headers
  /// in error and the reasons (one per line, `Header: message [code]`), then `originalValues` (as read)
  /// one per column.
  ///
  /// - Throws: `RosterError` (output) when libxlsxwriter fails; the workbook is then abandoned.
  public func recordIssue(_ issue: RowIssue, originalValues: [String]) throws(RosterError) {
    try abandoningOnError { () throws(RosterError) in
      let row = try issues.nextRow(in: workbook, formats: formats)
      let sheet = issues.sheet
      try workbook.write(number: issue.position.index, sheet: sheet, row: row, column: 0)
      try workbook.write(number: issue.position.line, sheet: sheet, row: row, column: 1)
      let reasons = issue.details.map { "\($0.header ?? $0.field): \($0.message) [\($0.code.rawValue)]" }
      let cells = [issue.headersInError.joined(separator: "\n"), reasons.joined(separator: "\n")] + originalValues
      let first = Self.issueColumns.count - 2
      let fitting = min(cells.count, Self.excelColumnLimit - first)
      if fitting < cells.count {
        adjustments.append(
          XLSXCellAdjustment(
            kind: .columnsDropped, sheet: sheet.name, row: row + 1, column: "", position: issue.position,
            message: "\(cells.count - fitting) original values beyond Excel's \(Self.excelColumnLimit) "
              + "columns were left out"))
      }
      for (offset, cell) in cells.prefix(fitting).enumerated() where !cell.isEmpty {
        let column = first + offset
        let (text, changes) = CellText.prepare(cell)
        for change in changes {
          let header = column < issueColumnNames.count ? issueColumnNames[column] : "column \(column + 1)"
          var adjustment = Self.adjustment(change, sheet: sheet.name, row: row + 1, column: header)
          adjustment.position = issue.position
          adjustments.append(adjustment)
        }
        try workbook.write(text, sheet: sheet, row: row, column: column)
        issues.noteColumn(column)
      }
      issueCount += 1
    }
  }

  /// Closes the workbook (`workbook_close`, which assembles and compresses it), checks its error, and
  /// renames it over `destination`.
  ///
  /// - Throws: `RosterError` (output) when the workbook cannot be written or renamed; nothing is left
  ///   behind then, and `destination` is unchanged.
  public func finish() throws(RosterError) {
    try abandoningOnError { () throws(RosterError) in
      try contacts.complete(in: workbook)
      try issues.complete(in: workbook)
      try workbook.close()
      try temporary.commit()
      state = .finished
    }
  }

  /// Abandons the workbook without writing it (`lxw_workbook_free`) and removes the temporary file.
  /// Does nothing after `finish` succeeded or a previous `abandon`.
  public func abandon() {
    guard state == .open else { return }
    state = .abandoned
    workbook.discard()
    temporary.remove()
  }

  /// Returns the adjustments recorded since the last call and forgets them, so a long run can turn
  /// them into warnings as it goes and keep its memory flat.
  public func takeAdjustments() -> [XLSXCellAdjustment] {
    defer { adjustments.removeAll() }
    return adjustments
  }

  private func abandoningOnError(_ body: () throws(RosterError) -> Void) throws(RosterError) {
    guard state == .open else {
      throw RosterError(
        .output, file: destination,
        state == .finished ? "the workbook is already finished" : "the workbook was abandoned")
    }
    do {
      try body()
    } catch {
      abandon()
      throw error
    }
  }

  private static func adjustment(_ change: CellText.Change, sheet: String, row: Int, column: String)
    -> XLSXCellAdjustment
  {
    switch change {
    case .replacedNUL(let count):
      XLSXCellAdjustment(
        kind: .nulReplaced, sheet: sheet, row: row, column: column,
        message: "\(count) NUL character\(count == 1 ? "" : "s") replaced by U+FFFD (Excel cannot hold NUL)")
    case .replacedNoncharacter(let count):
      XLSXCellAdjustment(
        kind: .noncharacterReplaced, sheet: sheet, row: row, column: column,
        message: "\(count) U+FFFE/U+FFFF character\(count == 1 ? "" : "s") replaced by U+FFFD (not allowed in XLSX)")
    case .truncated(let from, let to):
      XLSXCellAdjustment(
        kind: .truncated, sheet: sheet, row: row, column: column,
        message: "value cut from \(from) to \(to) UTF-16 units (Excel holds at most \(CellText.maximumLength))")
    }
  }

  /// A column wide enough for its header and typical values.
  static func width(ofContactColumn header: String) -> Double {
    let typical: Double =
      switch header {
      case "id": 38  // a UUID
      case "fingerprint": 34  // 32 hex digits when derived
      case "type", "phone_extension", "address.state", "address.postcode", "address.country": 10
      case "email", "address.address_line1", "address_extra": 30
      case "phone": 18
      case "metadata", "merge_history": 40
      default: 20
      }
    return width(header: header, typical)
  }

  /// `typical`, widened to fit `header` and its autofilter button, at most 60.
  static func width(header: String, _ typical: Double) -> Double {
    min(60, max(typical, Double(header.count) + 4))
  }
}
