/// Checks a phone number as libphonenumber does (`parse`, then `is_valid_number`) and writes it in E.164
/// form (`+442079460958`).
///
/// It reads what phonenumbers reads: `+` or a full-width plus, the default region's international prefix
/// (`00`, `011`, AU's `0011`, ...; `00` is only an international prefix where the region dials abroad
/// with it), `tel:` URIs with `;ext=`, `;phone-context=` and `;isub=`, text before the number (`Tel: `),
/// separators and brackets, `(0)` after a calling code, extensions (`x123`, `ext. 123`, `;ext=123`, `,,123`,
/// `- 123#`), vanity letters (when there are three or more), and decimal digits of any script. National
/// numbers are read in the default region, its national prefix stripped as libphonenumber's
/// `national_prefix_for_parsing` and transform rule say (`8 0...` in BY, `0343 15...` in AR). The number is
/// valid when its national number has a possible length and matches a number type (fixed line, mobile,
/// toll free, ...) of the region it belongs to; for a shared calling code (+1, +44, +7, ...) that region
/// is the one libphonenumber picks. The metadata is phonenumbers' (see `PhoneRegionMetadata.source`),
/// compiled by `scripts/generate-phone-metadata` into automata, so no regular expression runs per number.
///
/// ```swift
/// let validator = PhoneNumberValidator(defaultRegion: "GB")!
/// validator.validate("020 7946 0958")     // .valid(normalized: "+442079460958")
/// validator.validate("+1 (415) 555-2671") // .valid(normalized: "+14155552671")
/// validator.validate("020 7946")          // .invalid(code: "phone.too_short", message: ...)
/// validator.parse("+1 415 555 2671 ext. 12")  // .valid(e164: "+14155552671", phoneExtension: "12")
/// ```
///
/// Issue codes: `phone.invalid_characters`, `phone.no_digits`, `phone.unknown_country_code`,
/// `phone.missing_country_code`, `phone.too_short`, `phone.too_long`, `phone.invalid_length`,
/// `phone.invalid_number`.
///
/// Complexity: one pass over the input's UTF-8 bytes for plain input (digits, `+`, spaces and
/// `( ) - . /`), then table walks over at most 64 digits; no allocation but the result's string.
public struct PhoneNumberValidator: Sendable {
  private let index: PhoneMetadataIndex
  /// The default region, as a row in `index.regions`.
  private let home: Int?

  /// Makes a validator that reads national numbers (no `+` or international prefix) as numbers of
  /// `defaultRegion`.
  ///
  /// - Parameter defaultRegion: an ISO 3166 alpha-2 code in any case (`GB`, `us`); nil means every
  ///   number must carry a country code.
  /// - Returns: nil when the region is unknown to the metadata.
  public init?(defaultRegion: String?) {
    index = PhoneMetadataIndex.shared
    guard let defaultRegion else {
      home = nil
      return
    }
    guard let row = index.region(forCode: defaultRegion) else { return nil }
    home = row
  }

  /// Whether `code` is an ISO 3166 alpha-2 region (any case) that the phone metadata knows.
  public static func isKnownRegion(_ code: String) -> Bool {
    PhoneMetadataIndex.shared.region(forCode: code) != nil
  }

  /// Checks one phone number.
  ///
  /// - Parameter input: a non-empty value, already trimmed of ASCII whitespace.
  /// - Returns: `.valid` with the E.164 form (an extension is dropped; `parse` keeps it), or `.invalid`
  ///   with a `phone.*` code and a sentence that names what to fix.
  public func validate(_ input: String) -> FieldVerdict {
    parse(input).verdict
  }

  /// Checks one phone number and returns it with its extension.
  ///
  /// - Parameter input: a non-empty value, already trimmed of ASCII whitespace.
  /// - Returns: `.valid` with the E.164 form, the extension's digits (`12` for `... ext. 12`) and the
  ///   calling code; or `.invalid` as `validate` gives it.
  public func parse(_ input: String) -> PhoneParseResult {
    let number: PhoneInputScanner.Number
    switch PhoneInputScanner.scan(input) {
    case .success(let scanned): number = scanned
    case .failure(let failure): return Self.reject(failure)
    }
    let national: PhoneDigitSlice
    let slot: Int
    switch nationalNumber(number) {
    case .success(let found): (slot, national) = found
    case .failure(let rejection): return rejection.result
    }
    let callingCode = index.callingCodes[slot]
    guard index.matches(callingCode.validNumbers, national) else {
      return explainInvalid(national, callingCode: callingCode).result
    }
    return .valid(
      ParsedPhoneNumber(
        e164: Self.e164(callingCode.code, national), callingCode: callingCode.code,
        phoneExtension: number.extensionDigits.isEmpty ? nil : number.extensionDigits))
  }

