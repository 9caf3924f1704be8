import RosterCore
import Testing

/// Every verdict here was checked against Python's email-validator 2.4.0,
/// `validate_email(s, check_deliverability=False)`; every expected normalised value is its `normalized`.
/// Where the baseline knowingly differs, the case is in `deliberateDifferences` or left out (see its notes).
@Suite("EmailValidator")
struct EmailValidatorTests {
  let validator = EmailValidator()

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
      // At the length limits: a 64-octet local part, 63-octet labels.
      (a64 + "@example.com", a64 + "@example.com"),
      ("a@\(b63).\(b63).\(b63).com", "a@\(b63).\(b63).\(b63).com"),
    ])
  func acceptsAndNormalises(input: String, normalized: String) {
    #expect(validator.validate(input) == .valid(normalized: normalized))
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
      ("ada@xn--bü.de", "email.domain_punycode"),
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
    ])
  func messages(input: String, message: String) {
    guard case .invalid(_, let actual) = validator.validate(input) else {
      Issue.record("\(input) was accepted")
      return
    }
    #expect(actual == message)
  }

  // MARK: - Where the baseline knowingly differs from email-validator's defaults

  /// A local part over 64 octets (RFC 5321 4.5.3.1.1): email-validator accepts it by default and rejects it
  /// only with `strict=True`; Roster rejects it, as the brief asks.
  ///
  /// Not tested here because the baseline does not do them yet (UTS #46 and NFC normalisation, Punycode):
  /// `ada@BÜCHER.DE` normalises to `ada@bÜcher.de` (email-validator: `ada@bücher.de`); `a@xn--bcher-kva.de`
  /// stays in Punycode (email-validator: `a@bücher.de`); `a@xn--abc.com` is accepted (invalid Punycode).
  @Test("rejects a local part over 64 octets (email-validator's strict mode)")
  func deliberateDifferences() {
    let verdict = validator.validate(Self.a64 + "a@example.com")
    #expect(
      verdict
        == .invalid(
          code: "email.local_part_too_long",
          message: "the part before the @-sign is 65 characters long; at most 64 are allowed"))
  }

  // MARK: - Robustness

  /// Every prefix and suffix of awkward inputs gets a verdict without trapping (bounds are checked in debug).
  @Test(
    "never traps on cut-up input",
    arguments: [
      "jörg.müller@bücher.de", "ada@例え。テスト", "\"a@b\"@c.com", "a@b＠c。ｄ", "x@xn--bü.de", "😀@😀.😀",
      "a\u{0301}@\u{0301}.\u{0301}", "<a@b.c>", "a@[1.2.3.4]", "a..b@c..d", "-@-.-", "a@b.c\u{FF0E}",
    ])
  func neverTraps(input: String) {
    let scalars = Array(input.unicodeScalars)
    for cut in 1...scalars.count {
      for part in [scalars[..<cut], scalars[(scalars.count - cut)...]] {
        var text = ""
        text.unicodeScalars.append(contentsOf: part)
        switch validator.validate(text) {
        case .valid(let normalized): #expect(normalized.utf8.count <= text.utf8.count)
        case .invalid(let code, let message):
          #expect(code.rawValue.hasPrefix("email."))
          #expect(!message.isEmpty)
        }
      }
    }
  }
}
