import Testing

@testable import RosterCore

/// Expected verdicts were checked against Python phonenumbers 9.0.43 (`parse(input, region)`, then
/// `is_valid_number` and `format_number(..., E164)`); `PhoneAgreementTests` measures the same on a corpus
/// of thousands of inputs. The cases here pin the messages and the tricky readings.
@Suite struct PhoneNumberValidatorTests {
  /// Verdict of a validator for `region` on `input`; records an issue when the region is unknown.
  private func verdict(_ input: String, region: String?) throws -> FieldVerdict {
    let validator = try #require(PhoneNumberValidator(defaultRegion: region))
    return validator.validate(input)
  }

  @Test(
    arguments: [
      // (default region, input, E.164)
      (nil, "+44 20 7946 0958", "+442079460958"),
      ("US", "+44 20 7946 0958", "+442079460958"),  // A + number ignores the default region.
      ("GB", "0044 20 7946 0958", "+442079460958"),
      ("GB", "020 7946 0958", "+442079460958"),
      ("gb", "020 7946 0958", "+442079460958"),
      ("GB", "07400 123456", "+447400123456"),
      ("US", "(415) 555-2671", "+14155552671"),
      ("US", "1 (415) 555-2671", "+14155552671"),
      ("US", "415.555.2671", "+14155552671"),
      (nil, "+1 415 555 2671", "+14155552671"),
      ("US", "011 44 20 7946 0958", "+442079460958"),
      ("AU", "0011 44 20 7946 0958", "+442079460958"),  // AU's 0011 wins over 00.
      (nil, "(+44) 20 7946 0958", "+442079460958"),
      (nil, "+44\u{A0}20\u{2013}7946\u{2011}0958", "+442079460958"),
      (nil, "+44 20/7946-0958", "+442079460958"),
      ("IT", "06 6988 1234", "+390669881234"),  // Italy keeps the leading 0.
      (nil, "+39 06 6988 1234", "+390669881234"),
      ("FR", "01 23 45 67 89", "+33123456789"),
      ("HU", "06 1 234 5678", "+3612345678"),  // Two-digit national prefix.
      ("DE", "030 123456", "+4930123456"),
      ("RU", "8 800 123 45 67", "+78001234567"),
      ("JP", "03-1234-5678", "+81312345678"),
      (nil, "+800 1234 5678", "+80012345678"),  // Non-geographic calling code.
      // libphonenumber's readings the baseline missed.
      (nil, "+44 (0)20 7946 0958", "+442079460958"),  // The national prefix after the calling code goes.
      (nil, "+49 30 1234 5678 9012", "+4930123456789012"),  // Valid for DE, though longer than E.164's 15.
      ("US", "1-800-FLOWERS", "+18003569377"),  // Three or more letters: a vanity number.
      (nil, "tel:+1-415-555-2671;ext=123", "+14155552671"),
      (nil, "tel:415-555-2671;phone-context=+1", "+14155552671"),
      ("US", "tel:415-555-2671;phone-context=example.com", "+14155552671"),
      (nil, "Tel: +44 20 7946 0958", "+442079460958"),  // Text before the number is dropped.
      (nil, "+44 20\u{200B}7946 0958", "+442079460958"),  // A zero-width space is punctuation.
      (
        nil, "+\u{FF11} \u{FF14}\u{FF11}\u{FF15} \u{FF15}\u{FF15}\u{FF15} \u{FF12}\u{FF16}\u{FF17}\u{FF11}",
        "+14155552671"
      ),
      (nil, "\u{FF0B}44 20 7946 0958", "+442079460958"),  // Full-width plus.
      (
        nil, "+\u{664}\u{664} \u{662}\u{660} \u{667}\u{669}\u{664}\u{666} \u{660}\u{669}\u{665}\u{668}", "+442079460958"
      ),
      ("BY", "8 017 123 45 67", "+375171234567"),  // BY's national prefix is 8 or 80 (`0|80?`).
      ("BY", "8 029 123 45 67", "+375291234567"),
      ("AR", "0343 15 555 1212", "+5493435551212"),  // AR's transform rule: 0 343 15 ... is +54 9 343 ...
      ("AR", "011 15 2345 6789", "+5491123456789"),
      ("BR", "(21) 91234-5678", "+5521912345678"),
      ("SM", "886377", "+3780549886377"),  // SM prepends 0549 to six-digit numbers.
      ("NF", "12345", "+672312345"),  // NF prepends 3.
      ("GG", "7781 123456", "+447781123456"),
      ("GB", "+0044 20 7946 0958", "+442079460958"),  // An unknown code after + is read again without it.
      (nil, "+7 701 234 5678", "+77012345678"),  // +7 7..: KZ by leading digits.
      (nil, "+1 242 357 1234", "+12423571234"),  // +1 242: BS.
    ] as [(String?, String, String)])
  func normalizesToE164(region: String?, input: String, expected: String) throws {
    #expect(try verdict(input, region: region) == .valid(normalized: expected))
  }