  // MARK: Parsing (phonenumbers' `parse`)

  /// A rejection's issue code and message.
  private struct Rejection: Error {
    var code: IssueCode
    var message: String
    var result: PhoneParseResult { .invalid(code: code, message: message) }
  }

  private static let missingCountryCode = Rejection(
    code: .phoneMissingCountryCode,
    message: "has no country code: start it with + and the country code, or pass --default-region")

  /// The calling code (a slot in `index.callingCodes`) and national significant number, as
  /// phonenumbers' `parse` finds them after its front end.
  private func nationalNumber(_ number: PhoneInputScanner.Number) -> Result<(Int, PhoneDigitSlice), Rejection> {
    guard number.hasPlus || home != nil else { return .failure(Self.missingCountryCode) }
    let digits = PhoneDigitSlice(number.digits)
    var extracted: (slot: Int, rest: PhoneDigitSlice)?
    switch extractCallingCode(digits, afterPlus: number.hasPlus) {
    case .success(let found):
      extracted = found
    case .failure(let rejection):
      // Like phonenumbers, read a `+` number with an unknown calling code again without its `+`.
      guard rejection.code == .phoneUnknownCountryCode, number.hasPlus,
        case .success(let found) = extractCallingCode(digits, afterPlus: false), let found
      else { return .failure(rejection) }
      extracted = found
    }
    var national: PhoneDigitSlice
    let region: Int
    let slot: Int
    if let extracted {
      slot = extracted.slot
      region = index.callingCodes[slot].mainRegion
      national = extracted.rest
    } else {
      guard let home else { return .failure(Self.missingCountryCode) }  // Only a + number gets here.
      region = home
      slot = index.regions[home].callingCodeSlot
      national = digits
    }
    let callingCode = index.callingCodes[slot]
    if national.count < 2 {
      return .failure(lengthRejection(national.count, callingCode: callingCode))
    }
    // The national prefix goes only when what remains could be a whole number (or is too long anyway).
    let stripped = stripNationalPrefix(national, region: region)
    switch lengthCheck(stripped, region: region) {
    case .tooShort, .possibleLocalOnly, .invalidLength: break
    case .possible, .tooLong: national = stripped
    }
    if national.count > 17 || !national.digits.isComplete {
      return .failure(lengthRejection(national.count, callingCode: callingCode))
    }
    return .success((slot, national))
  }

  /// phonenumbers' `_maybe_extract_country_code`: the calling code after `+` or the default region's
  /// international prefix, or the default region's own code written without one when that reads better;
  /// nil when the number has no calling code.
  private func extractCallingCode(
    _ digits: PhoneDigitSlice, afterPlus: Bool
  ) -> Result<(slot: Int, rest: PhoneDigitSlice)?, Rejection> {
    guard !digits.isEmpty else { return .success(nil) }
    var full = digits
    var international = afterPlus
    if !afterPlus, let home, index.regions[home].internationalPrefix >= 0,
      let match = index.match(program: index.regions[home].internationalPrefix, digits),
      match.end >= digits.count || digits[match.end] != 0  // calling codes never start with 0
    {
      full = digits.dropping(match.end)
      international = true
    }
    if international {
      guard full.count > 2 else {
        return .failure(
          Rejection(
            code: .phoneTooShort,
            message: "too short: \(Self.digitCount(full.count)) after the international prefix"))
      }
      guard let (slot, length) = index.callingCode(at: full) else {
        return .failure(
          Rejection(
            code: .phoneUnknownCountryCode,
            message: "+\(full.digits.text(full.start..<min(full.start + 3, full.end))) is not a country calling code"))
      }
      return .success((slot, full.dropping(length)))
    }
    guard let home else { return .success(nil) }
    let region = index.regions[home]
    if full.hasPrefix(number: region.callingCode) {
      let codeLength = region.callingCode < 10 ? 1 : region.callingCode < 100 ? 2 : 3
      let potential = stripNationalPrefix(full.dropping(codeLength), region: home)
      if (!index.matches(region.generalPattern, full) && index.matches(region.generalPattern, potential))
        || lengthCheck(full, region: home) == .tooLong
      {
        return .success((region.callingCodeSlot, potential))
      }
    }
    return .success(nil)
  }

