/// Checks the syntax of one email address and gives the form the output carries.
///
/// A baseline that follows the defaults of Python's `email-validator` (`check_deliverability=False`):
/// - exactly one `@`; quoted local parts, IP-literal domains and `Name <address>` forms are rejected;
/// - the local part is a dot-atom of RFC 5322 `atext`, plus non-ASCII letters (RFC 6531), at most 64 octets;
/// - the domain is dot-separated labels of ASCII letters, digits and inner hyphens, or non-ASCII (IDN);
///   it needs a dot, a top-level label that ends with a letter, and no special-use name (`.local`, ...);
/// - invisible or unsafe characters (controls, format characters, non-ASCII spaces) are rejected;
/// - the whole address is at most 254 octets.
///
/// The normalised value keeps the local part as written and lowercases the ASCII letters of the domain.
/// The ideographic full stops U+3002, U+FF0E and U+FF61 separate domain labels and are written as `.`.
/// Not yet done: NFC and UTS #46 mapping, Punycode checks, IDNA 2008 code point rules.
///
/// ```swift
/// let validator = EmailValidator()
/// validator.validate("Ada@Example.COM")  // .valid(normalized: "Ada@example.com")
/// validator.validate("b.liskov@mit")     // .invalid(code: "email.domain_needs_dot", message: ...)
/// ```
///
/// - Complexity: O(n) in the UTF-8 length of the input. A valid address whose domain needs no rewriting
///   is returned as the input string itself, without allocating.
public struct EmailValidator: Sendable {
  /// RFC 5321 4.5.3.1.3 (with RFC 3696 errata 1690): octets in a whole address.
  static let maxAddressOctets = 254
  /// RFC 5321 4.5.3.1.1: octets before the `@`.
  static let maxLocalPartOctets = 64
  /// RFC 1035 2.3.4, less the root label: octets after the `@`.
  static let maxDomainOctets = 253
  /// RFC 1035 2.3.1: octets between two dots of the domain.
  static let maxLabelOctets = 63

  public init() {}

  /// Validates one address.
  ///
  /// - Parameter input: non-empty; the caller has trimmed ASCII whitespace.
  /// - Returns: `.valid(normalized:)` with the domain's ASCII letters lowercased, or `.invalid` with a stable
  ///   `email.*` code and a sentence that names what to fix.
  public func validate(_ input: String) -> FieldVerdict {
    // The closure captures nothing, so the call costs no reference counting beyond the verdict's own.
    let outcome =
      input.utf8.withContiguousStorageIfAvailable(Self.check)
      // Only a string without native UTF-8 storage gets here; copy it once.
      ?? Array(input.utf8).withUnsafeBufferPointer(Self.check)
    switch outcome {
    case .unchanged: return .valid(normalized: input)
    case .rewritten(let normalized): return .valid(normalized: normalized)
    case .invalid(let problem): return .invalid(code: problem.code, message: problem.message)
    }
  }

  /// What `check` found: the input is its own normalised form, or it needed rewriting, or it is invalid.
  enum Outcome {
    case unchanged
    case rewritten(String)
    case invalid(Problem)
  }

  // MARK: - Whole address

  /// The outcome for `bytes`, the UTF-8 of one input.
  static func check(_ bytes: UnsafeBufferPointer<UInt8>) -> Outcome {
    let count = bytes.count
    guard count > 0 else { return .invalid(.missingAt) }
    // "Ada <ada@example.com>" or "<ada@example.com>", as contact exports often write it.
    if bytes[count - 1] == ASCII.rightAngle,
      firstIndex(of: ASCII.leftAngle, in: bytes, from: 0, to: count) != nil
    {
      return .invalid(.displayName)
    }
    guard let at = firstIndex(of: ASCII.at, in: bytes, from: 0, to: count) else {
      return .invalid(lookalikeAt(in: bytes) ?? .missingAt)
    }
    if at == 0 { return .invalid(.emptyLocalPart) }
    if bytes[0] == ASCII.quote { return .invalid(.quotedLocalPart) }
    if firstIndex(of: ASCII.at, in: bytes, from: at + 1, to: count) != nil {
      return .invalid(.multipleAt)
    }
    if let problem = localPartProblem(bytes, end: at) { return .invalid(problem) }
    if at > maxLocalPartOctets {
      return .invalid(.localPartTooLong(octets: at, ascii: isASCII(bytes, from: 0, to: at)))
    }
    let domainStart = at + 1
    if domainStart == count { return .invalid(.emptyDomain) }
    if bytes[domainStart] == ASCII.leftBracket { return .invalid(.domainLiteral) }
    var needsRewrite = false
    if let problem = domainProblem(bytes, start: domainStart, needsRewrite: &needsRewrite) {
      return .invalid(problem)
    }
    if count > maxAddressOctets {
      return .invalid(.tooLong(octets: count, ascii: isASCII(bytes, from: 0, to: count)))
    }
    if !needsRewrite { return .unchanged }
    return .rewritten(normalizedAddress(bytes, domainStart: domainStart))
  }

