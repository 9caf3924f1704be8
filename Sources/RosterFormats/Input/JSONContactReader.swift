public import RosterCore

/// How a JSON input holds its contacts.
public enum JSONInputLayout: Sendable {
  /// One top-level array of contact objects, or an Airy payload `{"contacts": [...]}`.
  case array
  /// JSON Lines (`.jsonl`, `.ndjson`): one contact object per line, blank lines skipped.
  case lines
  /// `array` when the first byte that is not white space is `[` (or opens a `{"contacts": [` payload),
  /// else `lines`.
  case automatic
}

/// One element of a JSON input: the draft contact mapped from it, and where it came from.
public struct JSONContactRow: Hashable, Sendable {
  /// `index`: the zero-based element index; `line`: the 1-based line where the element starts.
  public var position: RowPosition
  /// The byte offset in the input (a byte order mark included) where the element starts.
  public var byteOffset: Int
  /// A draft: not validated, no derived id.
  public var contact: Contact
  /// Row issues found while mapping; `field` and `header` are the dotted JSON path (`metadata.tags`).
  public var problems: [IssueDetail]
  /// The element's exact bytes (in JSON Lines, the whole line without its line break), for a rejects file;
  /// empty when the element went over a limit.
  public var raw: [UInt8]
  /// Set when the element went over one of the reader's `InputLimits`: it was skipped to its end,
  /// its bytes were not kept, and `problems` holds the limit's issue.
  public var limitViolation: LimitViolation?

  public init(
    position: RowPosition, byteOffset: Int, contact: Contact, problems: [IssueDetail], raw: [UInt8],
    limitViolation: LimitViolation? = nil
  ) {
    self.position = position
    self.byteOffset = byteOffset
    self.contact = contact
    self.problems = problems
    self.raw = raw
    self.limitViolation = limitViolation
  }
}

/// Reads contacts from a JSON array, an Airy `{"contacts": [...]}` payload or JSON Lines, streaming
/// through one reused 64 KiB buffer.
///
/// Only the current element is ever held (at most `InputLimits.maxRowBytes`), so a 1 GB array is
/// read in constant memory. Syntax is RFC 8259, checked in full; no input depth can overflow the
/// stack (nesting is counted, and the parser keeps its own stack). A UTF-8 byte order mark is
/// skipped; lines end with LF, CRLF or a lone CR.
///
/// Row problems (an element that is not an object, a string that is not UTF-8, an array in metadata,
/// ...) are `problems` on the row; a syntax error is thrown, after every element before it was returned.
///
/// An element over a limit (a string over `maxFieldBytes`, more than `maxRowBytes` bytes, nesting
/// deeper than `maxJSONDepth`) is skipped to its end without keeping its bytes (its end found by
/// counting brackets outside strings, or its line break) and returned with its `limitViolation`;
/// its syntax is not checked past the fault, except that an element that never ends, or a string
/// holding a raw control character, still stops the run.
///
/// ```swift
/// let reader = JSONContactReader(source: try InputFile(path: "contacts.json"), displayName: "contacts.json")
/// while let row = try reader.next() {
///   try pipeline.process(row.contact, at: row.position, problems: row.problems, headers: [:])
/// }
/// ```
///
/// Complexity: O(n) in the input; memory O(`maxRowBytes` + `maxJSONDepth`).
public final class JSONContactReader<Source: ByteSource> {
  private enum Mode {
    case undecided
    case array(wrapped: Bool)
    case lines
  }

  private enum ArrayStep {
    case open
    case firstElementOrClose
    case elementAfterComma
    case commaOrClose
    case payloadClose
    case trailing
    case done
  }

  private static var bufferSize: Int { 1 << 16 }
  private static var lineFeed: UInt8 { 0x0A }
  private static var carriageReturn: UInt8 { 0x0D }
  private static var quote: UInt8 { UInt8(ascii: "\"") }
  private static var backslash: UInt8 { UInt8(ascii: "\\") }

  private var source: Source
  private let buffer: UnsafeMutablePointer<UInt8>
  private var cursor = 0
  private var end = 0
  /// The input offset of `buffer[0]`.
  private var bufferStart = 0
  private var atEnd = false
  private var startedInput = false
  private var line = 1
  private var lastWasCarriageReturn = false

