/// How a value becomes the text of an XLSX cell, so that Excel shows exactly the value or a reported
/// change of it.
///
/// The policy (each change is reported as an `XLSXCellAdjustment`, never silent):
/// - **NUL** (U+0000) would end the string at the C boundary and lose the rest: each is replaced by
///   U+FFFD REPLACEMENT CHARACTER (`xlsx.nul_replaced`).
/// - **U+FFFE and U+FFFF** are not XML characters and make the file unreadable: each is replaced by
///   U+FFFD (`xlsx.noncharacter_replaced`).
/// - **Longer than Excel's 32,767 UTF-16 units**: cut at the last whole character (grapheme) that
///   fits (`xlsx.value_truncated`, with both lengths). libxlsxwriter counts code points of the text it
///   is given, including the escapes below, so the cut also keeps that count within 32,767.
/// - **Literal `_xHHHH_` text** would be decoded by Excel as the character U+HHHH (and by LibreOffice,
///   which also takes 1 to 3 digits, for controls and `_`): the leading `_` of every `_x` + 1-4 hex
///   digits + `_` is written as `_x005F_`, so both show the text as it was. A control character counts
///   as a closing `_` here (`_x0041` + U+0001 is written `_x0041_x0001_` otherwise). Not a change, not
///   reported.
/// - **C0 control characters**: tab and line feed are written as they are; libxlsxwriter writes the
///   others (CR included) as OOXML escapes such as `_x000D_`, which Excel and LibreOffice decode back to
///   the character. Kept, not reported. (openpyxl does not decode escapes in inline strings, so it
///   shows `_x000D_`; Roster's tests decode them as Excel does.)
///
/// Everything is text: nothing is ever written as a number, date or formula.
enum CellText {
  /// Excel's limit on a cell's length, in UTF-16 code units (libxlsxwriter's, in code points).
  static let maximumLength = 32_767

  /// One change the policy made to a value.
  enum Change: Equatable {
    case replacedNUL(count: Int)
    case replacedNoncharacter(count: Int)
    case truncated(fromUTF16: Int, toUTF16: Int)
  }

  /// The text to hand libxlsxwriter for `value`, and what was changed (empty when nothing was).
  ///
  /// Complexity: one pass over the UTF-8 bytes when nothing needs changing (the common case).
  static func prepare(_ value: String) -> (text: String, changes: [Change]) {
    var value = value
    let scan = scan(value)
    if !scan.needsWork { return (value, []) }
    var changes: [Change] = []
    if scan.hasSpecialScalars {
      var nul = 0
      var nonchar = 0
      var scalars = String.UnicodeScalarView()
      for scalar in value.unicodeScalars {
        switch scalar.value {
        case 0:
          nul += 1
          scalars.append("\u{FFFD}")
        case 0xFFFE, 0xFFFF:
          nonchar += 1
          scalars.append("\u{FFFD}")
        default: scalars.append(scalar)
        }
      }
      value = String(scalars)
      if nul > 0 { changes.append(.replacedNUL(count: nul)) }
      if nonchar > 0 { changes.append(.replacedNoncharacter(count: nonchar)) }
    }
    if scan.mayBeTooLong {
      let kept = prefix(of: value)
      if kept.utf16.count < value.utf16.count {
        changes.append(.truncated(fromUTF16: value.utf16.count, toUTF16: kept.utf16.count))
        value = kept
      }
    }
    let text = escapeUnderscores(value)
    return (text, changes)
  }

  private struct Scan {
    var hasSpecialScalars = false
    var hasEscapePattern = false
    var mayBeTooLong = false
    var needsWork: Bool { hasSpecialScalars || hasEscapePattern || mayBeTooLong }
  }

  /// One pass over the UTF-8 bytes looking for NUL, U+FFFE/U+FFFF (EF BF BE/BF), `_x` and length.
  private static func scan(_ value: String) -> Scan {
    var value = value
    return value.withUTF8 { bytes in
      var scan = Scan()
      var escapes = 0
      var index = 0
      let count = bytes.count
      while index < count {
        let byte = bytes[index]
        if byte == 0 {
          scan.hasSpecialScalars = true
        } else if byte == 0xEF, index + 2 < count, bytes[index + 1] == 0xBF, bytes[index + 2] & 0xFE == 0xBE {
          scan.hasSpecialScalars = true
        } else if byte == UInt8(ascii: "_"), isEscapePattern(bytes, at: index) {
          scan.hasEscapePattern = true
          escapes += 1
        }
        index += 1
      }
      // UTF-16 units and code points are each at most the UTF-8 byte count; each escape adds 6.
      scan.mayBeTooLong = count + 6 * escapes > maximumLength
      return scan
    }
  }

