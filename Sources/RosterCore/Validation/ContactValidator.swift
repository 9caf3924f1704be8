/// Checks and normalizes a draft contact's email and phone.
///
/// A supplied fingerprint is trimmed (blank means none). Blank email or phone is allowed. Surrounding ASCII whitespace is trimmed before checking; the
/// output carries the normalized value (email as email-validator normalizes it, phone in E.164 with
/// any extension in `phoneExtension`).
public struct ContactValidator: Sendable {
  public var email = EmailValidator()
  public var phone: PhoneNumberValidator

  public init(phone: PhoneNumberValidator) {
    self.phone = phone
  }

  /// Validates `contact` in place; problems are appended with the given headers.
  public func validate(
    _ contact: inout Contact, headers: [ContactField: String], problems: inout [IssueDetail]
  ) {
    if let supplied = contact.fingerprint {
      let trimmed = supplied.trimmingASCIIWhitespace()
      contact.fingerprint = trimmed.isEmpty ? nil : trimmed
    }
    if let raw = contact.email {
      let value = raw.trimmingASCIIWhitespace()
      if value.isEmpty {
        contact.email = nil
      } else {
        switch email.validate(value) {
        case .valid(let normalized): contact.email = normalized
        case .invalid(let code, let message):
          problems.append(
            IssueDetail(header: headers[.email], field: "email", code: code, message: message, value: raw))
        }
      }
    }
    if let raw = contact.phone {
      let value = raw.trimmingASCIIWhitespace()
      if value.isEmpty {
        contact.phone = nil
      } else {
        switch phone.parse(value) {
        case .valid(let number):
          contact.phone = number.e164
          // An extension in the phone itself wins over a separate phone_extension column.
          if let digits = number.phoneExtension { contact.phoneExtension = digits }
        case .invalid(let code, let message):
          problems.append(
            IssueDetail(header: headers[.phone], field: "phone", code: code, message: message, value: raw))
        }
      }
    }
  }
}
