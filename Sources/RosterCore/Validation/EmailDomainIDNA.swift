/// The slow path of domain validation: internationalised domains (UTS #46 mapping, IDNA 2008 label rules,
/// Punycode) and ASCII domains with `xn--` labels, as email-validator 2.4.0 does them with `idna` 3.20.
extension EmailValidator {
  /// A domain that passed, in the form the output carries.
  enum DomainForm {
    /// The input's own bytes, with ASCII letters lowercased when `lowercase` is set.
    case asWritten(lowercase: Bool)
    /// Different text (UTF-8), and the length of the domain's ASCII (Punycode) form.
    case rewritten([UInt8], asciiLength: Int)
  }

  typealias DomainOutcome = Result<DomainForm, Problem>

  static let dot: UInt32 = 0x2E
  static let hyphen: UInt32 = 0x2D

  // MARK: - Non-ASCII domains

  /// Validates the domain `bytes[start...]`, which has a non-ASCII character, in email-validator's order.
  static func internationalDomain(_ bytes: UnsafeBufferPointer<UInt8>, start: Int) -> DomainOutcome {
    let input = codePoints(bytes, from: start, to: bytes.count)
    if input.count > maxDomainOctets {
      return .failure(.domainTooLong(octets: input.count, measure: .characters))
    }
    // ASCII characters other than letters, digits, hyphens and dots.
    for codePoint in input where codePoint < 0x80 && !isHostnameCodePoint(codePoint) {
      return .failure(character(codePoint, labelStart: false))
    }
    // Unsafe characters, and a combining mark at the start.
    for (index, codePoint) in input.enumerated() {
      let safety = EmailUnicode.properties(codePoint).safety
      if safety == .unsafe || (safety == .mark && index == 0) {
        return .failure(character(codePoint, labelStart: safety == .mark))
      }
    }
    // Characters email-validator refuses before mapping: those that decompose to text with a dot (`⒈`).
    for codePoint in input where EmailUnicode.properties(codePoint).refusedBeforeMapping {
      return .failure(character(codePoint, labelStart: false))
    }
    // UTS #46 mapping (non-transitional, no STD3 rules), then NFC.
    var mapped: [UInt32] = []
    mapped.reserveCapacity(input.count)
    for codePoint in input {
      if codePoint < 0x80 {
        mapped.append(codePoint >= 0x41 && codePoint <= 0x5A ? codePoint | 0x20 : codePoint)
        continue
      }
      switch EmailUnicode.properties(codePoint).mapping {
      case .valid:
        mapped.append(codePoint)
      case .ignored:
        break
      case .disallowed:
        return .failure(character(codePoint, labelStart: false))
      case .mapped:
        let before = mapped.count
        EmailUnicode.appendMapping(of: codePoint, to: &mapped)
        // `（` becomes `(`, `＿` becomes `_`: not allowed in a domain.
        for replacement in mapped[before...] where replacement < 0x80 && !isHostnameCodePoint(replacement) {
          return .failure(character(codePoint, labelStart: false))
        }
      }
    }
    let domain = EmailUnicode.nfc(mapped)
    for codePoint in domain where codePoint < 0x80 && !isHostnameCodePoint(codePoint) {
      return .failure(character(codePoint, labelStart: false))
    }
    guard !domain.isEmpty else { return .failure(.emptyDomain) }
    let labels = domain.split(separator: dot, omittingEmptySubsequences: false).map { Array($0) }
    if let problem = dotsAndHyphensProblem(labels) { return .failure(problem) }

    // Each label in its ASCII form (Punycode for a non-ASCII label) and its Unicode form.
    var aLabels: [[UInt8]] = []
    var uLabels: [[UInt32]] = []
    for label in labels {
      if label.allSatisfy({ $0 < 0x80 }) {
        let ascii = label.map { UInt8($0) }
        if hasPunycodePrefix(ascii[...]) {
          switch decodeALabel(ascii) {
          case .success(let decoded): uLabels.append(decoded)
          case .failure(let problem): return .failure(problem)
          }
        } else {
          uLabels.append(label)
        }
        if ascii.count > maxLabelOctets {
          return .failure(.domainLabelTooLong(octets: ascii.count, measure: .characters))
        }
        aLabels.append(ascii)
      } else {
        if let problem = labelProblem(label) { return .failure(problem) }
        let aLabel = Array("xn--".utf8) + EmailPunycode.encode(label)
        if aLabel.count > maxLabelOctets {
          return .failure(.domainLabelTooLong(octets: aLabel.count, measure: .punycode))
        }
        aLabels.append(aLabel)
        uLabels.append(label)
      }
    }
    let asciiDomain = Array(aLabels.joined(separator: [UInt8(ascii: ".")]))
    if asciiDomain.count > maxDomainOctets {
      return .failure(.domainTooLong(octets: asciiDomain.count, measure: .punycode))
    }
    let tailProblem = asciiDomain.withUnsafeBufferPointer { asciiBytes in
      asciiDomainTailProblem(asciiBytes, start: 0, lastLabelStart: asciiBytes.count - aLabels[aLabels.count - 1].count)
    }
    if let tailProblem { return .failure(tailProblem) }
    if let problem = internationalDomainProblem(uLabels) { return .failure(problem) }
    return .success(.rewritten(utf8(uLabels), asciiLength: asciiDomain.count))
  }

