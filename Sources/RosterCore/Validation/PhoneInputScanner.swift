/// The front end of libphonenumber's `parse`: finds the number in the text, splits off an extension and
/// turns what is left into digits.
///
/// It follows phonenumbers' `_build_national_number_for_parsing` (RFC 3966 `tel:` URIs with
/// `;phone-context=` and `;isub=`), `_extract_possible_number` (text before the first `+` or digit and
/// trailing punctuation are dropped, a second number after `/x` is cut), `_is_viable_phone_number`,
/// `_maybe_strip_extension` (`;ext=`, `ext.`, `x`, `#`, `,,`, `доб`, ... with phonenumbers' digit limits)
/// and `_normalize` (any Unicode decimal digit; letters read on a phone keypad when there are 3 or more).
///
/// Plain input (ASCII digits, `+`, spaces and `( ) - . /`) takes a byte loop with no allocation; anything
/// else takes a general path over Unicode scalars.
enum PhoneInputScanner {
  /// phonenumbers rejects longer input outright (`_MAX_INPUT_STRING_LENGTH`).
  static let maximumLength = 250

  /// The number found in the input.
  struct Number {
    /// The digits, vanity letters converted, without the extension.
    var digits = PhoneDigitString()
    /// Whether the number (after any `tel:` or leading text) starts with `+` or a full-width plus.
    var hasPlus = false
    /// The extension's digits in ASCII; empty when there is none.
    var extensionDigits = ""
  }

  /// Why the input is not a phone number at all (phonenumbers' NOT_A_NUMBER and TOO_LONG).
  enum Failure: Error, Equatable {
    case tooLong(characters: Int)
    case noDigits
    case tooFewDigits(Int)
    case invalidCharacter(Unicode.Scalar)
    case misplacedPlus
    case invalidPhoneContext
  }

  static func scan(_ input: String) -> Result<Number, Failure> {
    if let fast = input.utf8.withContiguousStorageIfAvailable(scanPlain), let fast { return fast }
    return scanUnicode(input)
  }

  // MARK: Plain ASCII

