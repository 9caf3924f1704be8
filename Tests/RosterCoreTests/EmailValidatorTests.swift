import RosterCore
import Testing

/// Every verdict here was checked against Python's email-validator 2.4.0,
/// `validate_email(s, check_deliverability=False)`; every expected normalised value is its `normalized`.
/// The broad measurement is `EmailAgreementTests`; these cases pin behaviour that must not drift, and the
/// codes and messages (which are Roster's own).
@Suite("EmailValidator")
struct EmailValidatorTests {
  let validator = EmailValidator()

  /// Internationalised domains are worked out once per validator and then looked up: the second
  /// verdict for a domain, and the verdict for another local part on it, are the ones worked out.
  @Test func aDomainSeenBeforeGivesTheSameVerdict() {
    let shared = EmailValidator()
    for address in ["ada@BÜCHER.DE", "ada@bücher.de", "ada@ex\u{200D}ample.de", "ada@⒈example.de"] {
      let fresh = EmailValidator().validate(address)
      #expect(shared.validate(address) == fresh, "\(address)")
      #expect(shared.validate(address) == fresh, "\(address), again")
    }
    let copy = shared
    #expect(copy.validate("grace@BÜCHER.DE") == .valid(normalized: "grace@bücher.de"))
  }

  static let a64 = String(repeating: "a", count: 64)
  static let b63 = String(repeating: "b", count: 63)

  // MARK: - Valid

  @Test(
    "accepts and normalises",
    arguments: [
      ("ada@example.com", "ada@example.com"),
      ("ada.lovelace@example.com", "ada.lovelace@example.com"),
      ("grace+navy@example.org", "grace+navy@example.org"),
      ("first.last@mail.dept.example.ac.uk", "first.last@mail.dept.example.ac.uk"),
      ("user_name-1@sub-domain.example.com", "user_name-1@sub-domain.example.com"),
      ("o'brien@example.ie", "o'brien@example.ie"),
      ("x@y.io", "x@y.io"),
      ("!#$%&'*+-/=?^_`{|}~@example.com", "!#$%&'*+-/=?^_`{|}~@example.com"),
      ("a@1.2.3.com", "a@1.2.3.com"),
      // Only the domain is lowercased.
      ("Ada@Example.COM", "Ada@example.com"),
      ("ADA@EXAMPLE.COM", "ADA@example.com"),
      // Internationalised local parts and domains.
      ("jörg.müller@example.de", "jörg.müller@example.de"),
      ("用户@example.com", "用户@example.com"),
      ("ada@bücher.de", "ada@bücher.de"),
      ("ada@例え.テスト", "ada@例え.テスト"),
      ("ada@例え。テスト", "ada@例え.テスト"),  // U+3002 IDEOGRAPHIC FULL STOP separates labels.
      // UTS #46 maps the domain: case, full-width forms, ideographic full stops, compatibility characters.
      ("ada@BÜCHER.DE", "ada@bücher.de"),
      ("ada@ΣΊΣΥΦΟΣ.gr", "ada@σίσυφοσ.gr"),
      ("ada@x\u{0308}\u{0323}.com", "ada@\u{1E8D}\u{0323}.com"),  // NFC after mapping
      ("ada@ｅｘａｍｐｌｅ.com", "ada@example.com"),
      ("x@ｅｘａｍｐｌｅ．ｃｏｍ", "x@example.com"),
      ("ada@㍿.jp", "ada@株式会社.jp"),
      ("ada@faß.de", "ada@faß.de"),  // non-transitional: ß stays
      ("ada@ｔｅｓｔ.com", "ada@test.com"),
      // Punycode labels are checked and given in Unicode form.
      ("a@xn--bcher-kva.de", "a@bücher.de"),
      ("A@XN--BCHER-KVA.DE", "A@bücher.de"),
      ("ada@münchen.xn--p1ai", "ada@münchen.рф"),
      ("ada@a.xn--4dbc", "ada@a.אב"),
      // IDNA's contextual rules where they allow a character.
      ("ada@l·l.com", "ada@l·l.com"),
      ("ada@א׳.com", "ada@א׳.com"),
      // The local part is put in NFC; role names of RFC 2142 are lowercased, other local parts keep their case.
      ("jo\u{0308}rg@example.de", "jörg@example.de"),
      ("u\u{0308}\u{0301}@x.com", "ǘ@x.com"),
      ("\u{05D0}\u{05BC}\u{05B8}@example.com", "\u{05D0}\u{05B8}\u{05BC}@example.com"),  // reordered by class
      ("a\u{0307}\u{0323}@x.com", "\u{1EA1}\u{0307}@x.com"),  // reordered, then composed
      ("Postmaster@Example.com", "postmaster@example.com"),
      ("SUPPORT@example.com", "support@example.com"),
      ("Supporter@example.com", "Supporter@example.com"),
      ("mar\u{212A}eting@example.com", "marketing@example.com"),  // KELVIN SIGN becomes K, then lowercased
      // At the length limits: 63-octet labels; the local part alone is not limited (only strict mode does).
      (a64 + "@example.com", a64 + "@example.com"),
      (a64 + "a@example.com", a64 + "a@example.com"),
      (
        String(repeating: "a", count: 180) + "@" + String(repeating: "例", count: 15) + ".com",
        String(repeating: "a", count: 180) + "@" + String(repeating: "例", count: 15) + ".com"
      ),
      ("a@\(b63).\(b63).\(b63).com", "a@\(b63).\(b63).\(b63).com"),
    ])
  func acceptsAndNormalises(input: String, normalized: String) {
    guard case .valid(let actual) = validator.validate(input) else {
      Issue.record("\(input) was rejected: \(validator.validate(input))")
      return
    }
    // Scalars, not `==`: String's `==` treats canonically equivalent text as equal, hiding NFC mistakes.
    #expect(Array(actual.unicodeScalars) == Array(normalized.unicodeScalars))
  }