  private var mode = Mode.undecided
  private var arrayStep = ArrayStep.open
  private var nextIndex = 0

  private var element: UnsafeMutablePointer<UInt8>
  private var elementCapacity = 4096
  private var elementCount = 0
  private var elementLine = 1
  private var elementOffset = 0
  /// What followed the element: a byte, or `nil` for the end of the input.
  private var elementFollower: UInt8?
  /// The limit the current element went over; from then on its bytes are not kept.
  private var violation: LimitViolation?
  /// The key path of `violation`'s value in the element (`JSONPrefixPath`), reported as its header.
  /// (Kept here, not in `LimitViolation`: a string there made every CSV record's copy retain and
  /// release, about 4,000 instructions a row.)
  private var violationKeyPath: String?
  private var mapper = JSONContactMapper()

  /// The input's display name, for messages.
  public let displayName: String
  /// The layout asked for; see `resolvedLayout` for the one found.
  public let layout: JSONInputLayout
  /// The deepest nesting inside one element (`InputLimits.maxJSONDepth`).
  public let maxDepth: Int
  /// The largest element (`InputLimits.maxRowBytes`).
  public let maxElementBytes: Int
  /// The longest string, key or value (`InputLimits.maxFieldBytes`).
  public let maxStringBytes: Int
  /// Bytes taken from the source so far, for progress.
  public private(set) var bytesRead = 0
  /// `.array` or `.lines` once the first `next()` has looked at the input; `nil` before.
  public private(set) var resolvedLayout: JSONInputLayout?
  /// Top-level keys that belong to neither accepted shape, each once, in the order first seen; their
  /// values are kept in `metadata` under their own name.
  public var unknownKeys: [String] { mapper.unknownKeys }
  /// Occurrences of unknown keys past the first 1,000 distinct ones, which are not listed.
  public var unlistedUnknownKeys: Int { mapper.unlistedUnknownKeys }

  /// - Parameter limits: `maxJSONDepth` is the deepest nesting allowed inside one element (the
  ///   element's own object is level 1; the enclosing array or `{"contacts": [...]}` does not count);
  ///   `maxRowBytes` the largest element; `maxFieldBytes` the longest string.
  public init(
    source: Source, displayName: String, layout: JSONInputLayout = .automatic, limits: InputLimits = InputLimits()
  ) {
    self.source = source
    self.displayName = displayName
    self.layout = layout
    maxDepth = max(1, limits.maxJSONDepth)
    maxElementBytes = max(1, limits.maxRowBytes)
    maxStringBytes = max(0, limits.maxFieldBytes)
    buffer = .allocate(capacity: Self.bufferSize)
    element = .allocate(capacity: elementCapacity)
  }

  deinit {
    buffer.deallocate()
    element.deallocate()
  }

  /// The next element, or `nil` at the end.
  ///
  /// Elements before a syntax error are returned first; the error then throws.
  /// - Throws: `RosterError(.input)` naming the line and byte offset of the fault and what was
  ///   expected; also for an element over a limit that never ends, or a failed read.
  public func next() throws(RosterError) -> JSONContactRow? {
    if case .undecided = mode { try decideLayout() }
    switch mode {
    case .lines:
      guard try readLineElement() else { return nil }
    case .array(let wrapped):
      guard try readArrayElement(wrapped: wrapped) else { return nil }
    case .undecided:
      return nil
    }
    if let violation {
      defer { nextIndex += 1 }
      return JSONContactRow(
        position: RowPosition(index: nextIndex, line: elementLine), byteOffset: elementOffset, contact: Contact(),
        problems: [violation.detail(header: violationKeyPath, field: violationKeyPath)], raw: [],
        limitViolation: violation)
    }
    let bytes = UnsafeBufferPointer(start: element, count: elementCount)
    let mapped: (Contact, [IssueDetail])
    do {
      mapped = try mapper.map(bytes, maxDepth: maxDepth, inputOffset: elementOffset)
    } catch {
      throw syntaxError(error)
    }
    let row = JSONContactRow(
      position: RowPosition(index: nextIndex, line: elementLine), byteOffset: elementOffset,
      contact: mapped.0, problems: mapped.1, raw: Array(bytes))
    nextIndex += 1
    return row
  }

