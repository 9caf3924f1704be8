/// Reads `merge_history` values back: the JSON array Roster writes in JSON records and CSV/XLSX cells.
enum MergeHistoryText {
  /// Why a `merge_history` cell could not be read.
  struct Problem: Error, CustomStringConvertible {
    var description: String
  }

  /// `bytes` (one JSON value) without the white space outside strings, so it fits on one line.
  static func minified(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
    var out: [UInt8] = []
    out.reserveCapacity(bytes.count)
    var inString = false
    var escaped = false
    for byte in bytes {
      if inString {
        out.append(byte)
        if escaped {
          escaped = false
        } else if byte == UInt8(ascii: "\\") {
          escaped = true
        } else if byte == UInt8(ascii: "\"") {
          inString = false
        }
        continue
      }
      switch byte {
      case 0x20, 0x09, 0x0A, 0x0D: continue
      case UInt8(ascii: "\""): inString = true
      default: break
      }
      out.append(byte)
    }
    return String(decoding: out, as: UTF8.self)
  }

  /// The objects of a `merge_history` cell, each as one-line JSON text.
  ///
  /// - Throws: `Problem` when the cell is not a JSON array of objects.
  static func entries(in text: String) throws(Problem) -> [String] {
    let bytes = Array(text.utf8)
    let result: Result<[String], Problem> = bytes.withUnsafeBufferPointer { bytes in
      do throws(JSONSyntaxError) {
        return try entries(in: bytes)
      } catch {
        return .failure(Problem(description: "at byte \(error.offset): expected \(error.expected)"))
      }
    }
    return try result.get()
  }

  private static func entries(in bytes: UnsafeBufferPointer<UInt8>) throws(JSONSyntaxError)
    -> Result<[String], Problem>
  {
    var parser = JSONElementParser(bytes: bytes, maxDepth: 64)
    var entries: [String] = []
    guard case .arrayStart = try parser.next() else {
      return .failure(Problem(description: "it does not start with ["))
    }
    while true {
      switch try parser.next() {
      case .arrayEnd:
        _ = try parser.next()  // `.end`, or a syntax error after the array
        return .success(entries)
      case .objectStart:
        let start = parser.offset - 1
        try parser.skipContainer()
        entries.append(minified(UnsafeBufferPointer(rebasing: bytes[start..<parser.offset])))
      default:
        return .failure(Problem(description: "element \(entries.count) is not an object"))
      }
    }
  }
}
