/// What an input's first bytes say it is.
public enum SniffedFormat: String, Hashable, Sendable {
  case csv
  case json
  case jsonl
  case dataURL
  /// A ZIP archive (`PK\3\4`), such as an XLSX workbook.
  case zip
}

/// Guesses an input's format and CSV delimiter from its first bytes, without consuming a stream.
///
/// Both functions read UTF-8 (or ASCII-compatible) bytes: transcode UTF-16 first.
public enum InputSniffing {
  private static var comma: UInt8 { UInt8(ascii: ",") }
  private static var semicolon: UInt8 { UInt8(ascii: ";") }
  private static var tab: UInt8 { 0x09 }
  private static var quote: UInt8 { UInt8(ascii: "\"") }

  /// The delimiter of a CSV header line: comma, semicolon or tab, whichever occurs most outside
  /// double quotes before the first line break (a break inside quotes does not end the line).
  ///
  /// Ties, and a line with none of them, give a comma; a tie between semicolon and tab gives a semicolon.
  ///
  /// ```swift
  /// InputSniffing.delimiter(ofHeaderLine: Array("Name;Email;\"Phone, mobile\"".utf8)[...])  // ";"
  /// ```
  public static func delimiter(ofHeaderLine bytes: ArraySlice<UInt8>) -> UInt8 {
    var commas = 0
    var semicolons = 0
    var tabs = 0
    var inQuotes = false
    for byte in bytes {
      if byte == quote {
        inQuotes.toggle()
      } else if !inQuotes {
        switch byte {
        case comma: commas += 1
        case semicolon: semicolons += 1
        case tab: tabs += 1
        case 0x0A, 0x0D: return choose(commas: commas, semicolons: semicolons, tabs: tabs)
        default: break
        }
      }
    }
    return choose(commas: commas, semicolons: semicolons, tabs: tabs)
  }

  private static func choose(commas: Int, semicolons: Int, tabs: Int) -> UInt8 {
    if commas >= semicolons && commas >= tabs { return comma }
    return semicolons >= tabs ? semicolon : tab
  }

  /// The format the first bytes of an input show, or `nil` when they do not say (the caller then goes
  /// by the file extension, else CSV).
  ///
  /// - `PK\3\4` at the very start: `.zip` (an XLSX workbook).
  /// - After an optional UTF-8 byte order mark and white space: `data:` (any case) is `.dataURL`;
  ///   `[` is `.json`; `{` is `.json` when it opens a `{"contacts"` payload, else `.jsonl`.
  public static func format(ofPrefix bytes: [UInt8]) -> SniffedFormat? {
    if bytes.starts(with: [0x50, 0x4B, 0x03, 0x04]) { return .zip }
    var index = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
    skipWhiteSpace(bytes, &index)
    guard index < bytes.count else { return nil }
    switch bytes[index] {
    case UInt8(ascii: "["):
      return .json
    case UInt8(ascii: "{"):
      index += 1
      skipWhiteSpace(bytes, &index)
      return bytes[index...].starts(with: "\"contacts\"".utf8) ? .json : .jsonl
    default:
      return DataURLSyntax.looksLikeDataURL(Array(bytes[index...].prefix(5))) ? .dataURL : nil
    }
  }

  private static func skipWhiteSpace(_ bytes: [UInt8], _ index: inout Int) {
    while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
  }

  /// What the first bytes of an input show it to be when that is a format Roster does not read (a
  /// legacy `.xls` workbook, a compressed archive, a PDF, …), as a phrase for a message; else `nil`.
  public static func unsupportedFormat(ofPrefix bytes: [UInt8]) -> String? {
    let signatures: [([UInt8], String)] = [
      ([0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1], "an Excel 97-2003 workbook (.xls); save it as .xlsx or CSV"),
      ([0x1F, 0x8B], "gzip-compressed; decompress it first"),
      ([0x28, 0xB5, 0x2F, 0xFD], "zstd-compressed; decompress it first"),
      (Array("BZh".utf8), "bzip2-compressed; decompress it first"),
      ([0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00], "xz-compressed; decompress it first"),
      ([0x37, 0x7A, 0xBC, 0xAF, 0x27, 0x1C], "a 7-Zip archive; extract the contact file first"),
      (Array("Rar!".utf8), "a RAR archive; extract the contact file first"),
      (Array("%PDF-".utf8), "a PDF document; export the contacts as CSV"),
      (Array("SQLite format 3".utf8), "an SQLite database; export the contacts as CSV"),
    ]
    for (signature, description) in signatures where bytes.starts(with: signature) {
      return description
    }
    return nil
  }

  /// Whether the first line of decoded text looks like binary data rather than a CSV header: it holds
  /// a NUL byte, or more than one control character (other than tab, CR and LF) in ten bytes.
  public static func looksBinary(_ text: [UInt8]) -> Bool {
    var controls = 0
    for byte in text {
      if byte == 0 { return true }
      if (byte < 0x20 && byte != 0x09 && byte != 0x0A && byte != 0x0D) || byte == 0x7F { controls += 1 }
    }
    return controls * 10 > text.count
  }
}
