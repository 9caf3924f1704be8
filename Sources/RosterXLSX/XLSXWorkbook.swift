internal import CXLSXWriter
import RosterCore
import RosterXLSXInput

#if canImport(Glibc)
  import Glibc
#endif

/// The owner of one libxlsxwriter workbook; every libxlsxwriter call in Roster goes through here.
///
/// The workbook is open from `init` until `close` (which writes the file) or `discard` (which frees it
/// without writing); after either, every method throws instead of touching freed C memory. Every
/// `lxw_error` is checked and mapped by `RosterError.init(_:file:during:)`; a NULL workbook, worksheet or
/// format is an error, never dereferenced.
///
/// The workbook runs in constant-memory mode: each worksheet keeps one row in memory, so rows of a
/// sheet must be written in strictly increasing order (sheets are independent of each other).
final class XLSXWorkbook {
  /// A worksheet of this workbook, valid while the workbook is open.
  struct Sheet {
    fileprivate let pointer: UnsafeMutablePointer<lxw_worksheet>
    let name: String
  }

  /// A cell format of this workbook, valid while the workbook is open.
  struct Format {
    fileprivate let pointer: UnsafeMutablePointer<lxw_format>
  }

  /// The path libxlsxwriter writes to (the temporary file).
  let path: String
  /// The name errors mention (the destination the user named).
  let displayName: String
  private var workbook: UnsafeMutablePointer<lxw_workbook>?
  /// libxlsxwriter's scratch directory, kept alive as long as the workbook.
  private var temporaryDirectory: UnsafeMutablePointer<CChar>?
  /// Each sheet in the order added (libxlsxwriter's `xl/worksheets/sheetN.xml`): its scratch file and
  /// the stdio buffer Roster gave it (`bufferScratchFile`), until the workbook is closed or freed.
  private var sheets: [(name: String, scratch: UnsafeMutablePointer<FILE>?, buffer: UnsafeMutablePointer<CChar>?)] =
    []

  /// Creates a constant-memory workbook that `close` will write to `path`.
  ///
  /// - Parameter temporaryDirectory: where libxlsxwriter keeps its per-sheet scratch files (`nil`: `/tmp`).
  init(path: String, displayName: String, temporaryDirectory: String?) throws(RosterError) {
    self.path = path
    self.displayName = displayName
    self.temporaryDirectory = temporaryDirectory.flatMap { strdup($0) }
    var options = lxw_workbook_options()
    options.constant_memory = 1
    options.use_zip64 = 1  // a million rows of long values can pass 4 GiB uncompressed
    options.tmpdir = self.temporaryDirectory
    workbook = workbook_new_opt(path, &options)
    guard workbook != nil else {
      free(self.temporaryDirectory)
      self.temporaryDirectory = nil
      throw RosterError(LXW_ERROR_MEMORY_MALLOC_FAILED, file: displayName, during: "creating the workbook")
    }
  }

  deinit { discard() }

  var isOpen: Bool { workbook != nil }

  private func open(_ operation: @autoclosure () -> String) throws(RosterError)
    -> UnsafeMutablePointer<lxw_workbook>
  {
    guard let workbook else {
      throw RosterError(.output, file: displayName, "\(operation()) failed: the workbook is already closed")
    }
    return workbook
  }

  private func check(_ error: lxw_error, _ operation: @autoclosure () -> String) throws(RosterError) {
    guard error == LXW_NO_ERROR else { throw RosterError(error, file: displayName, during: operation()) }
  }

  /// Adds a worksheet after the existing ones; the name is validated first.
  func addSheet(named name: String) throws(RosterError) -> Sheet {
    let workbook = try open("adding worksheet \"\(name)\"")
    try check(workbook_validate_sheet_name(workbook, name), "adding worksheet \"\(name)\"")
    guard let sheet = workbook_add_worksheet(workbook, name) else {
      throw RosterError(LXW_ERROR_MEMORY_MALLOC_FAILED, file: displayName, during: "adding worksheet \"\(name)\"")
    }
    let scratch = sheet.pointee.optimize_tmpfile
    sheets.append((name, scratch, scratch.flatMap(Self.bufferScratchFile)))
    return Sheet(pointer: sheet, name: name)
  }

