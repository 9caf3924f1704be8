/// A syntax error inside one JSON element: its offset in the element's bytes and what was expected there.
struct JSONSyntaxError: Error {
  /// Offset of the offending byte in the element (`count` when the element ended too early).
  var offset: Int
  /// What the parser needed, as a phrase: `',' or '}'`, `a value`, ...
  var expected: String
  /// Set when the problem is depth, not a missing token.
  var tooDeep = false
}

/// The bytes of a string or key inside an element, not yet decoded.
struct JSONStringToken {
  /// Where the string's content (between the quotes) lies in the element.
  var range: Range<Int>
  /// Whether the content holds a backslash escape.
  var hasEscapes: Bool
}

/// One step of a pull parse.
enum JSONEvent {
  case objectStart
  case objectEnd
  case arrayStart
  case arrayEnd
  case key(JSONStringToken)
  case string(JSONStringToken)
  /// A number, by the range of its exact text.
  case number(Range<Int>)
  case bool(Bool)
  case null
  /// The element's one value is complete and only white space follows.
  case end
}

/// A validating pull parser over the bytes of one JSON value (RFC 8259), without recursion.
///
/// Nesting is tracked on an explicit stack bounded by `maxDepth`, so no input can overflow the call
/// stack. Strings are checked for syntax here (escapes, unescaped control characters); their UTF-8 and
/// surrogate pairs are checked when they are decoded (`JSONStringDecoder`), where a bad one is a row
/// issue rather than a syntax error.
///
/// Complexity: O(n) in the element's bytes; memory O(`maxDepth`).
struct JSONElementParser {
  private enum State {
    case value
    case firstValueOrArrayEnd
    case firstKeyOrObjectEnd
    case key
    case colon
    case afterValue
    case finished
  }

  private let bytes: UnsafeBufferPointer<UInt8>
  private let maxDepth: Int
  private var position = 0
  private var state = State.value
  /// `true` for an object, `false` for an array, innermost last.
  private var stack: [Bool] = []

  init(bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int) {
    self.bytes = bytes
    self.maxDepth = maxDepth
  }

  /// The depth of the current container (1 inside the element's own object).
  var depth: Int { stack.count }

  /// The offset of the next byte to read: just past the last event's token (`{` of an `objectStart`,
  /// `}` after `skipContainer`).
  var offset: Int { position }

  /// The next event, or throws at the first byte that breaks JSON syntax.
  mutating func next() throws(JSONSyntaxError) -> JSONEvent {
    while true {
      skipWhitespace()
      switch state {
      case .value:
        return try value()
      case .firstValueOrArrayEnd:
        if peek == UInt8(ascii: "]") { return close(object: false) }
        return try value()
      case .firstKeyOrObjectEnd:
        if peek == UInt8(ascii: "}") { return close(object: true) }
        return try key()
      case .key:
        return try key()
      case .colon:
        guard peek == UInt8(ascii: ":") else { throw JSONSyntaxError(offset: position, expected: "':' after the key") }
        position += 1
        state = .value
      case .afterValue:
        guard let inObject = stack.last else {
          guard position == bytes.count else {
            throw JSONSyntaxError(offset: position, expected: "nothing more after the value")
          }
          state = .finished
          return .end
        }
        switch peek {
        case UInt8(ascii: ","):
          position += 1
          state = inObject ? .key : .value
        case UInt8(ascii: "}") where inObject:
          return close(object: true)
        case UInt8(ascii: "]") where !inObject:
          return close(object: false)
        default:
          throw JSONSyntaxError(offset: position, expected: inObject ? "',' or '}'" : "',' or ']'")
        }
      case .finished:
        return .end
      }
    }
  }

  /// Consumes the rest of the value whose start event was just returned (`objectStart`/`arrayStart`).
  mutating func skipContainer() throws(JSONSyntaxError) {
    let target = depth - 1
    while depth > target {
      _ = try next()
    }
  }

  private var peek: UInt8? { position < bytes.count ? bytes[position] : nil }

  private mutating func skipWhitespace() {
    while position < bytes.count {
      switch bytes[position] {
      case 0x20, 0x09, 0x0A, 0x0D: position += 1
      default: return
      }
    }
  }

  private mutating func close(object: Bool) -> JSONEvent {
    position += 1
    stack.removeLast()
    state = .afterValue
    return object ? .objectEnd : .arrayEnd
  }

  private mutating func open(object: Bool) throws(JSONSyntaxError) -> JSONEvent {
    guard stack.count < maxDepth else {
      throw JSONSyntaxError(offset: position, expected: "at most \(maxDepth) levels of nesting", tooDeep: true)
    }
    position += 1
    stack.append(object)
    state = object ? .firstKeyOrObjectEnd : .firstValueOrArrayEnd
    return object ? .objectStart : .arrayStart
  }

