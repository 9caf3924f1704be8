/// Checks the shape of a phone number and writes it in E.164 form (`+442079460958`).
///
/// A baseline, not libphonenumber: it accepts ASCII digits and common separators, finds the country
/// calling code after `+`, `00` or the default region's international prefix, drops the default region's
/// national prefix from a national number, and checks the length of the national number against the
/// possible lengths libphonenumber's metadata gives for the calling code (see `PhoneRegionMetadata`). It
/// does not check number ranges, so a well-shaped but unassigned number passes.
///
/// ```swift
/// let validator = PhoneNumberValidator(defaultRegion: "GB")!
/// validator.validate("020 7946 0958")     // .valid(normalized: "+442079460958")
/// validator.validate("+1 (415) 555-2671") // .valid(normalized: "+14155552671")
/// validator.validate("020 7946")          // .invalid(code: "phone.too_short", message: ...)
/// ```
///
/// Issue codes: `phone.invalid_characters`, `phone.no_digits`, `phone.unknown_country_code`,
/// `phone.missing_country_code`, `phone.too_short`, `phone.too_long`, `phone.invalid_length`.
///
/// Complexity: one pass over the input's UTF-8 bytes, with no intermediate buffers.
public struct PhoneNumberValidator: Sendable {
  private let index: PhoneMetadataIndex
  private let home: Home?