  /// The input with the domain's ASCII letters lowercased and its ideographic full stops written as `.`.
  static func normalizedAddress(_ bytes: UnsafeBufferPointer<UInt8>, domainStart: Int) -> String {
    String(unsafeUninitializedCapacity: bytes.count) { out in
      var written = 0
      var i = 0
      while i < domainStart {
        out[written] = bytes[i]
        written += 1
        i += 1
      }
      while i < bytes.count {
        let byte = bytes[i]
        if byte >= ASCII.upperA && byte <= ASCII.upperZ {
          out[written] = byte | 0x20
          i += 1
        } else if byte >= 0x80 && wideFullStopLength(bytes, at: i, end: bytes.count) > 0 {
          out[written] = ASCII.dot
          i += 3
        } else {
          out[written] = byte
          i += 1
        }
        written += 1
      }
      return written
    }
  }

  /// A full-width or small at-sign, when the input has no real one.
  static func lookalikeAt(in bytes: UnsafeBufferPointer<UInt8>) -> Problem? {
    var i = 0
    while i + 2 < bytes.count {
      if bytes[i] == 0xEF && bytes[i + 1] == 0xBC && bytes[i + 2] == 0xA0 { return .lookalikeAt("\u{FF20}") }
      if bytes[i] == 0xEF && bytes[i + 1] == 0xB9 && bytes[i + 2] == 0xAB { return .lookalikeAt("\u{FE6B}") }
      i += 1
    }
    return nil
  }

  // MARK: - Local part

  /// The first problem in the local part `bytes[0..<end]` (non-empty, not quoted), or `nil`.
  static func localPartProblem(_ bytes: UnsafeBufferPointer<UInt8>, end: Int) -> Problem? {
    var i = 0
    var previousWasDot = false
    var sawDoubleDot = false
    while i < end {
      let byte = bytes[i]
      if byte < 0x80 {
        if byte == ASCII.dot {
          if previousWasDot { sawDoubleDot = true }
          previousWasDot = true
        } else if isAtext(byte) {
          previousWasDot = false
        } else {
          return .localPartCharacter(Unicode.Scalar(byte), leading: false)
        }
        i += 1
      } else {
        let (scalar, length) = decodeScalar(bytes, at: i, end: end)
        switch ScalarClass(scalar) {
        case .unsafe: return .localPartCharacter(scalar, leading: false)
        case .mark where i == 0: return .localPartCharacter(scalar, leading: true)
        default: break
        }
        previousWasDot = false
        i += length
      }
    }
    if bytes[end - 1] == ASCII.dot { return .localPartDots(.end) }
    if bytes[0] == ASCII.dot { return .localPartDots(.start) }
    if sawDoubleDot { return .localPartDots(.double) }
    return nil
  }

  /// RFC 5322 3.2.3 `atext`: ASCII letters, digits and ``!#$%&'*+-/=?^_`{|}~``.
  @inline(__always)
  static func isAtext(_ byte: UInt8) -> Bool {
    switch byte {
    case 0x61...0x7A, 0x41...0x5A, 0x30...0x39: return true  // a-z A-Z 0-9
    case 0x21, 0x23...0x27, 0x2A, 0x2B, 0x2D, 0x2F, 0x3D, 0x3F: return true  // ! #$%&' * + - / = ?
    case 0x5E...0x60, 0x7B...0x7E: return true  // ^_` {|}~
    default: return false
    }
  }

