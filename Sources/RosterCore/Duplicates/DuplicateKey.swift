/// What `--dedupe` does with rows that share a key.
public enum DedupeMode: String, CaseIterable, Sendable {
  /// Every row stands on its own (the default).
  case off
  /// A later row with the key of an earlier one is rejected (`duplicate.key`), naming the first.
  case report
  /// Later rows merge into the first with the key (Airy's rule), which keeps them in `merge_history`.
  case merge
}

/// Which fields make two rows the same contact (`--dedupe-key`).
///
/// Only persons are compared (a group is one per normalized name already: `group.duplicate`). A row
/// that lacks the key's fields (no email for `email`, neither email nor phone for `email,phone`) is
/// a duplicate of nothing.
public enum DedupeKey: String, CaseIterable, Sendable {
  /// The fingerprint, supplied or derived (every person has one).
  case fingerprint
  /// The validated email compared case-insensitively (Unicode lowercase of the whole address).
  case email
  /// The phone in E.164.
  case phone
  /// The pair (email case-insensitively, E.164 phone); an absent half compares as empty, and at least
  /// one half must be present.
  case emailAndPhone = "email,phone"

  /// The fields the key reads, for naming them in reports.
  public var fields: [ContactField] {
    switch self {
    case .fingerprint: [.fingerprint]
    case .email: [.email]
    case .phone: [.phone]
    case .emailAndPhone: [.email, .phone]
    }
  }

  /// The key text of a validated contact with its identity, or `nil` when it has none. Each kind has
  /// its own prefix, so keys of different kinds never meet.
  public func text(of contact: Contact) -> String? {
    guard contact.type == .person else { return nil }
    switch self {
    case .fingerprint:
      guard let fingerprint = contact.fingerprint else { return nil }
      return "f\u{1F}" + fingerprint
    case .email:
      guard let email = contact.email else { return nil }
      return "e\u{1F}" + email.lowercased()
    case .phone:
      guard let phone = contact.phone else { return nil }
      return "p\u{1F}" + phone
    case .emailAndPhone:
      guard contact.email != nil || contact.phone != nil else { return nil }
      return "b\u{1F}" + (contact.email?.lowercased() ?? "") + "\u{1F}" + (contact.phone ?? "")
    }
  }

  /// The 128-bit digest of `text(of:)` (the first 16 bytes of its SHA-1), or `nil` without a key.
  public func digest(of contact: Contact) -> DuplicateDigest? {
    guard let text = text(of: contact) else { return nil }
    return DuplicateDigest(text)
  }
}

/// 16 bytes that stand for one key in the duplicate table: the first 16 bytes of SHA-1 over the key.
///
/// Two different keys share a digest with probability about n² / 2¹²⁹ for n distinct keys (below
/// 10⁻²⁵ for 5,000,000 keys), so digests are compared, not the keys themselves.
public struct DuplicateDigest: Hashable, Sendable {
  public var high: UInt64
  public var low: UInt64

  public init(high: UInt64, low: UInt64) {
    self.high = high
    self.low = low
  }

  /// The digest of `key`'s UTF-8 bytes.
  public init(_ key: String) {
    var hasher = SHA1()
    hasher.append(utf8: key)
    let digest = hasher.finish()
    self.init(high: UInt64(digest.0) << 32 | UInt64(digest.1), low: UInt64(digest.2) << 32 | UInt64(digest.3))
  }
}
