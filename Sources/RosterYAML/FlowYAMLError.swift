/// Why a metadata cell could not be written as YAML or read back from it.
///
/// `message` is a plain sentence a person can act on; `line` and `column` (1-based, counted in
/// Unicode scalars, as libyaml counts them) say where in the text the problem is, when known.
///
/// ```swift
/// do { _ = try FlowYAMLDecoder.decode("{a: [1, 2]}") } catch {
///   print(error)  // line 1, column 5: Arrays are not supported in metadata; ...
/// }
/// ```
public struct FlowYAMLError: Error, Hashable, Sendable, CustomStringConvertible {
  /// What kind of problem it is: stable, machine-readable, unlike the message.
  public enum Code: String, Hashable, Sendable {
    /// libyaml could not read the text: bad syntax, a control character, invalid UTF-8.
    case malformed
    /// The document is not a mapping (a lone value), or the text holds no document at all.
    case notAMapping = "not_a_mapping"
    /// The text holds more than one YAML document (`---` separates them).
    case multipleDocuments = "multiple_documents"
    /// A sequence (`[a, b]` or `- a`): metadata values are text, never arrays.
    case sequenceNotSupported = "sequence_not_supported"
    /// An alias (`*name`): values are written out in full.
    case aliasNotSupported = "alias_not_supported"
    /// An anchor (`&name`): nothing may refer to a value.
    case anchorNotSupported = "anchor_not_supported"
    /// A tag (`!tag`, `!!int`): every value is text, so no tag can apply.
    case tagNotSupported = "tag_not_supported"
    /// The same key twice in one mapping (keys are compared as Swift compares strings).
    case duplicateKey = "duplicate_key"
    /// A key that is a mapping or a sequence rather than text.
    case keyNotText = "key_not_text"
    /// Mappings nested deeper than the decoder's `maxDepth` (``FlowYAMLDecoder/maximumDepth`` by default).
    case nestingTooDeep = "nesting_too_deep"
    /// libyaml could not allocate memory.
    case outOfMemory = "out_of_memory"
    /// libyaml refused to write a value, or wrote something that is not one line.
    case emitterFailed = "emitter_failed"
  }

  public let code: Code
  /// A plain sentence saying what is wrong and, where it helps, what to do.
  public let message: String
  /// 1-based line of the problem in the YAML text, when known.
  public let line: Int?
  /// 1-based column (in Unicode scalars) of the problem in the YAML text, when known.
  public let column: Int?

  init(_ code: Code, _ message: String, line: Int? = nil, column: Int? = nil) {
    self.code = code
    self.message = message
    self.line = line
    self.column = column
  }

  init(_ code: Code, _ message: String, at mark: TextMark) {
    self.init(code, message, line: mark.line, column: mark.column)
  }

  /// `line 1, column 5: message`, or just the message when the position is unknown.
  public var description: String {
    switch (line, column) {
    case (let line?, let column?): "line \(line), column \(column): \(message)"
    case (let line?, nil): "line \(line): \(message)"
    default: message
    }
  }
}

/// A 1-based position in YAML text.
struct TextMark: Hashable, Sendable {
  var line: Int
  var column: Int
}

extension FlowYAMLError {
  /// `text` quoted for a message: control characters escaped, long text shortened.
  static func quoted(_ text: String) -> String {
    var result = "\""
    var count = 0
    for scalar in text.unicodeScalars {
      if count == 40 {
        result += "…"
        break
      }
      count += 1
      switch scalar {
      case "\"": result += "\\\""
      case "\\": result += "\\\\"
      case _
      where scalar.properties.generalCategory == .control
        || scalar.properties.generalCategory == .lineSeparator
        || scalar.properties.generalCategory == .paragraphSeparator:
        result += "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
      default: result.unicodeScalars.append(scalar)
      }
    }
    return result + "\""
  }
}