  /// Gives a constant-memory sheet's scratch file (where libxlsxwriter writes each finished row, and
  /// which `workbook_close` reads back) a buffer of `scratchBufferSize` bytes instead of stdio's 4 KiB:
  /// 1,000,000 rows made about 106,000 writes of 4 KiB and as many reads. Only a file nothing was
  /// written to yet is touched (`setvbuf` must come first). The file is read only after
  /// `flushScratchFiles`, so its buffer can be freed once the workbook is closed or freed, whether or
  /// not libxlsxwriter closed the file (1.1.4 closes it in `workbook_close`, not in
  /// `lxw_workbook_free`).
  /// Returns the buffer, or `nil` when the file was left as it was.
  private static func bufferScratchFile(_ file: UnsafeMutablePointer<FILE>) -> UnsafeMutablePointer<CChar>? {
    guard ftell(file) == 0 else { return nil }
    let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: scratchBufferSize)
    guard setvbuf(file, buffer, _IOFBF, scratchBufferSize) == 0 else {
      buffer.deallocate()
      return nil
    }
    return buffer
  }

  /// Writes out what the scratch files hold in their buffers; the `errno` of the first that failed,
  /// now or in an earlier write (libxlsxwriter itself does not check these writes).
  private func flushScratchFiles() -> Int32? {
    var failure: Int32?
    for sheet in sheets {
      guard let scratch = sheet.scratch else { continue }
      if fflush(scratch) != 0 {
        failure = failure ?? errno
      } else if ferror(scratch) != 0 {
        failure = failure ?? EIO
      }
    }
    return failure
  }

  /// Frees the scratch files' buffers once libxlsxwriter is done with the workbook: all of them when
  /// nothing is left to write in them, else none (a file libxlsxwriter leaves open keeps its buffer,
  /// which the C library may still flush at exit).
  private func releaseScratchBuffers(flushed: Bool) {
    for index in sheets.indices {
      if flushed { sheets[index].buffer?.deallocate() }
      sheets[index].buffer = nil
    }
  }

  private static var scratchBufferSize: Int { 1 << 18 }

  /// Adds a format: bold, and/or with a number format such as `@` (text).
  func addFormat(bold: Bool = false, numberFormat: String? = nil) throws(RosterError) -> Format {
    let workbook = try open("adding a cell format")
    guard let format = workbook_add_format(workbook) else {
      throw RosterError(LXW_ERROR_MEMORY_MALLOC_FAILED, file: displayName, during: "adding a cell format")
    }
    if bold { format_set_bold(format) }
    if let numberFormat { format_set_num_format(format, numberFormat) }
    return Format(pointer: format)
  }

  /// Writes `text` as a string cell (never a number, date or formula). An empty `text` writes nothing.
  ///
  /// `text` must already satisfy `CellText`: no NUL, at most 32,767 code points.
  func write(_ text: String, sheet: Sheet, row: Int, column: Int, format: Format? = nil) throws(RosterError) {
    _ = try open("writing a cell")
    if text.isEmpty && format == nil { return }
    let error = text.withCString {
      worksheet_write_string(sheet.pointer, lxw_row_t(row), lxw_col_t(column), $0, format?.pointer)
    }
    try check(error, "writing row \(row + 1), column \(column + 1) of sheet \"\(sheet.name)\"")
  }

  /// Writes the NUL-terminated `text` as a string cell, as `write(_:sheet:row:column:format:)` does
  /// (it must satisfy `CellText` already; an empty `text` writes nothing).
  func write(cString text: UnsafePointer<CChar>, sheet: Sheet, row: Int, column: Int) throws(RosterError) {
    _ = try open("writing a cell")
    if text.pointee == 0 { return }
    let error = worksheet_write_string(sheet.pointer, lxw_row_t(row), lxw_col_t(column), text, nil)
    try check(error, "writing row \(row + 1), column \(column + 1) of sheet \"\(sheet.name)\"")
  }

  /// Writes `number` as a numeric cell (used only for Roster's own row indexes and line numbers).
  func write(number: Int, sheet: Sheet, row: Int, column: Int) throws(RosterError) {
    _ = try open("writing a cell")
    let error = worksheet_write_number(sheet.pointer, lxw_row_t(row), lxw_col_t(column), Double(number), nil)
    try check(error, "writing row \(row + 1), column \(column + 1) of sheet \"\(sheet.name)\"")
  }

  /// Sets the width and default format of columns `first...last`. Ranges overwrite each other
  /// silently, so callers set each column once.
  func setColumns(_ first: Int, _ last: Int, width: Double, format: Format?, sheet: Sheet) throws(RosterError) {
    _ = try open("setting column widths")
    let error = worksheet_set_column(sheet.pointer, lxw_col_t(first), lxw_col_t(last), width, format?.pointer)
    try check(error, "setting the width of columns \(first + 1)-\(last + 1) of sheet \"\(sheet.name)\"")
  }

  /// Freezes the first row, so the header stays visible while scrolling.
  func freezeHeaderRow(of sheet: Sheet) throws(RosterError) {
    _ = try open("freezing the header row")
    worksheet_freeze_panes(sheet.pointer, 1, 0)  // returns void
  }

  /// Puts an autofilter over rows `0...lastRow` (the header and the data) and columns `0...lastColumn`.
  func autofilter(_ sheet: Sheet, lastRow: Int, lastColumn: Int) throws(RosterError) {
    _ = try open("adding an autofilter")
    let error = worksheet_autofilter(sheet.pointer, 0, 0, lxw_row_t(lastRow), lxw_col_t(lastColumn))
    try check(error, "adding an autofilter to sheet \"\(sheet.name)\"")
  }

  /// Assembles and writes the file (`workbook_close`), then frees the workbook whatever the outcome.
  ///
  /// - Throws: `RosterError` (output) when libxlsxwriter could not write the file; it may have left a
  ///   partial file at `path`, which the caller removes.
  func close() throws(RosterError) {
    let workbook = try open("closing the workbook")
    self.workbook = nil
    if let failure = flushScratchFiles() {
      lxw_workbook_free(workbook)
      releaseScratchBuffers(flushed: false)
      releaseTemporaryDirectory()
      throw RosterError(
        .output, file: displayName, "writing the workbook's scratch file failed: \(String(cString: strerror(failure)))")
    }
    // What each sheet's rows came to; the sheet's part must hold at least that much.
    let rowBytes = sheets.map { sheet in sheet.scratch.map { Int(ftell($0)) } ?? 0 }
    let error = workbook_close(workbook)  // frees the workbook in every case
    releaseScratchBuffers(flushed: true)
    releaseTemporaryDirectory()
    try check(error, "writing the workbook")
    try checkSheetsAreWhole(rowBytes: rowBytes)
  }

  /// Checks that each sheet's part in the written file is at least as long as the rows written for it.
  /// libxlsxwriter does not check its writes while it assembles a sheet from its scratch file (in
  /// the scratch directory): when that directory fills up, it used to report success for a workbook
  /// whose sheets were cut short.
  private func checkSheetsAreWhole(rowBytes: [Int]) throws(RosterError) {
    let sizes = try ZipDirectory.uncompressedSizes(ofArchiveAt: path, displayName: displayName)
    for (index, sheet) in sheets.enumerated() where rowBytes[index] > 0 {
      let written = sizes["xl/worksheets/sheet\(index + 1).xml"] ?? 0
      guard written < UInt64(rowBytes[index]) else { continue }
      throw RosterError(
        .output, file: displayName,
        "the workbook came out incomplete: sheet \"\(sheet.name)\" holds \(written) bytes of at least "
          + "\(rowBytes[index]); check the free space in the scratch directory (TMPDIR)")
    }
  }

  /// Frees the workbook without writing anything (`lxw_workbook_free`). Does nothing once closed.
  func discard() {
    if let workbook {
      self.workbook = nil
      let flushed = flushScratchFiles() == nil
      lxw_workbook_free(workbook)
      releaseScratchBuffers(flushed: flushed)
    }
    releaseTemporaryDirectory()
  }

  private func releaseTemporaryDirectory() {
    free(temporaryDirectory)
    temporaryDirectory = nil
  }
}
