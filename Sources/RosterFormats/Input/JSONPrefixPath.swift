/// The dotted key path, as the JSON mapper names paths in issues (`metadata.notes`, `groups.1`), of
/// the value that starts right after a prefix of a JSON element: where a limit was crossed.
///
/// Only a row over a limit asks, so this walks the element's bytes again rather than have the
/// reader track keys for every element. The prefix is assumed to be JSON up to that point (the reader
/// has not checked it, so bad syntax gives a path that may be wrong, never a failure).
enum JSONPrefixPath {
  /// One open object or array.
  private enum Level {
    /// An object: the key of the member being read, `nil` while a key is expected.
    case object(key: String?)
    case array(index: Int)
  }

  /// The path of the value (or key) that starts after `prefix`; `nil` when the element itself is
  /// that value (not inside any object or array). A key over a limit is named `<key>` under its
  /// object's path.
  static func path(after prefix: [UInt8]) -> String? {
    var levels: [Level] = []
    var index = 0
    while index < prefix.count {
      let byte = prefix[index]
      index += 1
      switch byte {
      case UInt8(ascii: "{"): levels.append(.object(key: nil))
      case UInt8(ascii: "["): levels.append(.array(index: 0))
      case UInt8(ascii: "}"), UInt8(ascii: "]"): _ = levels.popLast()
      case UInt8(ascii: ","):
        switch levels.last {
        case .array(let position): levels[levels.count - 1] = .array(index: position + 1)
        case .object: levels[levels.count - 1] = .object(key: nil)
        case nil: break
        }
      case UInt8(ascii: "\""):
        let start = index
        var escaped = false
        while index < prefix.count {
          let inner = prefix[index]
          index += 1
          if escaped {
            escaped = false
          } else if inner == UInt8(ascii: "\\") {
            escaped = true
          } else if inner == UInt8(ascii: "\"") {
            break
          }
        }
        if case .object(key: nil) = levels.last {
          levels[levels.count - 1] = .object(key: decodedKey(prefix[start..<max(start, index - 1)]))
        }
      default: break
      }
    }
    guard !levels.isEmpty else { return nil }
    var components: [String] = []
    for level in levels {
      switch level {
      case .object(let key): components.append(key ?? "<key>")
      case .array(let position): components.append(String(position))
      }
    }
    return components.joined(separator: ".")
  }

  /// The text of a key's bytes between its quotes, escapes decoded (`\uXXXX` with surrogate pairs);
  /// bytes that are not UTF-8, or a bad escape, become U+FFFD.
  private static func decodedKey(_ bytes: ArraySlice<UInt8>) -> String {
    guard bytes.contains(UInt8(ascii: "\\")) else { return String(decoding: bytes, as: UTF8.self) }
    var scalars = String.UnicodeScalarView()
    var plain: [UInt8] = []
    func flush() {
      scalars.append(contentsOf: String(decoding: plain, as: UTF8.self).unicodeScalars)
      plain.removeAll()
    }
    var index = bytes.startIndex
    func hex4(at position: Int) -> UInt32? {
      guard position + 4 <= bytes.endIndex else { return nil }
      return UInt32(String(decoding: bytes[position..<position + 4], as: UTF8.self), radix: 16)
    }
    while index < bytes.endIndex {
      let byte = bytes[index]
      guard byte == UInt8(ascii: "\\"), index + 1 < bytes.endIndex else {
        plain.append(byte)
        index += 1
        continue
      }
      flush()
      let escape = bytes[index + 1]
      index += 2
      switch escape {
      case UInt8(ascii: "n"): scalars.append("\n")
      case UInt8(ascii: "t"): scalars.append("\t")
      case UInt8(ascii: "r"): scalars.append("\r")
      case UInt8(ascii: "b"): scalars.append("\u{08}")
      case UInt8(ascii: "f"): scalars.append("\u{0C}")
      case UInt8(ascii: "u"):
        guard let high = hex4(at: index) else {
          scalars.append("\u{FFFD}")
          continue
        }
        index += 4
        if (0xD800..<0xDC00).contains(high), index + 1 < bytes.endIndex, bytes[index] == UInt8(ascii: "\\"),
          bytes[index + 1] == UInt8(ascii: "u"), let low = hex4(at: index + 2), (0xDC00..<0xE000).contains(low)
        {
          index += 6
          scalars.append(Unicode.Scalar(0x10000 + (high - 0xD800) << 10 + (low - 0xDC00)) ?? "\u{FFFD}")
        } else {
          scalars.append(Unicode.Scalar(high) ?? "\u{FFFD}")
        }
      default: scalars.append(Unicode.Scalar(escape))
      }
    }
    flush()
    return String(scalars)
  }
}