  // MARK: - Layout

  /// Looks at the first bytes (the first fill gathers a whole buffer) to choose array or lines.
  private func decideLayout() throws(RosterError) {
    try refill()
    var index = cursor
    while index < end, Self.isWhitespace(buffer[index]) { index += 1 }
    let first: UInt8? = index < end ? buffer[index] : nil
    if layout != .lines, first == UInt8(ascii: "[") {
      mode = .array(wrapped: false)
      arrayStep = .open
    } else if layout != .lines, first == UInt8(ascii: "{"), let opening = payloadOpening(from: index) {
      while cursor < opening {
        countLine(buffer[cursor])
        cursor += 1
      }
      mode = .array(wrapped: true)
      arrayStep = .firstElementOrClose
    } else if layout == .array {
      mode = .array(wrapped: false)
      arrayStep = .open
    } else {
      mode = .lines
    }
    if case .lines = mode { resolvedLayout = .lines } else { resolvedLayout = .array }
  }

  /// When `{ "contacts" : [` starts at `start` in the buffer, the index just after its `[`.
  private func payloadOpening(from start: Int) -> Int? {
    var index = start + 1
    func skipWhitespace() { while index < end, Self.isWhitespace(buffer[index]) { index += 1 } }
    skipWhitespace()
    for byte in "\"contacts\"".utf8 {
      guard index < end, buffer[index] == byte else { return nil }
      index += 1
    }
    skipWhitespace()
    guard index < end, buffer[index] == UInt8(ascii: ":") else { return nil }
    index += 1
    skipWhitespace()
    guard index < end, buffer[index] == UInt8(ascii: "[") else { return nil }
    return index + 1
  }

  // MARK: - Arrays

  /// Reads the next array element into `element`; `false` after the array (and payload) closed.
  private func readArrayElement(wrapped: Bool) throws(RosterError) -> Bool {
    while true {
      switch arrayStep {
      case .open:
        guard try skipWhitespace() == UInt8(ascii: "[") else {
          throw structureError("'[' to open the array of contacts (or {\"contacts\": [...]})")
        }
        cursor += 1
        arrayStep = .firstElementOrClose
      case .firstElementOrClose:
        guard let byte = try skipWhitespace() else {
          throw structureError("an element or ']' (the array is never closed)")
        }
        if byte == UInt8(ascii: "]") {
          cursor += 1
          arrayStep = wrapped ? .payloadClose : .trailing
          continue
        }
        try scanArrayElement()
        arrayStep = .commaOrClose
        return true
      case .elementAfterComma:
        guard let byte = try skipWhitespace() else {
          throw structureError("an element after ',' (the array is never closed)")
        }
        if byte == UInt8(ascii: "]") {
          throw structureError("an element after ',' (JSON allows no comma before ']')")
        }
        try scanArrayElement()
        arrayStep = .commaOrClose
        return true
      case .commaOrClose:
        let byte = try skipWhitespace()
        if byte == UInt8(ascii: ",") {
          cursor += 1
          arrayStep = .elementAfterComma
        } else if byte == UInt8(ascii: "]") {
          cursor += 1
          arrayStep = wrapped ? .payloadClose : .trailing
        } else {
          throw structureError(
            byte == nil ? "',' or ']' (the array is never closed)" : "',' or ']' after element \(nextIndex - 1)")
        }
      case .payloadClose:
        guard try skipWhitespace() == UInt8(ascii: "}") else {
          throw structureError("'}' to close the payload ({\"contacts\": [...]} may hold only \"contacts\")")
        }
        cursor += 1
        arrayStep = .trailing
      case .trailing:
        guard try skipWhitespace() == nil else { throw structureError("the end of the input after the array") }
        arrayStep = .done
      case .done:
        return false
      }
    }
  }

  /// Copies one array element into `element`: an object or array up to its matching bracket, a string
  /// up to its closing quote, any other value up to the next delimiter. Syntax inside is left to the
  /// parser, which then finds the first bad byte among the bytes copied.
  private func scanArrayElement() throws(RosterError) {
    beginElement()
    let first = buffer[cursor]
    switch first {
    case UInt8(ascii: "{"), UInt8(ascii: "["):
      try scanNested(lineMode: false)
    case Self.quote:
      try scanString()
    default:
      try scanScalar()
    }
  }

