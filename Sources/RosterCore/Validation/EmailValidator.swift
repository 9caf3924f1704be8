/// Checks the syntax of one email address and gives the form the output carries.
///
/// Follows Python's `email-validator` 2.4.0 with its defaults and `check_deliverability=False` (the
/// agreement is measured on `Fixtures/validation/emails.tsv`; the few known differences are listed in
/// `Fixtures/validation/email-disagreements.tsv`):
/// - exactly one `@`; quoted local parts, IP-literal domains and `Name <address>` forms are rejected;
/// - the local part is a dot-atom of RFC 5322 `atext` plus any non-ASCII character (RFC 6531) that is a
///   letter, number, punctuation or symbol (a combining mark is allowed but not first); its length is not
///   limited on its own (email-validator checks 64 octets only in strict mode);
/// - the domain is mapped with UTS #46 (so `BÜCHER.de` and full-width `ｅｘａｍｐｌｅ.com` are accepted),
///   its labels must follow IDNA 2008 (code points, CONTEXTO, the Bidi Rule) and RFC 952 hyphen rules, and
///   `xn--` labels must be canonical Punycode; it needs a dot, a top-level label ending with a letter (in
///   its ASCII form), and no special-use name (`arpa`, `invalid`, `local`, `localhost`, `onion`, `test`);
/// - length limits on the ASCII (Punycode) form: 63 octets a label, 253 the domain; 254 octets for the
///   address as written, as normalised, and with its domain in Punycode.
///
/// The normalised value is what email-validator returns as `normalized`: the local part in NFC (and
/// lowercased when it is an RFC 2142 role name such as `Postmaster`), the domain lowercased and mapped by
/// UTS #46, in Unicode form (`a@xn--bcher-kva.de` gives `a@bücher.de`).
///
/// Unicode data (categories, bidi classes, NFC, UTS #46, IDNA 2008) comes from the reference's own tables
/// (`EmailUnicodeTables`, generated), never from Swift's, so a toolchain update cannot change a verdict.
///
/// ```swift
/// let validator = EmailValidator()
/// validator.validate("Ada@Example.COM")  // .valid(normalized: "Ada@example.com")
/// validator.validate("b.liskov@mit")     // .invalid(code: "email.domain_needs_dot", message: ...)
/// ```
///
/// - Complexity: O(n) in the UTF-8 length of the input for ASCII addresses; a valid address that needs no
///   rewriting is returned as the input string itself, without allocating. Addresses with non-ASCII
///   characters or `xn--` labels take a slower path (a few microseconds).
public struct EmailValidator: Sendable {
  /// RFC 5321 4.5.3.1.3 (with RFC 3696 errata 1690): octets in a whole address.
  static let maxAddressOctets = 254
  /// RFC 1035 2.3.4, less the root label: octets after the `@`.
  static let maxDomainOctets = 253
  /// RFC 1035 2.3.1: octets between two dots of the domain.
  static let maxLabelOctets = 63

  /// The outcomes of the internationalised domains seen so far (shared by copies of this validator).
  private let domains = EmailDomainCache()

  public init() {}

