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
}
