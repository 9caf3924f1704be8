/// Punycode (RFC 3492) as Python's `punycode` codec does it, which the `idna` package uses: the same
/// output for encoding, and the same inputs refused when decoding (`errors="strict"`).
///
/// Labels are at most 253 characters here (the domain limit is checked first), so the work is small.
enum EmailPunycode {
  static let base = 36
  static let initialBias = 72
  static let initialCodePoint: UInt32 = 0x80
  /// Past this, a delta would push the code point beyond U+10FFFF for any label this short; Python's
  /// unbounded integers then fail the same way.
  static let deltaLimit = 1 << 40

  /// The Punycode of `label` (without `xn--`), lower case, as `label.encode("punycode")`.
  static func encode(_ label: [UInt32]) -> [UInt8] {
    var output: [UInt8] = []
    for codePoint in label where codePoint < 0x80 { output.append(UInt8(codePoint)) }
    let baseLength = output.count
    // Insertion unsort: the deltas, one per non-basic code point, in Python's order.
    var extended = label.filter { $0 >= 0x80 }
    extended.sort()
    extended.removeDuplicatesOfSorted()
    var deltas: [Int] = []
    var oldCodePoint = initialCodePoint
    var oldIndex = -1
    for codePoint in extended {
      var index = -1
      var position = -1
      var shorter = 0
      for other in label where other < codePoint { shorter += 1 }
      var delta = (shorter + 1) * Int(codePoint - oldCodePoint)
      while true {
        // selective_find: the next occurrence of codePoint, counting only smaller code points.
        var found = false
        while position + 1 < label.count {
          position += 1
          if label[position] == codePoint {
            index += 1
            found = true
            break
          } else if label[position] < codePoint {
            index += 1
          }
        }
        if !found { break }
        delta += index - oldIndex
        deltas.append(delta - 1)
        oldIndex = index
        delta = 0
      }
      oldCodePoint = codePoint
    }
    if baseLength > 0 { output.append(UInt8(ascii: "-")) }
    var bias = initialBias
    for (points, delta) in deltas.enumerated() {
      var n = delta
      var j = 0
      while true {
        let t = threshold(j, bias)
        if n < t {
          output.append(digit(n))
          break
        }
        output.append(digit(t + (n - t) % (base - t)))
        n = (n - t) / (base - t)
        j += 1
      }
      bias = adapt(delta, first: points == 0, count: baseLength + points + 1)
    }
    return output
  }

  /// The code points Punycode `text` (without `xn--`) stands for, or `nil` where Python's strict decoder
  /// raises. Values may still be surrogates; the IDNA checks refuse those.
  static func decode(_ text: ArraySlice<UInt8>) -> [UInt32]? {
    var decoded: [UInt32] = []
    var extended = text[...]
    if let hyphen = text.lastIndex(of: UInt8(ascii: "-")) {
      decoded = text[..<hyphen].map { UInt32($0) }
      extended = text[(hyphen + 1)...]
    }
    var codePoint = Int(initialCodePoint)
    var position = -1
    var bias = initialBias
    var index = extended.startIndex
    while index < extended.endIndex {
      let isFirst = index == extended.startIndex
      // A generalized variable-length integer.
      var delta = 0
      var weight = 1
      var j = 0
      while true {
        guard index < extended.endIndex, let digit = value(of: extended[index]) else { return nil }
        index += 1
        let t = threshold(j, bias)
        delta += digit * weight
        if delta > deltaLimit { return nil }
        if digit < t { break }
        weight *= base - t
        j += 1
      }
      position += delta + 1
      codePoint += position / (decoded.count + 1)
      if codePoint > 0x10_FFFF { return nil }
      position %= decoded.count + 1
      decoded.insert(UInt32(codePoint), at: position)
      bias = adapt(delta, first: isFirst, count: decoded.count)
    }
    return decoded
  }

  @inline(__always)
  static func threshold(_ j: Int, _ bias: Int) -> Int {
    min(26, max(1, base * (j + 1) - bias))
  }

  static func adapt(_ delta: Int, first: Bool, count: Int) -> Int {
    var delta = first ? delta / 700 : delta / 2
    delta += delta / count
    var divisions = 0
    while delta > 455 {
      delta /= 35
      divisions += base
    }
    return divisions + base * delta / (delta + 38)
  }

  @inline(__always)
  static func digit(_ value: Int) -> UInt8 {
    value < 26 ? UInt8(ascii: "a") + UInt8(value) : UInt8(ascii: "0") + UInt8(value - 26)
  }

  @inline(__always)
  static func value(of character: UInt8) -> Int? {
    switch character {
    case UInt8(ascii: "A")...UInt8(ascii: "Z"): Int(character - UInt8(ascii: "A"))
    case UInt8(ascii: "a")...UInt8(ascii: "z"): Int(character - UInt8(ascii: "a"))
    case UInt8(ascii: "0")...UInt8(ascii: "9"): Int(character - UInt8(ascii: "0")) + 26
    default: nil
    }
  }
}

extension Array where Element: Equatable {
  /// Removes repeats from a sorted array, in place.
  fileprivate mutating func removeDuplicatesOfSorted() {
    guard count > 1 else { return }
    var kept = 1
    for index in 1..<count where self[index] != self[kept - 1] {
      self[kept] = self[index]
      kept += 1
    }
    removeLast(count - kept)
  }
}
