public import RosterCore

/// Renders `NestedFields` as one-line YAML flow mappings, for the CSV `metadata` cell.
///
/// ```swift
/// var fields = NestedFields()
/// fields.set("yes", at: ["csv_import"])
/// fields.set("123", at: ["facebook", "psid"])
/// let encoder = FlowYAMLEncoder()
/// try encoder.encode(fields)  // {csv_import: 'yes', facebook: {psid: '123'}}
/// ```
///
/// Keys keep insertion order. Every key and value is written so that a YAML 1.1 reader (PyYAML)
/// and a YAML 1.2 reader (ruamel.yaml) both load it back as the same string: text they would
/// retype is quoted: the empty string, text starting with an ASCII digit or one of `+ - . ~ < =`
/// (`0123`, `1e3`, `12:30`, `.inf`, `2001-12-14`, `<<`, `=`), and y, n, yes, no, on, off, true,
/// false, null in any ASCII case. libyaml quotes what YAML syntax needs (`: `, ` #`, `[`, `&`,
/// leading or trailing spaces). Line breaks and control characters are written as
/// double-quoted escapes (`"a\nb"`, `"\0"`), so the result never holds a line break; long values
/// are never folded. Printable non-ASCII text is written as is, except characters outside the
/// Basic Multilingual Plane (emoji), which libyaml 0.2.5 writes as `\U0001F600` escapes.
///
/// One encoder keeps one libyaml emitter open across calls, so its setup is paid once. It is not
/// thread-safe: give each thread its own.
public final class FlowYAMLEncoder {
  private let emitter = LibYAMLEmitter()

  public init() {}

  /// The one-line flow mapping for `fields`: `{}` when it is empty.
  ///
  /// - Throws: `FlowYAMLError` (code `.emitterFailed` or `.outOfMemory`) when libyaml refuses a value
  ///   or runs out of memory; the encoder stays usable afterwards.
  /// - Complexity: O(*n*) in the total UTF-8 length of keys and values.
  public func encode(_ fields: NestedFields) throws(FlowYAMLError) -> String {
    do throws(FlowYAMLError) {
      try emitter.beginDocument()
      try emit(fields)
      let bytes = try emitter.endDocument()
      guard bytes.first == UInt8(ascii: "{"), bytes.last == UInt8(ascii: "}"),
        !bytes.contains(UInt8(ascii: "\n")), !bytes.contains(UInt8(ascii: "\r"))
      else {
        throw FlowYAMLError(
          .emitterFailed,
          "libyaml wrote metadata that is not a one-line mapping: \(FlowYAMLError.quoted(String(decoding: bytes, as: UTF8.self)))."
        )
      }
      return String(decoding: bytes, as: UTF8.self)
    } catch {
      emitter.reset()
      throw error
    }
  }

  private func emit(_ fields: NestedFields) throws(FlowYAMLError) {
    try emitter.beginMapping()
    for entry in fields.entries {
      try scalar(entry.key)
      switch entry.value {
      case .string(let value): try scalar(value)
      case .object(let child): try emit(child)
      }
    }
    try emitter.endMapping()
  }

  private func scalar(_ text: String) throws(FlowYAMLError) {
    var text = text
    let result = text.withUTF8 { bytes in
      Result { () throws(FlowYAMLError) in
        try emitter.scalar(bytes, style: ScalarStyle.required(for: bytes))
      }
    }
    try result.get()
  }
}

/// An encoder owns mutable C state: use one per thread, never share one.
@available(*, unavailable)
extension FlowYAMLEncoder: Sendable {}