  // MARK: - Domain

  /// The first problem in the domain `bytes[start...]` (non-empty, not a literal), or `nil`.
  ///
  /// Sets `needsRewrite` when the normalised form differs from the input (an upper-case letter or an
  /// ideographic full stop).
  static func domainProblem(
    _ bytes: UnsafeBufferPointer<UInt8>, start: Int, needsRewrite: inout Bool
  ) -> Problem? {
    let end = bytes.count
    // Pass 1: characters and the placement of dots.
    var i = start
    var labelStart = start
    var separators = 0
    var leadingDot = false
    var doubleDot = false
    while i < end {
      let byte = bytes[i]
      var separatorLength = 0
      if byte < 0x80 {
        if byte == ASCII.dot {
          separatorLength = 1
        } else if byte >= ASCII.upperA && byte <= ASCII.upperZ {
          needsRewrite = true
        } else if !isHostnameByte(byte) {
          return .domainCharacter(Unicode.Scalar(byte), labelStart: false)
        }
      } else {
        separatorLength = wideFullStopLength(bytes, at: i, end: end)
        if separatorLength > 0 {
          needsRewrite = true
        } else {
          let (scalar, length) = decodeScalar(bytes, at: i, end: end)
          let scalarClass = ScalarClass(scalar)
          if scalarClass == .unsafe { return .domainCharacter(scalar, labelStart: false) }
          if scalarClass == .mark && i == labelStart { return .domainCharacter(scalar, labelStart: true) }
          if isDisallowedInDomain(scalar, scalarClass) { return .domainCharacter(scalar, labelStart: false) }
          i += length
          continue
        }
      }
      if separatorLength > 0 {
        if i == labelStart {
          if labelStart == start { leadingDot = true } else { doubleDot = true }
        }
        separators += 1
        i += separatorLength
        labelStart = i
      } else {
        i += 1
      }
    }
    if separators > 0 && labelStart == end { return .domainNoTLD }
    if leadingDot { return .domainDots(.start) }
    if doubleDot { return .domainDots(.double) }

    // Pass 2: each label (all non-empty now).
    labelStart = start
    i = start
    while i <= end {
      let separatorLength: Int
      if i == end {
        separatorLength = 0
      } else if bytes[i] == ASCII.dot {
        separatorLength = 1
      } else if bytes[i] >= 0x80 {
        separatorLength = wideFullStopLength(bytes, at: i, end: end)
        if separatorLength == 0 {
          i += 1
          continue
        }
      } else {
        i += 1
        continue
      }
      if let problem = labelProblem(bytes, from: labelStart, to: i) { return problem }
      if i == end { break }
      i += separatorLength
      labelStart = i
    }
    // `labelStart..<end` is now the top-level label.
    if end - start > maxDomainOctets {
      return .domainTooLong(octets: end - start, ascii: isASCII(bytes, from: start, to: end))
    }
    if separators == 0 { return .domainNeedsDot }
    return topLevelProblem(bytes, from: labelStart, to: end)
  }

  /// A problem with one label `bytes[from..<to]` (non-empty): hyphens and length.
  static func labelProblem(_ bytes: UnsafeBufferPointer<UInt8>, from: Int, to: Int) -> Problem? {
    if bytes[from] == ASCII.hyphen { return .domainHyphens(.start, label: text(bytes, from: from, to: to)) }
    if bytes[to - 1] == ASCII.hyphen { return .domainHyphens(.end, label: text(bytes, from: from, to: to)) }
    // RFC 5891 4.2.3.1: hyphens in the 3rd and 4th characters are reserved for "xn--" (Punycode).
    let second = from + utf8Length(bytes[from])
    let third = second < to ? second + utf8Length(bytes[second]) : to
    if third + 1 < to && bytes[third] == ASCII.hyphen && bytes[third + 1] == ASCII.hyphen {
      let isPunycode =
        third == from + 2 && bytes[from] | 0x20 == ASCII.lowerX && bytes[from + 1] | 0x20 == ASCII.lowerN
      if !isPunycode { return .domainHyphens(.thirdAndFourth, label: text(bytes, from: from, to: to)) }
      // Punycode is ASCII; the Punycode itself is not decoded or checked yet.
      if !isASCII(bytes, from: from, to: to) {
        return .domainPunycode(label: text(bytes, from: from, to: to))
      }
    }
    if to - from > maxLabelOctets {
      return .domainLabelTooLong(octets: to - from, ascii: isASCII(bytes, from: from, to: to))
    }
    return nil
  }

