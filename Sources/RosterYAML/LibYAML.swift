// Every libyaml call in RosterYAML is in this file, and every libyaml error becomes a
// `FlowYAMLError` here. The C module is imported `internal`, so no C type leaves the module.
internal import CLibYAML

// MARK: - Emitter

/// How a scalar may be written. libyaml upgrades a style it cannot use (single quotes around a
/// control character, say) to double quotes, never downgrades.
enum ScalarStyle {
  /// Plain when libyaml's syntax allows it, else quoted: for text no YAML reader would retype.
  case plainWhenPossible
  /// At least single-quoted: for text a YAML 1.1 or 1.2 reader would retype if plain.
  case quoted
  /// Double-quoted, so line breaks are written as escapes and the output stays on one line.
  case doubleQuoted
}

/// One heap-allocated libyaml emitter, kept open across documents so its setup is paid once.
///
/// Writes one implicit document per ``beginDocument()`` / ``endDocument()`` pair into a reused byte
/// buffer. After any error, call ``reset()``: libyaml cannot continue a failed stream, so the next
/// document starts a new one. Not thread-safe: one per thread.
final class LibYAMLEmitter {
  private let emitter: UnsafeMutablePointer<yaml_emitter_t>
  /// Whether `emitter` is initialized and its stream started.
  private var streamOpen = false
  /// What libyaml has written since the current document began.
  fileprivate var output: [UInt8] = []

  init() {
    emitter = .allocate(capacity: 1)
    output.reserveCapacity(256)
  }

  deinit {
    if streamOpen { yaml_emitter_delete(emitter) }
    emitter.deallocate()
  }

  /// Drops a stream that failed; the next document opens a fresh one.
  func reset() {
    if streamOpen { yaml_emitter_delete(emitter) }
    streamOpen = false
  }

  /// Starts an implicit document (opening the stream first if needed).
  func beginDocument() throws(FlowYAMLError) {
    if !streamOpen { try openStream() }
    output.removeAll(keepingCapacity: true)
    var event = yaml_event_t()
    guard yaml_document_start_event_initialize(&event, nil, nil, nil, 1) != 0 else { throw outOfMemory() }
    try emit(&event)
  }

  /// Starts a flow-style mapping (`{...}`).
  func beginMapping() throws(FlowYAMLError) {
    var event = yaml_event_t()
    guard yaml_mapping_start_event_initialize(&event, nil, nil, 1, YAML_FLOW_MAPPING_STYLE) != 0 else {
      throw outOfMemory()
    }
    try emit(&event)
  }

  func endMapping() throws(FlowYAMLError) {
    var event = yaml_event_t()
    guard yaml_mapping_end_event_initialize(&event) != 0 else { throw outOfMemory() }
    try emit(&event)
  }

  /// Writes `text` (UTF-8, any bytes including NUL) as an untagged string scalar.
  func scalar(_ text: UnsafeBufferPointer<UInt8>, style: ScalarStyle) throws(FlowYAMLError) {
    let cStyle: yaml_scalar_style_t =
      switch style {
      case .plainWhenPossible: YAML_ANY_SCALAR_STYLE
      case .quoted: YAML_SINGLE_QUOTED_SCALAR_STYLE
      case .doubleQuoted: YAML_DOUBLE_QUOTED_SCALAR_STYLE
      }
    guard let length = Int32(exactly: text.count) else {
      throw FlowYAMLError(
        .emitterFailed, "A metadata value of \(text.count) bytes is longer than libyaml can write (2 GiB).")
    }
    var event = yaml_event_t()
    let initialized = withUnsafePointer(to: Self.emptyText) { empty in
      // libyaml wants a non-null pointer even for "" (an empty buffer may have none).
      yaml_scalar_event_initialize(&event, nil, nil, text.baseAddress ?? empty, length, 1, 1, cStyle)
    }
    guard initialized != 0 else {
      // libyaml's own UTF-8 check failed (or malloc did): say so rather than write something else.
      throw FlowYAMLError(
        .emitterFailed, "libyaml refused a value of \(text.count) bytes as invalid UTF-8 or too large to copy.")
    }
    try emit(&event)
  }

  /// Ends the document and returns what it wrote: the mapping's text without the `--- ` that
  /// libyaml puts before every document but the first, and without the final line break.
  func endDocument() throws(FlowYAMLError) -> ArraySlice<UInt8> {
    var event = yaml_event_t()
    guard yaml_document_end_event_initialize(&event, 1) != 0 else { throw outOfMemory() }
    try emit(&event)  // libyaml flushes at every document end
    var bytes = output[...]
    if bytes.starts(with: Self.documentSeparator) { bytes = bytes.dropFirst(Self.documentSeparator.count) }
    if bytes.last == UInt8(ascii: "\n") { bytes = bytes.dropLast() }
    return bytes
  }