  /// What the validator needs to know about its default region.
  private struct Home: Sendable {
    /// The region's calling code, as a slot in `PhoneMetadataIndex.callingCodes`.
    var callingCode: Int
    /// The digits of the region's national prefix (`[0]` in GB); empty when it has none.
    var nationalPrefix: [UInt8]
    /// The digits of the region's plain international prefix (`[0, 1, 1]` in US); empty when unknown.
    var internationalPrefix: [UInt8]
  }

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
    guard let row = index.row(forRegion: defaultRegion),
      let slot = index.slot(forCallingCode: row.callingCode)
    else { return nil }
    home = Home(
      callingCode: slot,
      nationalPrefix: row.nationalPrefix.utf8.map { $0 &- UInt8(ascii: "0") },
      internationalPrefix: row.internationalPrefix.utf8.map { $0 &- UInt8(ascii: "0") }
    )
  }

  /// Whether `code` is an ISO 3166 alpha-2 region (any case) that the phone metadata knows.
  public static func isKnownRegion(_ code: String) -> Bool {
    PhoneMetadataIndex.shared.row(forRegion: code) != nil
  }

  /// Checks one phone number.
  ///
  /// - Parameter input: a non-empty value, already trimmed of ASCII whitespace.
  /// - Returns: `.valid` with the E.164 form, or `.invalid` with a `phone.*` code and a sentence that
  ///   names what to fix.
  public func validate(_ input: String) -> FieldVerdict {
    let scan = input.utf8.withContiguousStorageIfAvailable(PhoneDigits.scan) ?? PhoneDigits.scan(input.utf8)
    let digits: PhoneDigits
    let hasPlus: Bool
    switch scan {
    case .digits(let scanned, let plus):
      digits = scanned
      hasPlus = plus
    case .misplacedPlus:
      return .invalid(
        code: .phoneInvalidCharacters, message: #"contains "+" after the start; only a leading + is allowed"#)
    case .invalidCharacter(let offset):
      let scalar = input.unicodeScalars[input.utf8.index(input.utf8.startIndex, offsetBy: offset)]
      return .invalid(
        code: .phoneInvalidCharacters,
        message: "contains \(Self.describe(scalar)), which is not a digit or separator")
    }
    guard digits.count > 0 else {
      return .invalid(code: .phoneNoDigits, message: "has no digits")
    }

    // International form: the calling code follows `+` or an international prefix; nothing is stripped.
    let codeStart = hasPlus ? 0 : internationalPrefixLength(digits)
    if let codeStart {
      guard let (slot, codeLength) = index.callingCode(in: digits, from: codeStart) else {
        let shown = digits.digitString(from: codeStart, to: min(codeStart + 3, digits.count))
        return .invalid(code: .phoneUnknownCountryCode, message: "+\(shown) is not a country calling code")
      }
      return checkLength(digits, nationalStart: codeStart + codeLength, callingCode: index.callingCodes[slot])
    }

    // National form: the default region's calling code; its national prefix goes when what remains has a
    // possible length.
    guard let home else {
      return .invalid(
        code: .phoneMissingCountryCode,
        message: "has no country code: start it with + and the country code, or pass --default-region")
    }
    let callingCode = index.callingCodes[home.callingCode]
    var nationalStart = 0
    if !home.nationalPrefix.isEmpty, digits.hasPrefix(home.nationalPrefix, at: 0),
      callingCode.possibleLengths.contains(digits.count - home.nationalPrefix.count)
    {
      nationalStart = home.nationalPrefix.count
    }
    return checkLength(digits, nationalStart: nationalStart, callingCode: callingCode)
  }

  /// How many leading digits are an international prefix: the default region's plain one or `00`, the
  /// longer when both match, and only when a digit follows. Nil when the number has none.
  private func internationalPrefixLength(_ digits: PhoneDigits) -> Int? {
    var length: Int?
    if let prefix = home?.internationalPrefix, !prefix.isEmpty, digits.count > prefix.count,
      digits.hasPrefix(prefix, at: 0)
    {
      length = prefix.count
    }
    if (length ?? 0) < 2, digits.count > 2, digits[0] == 0, digits[1] == 0 {
      length = 2
    }
    return length
  }

  /// Checks the length of the national number that starts at digit `nationalStart`, and builds the E.164
  /// form when it is possible.
  private func checkLength(
    _ digits: PhoneDigits, nationalStart: Int, callingCode: PhoneMetadataIndex.CallingCode
  ) -> FieldVerdict {
    let length = digits.count - nationalStart
    let allowed = callingCode.allowedLengths
    if allowed.contains(length) {
      // At most 16 bytes: `+`, then 15 digits at most (the cap above).
      let e164 = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 16) { buffer in
        var end = 0
        for byte in callingCode.e164Prefix.utf8 {
          buffer[end] = byte
          end += 1
        }
        for position in nationalStart..<digits.count {
          buffer[end] = UInt8(ascii: "0") &+ digits[position]
          end += 1
        }
        return String(decoding: UnsafeBufferPointer(rebasing: buffer[..<end]), as: UTF8.self)
      }
      return .valid(normalized: e164)
    }
    if callingCode.possibleLengths.contains(length) {
      let total = callingCode.e164Prefix.utf8.count - 1 + length
      return .invalid(
        code: .phoneTooLong,
        message: "too long for E.164 (\(total) digits with the country code, at most 15)")
    }
    let facts = "\(length) \(length == 1 ? "digit" : "digits"), needs \(allowed.phrase)"
    if length < allowed.minimum {
      return .invalid(code: .phoneTooShort, message: "too short for \(callingCode.name) (\(facts))")
    }
    if length > allowed.maximum {
      return .invalid(code: .phoneTooLong, message: "too long for \(callingCode.name) (\(facts))")
    }
    return .invalid(code: .phoneInvalidLength, message: "wrong length for \(callingCode.name) (\(facts))")
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

extension IssueCode {
  /// Something other than a digit, a separator or a leading `+`.
  static let phoneInvalidCharacters: IssueCode = "phone.invalid_characters"
  /// Only separators (and perhaps a `+`).
  static let phoneNoDigits: IssueCode = "phone.no_digits"
  /// An international number whose first 1 to 3 digits are no country calling code.
  static let phoneUnknownCountryCode: IssueCode = "phone.unknown_country_code"
  /// A national number, and no default region to read it in.
  static let phoneMissingCountryCode: IssueCode = "phone.missing_country_code"
  /// Fewer digits than any number with that calling code has.
  static let phoneTooShort: IssueCode = "phone.too_short"
  /// More digits than any number with that calling code has, or over E.164's 15 digits.
  static let phoneTooLong: IssueCode = "phone.too_long"
  /// A digit count between possible lengths (8 digits for GB, which has 7, 9 or 10).
  static let phoneInvalidLength: IssueCode = "phone.invalid_length"
}

// MARK: - Digits

/// The digits of a phone number in order: the first 32 packed four bits each, and the count of all.
///
/// A valid number never needs more than 32 (an international prefix of at most 4 and 15 E.164 digits),
/// so longer inputs only need their count and first digits, for the calling code and the message.
struct PhoneDigits {
  static let capacity = 32
  private var low: UInt64 = 0
  private var high: UInt64 = 0
  /// How many digits the input has; may exceed `capacity`.
  private(set) var count = 0

  mutating func append(_ digit: UInt8) {
    if count < 16 {
      low |= UInt64(digit) &<< (4 * count)
    } else if count < 32 {
      high |= UInt64(digit) &<< (4 * (count - 16))
    }
    count += 1
  }

  /// The digit value (0 to 9) at `position`, which must be below both `count` and `capacity`.
  subscript(position: Int) -> UInt8 {
    assert(position >= 0 && position < min(count, Self.capacity))
    let word = position < 16 ? low : high
    return UInt8(truncatingIfNeeded: (word &>> (4 * (position & 15))) & 0xF)
  }

  /// Whether the digits at `start` are `prefix` (digit values).
  func hasPrefix(_ prefix: [UInt8], at start: Int) -> Bool {
    guard start + prefix.count <= min(count, Self.capacity) else { return false }
    for (offset, digit) in prefix.enumerated() where self[start + offset] != digit {
      return false
    }
    return true
  }

  /// The digits in `start..<end` as text.
  func digitString(from start: Int, to end: Int) -> String {
    var text = ""
    for position in start..<min(end, Self.capacity) {
      text.unicodeScalars.append(Unicode.Scalar(UInt8(ascii: "0") &+ self[position]))
    }
    return text
  }

  /// What one pass over the bytes of a phone number found.
  enum Scan {
    /// Only digits and separators, after an optional `+` that no digit precedes.
    case digits(PhoneDigits, plus: Bool)
    /// The character starting at this UTF-8 offset is neither a digit nor a separator.
    case invalidCharacter(offset: Int)
    /// A second `+`, or one after a digit.
    case misplacedPlus
  }

  /// Collects the digits of UTF-8 `bytes`, skipping separators: space, NBSP, `-`, `.`, `(`, `)`, `/` and
  /// the dashes U+2010 to U+2015. One `+` may come before the first digit.
  static func scan<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> Scan {
    var digits = PhoneDigits()
    var plus = false
    var offset = 0
    var position = bytes.startIndex
    while position != bytes.endIndex {
      let byte = bytes[position]
      var width = 1
      switch byte {
      case UInt8(ascii: "0")...UInt8(ascii: "9"):
        digits.append(byte &- UInt8(ascii: "0"))
      case UInt8(ascii: " "), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "("), UInt8(ascii: ")"),
        UInt8(ascii: "/"):
        break
      case UInt8(ascii: "+"):
        guard !plus, digits.count == 0 else { return .misplacedPlus }
        plus = true
      case 0xC2:  // U+00A0 NO-BREAK SPACE is C2 A0.
        guard peek(1, after: position, in: bytes) == 0xA0 else { return .invalidCharacter(offset: offset) }
        width = 2
      case 0xE2:  // U+2010 to U+2015 (hyphen to horizontal bar) are E2 80 90 to E2 80 95.
        guard peek(1, after: position, in: bytes) == 0x80,
          let last = peek(2, after: position, in: bytes), (0x90...0x95).contains(last)
        else { return .invalidCharacter(offset: offset) }
        width = 3
      default:
        return .invalidCharacter(offset: offset)
      }
      offset += width
      position = bytes.index(position, offsetBy: width)
    }
    return .digits(digits, plus: plus)
  }

  /// The byte `distance` bytes after `position`, if there is one.
  private static func peek<Bytes: Collection<UInt8>>(
    _ distance: Int, after position: Bytes.Index, in bytes: Bytes
  ) -> UInt8? {
    guard let target = bytes.index(position, offsetBy: distance, limitedBy: bytes.endIndex),
      target != bytes.endIndex
    else { return nil }
    return bytes[target]
  }
}