  /// Copies one element into `element`: in an array, an object or array up to its matching bracket;
  /// in JSON Lines (`lineMode`), any value up to the line break. Syntax inside is left to the parser,
  /// which then finds the first bad byte among the bytes copied; the limits are checked here, as the
  /// bytes stream past, so an element over one is skipped without being held.
  private func scanNested(lineMode: Bool) throws(RosterError) {
    var depth = 0
    var inString = false
    var escaped = false
    /// The input offset of the current string's first byte after its quote, and its line.
    var stringStart = 0
    var stringLine = 0
    var segment = cursor
    scan: while true {
      if cursor == end {
        appendElement(from: segment, to: cursor)
        try refill()
        segment = cursor
        if cursor == end {
          elementFollower = nil
          if violation != nil && !lineMode { throw neverEnds() }
          return
        }
      }
      if inString {
        if escaped {
          escaped = false
          let byte = buffer[cursor]
          if byte < 0x20 {
            if lineMode {
              if byte == Self.lineFeed || byte == Self.carriageReturn { break scan }
            } else {
              if violation != nil { throw controlCharacterInString() }
              cursor += 1
              break scan  // the parser reports it here
            }
          }
          cursor += 1
          continue
        }
        var index = cursor
        while index < end {
          let byte = buffer[index]
          if byte == Self.quote || byte == Self.backslash || byte < 0x20 { break }
          index += 1
        }
        if violation == nil && bufferStart + index - stringStart > maxStringBytes {
          violation = LimitViolation(
            kind: .fieldBytes, limit: maxStringBytes, byteOffset: stringStart - 1, line: stringLine)
          violationKeyPath = keyPath(before: stringStart - 1, segment: segment)
        }
        cursor = index
        if index == end { continue }
        let byte = buffer[index]
        if byte == Self.quote {
          cursor += 1
          inString = false
        } else if byte == Self.backslash {
          cursor += 1
          escaped = true
        } else if lineMode {
          if byte == Self.lineFeed || byte == Self.carriageReturn { break scan }
          cursor += 1  // kept: the parser reports it
        } else {
          if violation != nil { throw controlCharacterInString() }
          cursor += 1
          break scan  // an unescaped control character: the parser reports it here
        }
        continue
      }
      let byte = buffer[cursor]
      if lineMode && (byte == Self.lineFeed || byte == Self.carriageReturn) { break scan }
      cursor += 1
      switch byte {
      case Self.quote:
        inString = true
        stringStart = bufferStart + cursor
        stringLine = line
        lastWasCarriageReturn = false
      case UInt8(ascii: "{"), UInt8(ascii: "["):
        depth += 1
        lastWasCarriageReturn = false
        if depth > maxDepth && violation == nil {
          violation = LimitViolation(
            kind: .jsonDepth, limit: maxDepth, byteOffset: bufferStart + cursor - 1, line: line)
          violationKeyPath = keyPath(before: bufferStart + cursor - 1, segment: segment)
        }
      case UInt8(ascii: "}"), UInt8(ascii: "]"):
        depth -= 1
        lastWasCarriageReturn = false
        if depth == 0 && !lineMode { break scan }
      default:
        countLine(byte)
      }
    }
    appendElement(from: segment, to: cursor)
    // In JSON Lines the line break is counted when the next call skips it.
    elementFollower = lineMode ? Self.lineFeed : try peekByte()
  }

  /// The key path of the value that starts at input offset `offset` in the element being scanned
  /// (`JSONPrefixPath`), from the bytes kept so far and `buffer[segment...]`, which follow them.
  /// Call it when the first violation is found: until then every byte of the element is kept.
  private func keyPath(before offset: Int, segment: Int) -> String? {
    let length = offset - elementOffset
    guard length > 0 else { return nil }
    var prefix = Array(UnsafeBufferPointer(start: element, count: min(elementCount, length)))
    if length > elementCount {
      let from = elementOffset + elementCount - bufferStart
      let to = offset - bufferStart
      guard from >= 0, from <= to, to <= end, from == segment else { return nil }
      prefix.append(contentsOf: UnsafeBufferPointer(start: buffer + from, count: to - from))
    }
    return JSONPrefixPath.path(after: prefix)
  }