  private static let emptyText: UInt8 = 0
  private static let documentSeparator: [UInt8] = Array("--- ".utf8)

  private func openStream() throws(FlowYAMLError) {
    guard yaml_emitter_initialize(emitter) != 0 else { throw outOfMemory() }
    streamOpen = true
    yaml_emitter_set_width(emitter, -1)  // never fold long values
    yaml_emitter_set_unicode(emitter, 1)  // printable non-ASCII is written as is, not \u-escaped
    yaml_emitter_set_break(emitter, YAML_LN_BREAK)
    yaml_emitter_set_output(
      emitter,
      { data, buffer, size in
        guard let data, let buffer else { return 0 }
        let owner = Unmanaged<LibYAMLEmitter>.fromOpaque(data).takeUnretainedValue()
        owner.output.append(contentsOf: UnsafeBufferPointer(start: buffer, count: size))
        return 1
      },
      Unmanaged.passUnretained(self).toOpaque())
    var event = yaml_event_t()
    guard yaml_stream_start_event_initialize(&event, YAML_UTF8_ENCODING) != 0 else { throw outOfMemory() }
    try emit(&event)
  }

  /// Hands `event` to libyaml, which owns (and frees) it from then on, success or not.
  private func emit(_ event: inout yaml_event_t) throws(FlowYAMLError) {
    guard yaml_emitter_emit(emitter, &event) != 0 else { throw FlowYAMLError(emitter: emitter.pointee) }
  }

  private func outOfMemory() -> FlowYAMLError {
    FlowYAMLError(.outOfMemory, "libyaml could not allocate memory to write metadata.")
  }
}

// MARK: - Parser

/// What the decoder needs to know about one libyaml parse event: C-free and owned by Swift.
enum YAMLEvent {
  case streamStart
  case streamEnd
  case documentStart
  case documentEnd
  case mappingStart(TextMark, decoration: NodeDecoration?)
  case mappingEnd
  case sequenceStart(TextMark)
  case sequenceEnd
  case scalar(String, TextMark, decoration: NodeDecoration?)
  case alias(String, TextMark)
}

/// An anchor or tag written on a node, which metadata does not allow.
enum NodeDecoration: Equatable {
  case anchor(String)
  case tag(String)
}

/// One heap-allocated libyaml parser over its own copy of the text, read one event at a time.
final class LibYAMLEventReader {
  private let parser: UnsafeMutablePointer<yaml_parser_t>
  /// The text's UTF-8 bytes (one spare byte so the buffer is never empty), and how many there are.
  private let storage: UnsafeMutableBufferPointer<UInt8>
  private let input: UnsafeBufferPointer<UInt8>
  private var parserInitialized = false

  /// Copies `text` and prepares to parse it.
  ///
  /// - Throws: `FlowYAMLError` with code `.outOfMemory` if libyaml cannot allocate its parser.
  init(_ text: String) throws(FlowYAMLError) {
    parser = .allocate(capacity: 1)
    storage = .allocate(capacity: text.utf8.count + 1)
    let count = storage.initialize(from: text.utf8).index
    storage[count] = 0
    input = UnsafeBufferPointer(rebasing: storage[..<count])
    guard yaml_parser_initialize(parser) != 0 else {
      throw FlowYAMLError(.outOfMemory, "libyaml could not allocate memory to read metadata.")
    }
    parserInitialized = true
    yaml_parser_set_encoding(parser, YAML_UTF8_ENCODING)
    yaml_parser_set_input_string(parser, storage.baseAddress, input.count)
  }

  deinit {
    if parserInitialized { yaml_parser_delete(parser) }
    parser.deallocate()
    storage.deallocate()
  }