  /// A problem with the top-level label `bytes[from..<to]`: a number, or a special-use name.
  static func topLevelProblem(_ bytes: UnsafeBufferPointer<UInt8>, from: Int, to: Int) -> Problem? {
    var allDigits = true
    var i = from
    while i < to {
      let byte = bytes[i]
      if byte >= 0x80 { return nil }  // An IDN top-level label; its Punycode form is not checked yet.
      if byte < ASCII.zero || byte > ASCII.nine { allDigits = false }
      i += 1
    }
    if allDigits { return .numericTLD }
    // Every top-level domain ends with a letter (email-validator checks this too).
    let last = bytes[to - 1]
    if last >= ASCII.zero && last <= ASCII.nine { return .tldEndsInDigit(text(bytes, from: from, to: to)) }
    // Names that cannot receive email from outside (RFC 6761, 6762, 7686); email-validator rejects them too.
    // StaticString, not [String]: no reference counting on this path, which every valid address takes.
    for name: StaticString in ["arpa", "invalid", "local", "localhost", "onion", "test"]
    where equalsIgnoringASCIICase(bytes, from: from, to: to, name) {
      return .specialUseDomain("\(name)")
    }
    return nil
  }

  /// ASCII letters, digits and hyphen (RFC 952, RFC 1123 2.1).
  @inline(__always)
  static func isHostnameByte(_ byte: UInt8) -> Bool {
    switch byte {
    case 0x61...0x7A, 0x41...0x5A, 0x30...0x39, ASCII.hyphen: return true
    default: return false
    }
  }

  /// 3 when `bytes[at...]` starts with U+3002 IDEOGRAPHIC FULL STOP, U+FF0E FULLWIDTH FULL STOP or
  /// U+FF61 HALFWIDTH IDEOGRAPHIC FULL STOP (UTS #46 maps all three to `.`); otherwise 0.
  @inline(__always)
  static func wideFullStopLength(_ bytes: UnsafeBufferPointer<UInt8>, at i: Int, end: Int) -> Int {
    guard i + 2 < end else { return 0 }
    let (b0, b1, b2) = (bytes[i], bytes[i + 1], bytes[i + 2])
    if b0 == 0xE3 && b1 == 0x80 && b2 == 0x82 { return 3 }
    if b0 == 0xEF && ((b1 == 0xBC && b2 == 0x8E) || (b1 == 0xBD && b2 == 0xA1)) { return 3 }
    return 0
  }

  // MARK: - Bytes and scalars

  @inline(__always)
  static func firstIndex(of byte: UInt8, in bytes: UnsafeBufferPointer<UInt8>, from: Int, to: Int) -> Int? {
    var i = from
    while i < to {
      if bytes[i] == byte { return i }
      i += 1
    }
    return nil
  }

  static func isASCII(_ bytes: UnsafeBufferPointer<UInt8>, from: Int, to: Int) -> Bool {
    var i = from
    while i < to {
      if bytes[i] >= 0x80 { return false }
      i += 1
    }
    return true
  }

  /// Whether `bytes[from..<to]` spells `lowercase` (ASCII) in any case.
  static func equalsIgnoringASCIICase(
    _ bytes: UnsafeBufferPointer<UInt8>, from: Int, to: Int, _ lowercase: StaticString
  ) -> Bool {
    guard lowercase.utf8CodeUnitCount == to - from else { return false }
    let expected = lowercase.utf8Start
    var k = 0
    while k < to - from {
      let byte = bytes[from + k]
      let folded = byte >= ASCII.upperA && byte <= ASCII.upperZ ? byte | 0x20 : byte
      if folded != expected[k] { return false }
      k += 1
    }
    return true
  }

  /// The text of `bytes[from..<to]`, for messages.
  static func text(_ bytes: UnsafeBufferPointer<UInt8>, from: Int, to: Int) -> String {
    String(decoding: UnsafeBufferPointer(rebasing: bytes[from..<to]), as: UTF8.self)
  }

