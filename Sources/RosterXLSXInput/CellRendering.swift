/// How a cell's number is shown, decided by its style's number format.
enum NumberDisplay: Sendable, Equatable {
  case number
  /// A date format without hours or seconds: `YYYY-MM-DD`.
  case date
  /// A format with both date and time parts: `YYYY-MM-DDTHH:MM:SS`.
  case dateTime
  /// A time-only format: `HH:MM:SS` for values below 1, else as `dateTime`.
  case time
}

/// Turns the text of cells into the strings Roster reads: numbers without exponent or lost digits,
/// dates in ISO 8601.
enum CellRendering {
  /// Built-in number formats that show dates or times (ECMA-376 §18.8.30, plus the East Asian
  /// locale-dependent date formats 27 to 36 and 50 to 58).
  static func builtinDisplay(_ id: Int) -> NumberDisplay {
    switch id {
    case 14...17, 27...36, 50...58: .date
    case 22: .dateTime
    case 18...21, 45...47: .time
    default: .number
    }
  }

  /// Classifies a custom format code the way openpyxl does: the first section, with quoted literals,
  /// escaped characters and bracketed colors or locales removed, is a date if it has d, m, y, h or s.
  static func display(formatCode: String) -> NumberDisplay {
    var hasDate = false
    var hasTime = false
    var hasMinute = false
    var chars = Array(formatCode.lowercased().unicodeScalars)
    if let semicolon = chars.firstIndex(of: ";") { chars = Array(chars[..<semicolon]) }
    var i = 0
    while i < chars.count {
      let c = chars[i]
      switch c {
      case "\"":
        i += 1
        while i < chars.count, chars[i] != "\"" { i += 1 }
      case "\\", "_", "*":
        i += 1
      case "[":
        var j = i + 1
        while j < chars.count, chars[j] != "]" { j += 1 }
        let inside = String(String.UnicodeScalarView(chars[(i + 1)..<min(j, chars.count)]))
        if ["h", "hh", "m", "mm", "s", "ss"].contains(inside) { hasTime = true }
        i = j
      case "d", "y": hasDate = true
      case "h", "s": hasTime = true
      case "m": hasMinute = true
      default: break
      }
      i += 1
    }
    if hasDate { return hasTime ? .dateTime : .date }
    if hasTime { return .time }
    return hasMinute ? .date : .number
  }

  /// A number as its digits: integers as integers (`447911123456`), decimals with their shortest
  /// round-trip digits and never an exponent (`0.00001`, `123456789012345680000`).
  static func number(_ bytes: ArraySlice<UInt8>) -> String {
    // Plain integer literals keep every digit, however long.
    var allDigits = !bytes.isEmpty
    var start = bytes.startIndex
    var negative = false
    if start < bytes.endIndex, bytes[start] == UInt8(ascii: "-") {
      negative = true
      start += 1
    }
    if start == bytes.endIndex { allDigits = false }
    for c in bytes[start...] where c < UInt8(ascii: "0") || c > UInt8(ascii: "9") {
      allDigits = false
      break
    }
    if allDigits {
      while start < bytes.endIndex - 1, bytes[start] == UInt8(ascii: "0") { start += 1 }
      let digits = String(decoding: bytes[start...], as: UTF8.self)
      return negative && digits != "0" ? "-" + digits : digits
    }
    let text = String(decoding: bytes, as: UTF8.self)
    guard let value = Double(text.trimmingSpaces()), value.isFinite else { return text }
    return positional(value)
  }

  /// `value` written out positionally with its shortest round-trip digits.
  static func positional(_ value: Double) -> String {
    if value == 0 { return "0" }
    if value == value.rounded(), abs(value) < 9.0e15 { return String(Int64(value)) }
    let description = value.description  // shortest digits, e.g. "1.2345e-07", "0.1", "1.5e+20"
    var sign = ""
    var body = Substring(description)
    if body.hasPrefix("-") {
      sign = "-"
      body = body.dropFirst()
    }
    var exponent = 0
    if let e = body.firstIndex(where: { $0 == "e" || $0 == "E" }) {
      exponent = Int(body[body.index(after: e)...]) ?? 0
      body = body[..<e]
    }
    var digits = ""
    var integerDigits = 0
    var seenPoint = false
    for c in body {
      if c == "." {
        seenPoint = true
      } else {
        digits.append(c)
        if !seenPoint { integerDigits += 1 }
      }
    }
    // Drop leading zeros (as in "0.001"), adjusting the point.
    while digits.count > 1, digits.first == "0" {
      digits.removeFirst()
      integerDigits -= 1
    }
    while digits.count > 1, digits.last == "0" { digits.removeLast() }
    let point = integerDigits + exponent
    var result = sign
    if point <= 0 {
      result += "0." + String(repeating: "0", count: -point) + digits
    } else if point >= digits.count {
      result += digits + String(repeating: "0", count: point - digits.count)
    } else {
      let index = digits.index(digits.startIndex, offsetBy: point)
      result += digits[..<index] + "." + digits[index...]
    }
    return result
  }