// MARK: - Metadata lookup

/// A set of national-number lengths (0 to 31) as a bit mask.
struct PhoneLengthSet: Hashable, Sendable {
  var bits: UInt32 = 0

  init(_ lengths: some Sequence<Int>) {
    for length in lengths where (0..<32).contains(length) { bits |= 1 &<< UInt32(length) }
  }

  func contains(_ length: Int) -> Bool {
    (0..<32).contains(length) && bits & (1 &<< UInt32(length)) != 0
  }

  var minimum: Int { bits.trailingZeroBitCount }
  var maximum: Int { 31 - bits.leadingZeroBitCount }

  /// The lengths as a message says them: `10`, `8 to 10`, `7, 9 or 10`, `5 to 10 or 12`.
  var phrase: String {
    var runs: [String] = []
    var length = 0
    while length < 32 {
      guard contains(length) else {
        length += 1
        continue
      }
      var end = length
      while contains(end + 1) { end += 1 }
      switch end - length {
      case 0: runs.append("\(length)")
      case 1: runs += ["\(length)", "\(end)"]
      default: runs.append("\(length) to \(end)")
      }
      length = end + 1
    }
    guard let last = runs.popLast() else { return "none" }
    return runs.isEmpty ? last : runs.joined(separator: ", ") + " or " + last
  }
}