  /// Dots and hyphens in the mapped domain (email-validator's `check_dot_atom` and its reserved-hyphens rule).
  static func dotsAndHyphensProblem(_ labels: [[UInt32]]) -> Problem? {
    if labels.count > 1 && labels[labels.count - 1].isEmpty { return .domainNoTLD }
    if labels[0].isEmpty { return .domainDots(.start) }
    if labels.contains(where: \.isEmpty) { return .domainDots(.double) }
    for label in labels {
      if label[0] == hyphen { return .domainHyphens(.start, label: text(label)) }
      if label[label.count - 1] == hyphen { return .domainHyphens(.end, label: text(label)) }
    }
    // RFC 5890's reserved labels: hyphens in the 3rd and 4th places, unless the label starts with "xn".
    for label in labels
    where label.count >= 4 && label[2] == hyphen && label[3] == hyphen
      && !(label[0] | 0x20 == 0x78 && label[1] | 0x20 == 0x6E)
    {
      return .domainHyphens(.thirdAndFourth, label: text(label))
    }
    return nil
  }

  // MARK: - Punycode labels

  /// Whether a label starts with `xn--` (any case).
  static func hasPunycodePrefix(_ label: ArraySlice<UInt8>) -> Bool {
    guard label.count >= 4 else { return false }
    let i = label.startIndex
    return label[i] | 0x20 == ASCII.lowerX && label[i + 1] | 0x20 == ASCII.lowerN && label[i + 2] == ASCII.hyphen
      && label[i + 3] == ASCII.hyphen
  }

  /// The U-label of the lower-case A-label `label` (`idna.ulabel`), or why it is not a valid one.
  static func decodeALabel(_ label: [UInt8]) -> Result<[UInt32], Problem> {
    let punycode = label[4...]
    let invalid = Problem.domainPunycode(label: String(decoding: label, as: UTF8.self))
    guard !punycode.isEmpty, punycode.last != ASCII.hyphen, let decoded = EmailPunycode.decode(punycode),
      EmailPunycode.encode(decoded)[...] == punycode
    else { return .failure(invalid) }
    if decoded.contains(where: { $0 >= 0xD800 && $0 <= 0xDFFF }) { return .failure(invalid) }
    if let problem = labelProblem(decoded) {
      if case .domainNotNFC = problem { return .failure(invalid) }
      return .failure(.decodedLabel(label: String(decoding: label, as: UTF8.self), problem))
    }
    return .success(decoded)
  }

  // MARK: - IDNA 2008 labels

  /// The first IDNA 2008 rule (`idna.check_label`) a Unicode label breaks, or `nil`.
  static func labelProblem(_ label: [UInt32]) -> Problem? {
    if EmailUnicode.nfc(label) != label { return .domainNotNFC(label: text(label)) }
    if label.count >= 4 && label[2] == hyphen && label[3] == hyphen {
      return .domainHyphens(.thirdAndFourth, label: text(label))
    }
    if label[0] == hyphen { return .domainHyphens(.start, label: text(label)) }
    if label[label.count - 1] == hyphen { return .domainHyphens(.end, label: text(label)) }
    if EmailUnicode.properties(label[0]).safety == .mark { return character(label[0], labelStart: true) }
    for (position, codePoint) in label.enumerated() {
      switch EmailUnicode.properties(codePoint).idnaClass {
      case .pvalid:
        continue
      case .contextO:
        if !contextOAllows(label, at: position) { return .domainContext(scalar(codePoint)) }
      case .contextJ:
        // Zero-width joiners: email-validator refuses them later as unsafe (format characters) even where
        // IDNA's CONTEXTJ rule allows them.
        return character(codePoint, labelStart: false)
      case .notValid:
        return character(codePoint, labelStart: false)
      }
    }
    if bidiRuleFails(label, checkLTR: false) { return .domainBidi(label: text(label)) }
    return nil
  }

