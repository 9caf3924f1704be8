/// Whether a contact is a person or a group that other contacts belong to.
public enum ContactType: String, Hashable, Sendable {
  case person
  case group
}

/// A reference from a contact to a group, by the group's name as written and its id.
public struct GroupReference: Hashable, Sendable {
  public var name: String
  public var id: String
  /// Whether the contact is a primary contact of the group (named in `Primary Groups`).
  public var isPrimary: Bool
  /// The group's slot in the run's `GroupDirectory` when a first pass looked the reference up
  /// already, else -1: the output pass links by it without looking the name up again. A hint, not
  /// part of the reference's value (`==` and `hash(into:)` leave it out).
  public var slot: Int32 = -1

  public init(name: String, id: String, isPrimary: Bool = false) {
    self.name = name
    self.id = id
    self.isPrimary = isPrimary
  }

  public static func == (lhs: GroupReference, rhs: GroupReference) -> Bool {
    lhs.name == rhs.name && lhs.id == rhs.id && lhs.isPrimary == rhs.isPrimary
  }

  public func hash(into hasher: inout Hasher) {
    hasher.combine(name)
    hasher.combine(id)
    hasher.combine(isPrimary)
  }
}

/// A member of a group as PackageX's `referenced_contacts` shows it.
public struct ReferencedContact: Hashable, Sendable {
  public var id: String
  public var name: String
  public var email: String?

  public init(id: String, name: String, email: String?) {
    self.id = id
    self.name = name
    self.email = email
  }
}

/// A group's members, as PackageX's `group_contacts`.
public struct GroupMembers: Hashable, Sendable {
  /// Every member's id, in input order.
  public var children: [String] = []
  /// The ids of members that named this group in `Primary Groups`.
  public var primary: [String] = []
  /// Id, name and email of each member; filled only with `--referenced-contacts`.
  public var referenced: [ReferencedContact]?

  public init() {}
}

/// The one contact model every reader maps onto and every writer writes.
///
/// Output key order and names (the canonical record): `id`, `fingerprint`, `type`, `name`, `first_name`,
/// `last_name`, `email`, `phone`, `phone_extension`, `address`, `groups`, `primary_groups`, `group_contacts`, `referenced_contacts`,
/// `metadata`, `merge_history`. Absent values are omitted.
public struct Contact: Hashable, Sendable {
  public var id: String = ""
  /// The contact's identity across runs and shards: a supplied `fingerprint` value (trimmed), else for
  /// a person the one `ContactIdentifier.derivedFingerprint` gives; `nil` for a group without one.
  public var fingerprint: String?
  public var type: ContactType = .person
  public var name: String = ""
  public var firstName: String?
  public var lastName: String?
  public var email: String?
  /// E.164 after validation.
  public var phone: String?
  /// The extension dialled after the number (`x123`, `ext. 123`, `;ext=123`), digits only.
  public var phoneExtension: String?
  /// `address_line1`, `address_line2` and any `address.*` columns, in column order.
  public var address = NestedFields()
  /// The groups this contact belongs to (from `Groups` and `Primary Groups`), each once.
  public var groups: [GroupReference] = []
  /// For a group: its members. `nil` for a person.
  public var members: GroupMembers?
  /// `metadata.*` columns and every column Roster does not know, in column order.
  public var metadata = NestedFields()
  /// The rows merged into this one (`--dedupe merge`), oldest first: each a one-line JSON object, the
  /// source as Roster would have written it with its `index` and `line`.
  public var mergeHistory: [String] = []

  public init() {}
}
