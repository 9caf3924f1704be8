/// Up to 64 decimal digit values (0 to 9) held inline, and how many digits the input had in all.
///
/// No valid number needs more than 64 digits (an international prefix, a calling code, a national prefix
/// and 17 national digits), so a longer input keeps only its count and first digits, which is enough to
/// reject it and to name its calling code.
struct PhoneDigitString {
  static let capacity = 64
  // Four bits a digit, sixteen digits a word: plain integer operations, with none of the store-forwarding
  // stalls that writing single lanes of a SIMD vector costs.
  private var word0: UInt64 = 0
  private var word1: UInt64 = 0
  private var word2: UInt64 = 0
  private var word3: UInt64 = 0
  /// How many digits were appended; may exceed `capacity`.
  private(set) var count = 0

  init() {}

  /// Whether every digit is stored (the count does not exceed the capacity).
  var isComplete: Bool { count <= Self.capacity }

  mutating func append(_ digit: UInt8) {
    if count < Self.capacity {
      let bits = UInt64(digit) &<< UInt64((count & 15) &<< 2)
      switch count >> 4 {
      case 0: word0 |= bits
      case 1: word1 |= bits
      case 2: word2 |= bits
      default: word3 |= bits
      }
    }
    count += 1
  }

  /// The digit value at `position`, which must be below both `count` and `capacity`.
  subscript(position: Int) -> UInt8 {
    let word: UInt64
    switch position >> 4 {
    case 0: word = word0
    case 1: word = word1
    case 2: word = word2
    default: word = word3
    }
    return UInt8(truncatingIfNeeded: (word &>> UInt64((position & 15) &<< 2)) & 0xF)
  }

  /// The digits in `range` as text (at most `capacity` of them).
  func text(_ range: Range<Int>) -> String {
    var text = ""
    for position in range.lowerBound..<min(range.upperBound, Self.capacity) {
      text.unicodeScalars.append(Unicode.Scalar(UInt8(ascii: "0") &+ self[position]))
    }
    return text
  }
}

/// A run of digits inside a `PhoneDigitString`: what libphonenumber handles as a string of ASCII digits
/// while it strips prefixes.
struct PhoneDigitSlice {
  var digits: PhoneDigitString
  var start: Int
  var end: Int

  init(_ digits: PhoneDigitString, start: Int = 0, end: Int? = nil) {
    self.digits = digits
    self.start = start
    self.end = end ?? digits.count
  }

  var count: Int { end - start }
  var isEmpty: Bool { end <= start }

  /// The digit `offset` places after `start`.
  subscript(offset: Int) -> UInt8 { digits[start + offset] }

  /// The slice without its first `length` digits.
  func dropping(_ length: Int) -> PhoneDigitSlice {
    var copy = self
    copy.start = min(start + length, end)
    return copy
  }

  /// Whether the slice starts with the decimal digits of `value` (which is positive).
  func hasPrefix(number value: Int) -> Bool {
    var scale = 1
    var digitsInValue = 1
    while scale * 10 <= value {
      scale *= 10
      digitsInValue += 1
    }
    guard count >= digitsInValue else { return false }
    var rest = value
    for offset in 0..<digitsInValue {
      if Int(self[offset]) != rest / scale { return false }
      rest %= scale
      scale /= 10
    }
    return true
  }

  /// The digits as text.
  var text: String { digits.text(start..<end) }
}
