import RosterCore

/// A small pull tokenizer for the XML inside an XLSX package, reading bytes straight from a `ZipEntryReader`.
///
/// It reports start tags (with attributes), end tags and decoded text; it skips the XML declaration,
/// processing instructions and comments, and rejects DTDs (no entity expansion, so no billion laughs).
/// Names are local names (the namespace prefix is dropped). A token's name and attributes stay valid
/// until the next call to `next()`. Memory: one buffer that grows only to fit the longest tag.
final class XMLTokenizer {
  enum Kind { case start, end, text, end_of_file }

  private let source: ZipEntryReader
  private let part: String
  private let displayName: String
  private let maxTokenBytes: Int
  private var buffer: UnsafeMutablePointer<UInt8>
  private var capacity: Int
  private var position = 0
  private var limit = 0
  private var sourceDone = false
  private var pendingCR = false

  private(set) var kind: Kind = .end_of_file
  /// For `.start`: whether the tag closed itself (`<c/>`): no `.end` follows.
  private(set) var selfClosing = false
  private var nameStart = 0
  private var nameEnd = 0
  /// (name start, name end, value start, value end) per attribute, flattened.
  private var attributeRanges: [Int] = []
  /// For `.text`: the decoded text (entities resolved, line ends normalized to LF), at most
  /// `maxTextBytes` of it.
  var text: [UInt8] = []
  /// For `.text`: whether the text was longer than `maxTextBytes` (the rest was skipped, not kept).
  private(set) var textOverflowed = false
  private let maxTextBytes: Int

  init(source: ZipEntryReader, part: String, displayName: String, maxTokenBytes: Int, maxTextBytes: Int) {
    self.source = source
    self.displayName = displayName
    self.part = part
    self.maxTokenBytes = max(maxTokenBytes, 1024)
    self.maxTextBytes = max(maxTextBytes, 0)
    capacity = 64 << 10
    buffer = .allocate(capacity: capacity)
    text.reserveCapacity(256)
  }

  deinit { buffer.deallocate() }

  func malformed(_ message: String) -> RosterError {
    RosterError(.input, file: displayName, "malformed XLSX: \(part): \(message)")
  }