  /// RFC 5892 Appendix A's CONTEXTO rules, as `idna.valid_contexto` applies them.
  static func contextOAllows(_ label: [UInt32], at position: Int) -> Bool {
    let codePoint = label[position]
    switch codePoint {
    case 0x00B7:  // MIDDLE DOT, only between two l's (Catalan)
      return position > 0 && position < label.count - 1 && label[position - 1] == 0x6C && label[position + 1] == 0x6C
    case 0x0375:  // GREEK LOWER NUMERAL SIGN, before a Greek letter
      return position < label.count - 1 && EmailUnicode.properties(label[position + 1]).script == .greek
    case 0x05F3, 0x05F4:  // HEBREW PUNCTUATION GERESH and GERSHAYIM, after a Hebrew letter
      return position > 0 && EmailUnicode.properties(label[position - 1]).script == .hebrew
    case 0x30FB:  // KATAKANA MIDDLE DOT, with some Hiragana, Katakana or Han in the label
      return label.contains { other in
        guard other != 0x30FB else { return false }
        let script = EmailUnicode.properties(other).script
        return script == .hiragana || script == .katakana || script == .han
      }
    case 0x0660...0x0669:  // ARABIC-INDIC DIGITS, not mixed with the extended ones
      return !label.contains { $0 >= 0x06F0 && $0 <= 0x06F9 }
    case 0x06F0...0x06F9:
      return !label.contains { $0 >= 0x0660 && $0 <= 0x0669 }
    default:
      return false
    }
  }

  /// Whether the RFC 5893 Bidi Rule fails for `label` (`idna.check_bidi`): only labels with right-to-left
  /// characters are checked unless `checkLTR` is set; a character without a known direction always fails.
  static func bidiRuleFails(_ label: [UInt32], checkLTR: Bool) -> Bool {
    typealias Bidi = EmailUnicode.Properties.Bidi
    var hasRTL = false
    for codePoint in label {
      switch EmailUnicode.properties(codePoint).bidi {
      case .unknown: return true
      case .R, .AL, .AN: hasRTL = true
      default: break
      }
    }
    if !hasRTL && !checkLTR { return false }
    let rtl: Bool
    switch EmailUnicode.properties(label[0]).bidi {
    case .R, .AL: rtl = true
    case .L: rtl = false
    default: return true  // rule 1
    }
    var validEnding = false
    var numberType: Bidi? = nil
    for codePoint in label {
      let direction = EmailUnicode.properties(codePoint).bidi
      if rtl {
        switch direction {
        case .R, .AL, .AN, .EN, .ES, .CS, .ET, .ON, .BN, .NSM: break
        default: return true  // rule 2
        }
        switch direction {
        case .R, .AL, .EN, .AN: validEnding = true  // rule 3
        case .NSM: break
        default: validEnding = false
        }
        if direction == .AN || direction == .EN {  // rule 4
          if let numberType, numberType != direction { return true }
          numberType = direction
        }
      } else {
        switch direction {
        case .L, .EN, .ES, .CS, .ET, .ON, .BN, .NSM: break
        default: return true  // rule 5
        }
        switch direction {
        case .L, .EN: validEnding = true  // rule 6
        case .NSM: break
        default: validEnding = false
        }
      }
    }
    return !validEnding
  }

