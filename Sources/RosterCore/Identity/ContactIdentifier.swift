/// Derives stable ids, so re-running a migration (or processing a shard of it) gives the same ids.
///
/// - A contact with an `id` column value keeps it.
/// - A group's id is `UUIDv5(rosterNamespace, "group:" + normalized name)`, so every row that
///   names the group, before or after the group row, agrees on its id.
/// - A person's id is `UUIDv5(rosterNamespace, "person:" + name + "\u{1F}" + email + "\u{1F}" + phone)`
///   over the validated values (email with its domain lowercased, phone in E.164, absent ones empty).
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

  /// The id of a person or group contact that has no `id` value.
  public static func derivedID(for contact: Contact) -> String {
    if contact.type == .group { return groupID(named: contact.name) }
    var key = "person:"
    key += contact.name
    key += "\u{1F}"
    key += contact.email ?? ""
    key += "\u{1F}"
    key += contact.phone ?? ""
    return NameBasedUUID(namespace: rosterNamespace, name: key.utf8).description
  }
}
