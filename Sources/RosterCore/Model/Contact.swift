/// Whether a contact is a person or a group that other contacts belong to.
public enum ContactType: String, Hashable, Sendable {
  case person
  case group
}

/// A reference from a contact to a group, by the group's name as written and its derived id.
public struct GroupReference: Hashable, Sendable {
  public var name: String
  public var id: String

  public init(name: String, id: String) {
    self.name = name
    self.id = id
  }
}

/// The one contact model every reader maps onto and every writer writes.
///
/// Output key order and names (the canonical record): `id`, `type`, `name`, `first_name`,
/// `last_name`, `email`, `phone`, `address`, `groups`, `metadata`. Absent values are omitted.
public struct Contact: Hashable, Sendable {
  public var id: String = ""
  public var type: ContactType = .person
  public var name: String = ""
  public var firstName: String?
  public var lastName: String?
  public var email: String?
  public var phone: String?
  /// `address_line1`, `address_line2` and any `address.*` columns, in column order.
  public var address = NestedFields()
  public var groups: [GroupReference] = []
  /// `metadata.*` columns and every column Roster does not know, in column order.
  public var metadata = NestedFields()

  public init() {}
}
