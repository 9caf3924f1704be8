/// Why a JSON string cannot become a Swift `String` unchanged.
enum JSONStringProblem: Error {
  /// A byte sequence that is not UTF-8, at this offset in the element.
  case invalidUTF8(offset: Int)
  /// A `\uD800`–`\uDFFF` escape without its other half, at the offset of its backslash.
  case loneSurrogate(offset: Int, unit: UInt32)
}

/// Decodes the strings a `JSONElementParser` found: escapes, surrogate pairs and a strict UTF-8 check.
///
/// Nothing is ever replaced: a string that is not valid UTF-8, or that escapes half a surrogate pair,
/// comes back as a `JSONStringProblem` naming the offset, for the caller to report as a row issue.
struct JSONStringDecoder {
  private var scratch: [UInt8] = []

  init() {
    scratch.reserveCapacity(256)
  }

  /// The decoded text of `token`, whose bytes lie in `bytes`.
  mutating func decode(
    _ token: JSONStringToken, in bytes: UnsafeBufferPointer<UInt8>
  ) -> Result<String, JSONStringProblem> {
    let content = UnsafeBufferPointer(rebasing: bytes[token.range])
    // Escapes are ASCII, so checking the raw bytes checks every unescaped character.
    if let bad = UTF8Validation.firstInvalidOffset(in: content) {
      return .failure(.invalidUTF8(offset: token.range.lowerBound + bad))
    }
    if !token.hasEscapes { return .success(String(decoding: content, as: UTF8.self)) }
    scratch.removeAll(keepingCapacity: true)
    var index = 0
    while index < content.count {
      let byte = content[index]
      guard byte == UInt8(ascii: "\\") else {
        scratch.append(byte)
        index += 1
        continue
      }
      let escaped = content[index + 1]
      switch escaped {
      case UInt8(ascii: "b"): scratch.append(0x08)
      case UInt8(ascii: "f"): scratch.append(0x0C)
      case UInt8(ascii: "n"): scratch.append(0x0A)
      case UInt8(ascii: "r"): scratch.append(0x0D)
      case UInt8(ascii: "t"): scratch.append(0x09)
      case UInt8(ascii: "u"):
        let unit = Self.unit(in: content, at: index + 2)
        if unit >= 0xD800 && unit < 0xDC00 {
          // A high surrogate must be followed at once by an escaped low surrogate.
          if index + 12 <= content.count,
            content[index + 6] == UInt8(ascii: "\\"), content[index + 7] == UInt8(ascii: "u")
          {
            let low = Self.unit(in: content, at: index + 8)
            if low >= 0xDC00 && low < 0xE000 {
              appendUTF8(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))
              index += 12
              continue
            }
          }
          return .failure(.loneSurrogate(offset: token.range.lowerBound + index, unit: unit))
        }
        if unit >= 0xDC00 && unit < 0xE000 {
          return .failure(.loneSurrogate(offset: token.range.lowerBound + index, unit: unit))
        }
        appendUTF8(unit)
        index += 6
        continue
      default:
        scratch.append(escaped)  // \" \\ \/
      }
      index += 2
    }
    return .success(String(decoding: scratch, as: UTF8.self))
  }

  /// The 16-bit value of the 4 hex digits at `offset` (the parser has checked they are hex digits).
  private static func unit(in content: UnsafeBufferPointer<UInt8>, at offset: Int) -> UInt32 {
    var value: UInt32 = 0
    for index in offset..<offset + 4 { value = value << 4 | (JSONElementParser.hexValue(content[index]) ?? 0) }
    return value
  }

  private mutating func appendUTF8(_ scalar: UInt32) {
    switch scalar {
    case ..<0x80:
      scratch.append(UInt8(scalar))
    case ..<0x800:
      scratch.append(UInt8(0xC0 | scalar >> 6))
      scratch.append(UInt8(0x80 | scalar & 0x3F))
    case ..<0x10000:
      scratch.append(UInt8(0xE0 | scalar >> 12))
      scratch.append(UInt8(0x80 | scalar >> 6 & 0x3F))
      scratch.append(UInt8(0x80 | scalar & 0x3F))
    default:
      scratch.append(UInt8(0xF0 | scalar >> 18))
      scratch.append(UInt8(0x80 | scalar >> 12 & 0x3F))
      scratch.append(UInt8(0x80 | scalar >> 6 & 0x3F))
      scratch.append(UInt8(0x80 | scalar & 0x3F))
    }
  }
}