  // MARK: - Invalid

  @Test(
    "rejects with a stable code",
    arguments: [
      ("ada.example.com", "email.missing_at"),
      ("ada＠example.com", "email.missing_at"),
      ("ada@@example.com", "email.multiple_at"),
      ("ada@mail@example.com", "email.multiple_at"),
      ("@example.com", "email.empty_local_part"),
      ("ada@", "email.empty_domain"),
      (".ada@example.com", "email.local_part_dots"),
      ("ada.@example.com", "email.local_part_dots"),
      ("ada..lovelace@example.com", "email.local_part_dots"),
      ("ada lovelace@example.com", "email.invalid_local_characters"),
      ("ada\tlovelace@example.com", "email.invalid_local_characters"),
      ("ada,lovelace@example.com", "email.invalid_local_characters"),
      ("ada\u{00A0}lovelace@example.com", "email.invalid_local_characters"),
      ("ada\u{200B}@example.com", "email.invalid_local_characters"),
      ("\u{0301}ada@example.com", "email.invalid_local_characters"),
      ("\"ada\"@example.com", "email.quoted_local_part"),
      ("\"ada lovelace\"@example.com", "email.quoted_local_part"),
      ("Ada Lovelace <ada@example.com>", "email.display_name"),
      ("<ada@example.com>", "email.display_name"),
      ("ada@[192.168.0.1]", "email.domain_literal"),
      ("ada@[IPv6:::1]", "email.domain_literal"),
      ("b.liskov@mit", "email.domain_needs_dot"),
      ("thor@asgard.", "email.domain_no_tld"),
      ("ada@.example.com", "email.domain_dots"),
      ("ada@example..com", "email.domain_dots"),
      ("ada@-example.com", "email.domain_hyphens"),
      ("ada@example-.com", "email.domain_hyphens"),
      ("ada@ab--cd.com", "email.domain_hyphens"),
      ("ada@xn--bü.de", "email.domain_hyphens"),
      ("a@xn--abc.com", "email.domain_punycode"),
      ("a@xn--a.com", "email.domain_punycode"),
      ("ada@xn--ls8h.com", "email.domain_punycode"),  // decodes to an emoji, which IDNA disallows
      ("ada@😀.com", "email.invalid_domain_characters"),
      ("ada@⒈com.com", "email.invalid_domain_characters"),  // decomposes to "1."
      ("ada@exa\u{200D}mple.com", "email.invalid_domain_characters"),
      ("a@exam\u{00AD}ple.com", "email.invalid_domain_characters"),
      ("ada@\u{0301}x.com", "email.invalid_domain_characters"),
      ("ada@x.\u{0301}y.com", "email.invalid_domain_characters"),
      ("ada@a·b.com", "email.invalid_domain_characters"),
      ("ada@a׳.com", "email.invalid_domain_characters"),
      ("ada@אב.1.com", "email.domain_bidi"),
      ("ada@1.אב.com", "email.domain_bidi"),
      ("a;b@example.com", "email.invalid_local_characters"),
      ("a\u{037E}b@example.com", "email.invalid_local_characters"),  // GREEK QUESTION MARK: NFC makes it ";"
      ("\u{0301}ü@x.com", "email.invalid_local_characters"),
      ("ada@example.ｔｅｓｔ", "email.domain_special_use"),
      ("a@xn--zckzah", "email.domain_needs_dot"),
      ("ada@example.123", "email.domain_numeric_tld"),
      ("ada@1.2.3.4", "email.domain_numeric_tld"),
      ("ada@example.com1", "email.domain_invalid_tld"),
      ("ada@exa_mple.com", "email.invalid_domain_characters"),
      ("ada@exa mple.com", "email.invalid_domain_characters"),
      ("ada@☃.com", "email.invalid_domain_characters"),
      ("ada@exa，mple.com", "email.invalid_domain_characters"),
      ("ada@example.local", "email.domain_special_use"),
      ("ada@host.localhost", "email.domain_special_use"),
      ("ada@x.test", "email.domain_special_use"),
      ("a@\(String(repeating: "b", count: 64)).com", "email.domain_label_too_long"),
      ("a@\(b63).\(b63).\(b63).\(b63).com", "email.domain_too_long"),
      ("\(a64)@\(b63).\(b63).\(String(repeating: "b", count: 60)).com", "email.too_long"),
      (String(repeating: "a", count: 200) + "@" + String(repeating: "b", count: 50) + ".com", "email.too_long"),
      // 251 octets as written, 255 with the domain in Punycode.
      (String(repeating: "a", count: 214) + "@一a二b三c四d五e六f七g八h.com", "email.too_long"),
      ("a@" + String(repeating: "ü", count: 60) + ".com", "email.domain_label_too_long"),
    ] as [(String, IssueCode)])
  func rejects(input: String, code: IssueCode) {
    let verdict = validator.validate(input)
    guard case .invalid(let actual, let message) = verdict else {
      Issue.record("\(input) was accepted: \(verdict)")
      return
    }
    #expect(actual == code)
    #expect(!message.isEmpty)
  }