  /// The byte loop for plain input; nil when the input has any other character.
  private static func scanPlain(_ bytes: UnsafeBufferPointer<UInt8>) -> Result<Number, Failure>? {
    var number = Number()
    var start = -1  // the first `+` or digit
    var leadingPluses = true  // only `+` seen since `start`
    var misplacedPlus = -1  // the first `+` after that run
    var lastDigit = -1
    for (index, byte) in bytes.enumerated() {
      switch byte {
      case UInt8(ascii: "0")...UInt8(ascii: "9"):
        number.digits.append(byte &- UInt8(ascii: "0"))
        if start < 0 { start = index }
        leadingPluses = false
        lastDigit = index
      case UInt8(ascii: "+"):
        if start < 0 {
          start = index
        } else if !leadingPluses, misplacedPlus < 0 {
          misplacedPlus = index
        }
      case UInt8(ascii: " "), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "("), UInt8(ascii: ")"),
        UInt8(ascii: "/"):
        if start >= 0 { leadingPluses = false }
      default:
        return nil
      }
    }
    if bytes.count > maximumLength { return .failure(.tooLong(characters: bytes.count)) }
    guard lastDigit >= 0 else { return .failure(.noDigits) }
    // A `+` after the last digit is trailing punctuation, which phonenumbers drops.
    if misplacedPlus >= 0, misplacedPlus < lastDigit { return .failure(.misplacedPlus) }
    if number.digits.count < 3 {
      // phonenumbers takes two digits only when nothing else is between them: `15`, not `1-5` or `+15`.
      guard number.digits.count == 2, lastDigit - start == 1, bytes[start] != UInt8(ascii: "+") else {
        return .failure(.tooFewDigits(number.digits.count))
      }
    }
    number.hasPlus = bytes[start] == UInt8(ascii: "+")
    return .success(number)
  }

  // MARK: Unicode

  /// One input character, classified once.
  private struct Character {
    var scalar: Unicode.Scalar
    /// The value of a decimal digit (Unicode Nd), else -1.
    var digit: Int8
    var role: Role
    /// The lower-case form case-insensitive matching compares (see `fold`).
    var folded: UInt32

    init(_ scalar: Unicode.Scalar) {
      self.scalar = scalar
      // Plus signs, punctuation and letters are never decimal digits: only the rest needs a Unicode lookup.
      var role = PhoneInputScanner.role(scalar)
      var digit: Int8 = -1
      if role == .digit {
        digit = Int8(scalar.value - 0x30)
      } else if role == .other, let value = PhoneInputScanner.decimalValue(scalar) {
        role = .digit
        digit = Int8(value)
      }
      self.role = role
      self.digit = digit
      self.folded = PhoneInputScanner.fold(scalar)
    }

    func `is`(_ ascii: Unicode.Scalar) -> Bool { scalar == ascii }
  }

  /// A run of classified characters: `buffer[range]`.
  private typealias Characters = UnsafeMutableBufferPointer<Character>

  private static func scanUnicode(_ input: String) -> Result<Number, Failure> {
    // A scalar takes 1 to 4 UTF-8 bytes: more than 1,000 bytes is surely over the limit.
    let bytes = input.utf8.count
    if bytes > 4 * maximumLength { return .failure(.tooLong(characters: input.unicodeScalars.count)) }
    // Room for the input and, after it, a rebuilt `tel:` number (context + number, at most the input).
    return withUnsafeTemporaryAllocation(of: Character.self, capacity: 2 * bytes + 1) { buffer in
      var index = 0
      for scalar in input.unicodeScalars {
        (buffer.baseAddress! + index).initialize(to: Character(scalar))
        index += 1
      }
      defer { buffer.baseAddress!.deinitialize(count: index) }
      if index > maximumLength { return .failure(.tooLong(characters: index)) }
      return scan(buffer, count: index, index: &index)
    }
  }

  private static func scan(_ buffer: Characters, count: Int, index: inout Int) -> Result<Number, Failure> {
    var text: Range<Int>
    if let contextAt = find(";phone-context=", in: buffer, 0..<count) {
      // RFC 3966: the number is between `tel:` and `;phone-context=`, after the context when that is a
      // global number (`+1`); a domain context is dropped.
      let contextStart = contextAt + 15
      var contextEnd = contextStart
      while contextEnd < count, !buffer[contextEnd].is(";") { contextEnd += 1 }
      let context = min(contextStart, count)..<contextEnd
      guard isValidPhoneContext(buffer, context) else { return .failure(.invalidPhoneContext) }
      let start = count
      var end = start
      if buffer[context.lowerBound].is("+") {
        for position in context {
          (buffer.baseAddress! + end).initialize(to: buffer[position])
          end += 1
        }
      }
      let numberStart = find("tel:", in: buffer, 0..<count).map { $0 + 4 } ?? 0
      for position in numberStart..<max(numberStart, contextAt) {
        (buffer.baseAddress! + end).initialize(to: buffer[position])
        end += 1
      }
      index = end  // everything up to here is initialized
      text = start..<end
    } else {
      text = extractPossibleNumber(buffer, 0..<count)
    }
    if let subaddress = find(";isub=", in: buffer, text), subaddress > text.lowerBound {
      text = text.lowerBound..<subaddress
    }
    guard isViable(buffer, text) else { return .failure(diagnose(buffer, text)) }

    var number = Number()
    number.hasPlus = !text.isEmpty && buffer[text.lowerBound].role == .plus
    var body = text
    if let (extensionStart, digits) = findExtension(buffer, text),
      isViable(buffer, text.lowerBound..<extensionStart)
    {
      body = text.lowerBound..<extensionStart
      for position in digits {
        number.extensionDigits.unicodeScalars.append(
          Unicode.Scalar(UInt8(ascii: "0") + UInt8(buffer[position].digit)))
      }
    }
    // Three or more ASCII letters make a vanity number (`1-800-FLOWERS`): letters become keypad digits and
    // only ASCII digits are kept; otherwise every decimal digit counts and letters are dropped.
    var letters = 0
    for position in body where isASCIILetter(buffer[position].scalar) {
      letters += 1
    }
    for position in body {
      if letters >= 3 {
        if let digit = keypadDigit(buffer[position].scalar) { number.digits.append(digit) }
      } else if buffer[position].digit >= 0 {
        number.digits.append(UInt8(buffer[position].digit))
      }
    }
    return .success(number)
  }

  /// The first position in `range` where the ASCII `needle` starts (case-sensitive, as `str.find`).
  private static func find(_ needle: StaticString, in buffer: Characters, _ range: Range<Int>) -> Int? {
    needle.withUTF8Buffer { needle in
      guard range.count >= needle.count else { return nil }
      var start = range.lowerBound
      while start + needle.count <= range.upperBound {
        var offset = 0
        while offset < needle.count, buffer[start + offset].scalar.value == UInt32(needle[offset]) { offset += 1 }
        if offset == needle.count { return start }
        start += 1
      }
      return nil
    }
  }

  /// RFC 3966 global-number-digits (`+1-650`) or a domain name (`example.com`).
  private static func isValidPhoneContext(_ buffer: Characters, _ context: Range<Int>) -> Bool {
    guard !context.isEmpty else { return false }
    if buffer[context.lowerBound].is("+") {
      var digits = 0
      for position in context.dropFirst() {
        let character = buffer[position]
        if character.digit >= 0 {
          digits += 1
        } else if !(character.is("-") || character.is(".") || character.is("(") || character.is(")")) {
          return false
        }
      }
      return digits > 0
    }
    // Labels of letters and digits with inner hyphens, separated by dots, perhaps a final dot; the last
    // label starts with a letter.
    var end = context.upperBound
    if end - context.lowerBound > 1, buffer[end - 1].is(".") { end -= 1 }
    var labelStart = context.lowerBound
    var position = context.lowerBound
    while position <= end {
      if position == end || buffer[position].is(".") {
        guard labelStart < position, isAlphanumeric(buffer[labelStart]), isAlphanumeric(buffer[position - 1])
        else { return false }
        if position == end, !isASCIILetter(buffer[labelStart].scalar) {
          return false
        }
        labelStart = position + 1
      } else if !(isAlphanumeric(buffer[position]) || buffer[position].is("-")) {
        return false
      }
      position += 1
    }
    return true
  }

  private static func isAlphanumeric(_ character: Character) -> Bool {
    character.digit >= 0 || isASCIILetter(character.scalar)
  }

  /// `A` to `Z` and `a` to `z` (`x` is punctuation to `Role`, but a letter here).
  private static func isASCIILetter(_ scalar: Unicode.Scalar) -> Bool {
    (0x41...0x5A).contains(scalar.value) || (0x61...0x7A).contains(scalar.value)
  }

  /// `_extract_possible_number`: from the first `+` or digit, less trailing characters that are neither
  /// letters, numbers nor `#`, and less a second number after `/x` or `\x`.
  private static func extractPossibleNumber(_ buffer: Characters, _ range: Range<Int>) -> Range<Int> {
    var start = range.lowerBound
    while start < range.upperBound, buffer[start].role != .plus, buffer[start].digit < 0 { start += 1 }
    guard start < range.upperBound else { return start..<start }
    var end = range.upperBound
    while end > start, isUnwantedAtEnd(buffer[end - 1].scalar) { end -= 1 }
    var position = start
    while position < end {
      if buffer[position].is("/") || buffer[position].is("\\") {
        var next = position + 1
        while next < end, buffer[next].is(" ") { next += 1 }
        if next < end, buffer[next].is("x") { return start..<position }
      }
      position += 1
    }
    return start..<end
  }

  /// Python's `(?:_|[^#\w])`: not a letter, number or `#`, or an underscore.
  private static func isUnwantedAtEnd(_ scalar: Unicode.Scalar) -> Bool {
    if scalar.isASCII {
      switch scalar.value {
      case 0x23, 0x30...0x39, 0x41...0x5A, 0x61...0x7A: return false
      default: return true
      }
    }
    switch scalar.properties.generalCategory {
    case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter, .decimalNumber,
      .letterNumber, .otherNumber:
      return false
    default:
      return true
    }
  }

  // MARK: Viability

  /// What a character may be in `_VALID_PHONE_NUMBER`.
  private enum Role: UInt8 {
    case plus, punctuation, letter, digit, other
  }

  /// The role of a character, `.other` for any digit but ASCII ones (see `Character.init`).
  private static func role(_ scalar: Unicode.Scalar) -> Role {
    switch scalar.value {
    case 0x30...0x39: return .digit
    case 0x2B, 0xFF0B: return .plus
    case 0x2A, 0x20, 0x2D, 0x78, 0x58, 0x2010...0x2015, 0x2212, 0x30FC, 0xFF0D...0xFF0F, 0xA0, 0xAD, 0x200B, 0x2060,
      0x3000, 0x28, 0x29, 0xFF08, 0xFF09, 0xFF3B, 0xFF3D, 0x2E, 0x5B, 0x5D, 0x2F, 0x7E, 0x2053, 0x223C, 0xFF5E:
      return .punctuation  // `*` counts here too: it may go wherever punctuation may.
    case 0x41...0x5A, 0x61...0x7A, 0x130, 0x131, 0x17F, 0x212A:
      return .letter  // The last four are what Python's case-insensitive [A-Za-z] also matches.
    default:
      return .other
    }
  }

  /// Where `[+]*(?:[punct]*\d){3,}[punct alpha \d]*` can end within `range`: from `first` (just after the
  /// third digit; nil when there is none) to `stop` (the first character it cannot take).
  private static func numberPart(_ buffer: Characters, _ range: Range<Int>) -> (first: Int?, stop: Int) {
    var position = range.lowerBound
    while position < range.upperBound, buffer[position].role == .plus { position += 1 }
    var digits = 0
    var first: Int?
    while position < range.upperBound {
      switch buffer[position].role {
      case .digit: digits += 1
      case .punctuation: break
      case .letter where digits >= 3: break
      default: return (first, position)
      }
      position += 1
      if digits == 3, first == nil { first = position }
    }
    return (first, range.upperBound)
  }

  /// `_is_viable_phone_number`: two digits alone, or the number pattern optionally followed by an
  /// extension, matching the whole range.
  private static func isViable(_ buffer: Characters, _ range: Range<Int>) -> Bool {
    guard range.count >= 2 else { return false }
    if range.count == 2, buffer[range.lowerBound].digit >= 0, buffer[range.lowerBound + 1].digit >= 0 { return true }
    let (first, stop) = numberPart(buffer, range)
    guard let first else { return false }
    if stop == range.upperBound { return true }
    guard let tail = extensionTail(buffer, range) else { return false }
    var end = first
    while end <= min(stop, tail.digits.lowerBound) {
      if extensionLead(buffer, end..<tail.digits.lowerBound, tail) { return true }
      end += 1
    }
    return false
  }

  /// Why `range` is not viable, for the message.
  private static func diagnose(_ buffer: Characters, _ range: Range<Int>) -> Failure {
    let digitCount = range.reduce(0) { $0 + (buffer[$1].digit >= 0 ? 1 : 0) }
    if digitCount == 0 { return .noDigits }
    let stop = numberPart(buffer, range).stop
    if stop < range.upperBound {
      return buffer[stop].role == .plus ? .misplacedPlus : .invalidCharacter(buffer[stop].scalar)
    }
    return .tooFewDigits(digitCount)
  }

  // MARK: Extensions

  /// The end of a possible extension: its digits (the last run of decimal digits) and whether a `#`
  /// follows them. Every extension pattern of phonenumbers ends so.
  private struct ExtensionTail {
    var digits: Range<Int>
    var hash: Bool
  }

  private static func extensionTail(_ buffer: Characters, _ range: Range<Int>) -> ExtensionTail? {
    var end = range.upperBound
    let hash = end > range.lowerBound && buffer[end - 1].is("#")
    if hash { end -= 1 }
    var start = end
    while start > range.lowerBound, buffer[start - 1].digit >= 0 { start -= 1 }
    return start < end ? ExtensionTail(digits: start..<end, hash: hash) : nil
  }

  /// The leftmost place where an extension runs to the end of `range`, as `_EXTN_PATTERN.search` finds
  /// it, and the range of its digits.
  private static func findExtension(_ buffer: Characters, _ range: Range<Int>) -> (start: Int, digits: Range<Int>)? {
    guard let tail = extensionTail(buffer, range) else { return nil }
    for start in range.lowerBound..<tail.digits.lowerBound
    where extensionLead(buffer, start..<tail.digits.lowerBound, tail) {
      return (start, tail.digits)
    }
    return nil
  }

  /// Whether `lead`, then the tail's digits (and `#`), is one of phonenumbers' extension patterns (with
  /// its digit limit): `;ext=`, `[ \t,]*` and an explicit label (`ext.`, `extension`, `доб`, ...) or an
  /// ambiguous one (`x`, `#`, `~`, `int`), `[- ]+` before digits and `#`, `,,` or `;`, or commas.
  private static func extensionLead(_ buffer: Characters, _ lead: Range<Int>, _ tail: ExtensionTail) -> Bool {
    let digitCount = tail.digits.count
    // ;ext=123
    if !tail.hash, digitCount <= 20, lead.count == 5, folded(buffer, lead.lowerBound, ";ext=") { return true }
    // [ \t,]* label [:.]? [ \t,-]* digits #?
    var afterSeparators = lead.lowerBound
    while afterSeparators < lead.upperBound, isLabelSeparator(buffer[afterSeparators], comma: true) {
      afterSeparators += 1
    }
    var labelEnds = LabelEnds()
    if digitCount <= 20 { explicitLabelEnds(buffer, afterSeparators, lead.upperBound, into: &labelEnds) }
    if digitCount <= 9 { ambiguousLabelEnds(buffer, afterSeparators, lead.upperBound, into: &labelEnds) }
    for index in 0..<labelEnds.count where afterLabel(buffer, labelEnds[index]..<lead.upperBound) { return true }
    // [- ]+ digits #
    if tail.hash, digitCount <= 6, !lead.isEmpty,
      lead.allSatisfy({ buffer[$0].is("-") || buffer[$0].is(" ") })
    {
      return true
    }
    // [ \t]* (,, | ;) [:.]? [ \t,-]* digits #?   and   [ \t]* ,+ [:.]? [ \t,-]* digits #?
    var afterSpaces = lead.lowerBound
    while afterSpaces < lead.upperBound, isLabelSeparator(buffer[afterSpaces], comma: false) { afterSpaces += 1 }
    guard afterSpaces < lead.upperBound else { return false }
    if digitCount <= 15 {
      if buffer[afterSpaces].is(";"), afterLabel(buffer, afterSpaces + 1..<lead.upperBound) { return true }
      if afterSpaces + 1 < lead.upperBound, buffer[afterSpaces].is(","), buffer[afterSpaces + 1].is(","),
        afterLabel(buffer, afterSpaces + 2..<lead.upperBound)
      {
        return true
      }
    }
    if digitCount <= 9, buffer[afterSpaces].is(",") {
      var afterCommas = afterSpaces + 1
      while afterCommas < lead.upperBound, buffer[afterCommas].is(",") { afterCommas += 1 }
      if afterLabel(buffer, afterCommas..<lead.upperBound) { return true }
    }
    return false
  }

  /// `[ \u{A0}\t]`, and `,` when `comma`.
  private static func isLabelSeparator(_ character: Character, comma: Bool) -> Bool {
    character.is(" ") || character.is("\u{A0}") || character.is("\t") || (comma && character.is(","))
  }

  /// Whether `range` is `[:.．]?[ \u{A0}\t,-]*`.
  private static func afterLabel(_ buffer: Characters, _ range: Range<Int>) -> Bool {
    var position = range.lowerBound
    if position < range.upperBound,
      buffer[position].is(":") || buffer[position].is(".") || buffer[position].is("\u{FF0E}")
    {
      position += 1
    }
    while position < range.upperBound {
      guard isLabelSeparator(buffer[position], comma: true) || buffer[position].is("-") else { return false }
      position += 1
    }
    return true
  }

  /// Up to eight positions where a label may end.
  private struct LabelEnds {
    private var ends = SIMD8<Int32>()
    private(set) var count = 0
    subscript(index: Int) -> Int { Int(ends[index]) }
    mutating func append(_ end: Int) {
      guard count < 8 else { return }
      ends[count] = Int32(end)
      count += 1
    }
  }

  /// Ends of `e?xt(?:ensi(?:o\u{301}?|ó))?n?`, `ｅ?ｘｔｎ?`, `доб` and `anexo` (case-insensitively) at `start`.
  private static func explicitLabelEnds(_ buffer: Characters, _ start: Int, _ end: Int, into ends: inout LabelEnds) {
    func at(_ position: Int, _ value: UInt32) -> Bool { position < end && buffer[position].folded == value }
    // e?xt(?:ensi(?:o\u0301?|ó))?n?
    var position = at(start, 0x65) ? start + 1 : start
    if at(position, 0x78), at(position + 1, 0x74) {
      position += 2
      // The stem ends after `xt`, or after `ensio`, `ensió` or `ensio\u{301}`; then `n` is optional.
      var stems = LabelEnds()
      stems.append(position)
      if at(position, 0x65), at(position + 1, 0x6E), at(position + 2, 0x73), at(position + 3, 0x69) {
        let vowel = position + 4
        if at(vowel, 0x6F) {
          stems.append(vowel + 1)
          if at(vowel + 1, 0x301) { stems.append(vowel + 2) }
        } else if at(vowel, 0xF3) {
          stems.append(vowel + 1)
        }
      }
      for index in 0..<stems.count {
        ends.append(stems[index])
        if at(stems[index], 0x6E) { ends.append(stems[index] + 1) }
      }
    }
    // ｅ?ｘｔｎ?
    position = at(start, 0xFF45) ? start + 1 : start
    if at(position, 0xFF58), at(position + 1, 0xFF54) {
      ends.append(position + 2)
      if at(position + 2, 0xFF4E) { ends.append(position + 3) }
    }
    if at(start, 0x434), at(start + 1, 0x43E), at(start + 2, 0x431) { ends.append(start + 3) }
    if end - start >= 5, folded(buffer, start, "anexo") { ends.append(start + 5) }
  }

  /// Ends of `[xｘ#＃~～]`, `int` and `ｉｎｔ` (case-insensitively) at `start`.
  private static func ambiguousLabelEnds(_ buffer: Characters, _ start: Int, _ end: Int, into ends: inout LabelEnds) {
    guard start < end else { return }
    switch buffer[start].folded {
    case 0x78, 0xFF58, 0x23, 0xFF03, 0x7E, 0xFF5E: ends.append(start + 1)
    case 0x69:
      if end - start >= 3, folded(buffer, start, "int") { ends.append(start + 3) }
    case 0xFF49:
      if end - start >= 3, buffer[start + 1].folded == 0xFF4E, buffer[start + 2].folded == 0xFF54 {
        ends.append(start + 3)
      }
    default: break
    }
  }

  /// Whether the characters at `start` are the ASCII `literal`, case-insensitively.
  private static func folded(_ buffer: Characters, _ start: Int, _ literal: StaticString) -> Bool {
    literal.withUTF8Buffer { literal in
      guard start + literal.count <= buffer.count else { return false }
      for offset in 0..<literal.count where buffer[start + offset].folded != UInt32(literal[offset]) {
        return false
      }
      return true
    }
  }

  /// The lower-case form Python's case-insensitive matching compares for the letters in extension labels.
  private static func fold(_ scalar: Unicode.Scalar) -> UInt32 {
    let value = scalar.value
    switch value {
    case 0x41...0x5A, 0xC0...0xD6, 0xD8...0xDE, 0x410...0x42F, 0xFF21...0xFF3A: return value + 0x20
    case 0x130, 0x131: return 0x69
    case 0x17F: return 0x73
    case 0x212A: return 0x6B
    default: return value
    }
  }

  // MARK: Characters

  /// The value of a Unicode decimal digit (general category Nd): `٣` and `３` are 3.
  static func decimalValue(_ scalar: Unicode.Scalar) -> UInt8? {
    let value = scalar.value
    if value < 0x80 {
      return (0x30...0x39).contains(value) ? UInt8(value - 0x30) : nil
    }
    // Binary search for the last zero at or below the scalar.
    let zeros = decimalZeros
    var low = 0
    var high = zeros.count
    while low < high {
      let middle = (low + high) / 2
      if zeros[middle] <= value { low = middle + 1 } else { high = middle }
    }
    guard low > 0, value - zeros[low - 1] < 10 else { return nil }
    return UInt8(value - zeros[low - 1])
  }

  /// The zero of every run of ten Unicode decimal digits beyond ASCII (`٠` U+0660, `０` U+FF10, ...),
  /// ascending, from the standard library's Unicode data on first use. Every such run is contiguous
  /// and in the first two planes.
  private static let decimalZeros: [UInt32] = {
    var zeros: [UInt32] = []
    var value: UInt32 = 0x80
    while value < 0x20000 {
      if let scalar = Unicode.Scalar(value), scalar.properties.generalCategory == .decimalNumber,
        scalar.properties.numericValue == 0
      {
        zeros.append(value)
        value += 10
      } else {
        value += 1
      }
    }
    return zeros
  }()

  /// In a vanity number: ASCII digits as they are, letters on the E.161 keypad (`ı` and `ſ` upper-case
  /// to I and S in Python, so they count too); nil for anything else.
  private static func keypadDigit(_ scalar: Unicode.Scalar) -> UInt8? {
    var value = scalar.value
    switch value {
    case 0x30...0x39: return UInt8(value - 0x30)
    case 0x61...0x7A: value -= 0x20
    case 0x131: value = 0x49
    case 0x17F: value = 0x53
    case 0x41...0x5A: break
    default: return nil
    }
    // ABC DEF GHI JKL MNO PQRS TUV WXYZ
    switch value {
    case 0x41...0x43: return 2
    case 0x44...0x46: return 3
    case 0x47...0x49: return 4
    case 0x4A...0x4C: return 5
    case 0x4D...0x4F: return 6
    case 0x50...0x53: return 7
    case 0x54...0x56: return 8
    default: return 9
    }
  }
}
