extension ScalarStyle {
  /// The style a string needs so every YAML reader loads it back as the same string, on one line.
  ///
  /// libyaml does no implicit typing: left to itself it writes `yes`, `null`, `0123` and `1e3` plain,
  /// and a YAML 1.1 reader (PyYAML) or a 1.2 reader (ruamel.yaml) then loads a bool, a null, an int
  /// or a float. It does handle the syntax (indicators such as `: `, ` #`, `[`, `&`, `!`, leading or
  /// trailing spaces, control characters), so this rule only adds what implicit typing needs:
  ///
  /// - `.doubleQuoted` when the text holds a line break (LF, CR, NEL U+0085, LS U+2028, PS U+2029):
  ///   libyaml would otherwise pick single quotes, which keep breaks literal and span lines.
  /// - `.quoted` when the text is empty; or starts with an ASCII digit or one of `+ - . ~ < =`
  ///   (every YAML 1.1 and 1.2 int, float, sexagesimal, timestamp, `.inf`, `.nan`, `~`, merge `<<`
  ///   and value `=` starts so); or is, ignoring ASCII case, one of `y n yes no on off true false null`
  ///   (every YAML 1.1 and 1.2 bool and null word, in every case variant).
  /// - `.plainWhenPossible` otherwise; libyaml still quotes when its syntax needs it.
  ///
  /// The rule is deliberately broader than any one resolver (it quotes `-x`, `.net`, `<b>`, `nULL`
  /// and `123 Main St`): a quote costs two bytes, a retyped value costs data.
  ///
  /// Complexity: O(*n*) in the text's UTF-8 length, with no allocation.
  static func required(for text: UnsafeBufferPointer<UInt8>) -> ScalarStyle {
    if containsLineBreak(text) { return .doubleQuoted }
    guard let first = text.first else { return .quoted }
    switch first {
    case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."),
      UInt8(ascii: "~"), UInt8(ascii: "<"), UInt8(ascii: "="):
      return .quoted
    default:
      return isBoolOrNullWord(text) ? .quoted : .plainWhenPossible
    }
  }

  /// Whether `text` holds LF, CR, or the UTF-8 of U+0085, U+2028 or U+2029.
  private static func containsLineBreak(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
    var index = 0
    let count = text.count
    while index < count {
      switch text[index] {
      case 0x0A, 0x0D:
        return true
      case 0xC2 where index + 1 < count && text[index + 1] == 0x85:
        return true
      case 0xE2
      where index + 2 < count && text[index + 1] == 0x80 && (text[index + 2] == 0xA8 || text[index + 2] == 0xA9):
        return true
      default:
        index += 1
      }
    }
    return false
  }

  /// Whether `text`, ASCII case ignored, is y, n, yes, no, on, off, true, false or null.
  private static func isBoolOrNullWord(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
    guard text.count <= 5 else { return false }
    var word: UInt64 = 0  // the lower-cased bytes, packed
    for byte in text {
      let lower = byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
      word = word << 8 | UInt64(lower)
    }
    return boolAndNullWords.contains(word)
  }

  private static let boolAndNullWords: Set<UInt64> = Set(
    ["y", "n", "yes", "no", "on", "off", "true", "false", "null"].map { word in
      word.utf8.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    })
}
