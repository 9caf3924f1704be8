/// A top-level field of the contact model that a single column can fill.
public enum ContactField: String, Hashable, Sendable, CaseIterable {
  case id
  case fingerprint
  case type
  case name
  case firstName = "first_name"
  case lastName = "last_name"
  case email
  case phone
  case phoneExtension = "phone_extension"
  case groups
  case primaryGroups = "primary_groups"

  /// Header spellings that map to this field, compared after `HeaderKey.normalized`.
  static let aliases: [String: ContactField] = {
    let table: [(ContactField, [String])] = [
      (.id, ["id"]),
      (.fingerprint, ["fingerprint"]),
      (.type, ["type", "contacttype"]),
      (.name, ["name", "fullname", "displayname", "contactname"]),
      (.firstName, ["firstname", "givenname"]),
      (.lastName, ["lastname", "surname", "familyname"]),
      (.email, ["email", "emailaddress", "mail"]),
      (.phone, ["phone", "phonenumber", "mobile", "mobilephone", "mobilenumber", "telephone", "tel", "cell"]),
      (.phoneExtension, ["phoneextension", "extension", "ext"]),
      (.groups, ["groups", "group"]),
      (.primaryGroups, ["primarygroups", "primarygroup"]),
    ]
    var aliases: [String: ContactField] = [:]
    for (field, names) in table { for name in names { aliases[name] = field } }
    return aliases
  }()
}

/// Where one input column's values go in the contact model.
public enum ColumnTarget: Hashable, Sendable {
  /// A top-level field such as `email`.
  case field(ContactField)
  /// A path inside the `address` object (`["address_line1"]`, `["city"]`).
  case address([String])
  /// A path inside the `metadata` object (`["facebook", "psid"]`).
  case metadata([String])
  /// A whole nested map in one cell (Roster's own `metadata` and `address_extra` columns, as YAML),
  /// merged into `metadata` (`isAddress == false`) or `address`.
  case document(isAddress: Bool)
  /// Not imported: the `roster_errors` column of a rejects file.
  case ignored
  /// Roster's own `merge_history` column: a JSON array of merged sources, kept as it is.
  case mergeHistory

  /// The dotted canonical name used in reports (`email`, `address.city`, `metadata.facebook.psid`).
  public var fieldName: String {
    switch self {
    case .field(let field): field.rawValue
    case .address(let path): "address." + path.joined(separator: ".")
    case .metadata(let path): "metadata." + path.joined(separator: ".")
    case .document(let isAddress): isAddress ? "address" : "metadata"
    case .ignored: "ignored"
    case .mergeHistory: "merge_history"
    }
  }
}

/// Header text compared the forgiving way: case, spaces, `_` and `-` do not matter.
enum HeaderKey {
  /// `" E-mail Address "` becomes `"emailaddress"`.
  static func normalized(_ header: some StringProtocol) -> String {
    var out = ""
    for scalar in header.unicodeScalars {
      if scalar.properties.isWhitespace || scalar == "_" || scalar == "-" { continue }
      out.unicodeScalars.append(contentsOf: String(scalar).lowercased().unicodeScalars)
    }
    return out
  }
}
