public import RosterCore

/// Reads a YAML mapping (flow `{a: b}` or block `a: b`) back into `NestedFields`.
///
/// Only mappings and string scalars are allowed, and no value is typed: every scalar, plain or
/// quoted, keeps its exact text (`yes` stays "yes", `null` stays "null", `~` stays "~", `0123`
/// stays "0123", and a missing value as in `{a: }` or `{a}` is ""). Rejected, with a positioned
/// ``FlowYAMLError``:
/// - a sequence anywhere (`.sequenceNotSupported`): metadata values are text, not arrays;
/// - an alias, an anchor or a tag (`.aliasNotSupported`, `.anchorNotSupported`, `.tagNotSupported`):
///   Roster writes none, and honouring them would change or retype text, so none is read;
/// - a key used twice in one mapping (`.duplicateKey`, naming the key): keys are compared as Swift
///   compares strings (canonical equivalence), as `NestedFields` looks them up;
/// - a key that is a mapping (`.keyNotText`); a document that is not a mapping, or no document
///   (`.notAMapping`); more than one document (`.multipleDocuments`); nesting deeper than
///   ``maximumDepth`` (`.nestingTooDeep`); anything libyaml cannot parse (`.malformed`).
///
/// A `<<` key is an ordinary key (there are no aliases to merge). libyaml skips a byte-order mark
/// at the start of a line, as YAML allows.
///
/// ```swift
/// let fields = try FlowYAMLDecoder.decode("{csv_import: yes, facebook: {psid: '123'}}")
/// fields["csv_import"]  // .string("yes")
/// ```
public enum FlowYAMLDecoder {
  /// How deeply mappings may nest by default (the top-level mapping is depth 1).
  public static let maximumDepth = 64

  /// The mapping in `text`, whose mappings nest at most `maxDepth` deep (the top-level mapping is
  /// depth 1; counted as events arrive, so a million nested `{` cost no more than `maxDepth` of them).
  ///
  /// - Throws: `FlowYAMLError` with a plain message and, when known, the line and column.
  /// - Complexity: O(*n*) in the length of `text`.
  public static func decode(_ text: String, maxDepth: Int = maximumDepth) throws(FlowYAMLError) -> NestedFields {
    let reader = try LibYAMLEventReader(text)
    guard case .streamStart = try reader.next() else { throw unexpected() }
    switch try reader.next() {
    case .documentStart: break
    case .streamEnd:
      throw FlowYAMLError(
        .notAMapping, "The text holds no YAML document; write the metadata as a mapping such as {key: value}.",
        line: 1, column: 1)
    default: throw unexpected()
    }
    let fields: NestedFields
    switch try reader.next() {
    case .mappingStart(let mark, let decoration):
      try reject(decoration, at: mark)
      fields = try readMapping(from: reader, maxDepth: maxDepth)
    case .sequenceStart(let mark): throw sequence(at: mark)
    case .scalar(_, let mark, _):
      throw FlowYAMLError(
        .notAMapping, "The document is a single value, not a mapping; write the metadata as {key: value}.", at: mark)
    case .alias(let name, let mark): throw alias(name, at: mark)
    default: throw unexpected()
    }
    guard case .documentEnd = try reader.next() else { throw unexpected() }
    switch try reader.next() {
    case .streamEnd: return fields
    case .documentStart:
      throw FlowYAMLError(
        .multipleDocuments, "The text holds more than one YAML document; metadata is one mapping.")
    default: throw unexpected()
    }
  }

  /// One level of mappings being read.
  private struct Level {
    var fields = NestedFields()
    /// Keys seen at this level, to reject duplicates.
    var keys: Set<String> = []
    /// The key just read, waiting for its value.
    var pendingKey: String?
  }

  /// Reads the mapping whose start event was just read, up to and including its end event.
  /// Iterative, so hostile nesting cannot exhaust the stack.
  private static func readMapping(from reader: LibYAMLEventReader, maxDepth: Int) throws(FlowYAMLError)
    -> NestedFields
  {
    var levels = [Level()]
    while true {
      let event = try reader.next()
      guard var level = levels.popLast() else { throw unexpected() }
      switch event {
      case .scalar(let text, let mark, let decoration):
        try reject(decoration, at: mark)
        if let key = level.pendingKey {
          level.fields.append(NestedFields.Entry(key: key, value: .string(text)))
          level.pendingKey = nil
        } else {
          guard level.keys.insert(text).inserted else {
            throw FlowYAMLError(
              .duplicateKey,
              "The key \(FlowYAMLError.quoted(text)) appears twice in the same mapping; keep one of them.",
              at: mark)
          }
          level.pendingKey = text
        }
        levels.append(level)
      case .mappingStart(let mark, let decoration):
        try reject(decoration, at: mark)
        guard level.pendingKey != nil else {
          throw FlowYAMLError(.keyNotText, "A key is a mapping; every key must be text.", at: mark)
        }
        guard levels.count + 2 <= maxDepth else {
          throw FlowYAMLError(
            .nestingTooDeep, "Mappings nest more than \(maxDepth) levels deep; flatten the metadata.", at: mark)
        }
        levels.append(level)
        levels.append(Level())
      case .mappingEnd:
        guard var parent = levels.popLast() else { return level.fields }
        guard let key = parent.pendingKey else { throw unexpected() }
        parent.fields.append(NestedFields.Entry(key: key, value: .object(level.fields)))
        parent.pendingKey = nil
        levels.append(parent)
      case .sequenceStart(let mark):
        guard level.pendingKey != nil else {
          throw FlowYAMLError(.keyNotText, "A key is an array; every key must be text.", at: mark)
        }
        throw sequence(at: mark)
      case .alias(let name, let mark):
        throw alias(name, at: mark)
      default:
        throw unexpected()
      }
    }
  }

  private static func reject(_ decoration: NodeDecoration?, at mark: TextMark) throws(FlowYAMLError) {
    switch decoration {
    case nil: return
    case .anchor(let name):
      throw FlowYAMLError(
        .anchorNotSupported,
        "Anchors (&\(name)) are not supported in metadata; remove the anchor and write values out in full.",
        at: mark)
    case .tag(let tag):
      throw FlowYAMLError(
        .tagNotSupported,
        "Tags (\(tag)) are not supported in metadata; every value is read as text, so remove the tag.",
        at: mark)
    }
  }

  private static func sequence(at mark: TextMark) -> FlowYAMLError {
    FlowYAMLError(
      .sequenceNotSupported,
      "Arrays are not supported in metadata; give each item its own key, or quote the text.", at: mark)
  }

  private static func alias(_ name: String, at mark: TextMark) -> FlowYAMLError {
    FlowYAMLError(
      .aliasNotSupported, "Aliases (*\(name)) are not supported in metadata; write the value out in full.",
      at: mark)
  }

  /// An event libyaml's grammar rules out here; kept as an error rather than a crash.
  private static func unexpected() -> FlowYAMLError {
    FlowYAMLError(.malformed, "libyaml reported YAML events in an order Roster does not expect.")
  }
}