  /// The next event.
  ///
  /// - Throws: `FlowYAMLError` with code `.malformed` (or `.outOfMemory`), positioned, when libyaml
  ///   cannot read on. Call no further after an error.
  func next() throws(FlowYAMLError) -> YAMLEvent {
    var event = yaml_event_t()
    guard yaml_parser_parse(parser, &event) != 0 else {
      throw FlowYAMLError(parser: parser.pointee, input: input)
    }
    defer { yaml_event_delete(&event) }
    let mark = TextMark(line: Int(event.start_mark.line) + 1, column: Int(event.start_mark.column) + 1)
    switch event.type {
    case YAML_STREAM_START_EVENT: return .streamStart
    case YAML_STREAM_END_EVENT: return .streamEnd
    case YAML_DOCUMENT_START_EVENT: return .documentStart
    case YAML_DOCUMENT_END_EVENT: return .documentEnd
    case YAML_MAPPING_START_EVENT:
      let data = event.data.mapping_start
      return .mappingStart(mark, decoration: Self.decoration(anchor: data.anchor, tag: data.tag))
    case YAML_MAPPING_END_EVENT: return .mappingEnd
    case YAML_SEQUENCE_START_EVENT: return .sequenceStart(mark)
    case YAML_SEQUENCE_END_EVENT: return .sequenceEnd
    case YAML_SCALAR_EVENT:
      let data = event.data.scalar
      let value = Self.string(data.value, count: data.length)
      return .scalar(value, mark, decoration: Self.decoration(anchor: data.anchor, tag: data.tag))
    case YAML_ALIAS_EVENT:
      return .alias(Self.string(event.data.alias.anchor), mark)
    default:
      throw FlowYAMLError(
        .malformed, "libyaml reported an event Roster does not know (\(event.type.rawValue)).", at: mark)
    }
  }

  private static func decoration(anchor: UnsafeMutablePointer<yaml_char_t>?, tag: UnsafeMutablePointer<yaml_char_t>?)
    -> NodeDecoration?
  {
    if let anchor { return .anchor(string(anchor)) }
    if let tag { return .tag(string(tag)) }
    return nil
  }

  /// A scalar's bytes as a string; NUL bytes inside are kept (libyaml gives the length).
  private static func string(_ bytes: UnsafeMutablePointer<yaml_char_t>?, count: Int) -> String {
    guard let bytes else { return "" }
    return String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self)
  }

  private static func string(_ bytes: UnsafeMutablePointer<yaml_char_t>?) -> String {
    guard let bytes else { return "" }
    return String(cString: bytes)
  }
}

// MARK: - libyaml errors

extension FlowYAMLError {
  /// The error a failed libyaml emitter holds.
  fileprivate init(emitter: yaml_emitter_t) {
    let problem = emitter.problem.map { String(cString: $0) } ?? "no reason given"
    switch emitter.error {
    case YAML_MEMORY_ERROR:
      self.init(.outOfMemory, "libyaml could not allocate memory to write metadata.")
    case YAML_WRITER_ERROR:
      self.init(.emitterFailed, "libyaml could not write its output: \(problem).")
    default:  // YAML_EMITTER_ERROR: events out of order or a value it cannot represent
      self.init(.emitterFailed, "libyaml refused to write metadata: \(problem).")
    }
  }

  /// The error a failed libyaml parser holds, positioned in `input`.
  fileprivate init(parser: yaml_parser_t, input: UnsafeBufferPointer<UInt8>) {
    if parser.error == YAML_MEMORY_ERROR {
      self.init(.outOfMemory, "libyaml could not allocate memory to read metadata.")
      return
    }
    let problem = parser.problem.map { String(cString: $0) } ?? "unknown problem"
    if parser.error == YAML_READER_ERROR {
      // Reader errors carry a byte offset, not a mark.
      let mark = Self.mark(atByte: parser.problem_offset, in: input)
      let value = parser.problem_value >= 0 ? " (\(Self.codePoint(parser.problem_value)))" : ""
      self.init(.malformed, "The text cannot be read as YAML: \(problem)\(value).", at: mark)
      return
    }
    // Scanner, parser and composer errors: a problem at a mark, maybe within a context.
    var message = "The YAML is malformed: \(problem)"
    if let context = parser.context {
      let start = parser.context_mark
      message += " (\(String(cString: context)) that starts at line \(start.line + 1), column \(start.column + 1))"
    }
    // libyaml puts the end of a stream on a line after the last; point at the text's end instead.
    let end = Self.mark(atByte: input.count, in: input)
    let mark = TextMark(line: Int(parser.problem_mark.line) + 1, column: Int(parser.problem_mark.column) + 1)
    self.init(.malformed, message + ".", at: mark.line > end.line ? end : mark)
  }

  /// `U+0001`-style name of a code point libyaml reported.
  private static func codePoint(_ value: Int32) -> String {
    let hex = String(value, radix: 16, uppercase: true)
    return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
  }

  /// The 1-based line and column of byte `offset` in UTF-8 `input`.
  private static func mark(atByte offset: Int, in input: UnsafeBufferPointer<UInt8>) -> TextMark {
    var mark = TextMark(line: 1, column: 1)
    for byte in input.prefix(offset) {
      if byte == UInt8(ascii: "\n") {
        mark.line += 1
        mark.column = 1
      } else if byte & 0xC0 != 0x80 {  // not a UTF-8 continuation byte: a new scalar starts
        mark.column += 1
      }
    }
    return mark
  }
}
