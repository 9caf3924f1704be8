internal import CXLSXWriter
import RosterCore

extension RosterError {
  /// The one place a libxlsxwriter `lxw_error` becomes a Roster error (exit code 2).
  ///
  /// Every code of libxlsxwriter 1.1.4 gets a sentence that says what to do; a code this table does
  /// not know (a newer library) is still reported, with its number and libxlsxwriter's own text.
  ///
  /// - Parameters:
  ///   - error: the non-zero value a libxlsxwriter function returned.
  ///   - file: the destination the user named (never the temporary path).
  ///   - operation: what Roster was doing, such as `writing row 12 of sheet "Contacts"`.
  init(_ error: lxw_error, file: String, during operation: String) {
    let reason: String
    switch error {
    case LXW_ERROR_MEMORY_MALLOC_FAILED:
      reason = "libxlsxwriter ran out of memory"
    case LXW_ERROR_CREATING_XLSX_FILE:
      reason = "cannot create the XLSX file; check the directory exists and is writable"
    case LXW_ERROR_CREATING_TMPFILE:
      reason = "cannot create a temporary file; check TMPDIR (or /tmp) exists, is writable and has free space"
    case LXW_ERROR_READING_TMPFILE:
      reason = "cannot read back a temporary file; check the free space in TMPDIR (or /tmp)"
    case LXW_ERROR_ZIP_FILE_OPERATION:
      reason = "writing the zip container failed; check the free space beside the destination"
    case LXW_ERROR_ZIP_PARAMETER_ERROR:
      reason = "the zip library rejected a parameter (a bug in Roster; please report it)"
    case LXW_ERROR_ZIP_BAD_ZIP_FILE:
      reason = "the zip container is too large for the zip format without ZIP64"
    case LXW_ERROR_ZIP_INTERNAL_ERROR:
      reason = "the zip library failed internally"
    case LXW_ERROR_ZIP_FILE_ADD:
      reason = "cannot add a part to the zip container; check the free space beside the destination"
    case LXW_ERROR_ZIP_CLOSE:
      reason = "cannot finish the zip container; check the free space beside the destination"
    case LXW_ERROR_FEATURE_NOT_SUPPORTED:
      reason = "libxlsxwriter does not support this in its current mode (a bug in Roster; please report it)"
    case LXW_ERROR_NULL_PARAMETER_IGNORED:
      reason = "libxlsxwriter was given a null parameter (a bug in Roster; please report it)"
    case LXW_ERROR_PARAMETER_VALIDATION:
      reason = "libxlsxwriter rejected a parameter (a bug in Roster; please report it)"
    case LXW_ERROR_SHEETNAME_LENGTH_EXCEEDED:
      reason = "a worksheet name is longer than Excel's 31 characters"
    case LXW_ERROR_INVALID_SHEETNAME_CHARACTER:
      reason = "a worksheet name holds a character Excel forbids ([ ] : * ? / \\)"
    case LXW_ERROR_SHEETNAME_START_END_APOSTROPHE:
      reason = "a worksheet name starts or ends with an apostrophe"
    case LXW_ERROR_SHEETNAME_ALREADY_USED:
      reason = "a worksheet name is already in use"
    case LXW_ERROR_32_STRING_LENGTH_EXCEEDED:
      reason = "a parameter is longer than Excel's 32 characters"
    case LXW_ERROR_128_STRING_LENGTH_EXCEEDED:
      reason = "a parameter is longer than Excel's 128 characters"
    case LXW_ERROR_255_STRING_LENGTH_EXCEEDED:
      reason = "a parameter is longer than Excel's 255 characters"
    case LXW_ERROR_MAX_STRING_LENGTH_EXCEEDED:
      reason = "a cell is longer than Excel's 32,767 characters (Roster truncates first; please report it)"
    case LXW_ERROR_SHARED_STRING_INDEX_NOT_FOUND:
      reason = "libxlsxwriter lost a shared string (a bug; please report it)"
    case LXW_ERROR_WORKSHEET_INDEX_OUT_OF_RANGE:
      reason = "a row or column is outside Excel's 1,048,576 rows by 16,384 columns"
    case LXW_ERROR_WORKSHEET_MAX_URL_LENGTH_EXCEEDED:
      reason = "a hyperlink is longer than Excel's 2,079 characters"
    case LXW_ERROR_WORKSHEET_MAX_NUMBER_URLS_EXCEEDED:
      reason = "a worksheet holds more than Excel's 65,530 hyperlinks"
    case LXW_ERROR_IMAGE_DIMENSIONS:
      reason = "libxlsxwriter cannot read an image's dimensions"
    default:
      let text = lxw_strerror(error).map { String(cString: $0) } ?? "unknown error"
      reason = "libxlsxwriter error \(error.rawValue): \(text)"
    }
    self.init(.output, file: file, "\(operation) failed: \(reason)")
  }
}