  /// Moves the unread bytes to the front and reads more; false at the end of the entry.
  private func refill() throws(RosterError) -> Bool {
    if sourceDone { return false }
    if position > 0 {
      let count = limit - position
      if count > 0 { buffer.update(from: buffer + position, count: count) }
      limit = count
      position = 0
    }
    if limit == capacity {
      guard capacity < maxTokenBytes * 2 else { throw malformed("a tag is longer than \(maxTokenBytes) bytes") }
      let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity * 2)
      bigger.update(from: buffer, count: limit)
      buffer.deallocate()
      buffer = bigger
      capacity *= 2
    }
    let n = try source.read(into: UnsafeMutableRawBufferPointer(start: buffer + limit, count: capacity - limit))
    if n == 0 {
      sourceDone = true
      return false
    }
    limit += n
    return true
  }

  /// Advances to the next token.
  @discardableResult
  func next() throws(RosterError) -> Kind {
    while true {
      if position == limit, try !refill() {
        kind = .end_of_file
        return kind
      }
      if buffer[position] != UInt8(ascii: "<") {
        try readText()
        kind = .text
        return kind
      }
      // Markup: make sure at least a few bytes are present to classify it.
      while limit - position < 9, try refill() {}
      let b1 = position + 1 < limit ? buffer[position + 1] : 0
      if b1 == UInt8(ascii: "!") {
        if matches("<!--") {
          try skip(until: "-->")
          continue
        }
        if matches("<![CDATA[") {
          position += 9
          text.removeAll(keepingCapacity: true)
          textOverflowed = false
          try readCDATA()
          kind = .text
          return kind
        }
        throw malformed("DTDs and declarations are not allowed")
      }
      if b1 == UInt8(ascii: "?") {
        try skip(until: "?>")
        continue
      }
      let close = try findTagEnd()
      try parseTag(end: close)
      position = close + 1
      return kind
    }
  }

  private func matches(_ literal: StaticString) -> Bool {
    let count = literal.utf8CodeUnitCount
    guard limit - position >= count else { return false }
    for i in 0..<count where buffer[position + i] != literal.utf8Start[i] { return false }
    return true
  }

  private func skip(until terminator: StaticString) throws(RosterError) {
    let count = terminator.utf8CodeUnitCount
    var i = position
    while true {
      if limit - i < count {
        // Comments and instructions may be long: drop what has been scanned instead of growing.
        position = i
        guard try refill() else { throw malformed("unterminated comment or instruction") }
        i = position
        continue
      }
      var hit = true
      for k in 0..<count where buffer[i + k] != terminator.utf8Start[k] {
        hit = false
        break
      }
      if hit {
        position = i + count
        return
      }
      i += 1
    }
  }

  private func readCDATA() throws(RosterError) {
    while true {
      if limit - position < 3 {
        guard try refill() else { throw malformed("unterminated CDATA section") }
        continue
      }
      let c = buffer[position]
      if c == UInt8(ascii: "]"), buffer[position + 1] == UInt8(ascii: "]"), buffer[position + 2] == UInt8(ascii: ">") {
        position += 3
        return
      }
      append(c)
      position += 1
    }
  }

  /// Appends one byte of text; past `maxTextBytes` the text is only marked as overflowed.
  @inline(__always) private func append(_ c: UInt8) {
    if text.count >= maxTextBytes {
      if !(c == 10 && pendingCR) { textOverflowed = true }
      pendingCR = c == 13
      return
    }
    if c == 13 {
      pendingCR = true
      text.append(10)
    } else {
      if !(c == 10 && pendingCR) { text.append(c) }
      pendingCR = false
    }
  }

  private func readText() throws(RosterError) {
    text.removeAll(keepingCapacity: true)
    textOverflowed = false
    while true {
      if position == limit {
        guard try refill() else { return }
      }
      let c = buffer[position]
      if c == UInt8(ascii: "<") { return }
      if c == UInt8(ascii: "&") {
        var semicolon = -1
        while true {
          var i = position + 1
          while i < limit, i - position < 12, buffer[i] != UInt8(ascii: ";") { i += 1 }
          if i < limit, buffer[i] == UInt8(ascii: ";") {
            semicolon = i
            break
          }
          if i - position >= 12 { break }
          guard try refill() else { break }
        }
        guard semicolon > 0 else { throw malformed("a bare '&' in text") }
        if text.count >= maxTextBytes {
          textOverflowed = true
        } else {
          try appendEntity(from: position + 1, to: semicolon, into: &text)
        }
        pendingCR = false
        position = semicolon + 1
        continue
      }
      append(c)
      position += 1
    }
  }

  /// Decodes `&name;` (without the `&` and `;`) and appends its UTF-8 bytes.
  private func appendEntity(from start: Int, to end: Int, into out: inout [UInt8]) throws(RosterError) {
    let count = end - start
    func equals(_ s: StaticString) -> Bool {
      guard s.utf8CodeUnitCount == count else { return false }
      for i in 0..<count where buffer[start + i] != s.utf8Start[i] { return false }
      return true
    }
    if equals("amp") { out.append(UInt8(ascii: "&")); return }
    if equals("lt") { out.append(UInt8(ascii: "<")); return }
    if equals("gt") { out.append(UInt8(ascii: ">")); return }
    if equals("quot") { out.append(UInt8(ascii: "\"")); return }
    if equals("apos") { out.append(UInt8(ascii: "'")); return }
    guard count >= 2, buffer[start] == UInt8(ascii: "#") else { throw malformed("unknown entity") }
    var value: UInt32 = 0
    var i = start + 1
    let hex = buffer[i] == UInt8(ascii: "x")
    if hex { i += 1 }
    guard i < end else { throw malformed("bad character reference") }
    while i < end {
      let c = buffer[i]
      let digit: UInt32
      switch c {
      case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(c - 48)
      case UInt8(ascii: "a")...UInt8(ascii: "f") where hex: digit = UInt32(c - 87)
      case UInt8(ascii: "A")...UInt8(ascii: "F") where hex: digit = UInt32(c - 55)
      default: throw malformed("bad character reference")
      }
      value = value * (hex ? 16 : 10) + digit
      guard value <= 0x10FFFF else { throw malformed("bad character reference") }
      i += 1
    }
    guard let scalar = Unicode.Scalar(value) else { throw malformed("bad character reference") }
    out.append(contentsOf: String(Character(scalar)).utf8)
  }

  private func findTagEnd() throws(RosterError) -> Int {
    var i = position + 1
    var quote: UInt8 = 0
    while true {
      if i == limit {
        let offset = i - position
        guard try refill() else { throw malformed("the document ends inside a tag (truncated?)") }
        i = position + offset
        continue
      }
      let c = buffer[i]
      if quote != 0 {
        if c == quote { quote = 0 }
      } else if c == UInt8(ascii: "\"") || c == UInt8(ascii: "'") {
        quote = c
      } else if c == UInt8(ascii: ">") {
        return i
      }
      i += 1
    }
  }

  @inline(__always) private static func isSpace(_ c: UInt8) -> Bool { c == 32 || c == 9 || c == 10 || c == 13 }

  /// Parses `<name a="v" ...>` or `</name>` between `position` and `end` (the `>`).
  private func parseTag(end: Int) throws(RosterError) {
    var i = position + 1
    attributeRanges.removeAll(keepingCapacity: true)
    if buffer[i] == UInt8(ascii: "/") {
      kind = .end
      selfClosing = false
      i += 1
      (nameStart, nameEnd) = localName(from: i, to: end)
      return
    }
    kind = .start
    selfClosing = buffer[end - 1] == UInt8(ascii: "/")
    let stop = selfClosing ? end - 1 : end
    var j = i
    while j < stop, !Self.isSpace(buffer[j]) { j += 1 }
    (nameStart, nameEnd) = localName(from: i, to: j)
    guard nameEnd > nameStart else { throw malformed("an element without a name") }
    i = j
    while true {
      while i < stop, Self.isSpace(buffer[i]) { i += 1 }
      if i >= stop { return }
      let attributeStart = i
      while i < stop, buffer[i] != UInt8(ascii: "="), !Self.isSpace(buffer[i]) { i += 1 }
      let attributeEnd = i
      while i < stop, Self.isSpace(buffer[i]) { i += 1 }
      guard i < stop, buffer[i] == UInt8(ascii: "=") else { throw malformed("an attribute without a value") }
      i += 1
      while i < stop, Self.isSpace(buffer[i]) { i += 1 }
      guard i < stop, buffer[i] == UInt8(ascii: "\"") || buffer[i] == UInt8(ascii: "'") else {
        throw malformed("an unquoted attribute value")
      }
      let quote = buffer[i]
      i += 1
      let valueStart = i
      while i < stop, buffer[i] != quote { i += 1 }
      guard i < stop else { throw malformed("an unterminated attribute value") }
      let (localStart, localEnd) = localName(from: attributeStart, to: attributeEnd)
      attributeRanges.append(contentsOf: [localStart, localEnd, valueStart, i])
      i += 1
    }
  }

  private func localName(from start: Int, to end: Int) -> (Int, Int) {
    var s = start
    var e = start
    while e < end, !Self.isSpace(buffer[e]) {
      if buffer[e] == UInt8(ascii: ":") { s = e + 1 }
      e += 1
    }
    return (s, e)
  }

  /// Whether the current tag's local name is `name`.
  @inline(__always) func nameIs(_ name: StaticString) -> Bool {
    let count = name.utf8CodeUnitCount
    guard nameEnd - nameStart == count else { return false }
    for i in 0..<count where buffer[nameStart + i] != name.utf8Start[i] { return false }
    return true
  }

  /// The raw (undecoded) bytes of attribute `name`, as a range of the internal buffer.
  @inline(__always) private func attributeRange(_ name: StaticString) -> (Int, Int)? {
    let count = name.utf8CodeUnitCount
    var k = 0
    while k < attributeRanges.count {
      let s = attributeRanges[k]
      if attributeRanges[k + 1] - s == count {
        var same = true
        for i in 0..<count where buffer[s + i] != name.utf8Start[i] {
          same = false
          break
        }
        if same { return (attributeRanges[k + 2], attributeRanges[k + 3]) }
      }
      k += 4
    }
    return nil
  }

  /// Attribute `name`, entities decoded.
  func attribute(_ name: StaticString) throws(RosterError) -> String? {
    guard let (s, e) = attributeRange(name) else { return nil }
    var out: [UInt8] = []
    out.reserveCapacity(e - s)
    var i = s
    while i < e {
      let c = buffer[i]
      if c == UInt8(ascii: "&") {
        var j = i + 1
        while j < e, buffer[j] != UInt8(ascii: ";") { j += 1 }
        guard j < e else { throw malformed("a bare '&' in an attribute") }
        try appendEntity(from: i + 1, to: j, into: &out)
        i = j + 1
      } else {
        // Attribute-value normalization: whitespace characters become spaces.
        out.append(c == 9 || c == 10 || c == 13 ? 32 : c)
        i += 1
      }
    }
    return String(decoding: out, as: UTF8.self)
  }

  /// Attribute `name` as a non-negative decimal integer; nil if absent, an error if not a number.
  func integerAttribute(_ name: StaticString) throws(RosterError) -> Int? {
    guard let (s, e) = attributeRange(name) else { return nil }
    guard e > s, e - s < 16 else { throw malformed("attribute is not a number") }
    var value = 0
    for i in s..<e {
      let d = buffer[i] &- 48
      guard d < 10 else { throw malformed("attribute is not a number") }
      value = value * 10 + Int(d)
    }
    return value
  }

  /// A cell reference attribute (`r="BC12"`): its 1-based column and row (row 0 if it has none).
  func cellReference(_ name: StaticString) throws(RosterError) -> (column: Int, row: Int)? {
    guard let (s, e) = attributeRange(name) else { return nil }
    var i = s
    var column = 0
    while i < e {
      var c = buffer[i]
      if c == UInt8(ascii: "$") {
        i += 1
        continue
      }
      if c >= UInt8(ascii: "a"), c <= UInt8(ascii: "z") { c -= 32 }
      guard c >= UInt8(ascii: "A"), c <= UInt8(ascii: "Z") else { break }
      column = column * 26 + Int(c - 64)
      guard column <= 16_384 else { throw malformed("cell reference beyond column XFD") }
      i += 1
    }
    var row = 0
    while i < e {
      let d = buffer[i] &- 48
      if buffer[i] == UInt8(ascii: "$") {
        i += 1
        continue
      }
      guard d < 10 else { throw malformed("bad cell reference") }
      row = row * 10 + Int(d)
      guard row <= 1 << 40 else { throw malformed("bad cell reference") }
      i += 1
    }
    return (column, row)
  }

  /// The first byte of attribute `name`'s value, or nil if absent or empty (for short codes like `t="s"`).
  func attributeBytes(_ name: StaticString) -> ArraySlice<UInt8>? {
    guard let (s, e) = attributeRange(name) else { return nil }
    return ArraySlice(UnsafeBufferPointer(start: buffer + s, count: e - s))
  }
}