  /// phonenumbers' `_maybe_strip_national_prefix_carrier_code`: `number` less the region's national
  /// prefix (and carrier code), or transformed by its rule; unchanged when that would turn a number that
  /// fits the region's general pattern into one that does not.
  private func stripNationalPrefix(_ number: PhoneDigitSlice, region row: Int) -> PhoneDigitSlice {
    let region = index.regions[row]
    guard !number.isEmpty, region.nationalPrefix >= 0 else { return number }
    guard let match = index.match(program: region.nationalPrefix, number) else { return number }
    let result: PhoneDigitSlice
    if region.transform.isEmpty || match.group(index.programs[region.nationalPrefix].groupCount) == nil {
      result = number.dropping(match.end)
    } else {
      var transformed = PhoneDigitString()
      for position in 0..<region.transform.count {
        let token = region.transform[position]
        if token < 10 {
          transformed.append(UInt8(token))
        } else if let group = match.group(token - 10) {
          for offset in group { transformed.append(number[offset]) }
        }
      }
      for offset in match.end..<number.count { transformed.append(number[offset]) }
      result = PhoneDigitSlice(transformed)
    }
    if index.matches(region.generalPattern, number), !index.matches(region.generalPattern, result) {
      return number
    }
    return result
  }

  /// phonenumbers' `_test_number_length` against the region's general lengths.
  private func lengthCheck(_ number: PhoneDigitSlice, region row: Int) -> PhoneLengthCheck {
    let region = index.regions[row]
    let length = number.count
    if region.localOnlyLengths.contains(length) { return .possibleLocalOnly }
    let lengths = region.possibleLengths
    if length == lengths.minimum { return .possible }
    if length < lengths.minimum { return .tooShort }
    if length > lengths.maximum { return .tooLong }
    return lengths.contains(length) ? .possible : .invalidLength
  }

  // MARK: Messages

  private static func reject(_ failure: PhoneInputScanner.Failure) -> PhoneParseResult {
    switch failure {
    case .tooLong(let characters):
      return .invalid(
        code: .phoneTooLong,
        message: "too long (\(characters) characters, at most \(PhoneInputScanner.maximumLength))")
    case .noDigits:
      return .invalid(code: .phoneNoDigits, message: "has no digits")
    case .tooFewDigits(let count):
      return .invalid(code: .phoneTooShort, message: "too short (\(digitCount(count)))")
    case .invalidCharacter(let scalar):
      return .invalid(
        code: .phoneInvalidCharacters, message: "contains \(describe(scalar)), which is not a digit or separator")
    case .misplacedPlus:
      return .invalid(
        code: .phoneInvalidCharacters, message: #"contains "+" after the start; only a leading + is allowed"#)
    case .invalidPhoneContext:
      return .invalid(
        code: .phoneInvalidCharacters,
        message: "has a ;phone-context= that is neither a +number nor a domain name")
    }
  }

  /// Too short, too long or a wrong length for the calling code's possible lengths.
  private func lengthRejection(_ length: Int, callingCode: PhoneMetadataIndex.CallingCode) -> Rejection {
    let allowed = callingCode.possibleLengths
    let facts = "\(Self.digitCount(length)), needs \(allowed.phrase)"
    if length < allowed.minimum {
      return Rejection(code: .phoneTooShort, message: "too short for \(callingCode.name) (\(facts))")
    }
    if length > allowed.maximum {
      return Rejection(code: .phoneTooLong, message: "too long for \(callingCode.name) (\(facts))")
    }
    return Rejection(code: .phoneInvalidLength, message: "wrong length for \(callingCode.name) (\(facts))")
  }

  /// Why a parsed national number is not valid: its length, or where it leaves every number range.
  private func explainInvalid(
    _ national: PhoneDigitSlice, callingCode: PhoneMetadataIndex.CallingCode
  ) -> Rejection {
    guard callingCode.possibleLengths.contains(national.count) else {
      return lengthRejection(national.count, callingCode: callingCode)
    }
    let name = callingCode.isShared ? callingCode.e164Prefix : callingCode.name
    let (state, consumed) = index.walk(callingCode.validNumbers, national)
    if state == 0 {
      let shown = national.digits.text(national.start..<(national.start + consumed + 1))
      return Rejection(
        code: .phoneInvalidNumber,
        message: "is not a valid \(name) number: none starts \(callingCode.e164Prefix) \(shown)")
    }
    var lengths = PhoneLengthSet([])
    lengths.bits = index.completions(from: state).bits &<< UInt32(national.count)
    return Rejection(
      code: .phoneInvalidNumber,
      message: "is not a valid \(name) number: those starting \(callingCode.e164Prefix) \(national.text) "
        + "have \(lengths.phrase) digits")
  }

  /// `1 digit`, `9 digits`.
  private static func digitCount(_ count: Int) -> String {
    "\(count) \(count == 1 ? "digit" : "digits")"
  }

  /// `+` and the calling code and national number, built in a stack buffer (at most 21 bytes).
  private static func e164(_ callingCode: Int, _ national: PhoneDigitSlice) -> String {
    withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 24) { buffer in
      buffer[0] = UInt8(ascii: "+")
      var end = 1
      var scale = callingCode >= 100 ? 100 : callingCode >= 10 ? 10 : 1
      while scale > 0 {
        buffer[end] = UInt8(ascii: "0") &+ UInt8(callingCode / scale % 10)
        end += 1
        scale /= 10
      }
      for offset in 0..<national.count {
        buffer[end] = UInt8(ascii: "0") &+ national[offset]
        end += 1
      }
      return String(decoding: UnsafeBufferPointer(rebasing: buffer[..<end]), as: UTF8.self)
    }
  }