  /// Whether `bytes[index...]` starts with `_x`, 1 to 4 hex digits and `_`: an OOXML escape.
  ///
  /// Excel decodes `_xHHHH_` (4 digits); LibreOffice also decodes 1 to 3 digits (`_x1F_` shows as
  /// U+001F). Escaping the wider set is harmless: both always decode `_x005F_` to `_`.
  private static func isEscapePattern(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> Bool {
    guard index + 3 < bytes.count, bytes[index] == UInt8(ascii: "_"), bytes[index + 1] == UInt8(ascii: "x")
    else { return false }
    var digits = 0
    var next = index + 2
    while next < bytes.count, isHexDigit(bytes[next]) {
      digits += 1
      if digits > 4 { return false }
      next += 1
    }
    return digits >= 1 && next < bytes.count && closesEscape(bytes[next])
  }

  /// Whether `byte` ends an escape pattern: `_`, or a control character that libxlsxwriter writes as an
  /// escape beginning with `_` (`_x0001_`), which would otherwise complete the pattern before it.
  static func closesEscape(_ byte: UInt8) -> Bool {
    byte == UInt8(ascii: "_") || (byte < 0x20 && byte != 0x09 && byte != 0x0A)
  }

  static func isHexDigit(_ byte: UInt8) -> Bool {
    (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
      || (byte | 0x20 >= UInt8(ascii: "a") && byte | 0x20 <= UInt8(ascii: "f"))
  }

  /// `value` with the `_` of every literal `_xHHHH_` written as `_x005F_`, so Excel shows it as typed.
  static func escapeUnderscores(_ value: String) -> String {
    var value = value
    return value.withUTF8 { bytes in
      var output: [UInt8] = []
      var start = 0
      for index in bytes.indices where bytes[index] == UInt8(ascii: "_") && isEscapePattern(bytes, at: index) {
        if output.isEmpty { output.reserveCapacity(bytes.count + 64) }
        output.append(contentsOf: bytes[start..<index])
        output.append(contentsOf: "_x005F_".utf8)  // the escape of `_` itself
        start = index + 1
      }
      if start == 0 { return String(decoding: bytes, as: UTF8.self) }
      output.append(contentsOf: bytes[start...])
      return String(decoding: output, as: UTF8.self)
    }
  }

  /// The length of a text by both limits that apply to it, grown one code point at a time.
  private struct Measure {
    /// Where the text's end stands in a possible `_x` + 1-4 hex digits + `_` escape pattern.
    private enum Pattern {
      case none
      case underscore
      case x
      case digits(Int)
    }

    /// The most either count may reach.
    let limit: Int
    /// UTF-16 units: what Excel counts.
    var utf16 = 0
    /// Code points once every literal escape pattern is escaped (6 more each): what libxlsxwriter counts.
    var escaped = 0
    private var pattern = Pattern.none

    var fits: Bool { utf16 <= limit && escaped <= limit }

    init(limit: Int) { self.limit = limit }

    mutating func add(_ scalar: Unicode.Scalar) {
      utf16 += scalar.utf16.count
      escaped += 1
      let byte = scalar.isASCII ? UInt8(scalar.value) : 0xFF
      if CellText.closesEscape(byte) {
        if case .digits = pattern { escaped += 6 }  // completes a pattern: its opening `_` is escaped
        // A control character's own escape ends with `_`, which the decoder consumes with it.
        pattern = byte == UInt8(ascii: "_") ? .underscore : .none
        return
      }
      switch pattern {
      case .underscore where byte == UInt8(ascii: "x"): pattern = .x
      case .x where CellText.isHexDigit(byte): pattern = .digits(1)
      case .digits(let count) where count < 4 && CellText.isHexDigit(byte): pattern = .digits(count + 1)
      default: pattern = .none
      }
    }
  }

  /// The longest prefix of `value` made of whole characters (graphemes) that fits both Excel's limit
  /// and libxlsxwriter's; whole code points when even the first character does not fit.
  ///
  /// Complexity: O(n) in the length of the prefix.
  static func prefix(of value: String, limit: Int = maximumLength) -> String {
    var measure = Measure(limit: limit)
    var end = value.startIndex
    for index in value.indices {
      var next = measure
      for scalar in value[index].unicodeScalars { next.add(scalar) }
      if !next.fits { break }
      measure = next
      end = value.index(after: index)
    }
    if end == value.startIndex {
      var scalars = String.UnicodeScalarView()
      for scalar in value.unicodeScalars {
        measure.add(scalar)
        if !measure.fits { break }
        scalars.append(scalar)
      }
      return String(scalars)
    }
    return String(value[..<end])
  }
}