/// Lookup tables over `PhoneRegionMetadata.all`, built once on first use.
final class PhoneMetadataIndex: Sendable {
  static let shared = PhoneMetadataIndex(rows: PhoneRegionMetadata.all)

  /// What validation needs about one calling code, merged over the regions that share it.
  struct CallingCode: Sendable {
    /// `+44`: how every E.164 number with this code starts.
    var e164Prefix: String
    /// The name messages use: the main region (`GB` for +44, `US` for +1), or `+800` when non-geographic.
    var name: String
    /// The national-number lengths possible in at least one region with this code.
    var possibleLengths: PhoneLengthSet
    /// `possibleLengths` less those E.164's cap of 15 digits, calling code included, rules out.
    var allowedLengths: PhoneLengthSet
  }

  let rows: [PhoneRegionMetadata]
  let callingCodes: [CallingCode]
  /// Slot in `callingCodes` by calling code (0 to 999); -1 when there is none.
  private let slotByCallingCode: [Int16]
  /// Index in `rows` by region (`AA` is 0, `ZZ` is 675); -1 when unknown.
  private let rowByRegion: [Int16]

  init(rows: [PhoneRegionMetadata]) {
    var slots = [Int16](repeating: -1, count: 1000)
    var regions = [Int16](repeating: -1, count: 26 * 26)
    var codes: [CallingCode] = []
    for (rowIndex, row) in rows.enumerated() {
      guard (1..<1000).contains(row.callingCode) else { continue }
      if let key = Self.regionKey(row.region) { regions[key] = Int16(rowIndex) }
      let lengths = PhoneLengthSet(row.possibleLengths)
      let slot: Int
      if slots[row.callingCode] >= 0 {
        slot = Int(slots[row.callingCode])
        codes[slot].possibleLengths.bits |= lengths.bits
      } else {
        slot = codes.count
        slots[row.callingCode] = Int16(slot)
        let prefix = "+\(row.callingCode)"
        codes.append(
          CallingCode(
            e164Prefix: prefix, name: prefix, possibleLengths: lengths, allowedLengths: lengths))
      }
      if row.isMainRegion, Self.regionKey(row.region) != nil { codes[slot].name = row.region }
    }
    for slot in codes.indices {
      let codeDigits = codes[slot].e164Prefix.utf8.count - 1
      codes[slot].allowedLengths.bits =
        codes[slot].possibleLengths.bits & ~(UInt32.max &<< UInt32(16 - codeDigits))
    }
    self.rows = rows
    self.callingCodes = codes
    self.slotByCallingCode = slots
    self.rowByRegion = regions
  }

  /// The row for an ISO 3166 alpha-2 region code in any case; nil for anything else, `001` included.
  func row(forRegion code: String) -> PhoneRegionMetadata? {
    guard let key = Self.regionKey(code), rowByRegion[key] >= 0 else { return nil }
    return rows[Int(rowByRegion[key])]
  }

  /// The slot in `callingCodes` of a calling code.
  func slot(forCallingCode code: Int) -> Int? {
    guard (0..<1000).contains(code), slotByCallingCode[code] >= 0 else { return nil }
    return Int(slotByCallingCode[code])
  }

  /// The calling code that the digits at `start` begin with, and how many digits it has. Calling codes
  /// are prefix-free, so at most one of the 1-, 2- and 3-digit prefixes is one; none starts with 0.
  func callingCode(in digits: PhoneDigits, from start: Int) -> (slot: Int, length: Int)? {
    guard start < min(digits.count, PhoneDigits.capacity), digits[start] != 0 else { return nil }
    var code = 0
    for length in 1...3 where start + length <= min(digits.count, PhoneDigits.capacity) {
      code = code * 10 + Int(digits[start + length - 1])
      if let slot = slot(forCallingCode: code) { return (slot, length) }
    }
    return nil
  }

  /// `AA` is 0, `ZZ` is 675, for two ASCII letters in any case; nil otherwise.
  private static func regionKey(_ code: String) -> Int? {
    var key = 0
    var count = 0
    for byte in code.utf8 {
      count += 1
      guard count <= 2 else { return nil }
      let upper = byte & 0xDF  // ASCII lower case to upper case; other bytes stay out of range.
      guard (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(upper), byte & 0x80 == 0 else { return nil }
      key = key * 26 + Int(upper - UInt8(ascii: "A"))
    }
    return count == 2 ? key : nil
  }
}