  /// `"a"` for a visible character; `U+200B` for one that would not show in a message.
  private static func describe(_ scalar: Unicode.Scalar) -> String {
    switch scalar.properties.generalCategory {
    case .control, .format, .spaceSeparator, .lineSeparator, .paragraphSeparator, .nonspacingMark,
      .spacingMark, .enclosingMark, .privateUse, .surrogate, .unassigned:
      let hex = String(scalar.value, radix: 16, uppercase: true)
      return "U+" + String(repeating: "0", count: max(0, 4 - hex.utf8.count)) + hex
    default:
      return "\"\(scalar)\""
    }
  }
}

/// A phone number that passed `PhoneNumberValidator.parse`.
public struct ParsedPhoneNumber: Hashable, Sendable {
  /// The number in E.164 form: `+14155552671`.
  public var e164: String
  /// The country calling code: 1 for `+14155552671`.
  public var callingCode: Int
  /// The extension's digits in ASCII (`123` for `x123`, `ext. 123`, `;ext=123`); nil when there is none.
  public var phoneExtension: String?

  public init(e164: String, callingCode: Int, phoneExtension: String? = nil) {
    self.e164 = e164
    self.callingCode = callingCode
    self.phoneExtension = phoneExtension
  }
}

/// What `PhoneNumberValidator.parse` concluded about one value.
public enum PhoneParseResult: Hashable, Sendable {
  /// The number is valid.
  case valid(ParsedPhoneNumber)
  /// The number is rejected; `code` is stable, `message` is a plain sentence naming what to fix.
  case invalid(code: IssueCode, message: String)

  /// The verdict `PhoneNumberValidator.validate` gives: the E.164 form without the extension.
  public var verdict: FieldVerdict {
    switch self {
    case .valid(let number): .valid(normalized: number.e164)
    case .invalid(let code, let message): .invalid(code: code, message: message)
    }
  }
}

extension IssueCode {
  /// Something other than a digit, a separator, letters after the digits, an extension or a leading `+`.
  static let phoneInvalidCharacters: IssueCode = "phone.invalid_characters"
  /// Only separators (and perhaps a `+`).
  static let phoneNoDigits: IssueCode = "phone.no_digits"
  /// An international number whose first 1 to 3 digits are no country calling code.
  static let phoneUnknownCountryCode: IssueCode = "phone.unknown_country_code"
  /// A national number, and no default region to read it in.
  static let phoneMissingCountryCode: IssueCode = "phone.missing_country_code"
  /// Fewer digits than any number with that calling code has.
  static let phoneTooShort: IssueCode = "phone.too_short"
  /// More digits than any number with that calling code has.
  static let phoneTooLong: IssueCode = "phone.too_long"
  /// A digit count between possible lengths (8 digits for GB, which has 7, 9 or 10).
  static let phoneInvalidLength: IssueCode = "phone.invalid_length"
  /// A possible length, but in no number range of the country (no GB number starts +44 209).
  static let phoneInvalidNumber: IssueCode = "phone.invalid_number"
}