  /// The length of the UTF-8 sequence that `lead` starts.
  @inline(__always)
  static func utf8Length(_ lead: UInt8) -> Int {
    lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4
  }

  /// The scalar whose UTF-8 starts at `bytes[i]` (a non-ASCII lead byte) and its length in bytes.
  /// The bytes come from a `String`, so they are valid UTF-8; U+FFFD stands in for anything else.
  @inline(__always)
  static func decodeScalar(
    _ bytes: UnsafeBufferPointer<UInt8>, at i: Int, end: Int
  ) -> (Unicode.Scalar, Int) {
    let lead = bytes[i]
    let length = utf8Length(lead)
    guard i + length <= end else { return ("\u{FFFD}", end - i) }
    var value = UInt32(lead) & (length == 2 ? 0x1F : length == 3 ? 0x0F : 0x07)
    var k = 1
    while k < length {
      value = value << 6 | UInt32(bytes[i + k] & 0x3F)
      k += 1
    }
    return (Unicode.Scalar(value) ?? "\u{FFFD}", length)
  }

  /// Punctuation and symbols that IDNA 2008 disallows in a domain (emoji, `©`, `☃`), full-width forms of
  /// ASCII punctuation (`，`), and characters that decompose to a dot (`․`, `⒈`). Characters that UTS #46
  /// maps to something else (`™` to `tm`) are left alone until that mapping is implemented, as are the few
  /// that IDNA allows in context (`·`, `・`).
  static func isDisallowedInDomain(_ scalar: Unicode.Scalar, _ scalarClass: ScalarClass) -> Bool {
    let value = scalar.value
    if value >= 0xFF01 && value <= 0xFF5E {  // FULLWIDTH EXCLAMATION MARK ... FULLWIDTH TILDE
      return !isHostnameByte(UInt8(truncatingIfNeeded: value - 0xFEE0))
    }
    switch value {
    // Compatibility characters that decompose to text with a dot (`․`, `…`, `⒈`, `㏂`): they would add dots.
    case 0x2024...0x2026, 0x2488...0x249B, 0x33C2, 0x33C7, 0x33D8, 0xFE52, 0x1F100: return true
    default: break
    }
    guard scalarClass == .punctuationOrSymbol else { return false }
    switch value {
    // RFC 5892 2.6 and 2.7: PVALID and CONTEXTO exceptions among punctuation and symbols.
    case 0x00B7, 0x0375, 0x05F3, 0x05F4, 0x06FD, 0x06FE, 0x0F0B, 0x30FB: return false
    default: return !scalar.properties.changesWhenNFKCCaseFolded
    }
  }

  /// What the validator needs to know about a non-ASCII scalar, from its general category.
  enum ScalarClass: Equatable {
    /// Letters, digits and other numbers: allowed.
    case ordinary
    /// A combining mark: it would combine with whatever comes before it, so it cannot start a part.
    case mark
    /// Allowed in a local part; in a domain only where IDNA allows it.
    case punctuationOrSymbol
    /// Controls, format characters (bidi and zero-width ones), private use, unassigned code points and
    /// non-ASCII spaces and separators: they hide or change how an address reads (email-validator's rule).
    case unsafe

    @inline(__always)
    init(_ scalar: Unicode.Scalar) {
      switch scalar.value {
      // Common letters, without a table lookup: Latin-1 and Latin Extended-A/B (but × and ÷), Cyrillic,
      // CJK ideographs, Hangul syllables.
      case 0xC0...0xD6, 0xD8...0xF6, 0xF8...0x24F, 0x410...0x44F, 0x4E00...0x9FFF, 0xAC00...0xD7A3:
        self = .ordinary
        return
      default:
        break
      }
      switch scalar.properties.generalCategory {
      case .control, .format, .surrogate, .privateUse, .unassigned, .spaceSeparator, .lineSeparator,
        .paragraphSeparator:
        self = .unsafe
      case .nonspacingMark, .spacingMark, .enclosingMark:
        self = .mark
      case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
        .initialPunctuation, .finalPunctuation, .otherPunctuation, .mathSymbol, .currencySymbol,
        .modifierSymbol, .otherSymbol:
        self = .punctuationOrSymbol
      default:
        self = .ordinary
      }
    }
  }
}