  private func scanString() throws(RosterError) {
    var escaped = false
    let stringStart = bufferStart + cursor + 1
    var segment = cursor
    cursor += 1
    while true {
      if cursor == end {
        checkStringLength(upTo: bufferStart + cursor, from: stringStart)
        appendElement(from: segment, to: cursor)
        try refill()
        segment = cursor
        if cursor == end {
          elementFollower = nil
          if violation != nil { throw neverEnds() }
          return
        }
      }
      let byte = buffer[cursor]
      cursor += 1
      if escaped {
        escaped = false
      } else if byte == Self.quote || byte < 0x20 {
        break
      } else if byte == Self.backslash {
        escaped = true
      }
    }
    checkStringLength(upTo: bufferStart + cursor - 1, from: stringStart)
    if violation != nil && buffer[cursor - 1] != Self.quote {
      cursor -= 1
      throw controlCharacterInString()
    }
    appendElement(from: segment, to: cursor)
    elementFollower = try peekByte()
  }

  /// Records a `fieldBytes` violation when the string whose content starts at input offset `start`
  /// already holds more than `maxStringBytes` bytes at input offset `stop`.
  @inline(__always)
  private func checkStringLength(upTo stop: Int, from start: Int) {
    if violation == nil && stop - start > maxStringBytes {
      violation = LimitViolation(kind: .fieldBytes, limit: maxStringBytes, byteOffset: start - 1, line: elementLine)
    }
  }

  private func scanScalar() throws(RosterError) {
    var segment = cursor
    cursor += 1  // the first byte always belongs to the element, so the parser can name it
    while true {
      if cursor == end {
        appendElement(from: segment, to: cursor)
        try refill()
        segment = cursor
        if cursor == end {
          elementFollower = nil
          return
        }
      }
      let byte = buffer[cursor]
      if Self.isWhitespace(byte) || byte == UInt8(ascii: ",") || byte == UInt8(ascii: "]")
        || byte == UInt8(ascii: "}")
      {
        break
      }
      cursor += 1
    }
    appendElement(from: segment, to: cursor)
    elementFollower = buffer[cursor]
  }

  // MARK: - Lines

  /// Reads the next non-blank line into `element`; `false` at the end of the input.
  private func readLineElement() throws(RosterError) -> Bool {
    while true {
      guard let byte = try peekByte() else { return false }
      if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == Self.lineFeed
        || byte == Self.carriageReturn
      {
        countLine(byte)
        cursor += 1
      } else {
        break
      }
    }
    beginElement()
    try scanNested(lineMode: true)
    return true
  }

  // MARK: - Bytes

  private func beginElement() {
    elementCount = 0
    violation = nil
    violationKeyPath = nil
    elementLine = line
    elementOffset = bufferStart + cursor
    lastWasCarriageReturn = false
  }

  /// Keeps `buffer[start..<stop]` as part of the element, unless the element is over a limit (then
  /// nothing more is kept).
  private func appendElement(from start: Int, to stop: Int) {
    let count = stop - start
    guard count > 0, violation == nil else { return }
    guard elementCount + count <= maxElementBytes else {
      violation = LimitViolation(kind: .rowBytes, limit: maxElementBytes)
      return
    }
    if elementCount + count > elementCapacity {
      var capacity = elementCapacity
      while capacity < elementCount + count { capacity *= 2 }
      let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
      grown.update(from: element, count: elementCount)
      element.deallocate()
      element = grown
      elementCapacity = capacity
    }
    (element + elementCount).update(from: buffer + start, count: count)
    elementCount += count
  }

  /// Skips white space (counting lines) and returns the next byte without consuming it; `nil` at the end.
  private func skipWhitespace() throws(RosterError) -> UInt8? {
    while true {
      guard let byte = try peekByte() else { return nil }
      guard Self.isWhitespace(byte) else { return byte }
      countLine(byte)
      cursor += 1
    }
  }