  /// Validates one address.
  ///
  /// - Parameter input: non-empty; the caller has trimmed ASCII whitespace.
  /// - Returns: `.valid(normalized:)` with email-validator's normalised form, or `.invalid` with a stable
  ///   `email.*` code and a sentence that names what to fix.
  public func validate(_ input: String) -> FieldVerdict {
    let domains = self.domains
    let outcome =
      input.utf8.withContiguousStorageIfAvailable { Self.check($0, domains: domains) }
      // Only a string without native UTF-8 storage gets here; copy it once.
      ?? Array(input.utf8).withUnsafeBufferPointer { Self.check($0, domains: domains) }
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

  /// A local part that passed, in the form the output carries.
  enum LocalForm {
    /// The input's own bytes, lowercased when `lowercase` is set (a role name such as `Postmaster`).
    case asWritten(lowercase: Bool)
    /// Different text (NFC), as UTF-8.
    case rewritten([UInt8])
  }

  // MARK: - Whole address

  /// The outcome for `bytes`, the UTF-8 of one input; internationalised domains are looked up in
  /// `domains` before they are worked out.
  static func check(_ bytes: UnsafeBufferPointer<UInt8>, domains: EmailDomainCache) -> Outcome {
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
    if bytes[0] == ASCII.quote { return .invalid(.quotedLocalPart) }
    if at == 0 { return .invalid(.emptyLocalPart) }
    let domainStart = at + 1
    if firstIndex(of: ASCII.at, in: bytes, from: domainStart, to: count) != nil {
      return .invalid(.multipleAt)
    }

    // The local part.
    let local: LocalForm
    let localLength: Int
    if isASCII(bytes, from: 0, to: at) {
      if let problem = asciiLocalPartProblem(bytes, end: at) { return .invalid(problem) }
      local = .asWritten(lowercase: isRoleMailbox(bytes, from: 0, to: at))
      localLength = at
    } else {
      switch internationalLocalPart(bytes, end: at) {
      case .failure(let problem): return .invalid(problem)
      case .success(let form):
        local = form
        if case .rewritten(let text) = form { localLength = text.count } else { localLength = at }
      }
    }

    // The domain.
    if domainStart == count { return .invalid(.emptyDomain) }
    if bytes[domainStart] == ASCII.leftBracket { return .invalid(.domainLiteral) }
    let domainOutcome =
      isASCII(bytes, from: domainStart, to: count)
      ? asciiDomain(bytes, start: domainStart)
      : domains.outcome(of: UnsafeBufferPointer(rebasing: bytes[domainStart...])) {
        internationalDomain(bytes, start: domainStart)
      }
    let domain: DomainForm
    switch domainOutcome {
    case .failure(let problem): return .invalid(problem)
    case .success(let form): domain = form
    }

    // The address as written, as normalised, and with its domain in Punycode.
    if count > maxAddressOctets {
      return .invalid(.tooLong(octets: count, measure: isASCII(bytes, from: 0, to: count) ? .characters : .utf8))
    }
    var normalizedLength = localLength + 1 + (count - domainStart)
    var asciiLength = normalizedLength
    if case .rewritten(let text, let punycodeLength) = domain {
      normalizedLength = localLength + 1 + text.count
      asciiLength = localLength + 1 + punycodeLength
    }
    if normalizedLength > maxAddressOctets {
      return .invalid(.tooLong(octets: normalizedLength, measure: .normalized))
    }
    if asciiLength > maxAddressOctets { return .invalid(.tooLong(octets: asciiLength, measure: .punycode)) }

    switch (local, domain) {
    case (.asWritten(lowercase: false), .asWritten(lowercase: false)):
      return .unchanged
    default:
      return .rewritten(normalizedAddress(bytes, at: at, local: local, domain: domain))
    }
  }

  /// The normalised address from the input and the forms of its two parts.
  static func normalizedAddress(
    _ bytes: UnsafeBufferPointer<UInt8>, at: Int, local: LocalForm, domain: DomainForm
  ) -> String {
    var output: [UInt8] = []
    output.reserveCapacity(bytes.count + 16)
    switch local {
    case .asWritten(let lowercase):
      for byte in bytes[0..<at] { output.append(lowercase ? lowercased(byte) : byte) }
    case .rewritten(let text):
      output.append(contentsOf: text)
    }
    output.append(ASCII.at)
    switch domain {
    case .asWritten(let lowercase):
      for byte in bytes[(at + 1)...] { output.append(lowercase ? lowercased(byte) : byte) }
    case .rewritten(let text, _):
      output.append(contentsOf: text)
    }
    return String(decoding: output, as: UTF8.self)
  }

  @inline(__always)
  static func lowercased(_ byte: UInt8) -> UInt8 {
    byte >= ASCII.upperA && byte <= ASCII.upperZ ? byte | 0x20 : byte
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

  /// The first problem in the ASCII local part `bytes[0..<end]` (non-empty, not quoted), or `nil`.
  static func asciiLocalPartProblem(_ bytes: UnsafeBufferPointer<UInt8>, end: Int) -> Problem? {
    var i = 0
    var previousWasDot = false
    var sawDoubleDot = false
    while i < end {
      let byte = bytes[i]
      if byte == ASCII.dot {
        if previousWasDot { sawDoubleDot = true }
        previousWasDot = true
      } else if isAtext(byte) {
        previousWasDot = false
      } else {
        return .localPartCharacter(Unicode.Scalar(byte), leading: false)
      }
      i += 1
    }
    if bytes[end - 1] == ASCII.dot { return .localPartDots(.end) }
    if bytes[0] == ASCII.dot { return .localPartDots(.start) }
    if sawDoubleDot { return .localPartDots(.double) }
    return nil
  }

  /// Validates a local part `bytes[0..<end]` with a non-ASCII character, as written and after NFC.
  static func internationalLocalPart(_ bytes: UnsafeBufferPointer<UInt8>, end: Int) -> Result<LocalForm, Problem> {
    let written = codePoints(bytes, from: 0, to: end)
    if let problem = localPartProblem(written) { return .failure(problem) }
    let normalized = EmailUnicode.nfc(written)
    if normalized == written { return .success(.asWritten(lowercase: false)) }
    if let problem = localPartProblem(normalized) { return .failure(.afterNormalization(problem)) }
    var output: [UInt8] = []
    let isASCIINow = normalized.allSatisfy { $0 < 0x80 }
    for codePoint in normalized { appendUTF8(codePoint, to: &output) }
    // NFC can make a local part ASCII (`K`, KELVIN SIGN, becomes `K`): then role names are lowercased.
    if isASCIINow && output.withUnsafeBufferPointer({ isRoleMailbox($0, from: 0, to: $0.count) }) {
      output = output.map(lowercased)
    }
    return .success(.rewritten(output))
  }

  /// The first problem in a local part's code points (email-validator's dot-atom and unsafe-character
  /// rules), or `nil`.
  static func localPartProblem(_ codePoints: [UInt32]) -> Problem? {
    for codePoint in codePoints where codePoint < 0x80 && codePoint != UInt32(ASCII.dot) {
      if !isAtext(UInt8(codePoint)) { return .localPartCharacter(scalar(codePoint), leading: false) }
    }
    let dot = UInt32(ASCII.dot)
    if codePoints.last == dot { return .localPartDots(.end) }
    if codePoints.first == dot { return .localPartDots(.start) }
    for index in codePoints.indices.dropFirst() where codePoints[index] == dot && codePoints[index - 1] == dot {
      return .localPartDots(.double)
    }
    for (index, codePoint) in codePoints.enumerated() where codePoint >= 0x80 {
      switch EmailUnicode.properties(codePoint).safety {
      case .safe: continue
      case .mark: if index == 0 { return .localPartCharacter(scalar(codePoint), leading: true) }
      case .unsafe: return .localPartCharacter(scalar(codePoint), leading: false)
      }
    }
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

  /// Whether `bytes[from..<to]` is, ignoring case, a mailbox RFC 2142 makes case-insensitive
  /// (email-validator lowercases these: `Postmaster@example.com` becomes `postmaster@example.com`).
  static func isRoleMailbox(_ bytes: UnsafeBufferPointer<UInt8>, from: Int, to: Int) -> Bool {
    let length = to - from
    guard length >= 3 && length <= 10 else { return false }
    // Only a name with an upper-case letter needs rewriting.
    var hasUpper = false
    for byte in bytes[from..<to] where byte >= ASCII.upperA && byte <= ASCII.upperZ { hasUpper = true }
    guard hasUpper else { return false }
    for name: StaticString in [
      "info", "marketing", "sales", "support", "abuse", "noc", "security", "postmaster", "hostmaster", "usenet",
      "news", "webmaster", "www", "uucp", "ftp",
    ] where equalsIgnoringASCIICase(bytes, from: from, to: to, name) {
      return true
    }
    return false
  }

  // MARK: - ASCII domain

  /// Validates the ASCII domain `bytes[start...]` (non-empty, not a literal) in email-validator's order.
  static func asciiDomain(_ bytes: UnsafeBufferPointer<UInt8>, start: Int) -> DomainOutcome {
    let end = bytes.count
    if end - start > maxDomainOctets {
      return .failure(.domainTooLong(octets: end - start, measure: .characters))
    }
    // Characters, upper case, and the start of the last label.
    var i = start
    var lastLabelStart = start
    var hasUpper = false
    while i < end {
      let byte = bytes[i]
      if byte == ASCII.dot {
        lastLabelStart = i + 1
      } else if byte >= ASCII.upperA && byte <= ASCII.upperZ {
        hasUpper = true
      } else if !isHostnameByte(byte) {
        return .failure(.domainCharacter(Unicode.Scalar(byte), labelStart: false))
      }
      i += 1
    }
    // Dots (email-validator's check_dot_atom order).
    if bytes[end - 1] == ASCII.dot { return .failure(.domainNoTLD) }
    if bytes[start] == ASCII.dot { return .failure(.domainDots(.start)) }
    i = start + 1
    while i < end {
      if bytes[i] == ASCII.dot && bytes[i - 1] == ASCII.dot { return .failure(.domainDots(.double)) }
      i += 1
    }
    // Labels: hyphens, reserved hyphens, Punycode prefix.
    var hasPunycode = false
    var labelStart = start
    i = start
    while i <= end {
      if i < end && bytes[i] != ASCII.dot {
        i += 1
        continue
      }
      if let problem = asciiLabelProblem(bytes, from: labelStart, to: i) { return .failure(problem) }
      if i - labelStart >= 4 && bytes[labelStart + 2] == ASCII.hyphen && bytes[labelStart + 3] == ASCII.hyphen {
        hasPunycode = true  // "xn--" (asciiLabelProblem refused any other letters before the hyphens)
      }
      i += 1
      labelStart = i
    }
    // `hasPunycode` misses "xn--" inside a label ("axn--b"); email-validator then decodes the domain too,
    // which gives it back unchanged, so nothing is lost.
    if let problem = asciiDomainTailProblem(bytes, start: start, lastLabelStart: lastLabelStart) {
      return .failure(problem)
    }
    if hasPunycode {
      return asciiDomainWithPunycode(bytes[start..<end].map(lowercased))
    }
    return .success(.asWritten(lowercase: hasUpper))
  }

  /// Hyphens and length of one ASCII label `bytes[from..<to]` (non-empty).
  static func asciiLabelProblem(_ bytes: UnsafeBufferPointer<UInt8>, from: Int, to: Int) -> Problem? {
    if bytes[from] == ASCII.hyphen { return .domainHyphens(.start, label: text(bytes, from: from, to: to)) }
    if bytes[to - 1] == ASCII.hyphen { return .domainHyphens(.end, label: text(bytes, from: from, to: to)) }
    // RFC 5890: hyphens in the 3rd and 4th places are reserved for "xn--" (Punycode).
    if to - from >= 4 && bytes[from + 2] == ASCII.hyphen && bytes[from + 3] == ASCII.hyphen
      && !(bytes[from] | 0x20 == ASCII.lowerX && bytes[from + 1] | 0x20 == ASCII.lowerN)
    {
      return .domainHyphens(.thirdAndFourth, label: text(bytes, from: from, to: to))
    }
    if to - from > maxLabelOctets {
      return .domainLabelTooLong(octets: to - from, measure: .characters)
    }
    return nil
  }

  /// The checks on a domain's ASCII form `bytes[start...]` (valid labels) that come last: a dot, a
  /// top-level label that ends with a letter, and no special-use name.
  static func asciiDomainTailProblem(
    _ bytes: UnsafeBufferPointer<UInt8>, start: Int, lastLabelStart: Int
  ) -> Problem? {
    let end = bytes.count
    if lastLabelStart == start { return .domainNeedsDot }
    let last = bytes[end - 1]
    if last >= ASCII.zero && last <= ASCII.nine {
      var allDigits = true
      for byte in bytes[lastLabelStart..<end] where byte < ASCII.zero || byte > ASCII.nine { allDigits = false }
      if allDigits { return .numericTLD }
      return .tldEndsInDigit(text(bytes, from: lastLabelStart, to: end))
    }
    // Names that cannot receive email from outside (RFC 6761, 6762, 7686), and any name under them.
    // StaticString, not [String]: no reference counting on this path, which every valid address takes.
    for name: StaticString in ["arpa", "invalid", "local", "localhost", "onion", "test"]
    where equalsIgnoringASCIICase(bytes, from: lastLabelStart, to: end, name) {
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

  // MARK: - Bytes

  @inline(__always)
  static func firstIndex(of byte: UInt8, in bytes: UnsafeBufferPointer<UInt8>, from: Int, to: Int) -> Int? {
    var i = from
    while i < to {
      if bytes[i] == byte { return i }
      i += 1
    }
    return nil
  }

  @inline(__always)
  static func isASCII(_ bytes: UnsafeBufferPointer<UInt8>, from: Int, to: Int) -> Bool {
    var i = from
    while i < to {
      if bytes[i] >= 0x80 { return false }
      i += 1
    }
    return true
  }

  /// Whether `bytes[from..<to]` equals the lower-case ASCII `lowercase`, ignoring ASCII case.
  static func equalsIgnoringASCIICase(
    _ bytes: UnsafeBufferPointer<UInt8>, from: Int, to: Int, _ lowercase: StaticString
  ) -> Bool {
    guard lowercase.utf8CodeUnitCount == to - from else { return false }
    return lowercase.withUTF8Buffer { name in
      var k = 0
      while k < name.count {
        if lowercased(bytes[from + k]) != name[k] { return false }
        k += 1
      }
      return true
    }
  }

  static func text(_ bytes: UnsafeBufferPointer<UInt8>, from: Int, to: Int) -> String {
    String(decoding: UnsafeBufferPointer(rebasing: bytes[from..<to]), as: UTF8.self)
  }

  @inline(__always)
  static func utf8Length(_ lead: UInt8) -> Int {
    lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4
  }

  /// The scalar whose UTF-8 starts at `bytes[i]` and its length in bytes.
  /// The bytes come from a `String`, so they are valid UTF-8; U+FFFD stands in for anything else.
  @inline(__always)
  static func decodeScalar(
    _ bytes: UnsafeBufferPointer<UInt8>, at i: Int, end: Int
  ) -> (Unicode.Scalar, Int) {
    let lead = bytes[i]
    if lead < 0x80 { return (Unicode.Scalar(lead), 1) }
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