  @Test(
    "messages say what to fix",
    arguments: [
      ("ada.example.com", "the address has no @-sign"),
      ("ada＠example.com", "the address has \"＠\" (U+FF20) instead of a real @-sign"),
      ("b.liskov@mit", "the domain needs a dot (for example example.com)"),
      ("thor@asgard.", "the domain has no top-level part after its last dot"),
      (".ada@example.com", "the part before the @-sign cannot start with a dot"),
      ("ada.@example.com", "the part before the @-sign cannot end with a dot"),
      ("ada..lovelace@example.com", "the part before the @-sign has two dots in a row"),
      ("ada lovelace@example.com", "the part before the @-sign contains SPACE, which is not allowed"),
      ("ada\tlovelace@example.com", "the part before the @-sign contains TAB (U+0009), which is not allowed"),
      ("ada<@example.com", "the part before the @-sign contains \"<\", which is not allowed"),
      (
        "ada\u{00A0}lovelace@example.com",
        "the part before the @-sign contains NO-BREAK SPACE (U+00A0), which is not allowed"
      ),
      ("ada@exa_mple.com", "the domain contains \"_\", which is not allowed"),
      ("ada@-example.com", "the domain part \"-example\" cannot start with a hyphen"),
      ("ada@example.local", "the domain ends in \".local\", a reserved name that cannot receive email"),
      (
        "a@xn--zz.com",
        "the domain part \"xn--zz\" starts with xn-- but is not valid Punycode for an internationalised name"
      ),
      (
        "a@xn--ls8h.com",
        "the domain part \"xn--ls8h\" is Punycode for a name that is not allowed: the domain contains \"💩\" "
          + "(U+1F4A9), which is not allowed"
      ),
      ("ada@אב.1.com", "the domain part \"1\" breaks the rules for right-to-left text in domain names (RFC 5893)"),
      ("ada@a·b.com", "the domain contains \"·\" (U+00B7) where internationalised domain names do not allow it"),
      ("ada@exa，mple.com", "the domain contains \"，\" (U+FF0C), which is not allowed"),
      ("ada@x.\u{0301}y.com", "a part of the domain starts with COMBINING ACUTE ACCENT (U+0301), which is not allowed"),
      (
        "a\u{037E}b@example.com",
        "once its Unicode characters are put in their standard (NFC) form, the part before the @-sign contains "
          + "\";\", which is not allowed"
      ),
      (
        "a@" + String(repeating: "ü", count: 60) + ".com",
        "a part of the domain between dots is 66 characters long once written in Punycode (xn--); at most 63 "
          + "are allowed"
      ),
    ])
  func messages(input: String, message: String) {
    guard case .invalid(_, let actual) = validator.validate(input) else {
      Issue.record("\(input) was accepted")
      return
    }
    #expect(actual == message)
  }