  private mutating func key() throws(JSONSyntaxError) -> JSONEvent {
    guard peek == UInt8(ascii: "\"") else {
      throw JSONSyntaxError(offset: position, expected: "'\"' to start a key")
    }
    let token = try string()
    state = .colon
    return .key(token)
  }

  private mutating func value() throws(JSONSyntaxError) -> JSONEvent {
    guard let byte = peek else { throw JSONSyntaxError(offset: position, expected: "a value") }
    switch byte {
    case UInt8(ascii: "{"):
      return try open(object: true)
    case UInt8(ascii: "["):
      return try open(object: false)
    case UInt8(ascii: "\""):
      let token = try string()
      state = .afterValue
      return .string(token)
    case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
      let range = try number()
      state = .afterValue
      return .number(range)
    case UInt8(ascii: "t"):
      try literal("true")
      state = .afterValue
      return .bool(true)
    case UInt8(ascii: "f"):
      try literal("false")
      state = .afterValue
      return .bool(false)
    case UInt8(ascii: "n"):
      try literal("null")
      state = .afterValue
      return .null
    default:
      throw JSONSyntaxError(
        offset: position, expected: "a value (an object, array, string, number, true, false or null)")
    }
  }

  private mutating func literal(_ word: StaticString) throws(JSONSyntaxError) {
    let text = UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
    for expectedByte in text {
      guard peek == expectedByte else { throw JSONSyntaxError(offset: position, expected: "'\(word)'") }
      position += 1
    }
  }

  /// Scans a string starting at its opening quote; leaves `position` after the closing quote.
  private mutating func string() throws(JSONSyntaxError) -> JSONStringToken {
    position += 1
    let start = position
    var hasEscapes = false
    while position < bytes.count {
      let byte = bytes[position]
      if byte == UInt8(ascii: "\"") {
        position += 1
        return JSONStringToken(range: start..<position - 1, hasEscapes: hasEscapes)
      }
      if byte == UInt8(ascii: "\\") {
        hasEscapes = true
        position += 1
        guard let escaped = peek else { break }
        switch escaped {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
          UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
          position += 1
        case UInt8(ascii: "u"):
          position += 1
          for _ in 0..<4 {
            guard let digit = peek, JSONElementParser.hexValue(digit) != nil else {
              throw JSONSyntaxError(offset: position, expected: "4 hexadecimal digits after \\u")
            }
            position += 1
          }
        default:
          throw JSONSyntaxError(
            offset: position, expected: "an escape: \\\" \\\\ \\/ \\b \\f \\n \\r \\t or \\uXXXX")
        }
        continue
      }
      if byte < 0x20 {
        throw JSONSyntaxError(
          offset: position,
          expected: "'\"' to close the string (control characters such as line breaks must be escaped)")
      }
      position += 1
    }
    throw JSONSyntaxError(offset: position, expected: "'\"' to close the string")
  }

  /// Scans `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
  private mutating func number() throws(JSONSyntaxError) -> Range<Int> {
    let start = position
    if peek == UInt8(ascii: "-") { position += 1 }
    guard let first = peek, isDigit(first) else { throw JSONSyntaxError(offset: position, expected: "a digit") }
    position += 1
    if first != UInt8(ascii: "0") {
      while let digit = peek, isDigit(digit) { position += 1 }
    }
    if peek == UInt8(ascii: ".") {
      position += 1
      guard let digit = peek, isDigit(digit) else {
        throw JSONSyntaxError(offset: position, expected: "a digit after the decimal point")
      }
      while let digit = peek, isDigit(digit) { position += 1 }
    }
    if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
      position += 1
      if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { position += 1 }
      guard let digit = peek, isDigit(digit) else {
        throw JSONSyntaxError(offset: position, expected: "a digit in the exponent")
      }
      while let digit = peek, isDigit(digit) { position += 1 }
    }
    return start..<position
  }
}

@inline(__always)
private func isDigit(_ byte: UInt8) -> Bool { byte &- UInt8(ascii: "0") < 10 }

extension JSONElementParser {
  /// The value of one hexadecimal digit, or `nil`.
  @inline(__always)
  static func hexValue(_ byte: UInt8) -> UInt32? {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - UInt8(ascii: "0"))
    case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(byte - UInt8(ascii: "a") + 10)
    case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(byte - UInt8(ascii: "A") + 10)
    default: nil
    }
  }
}