  @Test(
    arguments: [
      // (default region, input, code, message)
      (
        nil, "020 7946 0958", "phone.missing_country_code",
        "has no country code: start it with + and the country code, or pass --default-region"
      ),
      // 00 is only an international prefix with a default region that dials abroad with it.
      (
        nil, "0044 20 7946 0958", "phone.missing_country_code",
        "has no country code: start it with + and the country code, or pass --default-region"
      ),
      (
        "US", "00 44 20 7946 0958", "phone.too_long",
        "too long for US (14 digits, needs 7 or 10)"
      ),
      (nil, "+999 123 456", "phone.unknown_country_code", "+999 is not a country calling code"),
      ("GB", "00 999 123 456", "phone.unknown_country_code", "+999 is not a country calling code"),
      (nil, "+032 123 456", "phone.unknown_country_code", "+032 is not a country calling code"),
      (nil, "+0044 20 7946 0958", "phone.unknown_country_code", "+004 is not a country calling code"),
      (nil, "+44 123", "phone.too_short", "too short for GB (3 digits, needs 7, 9 or 10)"),
      (nil, "+44 20 7946 0958 12", "phone.too_long", "too long for GB (12 digits, needs 7, 9 or 10)"),
      (nil, "+1 415 555 26710", "phone.too_long", "too long for US (11 digits, needs 7 or 10)"),
      ("US", "415 555 267", "phone.invalid_length", "wrong length for US (9 digits, needs 7 or 10)"),
      (nil, "+47 123 456", "phone.invalid_length", "wrong length for NO (6 digits, needs 5 or 8)"),
      (nil, "+800 1234 567", "phone.too_short", "too short for +800 (7 digits, needs 8)"),
      (nil, "+44 2079 4609", "phone.invalid_length", "wrong length for GB (8 digits, needs 7, 9 or 10)"),
      ("GB", "12", "phone.too_short", "too short for GB (2 digits, needs 7, 9 or 10)"),
      ("GB", "0044", "phone.too_short", "too short: 2 digits after the international prefix"),
      (nil, "+12", "phone.too_short", "too short (2 digits)"),
      (nil, String(repeating: "0", count: 251), "phone.too_long", "too long (251 characters, at most 250)"),
      // A possible length but no number range: where the number leaves every range of its country.
      (nil, "+44 209 460 9581", "phone.invalid_number", "is not a valid +44 number: none starts +44 209"),
      (nil, "+33 0 12 34 56 78", "phone.invalid_number", "is not a valid FR number: none starts +33 0"),
      (nil, "+1 555 555 5555", "phone.invalid_number", "is not a valid +1 number: none starts +1 555"),
      ("BR", "0 15 21 1234 5678", "phone.invalid_number", "is not a valid BR number: none starts +55 211"),
      (
        nil, "+44 20 7946 095", "phone.invalid_number",
        "is not a valid +44 number: those starting +44 207946095 have 10 digits"
      ),
      // US's national prefix stays when the rest (7 digits) is possible only locally.
      ("US", "1 555 2671", "phone.invalid_length", "wrong length for US (8 digits, needs 7 or 10)"),
      // Trailing letters make a vanity number: `work` becomes 9675.
      (nil, "+44 20 7946 0958 (work)", "phone.too_long", "too long for GB (14 digits, needs 7, 9 or 10)"),
      (
        nil, "+44 20 7946 0958 #", "phone.invalid_characters",
        ##"contains "#", which is not a digit or separator"##
      ),
      (
        nil, "+44\t20", "phone.invalid_characters", "contains U+0009, which is not a digit or separator"
      ),
      (
        nil, "+4a4 20 7946 0958", "phone.invalid_characters",
        #"contains "a", which is not a digit or separator"#
      ),
      (
        nil, "44 + 20 7946 0958", "phone.invalid_characters",
        #"contains "+" after the start; only a leading + is allowed"#
      ),
      (
        nil, "tel:415-555-2671;phone-context=", "phone.invalid_characters",
        "has a ;phone-context= that is neither a +number nor a domain name"
      ),
      (nil, "( ) -", "phone.no_digits", "has no digits"),
      (nil, "+", "phone.no_digits", "has no digits"),
      (nil, "call me", "phone.no_digits", "has no digits"),
    ] as [(String?, String, String, String)])
  func rejectsWithCodeAndMessage(region: String?, input: String, code: String, message: String) throws {
    #expect(try verdict(input, region: region) == .invalid(code: IssueCode(rawValue: code), message: message))
  }