extension EmailValidator {
  /// ASCII bytes the validator looks for.
  enum ASCII {
    static let at = UInt8(ascii: "@")
    static let dot = UInt8(ascii: ".")
    static let hyphen = UInt8(ascii: "-")
    static let quote = UInt8(ascii: "\"")
    static let leftAngle = UInt8(ascii: "<")
    static let rightAngle = UInt8(ascii: ">")
    static let leftBracket = UInt8(ascii: "[")
    static let zero = UInt8(ascii: "0")
    static let nine = UInt8(ascii: "9")
    static let upperA = UInt8(ascii: "A")
    static let upperZ = UInt8(ascii: "Z")
    static let lowerN = UInt8(ascii: "n")
    static let lowerX = UInt8(ascii: "x")
  }
}

extension EmailValidator {
  /// Why an address was rejected; each case has a stable code and a message a person can act on.
  enum Problem: Hashable, Sendable {
    enum DotPlace: Hashable, Sendable { case start, end, double }
    /// A dot at the end of a domain is `domainNoTLD`.
    enum DomainDotPlace: Hashable, Sendable { case start, double }
    enum HyphenPlace: Hashable, Sendable { case start, end, thirdAndFourth }

    case missingAt
    case lookalikeAt(Unicode.Scalar)
    case displayName
    case emptyLocalPart
    case quotedLocalPart
    case multipleAt
    case localPartCharacter(Unicode.Scalar, leading: Bool)
    case localPartDots(DotPlace)
    case localPartTooLong(octets: Int, ascii: Bool)
    case emptyDomain
    case domainLiteral
    case domainCharacter(Unicode.Scalar, labelStart: Bool)
    case domainDots(DomainDotPlace)
    case domainNoTLD
    case domainHyphens(HyphenPlace, label: String)
    case domainPunycode(label: String)
    case domainLabelTooLong(octets: Int, ascii: Bool)
    case domainTooLong(octets: Int, ascii: Bool)
    case domainNeedsDot
    case numericTLD
    case tldEndsInDigit(String)
    case specialUseDomain(String)
    case tooLong(octets: Int, ascii: Bool)

    var code: IssueCode {
      switch self {
      case .missingAt, .lookalikeAt: "email.missing_at"
      case .displayName: "email.display_name"
      case .emptyLocalPart: "email.empty_local_part"
      case .quotedLocalPart: "email.quoted_local_part"
      case .multipleAt: "email.multiple_at"
      case .localPartCharacter: "email.invalid_local_characters"
      case .localPartDots: "email.local_part_dots"
      case .localPartTooLong: "email.local_part_too_long"
      case .emptyDomain: "email.empty_domain"
      case .domainLiteral: "email.domain_literal"
      case .domainCharacter: "email.invalid_domain_characters"
      case .domainDots: "email.domain_dots"
      case .domainNoTLD: "email.domain_no_tld"
      case .domainHyphens: "email.domain_hyphens"
      case .domainPunycode: "email.domain_punycode"
      case .domainLabelTooLong: "email.domain_label_too_long"
      case .domainTooLong: "email.domain_too_long"
      case .domainNeedsDot: "email.domain_needs_dot"
      case .numericTLD: "email.domain_numeric_tld"
      case .tldEndsInDigit: "email.domain_invalid_tld"
      case .specialUseDomain: "email.domain_special_use"
      case .tooLong: "email.too_long"
      }
    }

