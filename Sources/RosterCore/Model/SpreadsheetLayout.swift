/// The fixed columns of Roster's CSV and XLSX output, and how a contact fills them.
///
/// Fixed rather than "the first row's keys", so no column that appears later is lost:
/// `id`, `type`, `name`, `first_name`, `last_name`, `email`, `phone`, `phone_extension`, the seven
/// Airy address fields as `address.*` columns, `address_extra` (any other address keys, as a YAML
/// flow mapping), `groups` and `primary_groups` (group names separated by the run's group separator,
/// `;` by default, a name holding the separator or `"` in double quotes), and `metadata` (a one-line
/// YAML flow mapping). Every header re-imports onto the same field.
///
/// With flattened metadata (`--flatten-metadata`), each metadata path known from the input's header
/// gets a `metadata.a.b` column before the `metadata` column, which then holds only the other keys.
public struct SpreadsheetLayout: Sendable {
  /// Metadata paths written as columns of their own, in order.
  public let metadataColumns: [[String]]

  /// The standard layout (`metadataColumns` empty), or one with flattened metadata.
  public init(metadataColumns: [[String]] = []) {
    self.metadataColumns = metadataColumns
  }

  /// This layout's header row.
  public var headers: [String] {
    var headers = Self.headers
    let metadata = headers.removeLast()
    return headers + metadataColumns.map { "metadata." + $0.joined(separator: ".") } + [metadata]
  }

  /// This layout's cells for `contact`.
  public func cells(
    for contact: Contact, groupSeparator: UInt8 = UInt8(ascii: ";"), yaml: (NestedFields) throws -> String
  ) rethrows -> [String] {
    guard !metadataColumns.isEmpty else {
      return try Self.cells(for: contact, groupSeparator: groupSeparator, yaml: yaml)
    }
    var flattened = contact
    var columns: [String] = []
    for path in metadataColumns {
      columns.append(flattened.metadata.removeString(at: path[...]) ?? "")
    }
    var cells = try Self.cells(for: flattened, groupSeparator: groupSeparator, yaml: yaml)
    let rest = cells.removeLast()
    return cells + columns + [rest]
  }

  /// The address keys that get a column of their own, in column order.
  public static let addressKeys = [
    "address_line1", "address_line2", "city", "state", "postcode", "country", "organization_name",
  ]

  /// The standard header row.
  public static let headers: [String] =
    ["id", "type", "name", "first_name", "last_name", "email", "phone", "phone_extension"]
    + addressKeys.map { "address." + $0 } + ["address_extra", "groups", "primary_groups", "metadata"]

  /// The cells of `contact` in the standard layout, one per header; `yaml` renders a nested map as a
  /// one-line YAML flow mapping (empty maps become empty cells).
  public static func cells(
    for contact: Contact, groupSeparator: UInt8 = UInt8(ascii: ";"), yaml: (NestedFields) throws -> String
  ) rethrows -> [String] {
    var cells: [String] = [
      contact.id, contact.type.rawValue, contact.name, contact.firstName ?? "", contact.lastName ?? "",
      contact.email ?? "", contact.phone ?? "", contact.phoneExtension ?? "",
    ]
    var extra = NestedFields()
    for key in addressKeys {
      if case .string(let value)? = contact.address[key] { cells.append(value) } else { cells.append("") }
    }
    for entry in contact.address.entries {
      if case .string = entry.value, addressKeys.contains(entry.key) { continue }
      extra.append(entry)
    }
    cells.append(extra.isEmpty ? "" : try yaml(extra))
    cells.append(groupCell(contact.groups.map(\.name), separator: groupSeparator))
    cells.append(groupCell(contact.groups.filter(\.isPrimary).map(\.name), separator: groupSeparator))
    cells.append(contact.metadata.isEmpty ? "" : try yaml(contact.metadata))
    return cells
  }

  /// Group names joined by `separator`, quoting any name that holds it or `"` (as the Groups reader
  /// expects).
  public static func groupCell(_ names: [String], separator: UInt8 = UInt8(ascii: ";")) -> String {
    names.map { name in
      name.utf8.contains(where: { $0 == separator || $0 == UInt8(ascii: "\"") })
        ? "\"" + name.replacing("\"", with: "\"\"") + "\"" : name
    }.joined(separator: String(decoding: [separator], as: UTF8.self))
  }
}
