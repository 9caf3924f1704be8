/// Derives stable identities, so re-running a migration (or processing a shard of it) gives the same
/// fingerprints and ids.
///
/// - A person's `fingerprint` is the supplied one (trimmed) when given, else
///   `derivedFingerprint`: the lowercase hex of the first 16 bytes of SHA-1 over
///   `fingerprintKey` (normalized name, U+001F, lowercased email, U+001F, E.164 phone).
/// - A contact with an `id` value keeps it.
/// - A group's id is `UUIDv5(rosterNamespace, "group:" + normalized name)`, so every row that
///   names the group, before or after the group row, agrees on its id. A group has a fingerprint
///   only when one is supplied, and it does not change the group's id.
/// - A person's id is `UUIDv5(rosterNamespace, "fingerprint:" + fingerprint)`, so a supplied
///   fingerprint gives the same id in every run and every shard.
///
/// `rosterNamespace` is `UUIDv5(DNS namespace, "roster.contacts")`.
public enum ContactIdentifier {
  /// `UUIDv5(DNS, "roster.contacts")`.
  public static let rosterNamespace: [UInt8] = NameBasedUUID(
    namespace: NameBasedUUID.dnsNamespace, name: "roster.contacts".utf8
  ).bytes

  /// The id of the group called `name` (matched after `GroupDirectory.normalizedName`).
  public static func groupID(named name: String) -> String {
    groupID(normalizedName: GroupDirectory.normalizedName(name))
  }

  /// The id of the group whose normalized name is `normalizedName`.
  public static func groupID(normalizedName: String) -> String {
    NameBasedUUID(namespace: rosterNamespace, name: ("group:" + normalizedName).utf8).description
  }

  /// The id of the person whose fingerprint is `fingerprint`.
  public static func personID(fingerprint: String) -> String {
    NameBasedUUID(namespace: rosterNamespace, name: ("fingerprint:" + fingerprint).utf8).description
  }

  /// The text a derived fingerprint hashes: the name as `GroupDirectory.normalizedName` folds it
  /// (trimmed, inner white space folded, case folded, NFC), U+001F, the validated email in Unicode
  /// lowercase (so addresses compare case-insensitively), U+001F, the E.164 phone; absent values empty.
  public static func fingerprintKey(name: String, email: String?, phone: String?) -> String {
    var key = GroupDirectory.normalizedName(name)
    key += "\u{1F}"
    key += email?.lowercased() ?? ""
    key += "\u{1F}"
    key += phone ?? ""
    return key
  }

  /// The fingerprint of a validated contact that has none: 32 lowercase hex digits, the first 16 bytes
  /// of SHA-1 over `fingerprintKey`.
  public static func derivedFingerprint(for contact: Contact) -> String {
    let key = fingerprintKey(name: contact.name, email: contact.email, phone: contact.phone)
    return hexText(SHA1.digest(Array(key.utf8)).prefix(16))
  }

  /// Fills a validated contact's fingerprint (persons only, when none was supplied) and id (when none
  /// was given).
  public static func assignIdentity(_ contact: inout Contact) {
    if contact.type == .person && contact.fingerprint == nil {
      contact.fingerprint = derivedFingerprint(for: contact)
    }
    if contact.id.isEmpty { contact.id = derivedID(for: contact) }
  }

  /// The id of a person or group contact that has no `id` value (a person's from its fingerprint,
  /// derived when it has none).
  public static func derivedID(for contact: Contact) -> String {
    if contact.type == .group { return groupID(named: contact.name) }
    return personID(fingerprint: contact.fingerprint ?? derivedFingerprint(for: contact))
  }

  private static let hexDigits = Array("0123456789abcdef".utf8)

  /// Lowercase hex digits of `bytes`.
  static func hexText(_ bytes: ArraySlice<UInt8>) -> String {
    let digits = hexDigits
    var text: [UInt8] = []
    text.reserveCapacity(bytes.count * 2)
    for byte in bytes {
      text.append(digits[Int(byte >> 4)])
      text.append(digits[Int(byte & 0x0F)])
    }
    return String(decoding: text, as: UTF8.self)
  }
}
