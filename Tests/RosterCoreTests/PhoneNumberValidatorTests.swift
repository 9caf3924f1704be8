import Testing

@testable import RosterCore

/// Expected values were checked against Python phonenumbers 9.0.43 (`format_number(parse(input, region),
/// E164)` and `is_possible_number`); the cases where this baseline knowingly differs are in
/// `divergesFromPhonenumbers` with what phonenumbers says.
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
      (nil, "+999 123 456", "phone.unknown_country_code", "+999 is not a country calling code"),
      ("GB", "00 999 123 456", "phone.unknown_country_code", "+999 is not a country calling code"),
      (nil, "+032 123 456", "phone.unknown_country_code", "+032 is not a country calling code"),
      (nil, "+44 123", "phone.too_short", "too short for GB (3 digits, needs 7, 9 or 10)"),
      (nil, "+44 20 7946 0958 12", "phone.too_long", "too long for GB (12 digits, needs 7, 9 or 10)"),
      (nil, "+1 415 555 26710", "phone.too_long", "too long for US (11 digits, needs 7 or 10)"),
      ("US", "415 555 267", "phone.invalid_length", "wrong length for US (9 digits, needs 7 or 10)"),
      (nil, "+47 123 456", "phone.invalid_length", "wrong length for NO (6 digits, needs 5 or 8)"),
      (nil, "+800 1234 567", "phone.too_short", "too short for +800 (7 digits, needs 8)"),
      (
        nil, "+44 20 7946 0958 ext 12", "phone.invalid_characters",
        #"contains "e", which is not a digit or separator"#
      ),
      (
        nil, "tel:+44-20-7946-0958", "phone.invalid_characters",
        #"contains "t", which is not a digit or separator"#
      ),
      (
        nil, "+44 20\u{200B}7946 0958", "phone.invalid_characters",
        "contains U+200B, which is not a digit or separator"
      ),
      (nil, "+44\t20", "phone.invalid_characters", "contains U+0009, which is not a digit or separator"),
      (
        nil, "44 + 20 7946 0958", "phone.invalid_characters",
        #"contains "+" after the start; only a leading + is allowed"#
      ),
      (nil, "( ) -", "phone.no_digits", "has no digits"),
      (nil, "+", "phone.no_digits", "has no digits"),
    ] as [(String?, String, String, String)])
  func rejectsWithCodeAndMessage(region: String?, input: String, code: String, message: String) throws {
    #expect(try verdict(input, region: region) == .invalid(code: IssueCode(rawValue: code), message: message))
  }

  /// Where the baseline knowingly differs from phonenumbers' `is_possible_number`; each comment says what
  /// phonenumbers 9.0.43 answers. A change here is a change of documented behaviour.
  @Test(
    arguments: [
      // phonenumbers: possible, +4930123456789012 (no E.164 15-digit cap).
      (
        nil, "+49 30 1234 5678 9012",
        FieldVerdict.invalid(
          code: "phone.too_long", message: "too long for E.164 (16 digits with the country code, at most 15)")
      ),
      // phonenumbers: possible (converts vanity letters), +18003569377.
      (
        "US", "1-800-FLOWERS",
        .invalid(
          code: "phone.invalid_characters", message: #"contains "F", which is not a digit or separator"#)
      ),
      // phonenumbers: possible, +442079460958 (strips the national prefix after +44).
      (
        nil, "+44 (0)20 7946 0958",
        .invalid(code: "phone.too_long", message: "too long for GB (11 digits, needs 7, 9 or 10)")
      ),
      // phonenumbers: possible only as a local number (IS_POSSIBLE_LOCAL_ONLY for 8 digits in GB).
      (
        nil, "+44 2079 4609",
        .invalid(code: "phone.invalid_length", message: "wrong length for GB (8 digits, needs 7, 9 or 10)")
      ),
      // phonenumbers: error, 00 needs a default region whose international prefix is 00.
      (nil, "0044 20 7946 0958", .valid(normalized: "+442079460958")),
      // phonenumbers: not possible (+115552671); here CA's 7-digit numbers make 7 possible for +1.
      ("US", "1 555 2671", .valid(normalized: "+15552671")),
    ] as [(String?, String, FieldVerdict)])
  func divergesFromPhonenumbers(region: String?, input: String, expected: FieldVerdict) throws {
    #expect(try verdict(input, region: region) == expected)
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
    #expect(gb.possibleLengths == [7, 9, 10] && gb.isMainRegion)
    let us = try #require(rows.first { $0.region == "US" })
    #expect(us.callingCode == 1 && us.nationalPrefix == "1" && us.internationalPrefix == "011")
    #expect(rows.first { $0.region == "IT" }?.nationalPrefix == "")
    #expect(rows.first { $0.region == "CA" }?.isMainRegion == false)
  }
}