  @Test(
    arguments: [
      // (input, E.164, extension)
      ("+1 415 555 2671 ext. 12", "+14155552671", "12"),
      ("+1 415 555 2671 x12", "+14155552671", "12"),
      ("+1 415 555 2671 X 12", "+14155552671", "12"),
      ("+1 415 555 2671 #12", "+14155552671", "12"),
      ("+1 415 555 2671,,12", "+14155552671", "12"),
      ("+1 415 555 2671;12", "+14155552671", "12"),
      ("+1-415-555-2671 - 503#", "+14155552671", "503"),
      ("+1 415 555 2671 extension 2001", "+14155552671", "2001"),
      ("+1 415 555 2671 \u{434}\u{43E}\u{431} 12", "+14155552671", "12"),
      ("+1 415 555 2671 \u{FF45}\u{FF58}\u{FF54} \u{FF11}\u{FF12}", "+14155552671", "12"),  // Full-width.
      ("tel:+1-415-555-2671;ext=123", "+14155552671", "123"),
      ("+1 (415) 555-2671 x302/x2303", "+14155552671", "302"),  // A second extension is cut.
      ("+1 415 555 2671", "+14155552671", nil),
    ] as [(String, String, String?)])
  func parseKeepsTheExtension(input: String, e164: String, phoneExtension: String?) throws {
    let validator = try #require(PhoneNumberValidator(defaultRegion: nil))
    let expected = ParsedPhoneNumber(e164: e164, callingCode: 1, phoneExtension: phoneExtension)
    #expect(validator.parse(input) == .valid(expected))
    #expect(validator.validate(input) == .valid(normalized: e164))
  }

  @Test func parseAndValidateRejectAlike() throws {
    let validator = try #require(PhoneNumberValidator(defaultRegion: "GB"))
    for input in ["020 7946", "+999 1234", "abc", "+44 209 460 9581 ext 3"] {
      #expect(validator.parse(input).verdict == validator.validate(input))
      if case .valid = validator.parse(input) { Issue.record("\(input) should be invalid") }
    }
  }

  /// Deliberate differences from phonenumbers' API, not its verdicts.
  @Test func regionInAnyCase() throws {
    // phonenumbers wants upper case (`parse("020 7946 0958", "gb")` says the region is missing).
    #expect(try verdict("020 7946 0958", region: "gb") == .valid(normalized: "+442079460958"))
  }

  @Test(arguments: ["XX", "ZZ", "", "G", "GBR", "001", "1", "ÜK", "G B"])
  func unknownRegionMakesNoValidator(region: String) {
    #expect(PhoneNumberValidator(defaultRegion: region) == nil)
    #expect(!PhoneNumberValidator.isKnownRegion(region))
  }

  @Test(arguments: ["GB", "gb", "Us", "it", "AX"])
  func knownRegionInAnyCase(region: String) {
    #expect(PhoneNumberValidator.isKnownRegion(region))
    #expect(PhoneNumberValidator(defaultRegion: region) != nil)
  }

