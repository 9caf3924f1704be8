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
    var hasher = groupIDHasher
    GroupDirectory.withNormalizedName(name) { hasher.append($0) }
    return NameBasedUUID.text(hashing: hasher)
  }

  /// The id of the group whose normalized name is `normalizedName`.
  public static func groupID(normalizedName: String) -> String {
    var hasher = groupIDHasher
    hasher.append(utf8: normalizedName)
    return NameBasedUUID.text(hashing: hasher)
  }

  /// Writes the 16 bytes of `groupID(normalizedName:)` for the UTF-8 normalized name to `bytes`.
  static func writeGroupIDBytes(normalizedName: UnsafeBufferPointer<UInt8>, to bytes: UnsafeMutableRawPointer) {
    var hasher = groupIDHasher
    hasher.append(normalizedName)
    NameBasedUUID.writeBytes(hashing: hasher, to: bytes)
  }

  /// The id of the person whose fingerprint is `fingerprint`.
  public static func personID(fingerprint: String) -> String {
    var hasher = personIDHasher
    hasher.append(utf8: fingerprint)
    return NameBasedUUID.text(hashing: hasher)
  }

  /// SHA-1 over `rosterNamespace` and `group:`, ready for a normalized group name.
  private static let groupIDHasher = hasher(afterNamespaceAnd: "group:")
  /// SHA-1 over `rosterNamespace` and `fingerprint:`, ready for a fingerprint.
  private static let personIDHasher = hasher(afterNamespaceAnd: "fingerprint:")

  /// SHA-1 over `rosterNamespace` and `prefix`.
  private static func hasher(afterNamespaceAnd prefix: String) -> SHA1 {
    var hasher = SHA1()
    rosterNamespace.withUnsafeBytes { hasher.append($0) }
    hasher.append(utf8: prefix)
    return hasher
  }

  /// The text a derived fingerprint hashes: the name as `GroupDirectory.normalizedName` folds it
  /// (trimmed, inner white space folded, case folded, NFC), U+001F, the validated email in Unicode
  /// lowercase (so addresses compare case-insensitively), U+001F, the E.164 phone; absent values empty.
  ///
  /// `derivedFingerprint` streams the same bytes into SHA-1 without making this string.
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
    let digest = fingerprintDigest(name: contact.name, email: contact.email, phone: contact.phone)
    return String(unsafeUninitializedCapacity: 32) { out in
      let text = UnsafeMutableRawPointer(out.baseAddress!)
      text.storeBytes(of: NameBasedUUID.hexDigits(of: digest.0).bigEndian, toByteOffset: 0, as: UInt64.self)
      text.storeBytes(of: NameBasedUUID.hexDigits(of: digest.1).bigEndian, toByteOffset: 8, as: UInt64.self)
      text.storeBytes(of: NameBasedUUID.hexDigits(of: digest.2).bigEndian, toByteOffset: 16, as: UInt64.self)
      text.storeBytes(of: NameBasedUUID.hexDigits(of: digest.3).bigEndian, toByteOffset: 24, as: UInt64.self)
      return 32
    }
  }

  /// SHA-1 over the bytes of `fingerprintKey(name:email:phone:)`, fed piece by piece from stack
  /// buffers.
  static func fingerprintDigest(name: String, email: String?, phone: String?) -> SHA1.Words {
    var hasher = SHA1()
    GroupDirectory.withNormalizedName(name) { hasher.append($0) }
    hasher.append(0x1F)
    if let email { appendLowercased(email, to: &hasher) }
    hasher.append(0x1F)
    if let phone { hasher.append(utf8: phone) }
    return hasher.finish()
  }

  /// Hashes the UTF-8 of `text.lowercased()`, lowercased in a stack buffer through `NameFoldTable`
  /// when every scalar of `text` has one or two UTF-8 bytes.
  private static func appendLowercased(_ text: String, to hasher: inout SHA1) {
    var utf8Text = text
    utf8Text.withUTF8 { utf8 in
      let table = NameFoldTable.shared
      withUnsafeTemporaryAllocation(of: UInt8.self, capacity: max(1, utf8.count * table.lowercaseExpansion)) {
        buffer in
        if let count = table.lowercase(utf8, into: buffer.baseAddress!) {
          hasher.append(UnsafeBufferPointer(rebasing: buffer[..<count]))
        } else {
          hasher.append(utf8: text.lowercased())
        }
      }
    }
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
}