  /// email-validator's checks on the Unicode form of a domain that has Punycode: no unsafe characters,
  /// no combining mark first, and the Bidi Rule on every label once any label is right-to-left.
  static func internationalDomainProblem(_ uLabels: [[UInt32]]) -> Problem? {
    var hasRTL = false
    for (labelIndex, label) in uLabels.enumerated() {
      for (index, codePoint) in label.enumerated() {
        if codePoint < 0x80 && !isHostnameCodePoint(codePoint) { return character(codePoint, labelStart: false) }
        let properties = EmailUnicode.properties(codePoint)
        if properties.safety == .unsafe || (properties.safety == .mark && index == 0 && labelIndex == 0) {
          return character(codePoint, labelStart: properties.safety == .mark)
        }
        switch properties.bidi {
        case .R, .AL, .AN: hasRTL = true
        default: break
        }
      }
    }
    if hasRTL {
      for label in uLabels where bidiRuleFails(label, checkLTR: true) {
        return .domainBidi(label: text(label))
      }
    }
    return nil
  }

  /// Decodes and checks each `xn--` label of `bytes`, a lower-case ASCII domain whose labels passed.
  static func asciiDomainWithPunycode(_ bytes: [UInt8]) -> DomainOutcome {
    var uLabels: [[UInt32]] = []
    for label in bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false) {
      if hasPunycodePrefix(label) {
        switch decodeALabel(Array(label)) {
        case .success(let decoded): uLabels.append(decoded)
        case .failure(let problem): return .failure(problem)
        }
      } else {
        uLabels.append(label.map { UInt32($0) })
      }
    }
    if let problem = internationalDomainProblem(uLabels) { return .failure(problem) }
    return .success(.rewritten(utf8(uLabels), asciiLength: bytes.count))
  }

  // MARK: - Helpers

  /// ASCII letters, digits, hyphen and dot: email-validator's ASCII subset of a domain.
  @inline(__always)
  static func isHostnameCodePoint(_ codePoint: UInt32) -> Bool {
    codePoint == dot || (codePoint < 0x80 && isHostnameByte(UInt8(codePoint)))
  }

  /// The code points of valid UTF-8 `bytes[from..<to]`.
  static func codePoints(_ bytes: UnsafeBufferPointer<UInt8>, from: Int, to: Int) -> [UInt32] {
    var result: [UInt32] = []
    result.reserveCapacity(to - from)
    var i = from
    while i < to {
      let (scalar, length) = decodeScalar(bytes, at: i, end: to)
      result.append(scalar.value)
      i += length
    }
    return result
  }

  /// Labels joined with dots, as UTF-8.
  static func utf8(_ labels: [[UInt32]]) -> [UInt8] {
    var output: [UInt8] = []
    output.reserveCapacity(labels.reduce(labels.count) { $0 + $1.count * 3 })
    for (index, label) in labels.enumerated() {
      if index > 0 { output.append(ASCII.dot) }
      for codePoint in label { appendUTF8(codePoint, to: &output) }
    }
    return output
  }

  /// Appends the UTF-8 of a code point (U+FFFD for a surrogate or a value beyond U+10FFFF).
  @inline(__always)
  static func appendUTF8(_ codePoint: UInt32, to output: inout [UInt8]) {
    switch codePoint {
    case 0..<0x80:
      output.append(UInt8(codePoint))
    case 0x80..<0x800:
      output.append(UInt8(0xC0 | codePoint >> 6))
      output.append(UInt8(0x80 | codePoint & 0x3F))
    case 0xD800..<0xE000, 0x11_0000...:
      output.append(contentsOf: [0xEF, 0xBF, 0xBD])
    case 0x800..<0x1_0000:
      output.append(UInt8(0xE0 | codePoint >> 12))
      output.append(UInt8(0x80 | codePoint >> 6 & 0x3F))
      output.append(UInt8(0x80 | codePoint & 0x3F))
    default:
      output.append(UInt8(0xF0 | codePoint >> 18))
      output.append(UInt8(0x80 | codePoint >> 12 & 0x3F))
      output.append(UInt8(0x80 | codePoint >> 6 & 0x3F))
      output.append(UInt8(0x80 | codePoint & 0x3F))
    }
  }

  static func text(_ codePoints: [UInt32]) -> String {
    var text = ""
    for codePoint in codePoints { text.unicodeScalars.append(scalar(codePoint)) }
    return text
  }

  /// A code point as a scalar; U+FFFD for a surrogate or a value beyond U+10FFFF.
  static func scalar(_ codePoint: UInt32) -> Unicode.Scalar {
    Unicode.Scalar(codePoint) ?? "\u{FFFD}"
  }

  static func character(_ codePoint: UInt32, labelStart: Bool) -> Problem {
    .domainCharacter(scalar(codePoint), labelStart: labelStart)
  }
}
