extension EmailValidator {
  /// Why an address was rejected; each case has a stable code and a message a person can act on.
  /// (An `Error` only so that it can be the failure of a `Result`; nothing throws it.)
  indirect enum Problem: Error, Hashable, Sendable {
    enum DotPlace: Hashable, Sendable { case start, end, double }
    /// A dot at the end of a domain is `domainNoTLD`.
    enum DomainDotPlace: Hashable, Sendable { case start, double }
    enum HyphenPlace: Hashable, Sendable { case start, end, thirdAndFourth }
    /// What a length counts.
    enum Measure: Hashable, Sendable {
      /// ASCII characters (the same as octets).
      case characters
      /// Octets of UTF-8, as written.
      case utf8
      /// Octets of UTF-8 after normalisation.
      case normalized
      /// Octets of the ASCII form, with internationalised labels in Punycode (`xn--...`).
      case punycode
    }

    case missingAt
    case lookalikeAt(Unicode.Scalar)
    case displayName
    case emptyLocalPart
    case quotedLocalPart
    case multipleAt
    case localPartCharacter(Unicode.Scalar, leading: Bool)
    case localPartDots(DotPlace)
    /// The local part is valid as written but not in Unicode Normalization Form C.
    case afterNormalization(Problem)
    case emptyDomain
    case domainLiteral
    case domainCharacter(Unicode.Scalar, labelStart: Bool)
    /// A character IDNA allows only next to certain others (`·` between two l's).
    case domainContext(Unicode.Scalar)
    case domainDots(DomainDotPlace)
    case domainNoTLD
    case domainHyphens(HyphenPlace, label: String)
    case domainPunycode(label: String)
    /// Only for a decoded `xn--` label; reported as `domainPunycode`.
    case domainNotNFC(label: String)
    /// An `xn--` label that decodes to a name IDNA does not allow.
    case decodedLabel(label: String, Problem)
    case domainBidi(label: String)
    case domainLabelTooLong(octets: Int, measure: Measure)
    case domainTooLong(octets: Int, measure: Measure)
    case domainNeedsDot
    case numericTLD
    case tldEndsInDigit(String)
    case specialUseDomain(String)
    case tooLong(octets: Int, measure: Measure)

    var code: IssueCode {
      switch self {
      case .missingAt, .lookalikeAt: "email.missing_at"
      case .displayName: "email.display_name"
      case .emptyLocalPart: "email.empty_local_part"
      case .quotedLocalPart: "email.quoted_local_part"
      case .multipleAt: "email.multiple_at"
      case .localPartCharacter: "email.invalid_local_characters"
      case .localPartDots: "email.local_part_dots"
      case .afterNormalization(let problem): problem.code
      case .emptyDomain: "email.empty_domain"
      case .domainLiteral: "email.domain_literal"
      case .domainCharacter, .domainContext: "email.invalid_domain_characters"
      case .domainDots: "email.domain_dots"
      case .domainNoTLD: "email.domain_no_tld"
      case .domainHyphens: "email.domain_hyphens"
      case .domainPunycode, .domainNotNFC, .decodedLabel: "email.domain_punycode"
      case .domainBidi: "email.domain_bidi"
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
      case .afterNormalization(let problem):
        return "once its Unicode characters are put in their standard (NFC) form, " + problem.message
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
      case .domainContext(let scalar):
        return "the domain contains \(Self.describe(scalar)) where internationalised domain names do not "
          + "allow it"
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
      case .domainPunycode(let label), .domainNotNFC(let label):
        return "the domain part \"\(label)\" starts with xn-- but is not valid Punycode for an "
          + "internationalised name"
      case .decodedLabel(let label, let problem):
        return "the domain part \"\(label)\" is Punycode for a name that is not allowed: " + problem.message
      case .domainBidi(let label):
        return "the domain part \"\(label)\" breaks the rules for right-to-left text in domain names "
          + "(RFC 5893)"
      case .domainLabelTooLong(let octets, let measure):
        return "a part of the domain between dots is \(Self.length(octets, measure)); at most "
          + "\(EmailValidator.maxLabelOctets) are allowed"
      case .domainTooLong(let octets, let measure):
        return "the domain is \(Self.length(octets, measure)); at most \(EmailValidator.maxDomainOctets) "
          + "are allowed"
      case .domainNeedsDot:
        return "the domain needs a dot (for example example.com)"
      case .numericTLD:
        return "the domain ends in a number, like an IP address; it must end in a name such as .com"
      case .tldEndsInDigit(let label):
        return "the top-level part of the domain, \"\(label)\", must end with a letter"
      case .specialUseDomain(let name):
        return "the domain ends in \".\(name)\", a reserved name that cannot receive email"
      case .tooLong(let octets, let measure):
        return "the address is \(Self.length(octets, measure)); "
          + "at most \(EmailValidator.maxAddressOctets) are allowed"
      }
    }

    /// "70 characters long", "70 bytes long in UTF-8", ...: a length as the message shows it.
    static func length(_ octets: Int, _ measure: Measure) -> String {
      switch measure {
      case .characters: "\(octets) characters long"
      case .utf8: "\(octets) bytes long in UTF-8"
      case .normalized: "\(octets) bytes long in UTF-8 once normalised"
      case .punycode: "\(octets) characters long once written in Punycode (xn--)"
      }
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