  // MARK: - Lengths as email-validator applies them

  /// Only the ASCII (Punycode) form of the domain counts for the 254-octet limit of the whole address, as
  /// well as the address as written and as normalised; the local part alone is not limited.
  @Test("limits the address in its Punycode form")
  func punycodeLength() {
    let domain = "一a二b三c四d五e六f七g八h.com"  // 32 octets in UTF-8, 36 in Punycode
    let fits = String(repeating: "a", count: 213) + "@" + domain
    #expect(validator.validate(fits) == .valid(normalized: fits))
    #expect(
      validator.validate("a" + fits)
        == .invalid(
          code: "email.too_long",
          message: "the address is 255 characters long once written in Punycode (xn--); at most 254 are allowed"))
  }

  // MARK: - Robustness

  /// Every prefix and suffix of awkward inputs gets a verdict without trapping (bounds are checked in debug),
  /// and a normalised address is its own normalised form.
  @Test(
    "never traps on cut-up input",
    arguments: [
      "jörg.müller@bücher.de", "ada@例え。テスト", "\"a@b\"@c.com", "a@b＠c。ｄ", "x@xn--bü.de", "😀@😀.😀",
      "a\u{0301}@\u{0301}.\u{0301}", "<a@b.c>", "a@[1.2.3.4]", "a..b@c..d", "-@-.-", "a@b.c\u{FF0E}",
      "Postmaster@xn--bcher-kva.XN--P1AI", "e\u{0301}\u{0323}@ΣΊΣΥΦΟΣ.㍿.gr", "a@אב.xn--4dbc.1a", "a@l·l.xn--a-ecp.ru",
    ])
  func neverTraps(input: String) {
    let scalars = Array(input.unicodeScalars)
    for cut in 1...scalars.count {
      for part in [scalars[..<cut], scalars[(scalars.count - cut)...]] {
        var text = ""
        text.unicodeScalars.append(contentsOf: part)
        switch validator.validate(text) {
        case .valid(let normalized):
          guard case .valid(let again) = validator.validate(normalized) else {
            Issue.record("\(normalized), the normalised form of \(text), was rejected")
            continue
          }
          #expect(Array(again.unicodeScalars) == Array(normalized.unicodeScalars))
        case .invalid(let code, let message):
          #expect(code.rawValue.hasPrefix("email."))
          #expect(!message.isEmpty)
        }
      }
    }
  }
}