  /// An Excel serial date as ISO 8601, or nil when it is not a representable date
  /// (negative, or past 9999-12-31).
  static func date(serial: Double, display: NumberDisplay, date1904: Bool) -> String? {
    guard serial.isFinite, serial >= 0, serial < 2_958_466 else { return nil }
    var days = serial.rounded(.down)
    var milliseconds = ((serial - days) * 86_400_000).rounded(.toNearestOrEven)
    if milliseconds >= 86_400_000 {
      days += 1
      milliseconds -= 86_400_000
    }
    let clock = timeOfDay(Int(milliseconds))
    if display == .time, serial < 1 { return clock }
    var day = Int(days)
    // The 1900 system counts a fictitious 1900-02-29 (serial 60); openpyxl and Excel agree from 61 on.
    if date1904 {
      day += -24_107  // 1904-01-01 is day 0
    } else {
      if serial < 60 { day += 1 }
      day += -25_569  // 1899-12-30 is day 0
    }
    let (y, m, d) = civil(fromDaysSince1970: day)
    let calendar = pad(y, 4) + "-" + pad(m, 2) + "-" + pad(d, 2)
    if display == .date, milliseconds == 0 { return calendar }
    return calendar + "T" + clock
  }

  private static func timeOfDay(_ ms: Int) -> String {
    let seconds = ms / 1000
    var text = pad(seconds / 3600, 2) + ":" + pad(seconds / 60 % 60, 2) + ":" + pad(seconds % 60, 2)
    if ms % 1000 != 0 { text += "." + pad(ms % 1000, 3) }
    return text
  }

  private static func pad(_ value: Int, _ width: Int) -> String {
    let s = String(value)
    return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
  }

  /// Howard Hinnant's `civil_from_days`.
  private static func civil(fromDaysSince1970 z0: Int) -> (Int, Int, Int) {
    let z = z0 + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let doe = z - era * 146_097
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
    let mp = (5 * doy + 2) / 153
    let d = doy - (153 * mp + 2) / 5 + 1
    let m = mp < 10 ? mp + 3 : mp - 9
    return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
  }

  /// A 1-based column number as Excel names it: 1 is `A`, 27 is `AA`, 16,384 is `XFD`.
  static func columnName(_ column: Int) -> String {
    var name: [UInt8] = []
    var rest = column
    while rest > 0 {
      rest -= 1
      name.append(UInt8(ascii: "A") + UInt8(rest % 26))
      rest /= 26
    }
    return String(decoding: name.reversed(), as: UTF8.self)
  }

  /// Decodes OOXML `_xHHHH_` escapes (as Excel shows them); `_x005F_` stands for a literal `_`.
  static func decodeEscapes(_ bytes: [UInt8]) -> String {
    guard bytes.contains(UInt8(ascii: "_")) else { return String(decoding: bytes, as: UTF8.self) }
    var out: [UInt8] = []
    out.reserveCapacity(bytes.count)
    var i = 0
    var pendingHigh: UInt32? = nil
    while i < bytes.count {
      if bytes[i] == UInt8(ascii: "_"), i + 6 < bytes.count, bytes[i + 1] == UInt8(ascii: "x"),
        bytes[i + 6] == UInt8(ascii: "_"), let value = hex4(bytes, i + 2)
      {
        if (0xD800..<0xDC00).contains(value) {
          pendingHigh = value
        } else if (0xDC00..<0xE000).contains(value), let high = pendingHigh {
          let scalar = 0x10000 + ((high - 0xD800) << 10) + (value - 0xDC00)
          if let s = Unicode.Scalar(scalar) { out.append(contentsOf: String(Character(s)).utf8) }
          pendingHigh = nil
        } else if let s = Unicode.Scalar(value) {
          out.append(contentsOf: String(Character(s)).utf8)
        }
        i += 7
        continue
      }
      pendingHigh = nil
      out.append(bytes[i])
      i += 1
    }
    return String(decoding: out, as: UTF8.self)
  }

  private static func hex4(_ bytes: [UInt8], _ start: Int) -> UInt32? {
    var value: UInt32 = 0
    for k in start..<(start + 4) {
      let c = bytes[k]
      let digit: UInt32
      switch c {
      case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(c - 48)
      case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(c - 87)
      case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(c - 55)
      default: return nil
      }
      value = value << 4 | digit
    }
    return value
  }
}

extension String {
  fileprivate func trimmingSpaces() -> Substring {
    var s = Substring(self)
    while s.first == " " { s = s.dropFirst() }
    while s.last == " " { s = s.dropLast() }
    return s
  }
}