  private func peekByte() throws(RosterError) -> UInt8? {
    if cursor == end { try refill() }
    return cursor < end ? buffer[cursor] : nil
  }

  @inline(__always)
  private func countLine(_ byte: UInt8) {
    if byte == Self.lineFeed {
      if !lastWasCarriageReturn { line += 1 }
      lastWasCarriageReturn = false
    } else if byte == Self.carriageReturn {
      line += 1
      lastWasCarriageReturn = true
    } else {
      lastWasCarriageReturn = false
    }
  }

  @inline(__always)
  private static func isWhitespace(_ byte: UInt8) -> Bool {
    byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
  }

  /// Refills the buffer; at the end of input leaves `cursor == end`.
  ///
  /// The first fill reads until the buffer is full (or the input ends), so the layout can be decided
  /// and a byte order mark recognized whatever sizes the source hands out.
  private func refill() throws(RosterError) {
    guard !atEnd else { return }
    bufferStart += end
    cursor = 0
    end = 0
    while end < Self.bufferSize {
      let count = try source.read(
        into: UnsafeMutableRawBufferPointer(start: buffer + end, count: Self.bufferSize - end))
      bytesRead += count
      if count == 0 {
        atEnd = true
        break
      }
      end += count
      if startedInput { break }
    }
    guard !startedInput else { return }
    startedInput = true
    if end >= 3 && buffer[0] == 0xEF && buffer[1] == 0xBB && buffer[2] == 0xBF { cursor = 3 }
  }

  // MARK: - Errors

  /// An element over a limit that the input never ends: it cannot be skipped.
  private func neverEnds() -> RosterError {
    let problem = violation.map { " (it \($0.problem))" } ?? ""
    return RosterError(
      .input, file: displayName, line: elementLine,
      "at byte offset \(elementOffset): the element starting here never ends\(problem); "
        + "check for a string or bracket that is never closed")
  }

  /// A raw control character in a string of an element being skipped (the parser never sees it).
  private func controlCharacterInString() -> RosterError {
    RosterError(
      .input, file: displayName, line: line,
      "at byte offset \(bufferStart + cursor): expected '\"' to close the string (control characters such as "
        + "line breaks must be escaped), found \(Self.describe(buffer[cursor]))")
  }

  /// An error at the current byte (between elements).
  private func structureError(_ expected: String) -> RosterError {
    let found = cursor < end ? Self.describe(buffer[cursor]) : "the end of the input"
    return RosterError(
      .input, file: displayName, line: line,
      "at byte offset \(bufferStart + cursor): expected \(expected), found \(found)")
  }

  /// Places a syntax error found inside the current element in the input.
  private func syntaxError(_ error: JSONSyntaxError) -> RosterError {
    var errorLine = elementLine
    var previous: UInt8 = 0
    for index in 0..<min(error.offset, elementCount) {
      let byte = element[index]
      if byte == Self.carriageReturn || (byte == Self.lineFeed && previous != Self.carriageReturn) { errorLine += 1 }
      previous = byte
    }
    let offset = elementOffset + error.offset
    if error.tooDeep {
      return RosterError(
        .input, file: displayName, line: errorLine,
        "at byte offset \(offset): objects and arrays nest deeper than \(maxDepth) levels; "
          + "expected \(error.expected) in one contact")
    }
    let found: String
    if error.offset < elementCount {
      found = Self.describe(element[error.offset])
    } else if let follower = elementFollower {
      found =
        follower == Self.lineFeed || follower == Self.carriageReturn ? "the end of the line" : Self.describe(follower)
    } else {
      found = "the end of the input"
    }
    return RosterError(
      .input, file: displayName, line: errorLine, "at byte offset \(offset): expected \(error.expected), found \(found)"
    )
  }

  private static func describe(_ byte: UInt8) -> String {
    switch byte {
    case 0x0A, 0x0D: "a line break"
    case 0x09: "a tab"
    case 0x20: "a space"
    case 0x21...0x7E: "'\(Character(Unicode.Scalar(byte)))'"
    default: "byte 0x\(byte < 0x10 ? "0" : "")\(String(byte, radix: 16, uppercase: true))"
    }
  }
}
