/// Well-formed UTF-8 (Unicode table 3-7), checked on bytes, eight ASCII bytes at a time.
enum UTF8Validation {
  /// The offset of the first byte that starts an ill-formed sequence, or `nil` when all is well formed.
  ///
  /// With `allowingTruncatedEnd`, a sequence cut off by the end of `bytes` (valid so far) is not an
  /// error: the rest is in the next read.
  static func firstInvalidOffset(in bytes: UnsafeBufferPointer<UInt8>, allowingTruncatedEnd: Bool = false)
    -> Int?
  {
    var index = 0
    let count = bytes.count
    guard let base = bytes.baseAddress else { return nil }
    while index < count {
      while index + 8 <= count,
        UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self) & 0x8080_8080_8080_8080 == 0
      {
        index += 8
      }
      guard index < count else { break }
      let lead = bytes[index]
      if lead < 0x80 {
        index += 1
        continue
      }
      let length: Int
      var secondRange: ClosedRange<UInt8> = 0x80...0xBF
      switch lead {
      case 0xC2...0xDF: length = 2
      case 0xE0: length = 3; secondRange = 0xA0...0xBF
      case 0xE1...0xEC, 0xEE...0xEF: length = 3
      case 0xED: length = 3; secondRange = 0x80...0x9F
      case 0xF0: length = 4; secondRange = 0x90...0xBF
      case 0xF1...0xF3: length = 4
      case 0xF4: length = 4; secondRange = 0x80...0x8F
      default: return index
      }
      for step in 1..<length {
        guard index + step < count else { return allowingTruncatedEnd ? nil : index }
        let byte = bytes[index + step]
        guard step == 1 ? secondRange.contains(byte) : byte & 0xC0 == 0x80 else { return index }
      }
      index += length
    }
    return nil
  }
}