  @Test func noDefaultRegionStillReadsInternationalNumbers() {
    #expect(
      PhoneNumberValidator(defaultRegion: nil)?.validate("+33 1 23 45 67 89")
        == .valid(normalized: "+33123456789"))
  }

  @Test(arguments: [
    ([10], "10"),
    ([7, 10], "7 or 10"),
    ([8, 9, 10], "8 to 10"),
    ([7, 9, 10], "7, 9 or 10"),
    ([5, 6, 7, 8, 9, 10, 12], "5 to 10 or 12"),
    ([5, 6, 8, 9, 10, 11, 12, 13], "5, 6 or 8 to 13"),
  ])
  func lengthPhrase(lengths: [Int], phrase: String) {
    #expect(PhoneLengthSet(lengths).phrase == phrase)
  }

  @Test func generatedTableHasTheExpectedShape() throws {
    let rows = PhoneRegionMetadata.all
    #expect(PhoneRegionMetadata.source.hasPrefix("phonenumbers "))
    #expect(
      rows.map { "\($0.region) \($0.callingCode)" } == rows.map { "\($0.region) \($0.callingCode)" }.sorted())
    for row in rows {
      #expect((1...999).contains(row.callingCode), "\(row.region)")
      #expect(
        !row.possibleLengths.isEmpty && row.possibleLengths == row.possibleLengths.sorted(), "\(row.region)")
    }
    let gb = try #require(rows.first { $0.region == "GB" })
    #expect(gb.callingCode == 44 && gb.nationalPrefix == "0" && gb.internationalPrefix == "00")
    #expect(gb.possibleLengths == [7, 9, 10] && gb.localOnlyLengths == [4, 5, 6, 8] && gb.isMainRegion)
    let us = try #require(rows.first { $0.region == "US" })
    #expect(us.callingCode == 1 && us.nationalPrefix == "1" && us.internationalPrefix == "011")
    #expect(rows.first { $0.region == "IT" }?.nationalPrefix == "")
    #expect(rows.first { $0.region == "CA" }?.isMainRegion == false)
    #expect(rows.first { $0.region == "AR" }?.nationalPrefixTransform == "9$1")
  }

  @Test func tablesDecode() throws {
    let index = PhoneMetadataIndex.shared
    #expect(index.regions.count == PhoneRegionMetadata.all.count)
    #expect(index.callingCodes.count == 215)
    let gb = try #require(index.region(forCode: "GB"))
    let slot = index.regions[gb].callingCodeSlot
    #expect(index.callingCodes[slot].code == 44 && index.callingCodes[slot].isShared)
    // GB's general pattern: [1-357-9]\d{9}|[18]\d{8}|8\d{6}
    #expect(index.matches(index.regions[gb].generalPattern, Self.digits("2079460958")))
    #expect(!index.matches(index.regions[gb].generalPattern, Self.digits("6079460958")))
    #expect(index.matches(index.regions[gb].generalPattern, Self.digits("8001234")))
    #expect(!index.matches(index.regions[gb].generalPattern, Self.digits("2001234")))
  }

  /// The prefix programs behave as Python's `re.match` on the metadata patterns.
  @Test(
    arguments: [
      // (region, national number, end of the national prefix match or nil, group 1)
      ("GB", "02079460958", 1, nil),
      ("GB", "1800201234", 6, nil),  // `0|180020`
      ("GB", "2079460958", nil, nil),
      ("BY", "80291234567", 2, nil),  // `0|80?`: 80 before 8
      ("BY", "8291234567", 1, nil),
      ("AR", "03431555551212", 6, "343"),  // `0?(?:(11|343|...)15)?`
      ("AR", "1123456789", 0, nil),  // matches empty
      ("JP", "0312345678", 1, nil),
      ("SM", "886377", 6, "886377"),  // `([89]\d{5})$`
      ("SM", "8863771", nil, nil),
    ] as [(String, String, Int?, String?)])
  func prefixProgramsMatchLikePython(region: String, number: String, end: Int?, group: String?) throws {
    let index = PhoneMetadataIndex.shared
    let row = try #require(index.region(forCode: region))
    let program = index.regions[row].nationalPrefix
    let match = index.match(program: program, Self.digits(number))
    #expect(match?.end == end)
    let captured = match?.group(1).map { range in String(Array(number)[range]) }
    #expect(captured == group)
  }

  private static func digits(_ text: String) -> PhoneDigitSlice {
    var digits = PhoneDigitString()
    for byte in text.utf8 { digits.append(byte - UInt8(ascii: "0")) }
    return PhoneDigitSlice(digits)
  }
}