    var message: String {
      let local = "the part before the @-sign"
      switch self {
      case .missingAt:
        return "the address has no @-sign"
      case .lookalikeAt(let scalar):
        return "the address has \(Self.describe(scalar)) instead of a real @-sign"
      case .displayName:
        return "the address is in angle brackets, perhaps after a name; keep only the address itself "
          + "(for example ada@example.com)"
      case .emptyLocalPart:
        return "there is nothing before the @-sign"
      case .quotedLocalPart:
        return "\(local) is in double quotes, which is not accepted"
      case .multipleAt:
        return "the address has more than one @-sign"
      case .localPartCharacter(let scalar, let leading):
        if leading { return "\(local) starts with \(Self.describe(scalar)), which is not allowed" }
        return "\(local) contains \(Self.describe(scalar)), which is not allowed"
      case .localPartDots(.start):
        return "\(local) cannot start with a dot"
      case .localPartDots(.end):
        return "\(local) cannot end with a dot"
      case .localPartDots(.double):
        return "\(local) has two dots in a row"
      case .localPartTooLong(let octets, let ascii):
        return "\(local) is \(Self.length(octets, ascii)) long; at most \(EmailValidator.maxLocalPartOctets) "
          + "are allowed"
      case .emptyDomain:
        return "there is nothing after the @-sign"
      case .domainLiteral:
        return "the domain is an IP address in brackets, which is not accepted; use a domain name such as "
          + "example.com"
      case .domainCharacter(let scalar, let labelStart):
        if labelStart {
          return "a part of the domain starts with \(Self.describe(scalar)), which is not allowed"
        }
        return "the domain contains \(Self.describe(scalar)), which is not allowed"
      case .domainDots(.start):
        return "the domain cannot start with a dot"
      case .domainDots(.double):
        return "the domain has two dots in a row"
      case .domainNoTLD:
        return "the domain has no top-level part after its last dot"
      case .domainHyphens(.start, let label):
        return "the domain part \"\(label)\" cannot start with a hyphen"
      case .domainHyphens(.end, let label):
        return "the domain part \"\(label)\" cannot end with a hyphen"
      case .domainHyphens(.thirdAndFourth, let label):
        return "the domain part \"\(label)\" has hyphens in its third and fourth places, which only "
          + "Punycode (xn--) may have"
      case .domainPunycode(let label):
        return "the domain part \"\(label)\" starts with xn-- but is not Punycode"
      case .domainLabelTooLong(let octets, let ascii):
        return "a part of the domain between dots is \(Self.length(octets, ascii)) long; at most "
          + "\(EmailValidator.maxLabelOctets) are allowed"
      case .domainTooLong(let octets, let ascii):
        return "the domain is \(Self.length(octets, ascii)) long; at most \(EmailValidator.maxDomainOctets) "
          + "are allowed"
      case .domainNeedsDot:
        return "the domain needs a dot (for example example.com)"
      case .numericTLD:
        return "the domain ends in a number, like an IP address; it must end in a name such as .com"
      case .tldEndsInDigit(let label):
        return "the top-level part of the domain, \"\(label)\", must end with a letter"
      case .specialUseDomain(let name):
        return "the domain ends in \".\(name)\", a reserved name that cannot receive email"
      case .tooLong(let octets, let ascii):
        return "the address is \(Self.length(octets, ascii)) long; "
          + "at most \(EmailValidator.maxAddressOctets) are allowed"
      }
    }

    /// "70 characters", or "70 bytes in UTF-8" when some characters take more than one byte.
    static func length(_ octets: Int, _ ascii: Bool) -> String {
      ascii ? "\(octets) characters" : "\(octets) bytes in UTF-8"
    }

    /// A character as a message shows it: `"<"` when visible, a name such as `SPACE` or
    /// `NO-BREAK SPACE (U+00A0)` when not.
    static func describe(_ scalar: Unicode.Scalar) -> String {
      switch scalar.value {
      case 0x20: return "SPACE"
      case 0x22: return "a double quote (\")"
      case 0x21...0x7E: return "\"\(Character(scalar))\""
      default: break
      }
      let name: String? =
        switch scalar.value {
        case 0x09: "TAB"
        case 0x0A: "LINE FEED"
        case 0x0D: "CARRIAGE RETURN"
        case 0x00: "NUL"
        case 0x7F: "DELETE"
        default: scalar.properties.name ?? scalar.properties.nameAlias
        }
      let hex = String(scalar.value, radix: 16, uppercase: true)
      let code = "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
      switch scalar.properties.generalCategory {
      case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
        .decimalNumber, .letterNumber, .otherNumber, .connectorPunctuation, .dashPunctuation,
        .openPunctuation, .closePunctuation, .initialPunctuation, .finalPunctuation, .otherPunctuation,
        .mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol:
        return "\"\(Character(scalar))\" (\(code))"
      default:
        if let name { return "\(name) (\(code))" }
        return code
      }
    }
  }
}
