/// The fixed columns of Roster's CSV and XLSX output, and how a contact fills them.
///
/// Fixed rather than "the first row's keys", so no column that appears later is lost:
/// `id`, `fingerprint`, `type`, `name`, `first_name`, `last_name`, `email`, `phone`, `phone_extension`, the seven
/// Airy address fields as `address.*` columns, `address_extra` (any other address keys, as a YAML
/// flow mapping), `groups` and `primary_groups` (group names separated by the run's group separator,
/// `;` by default, a name holding the separator or `"` in double quotes), `metadata` (a one-line
/// YAML flow mapping) and `merge_history` (a one-line JSON array, `--dedupe merge`). Every header re-imports onto the same field.
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
    let headers = Self.headers
    return headers.dropLast(2) + metadataColumns.map { "metadata." + $0.joined(separator: ".") } + headers.suffix(2)
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
    let cells = try Self.cells(for: flattened, groupSeparator: groupSeparator, yaml: yaml)
    return cells.dropLast(2) + columns + cells.suffix(2)
  }

  /// The address keys that get a column of their own, in column order.
  public static let addressKeys = [
    "address_line1", "address_line2", "city", "state", "postcode", "country", "organization_name",
  ]

  /// The standard header row.
  public static let headers: [String] =
    ["id", "fingerprint", "type", "name", "first_name", "last_name", "email", "phone", "phone_extension"]
    + addressKeys.map { "address." + $0 } + ["address_extra", "groups", "primary_groups", "metadata", "merge_history"]

  /// The cells of `contact` in the standard layout, one per header; `yaml` renders a nested map as a
  /// one-line YAML flow mapping (empty maps become empty cells).
  public static func cells(
    for contact: Contact, groupSeparator: UInt8 = UInt8(ascii: ";"), yaml: (NestedFields) throws -> String
  ) rethrows -> [String] {
    var cells: [String] = [
      contact.id, contact.fingerprint ?? "", contact.type.rawValue, contact.name, contact.firstName ?? "",
      contact.lastName ?? "",
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
    cells += groupCells(of: contact, separator: groupSeparator)
    cells.append(contact.metadata.isEmpty ? "" : try yaml(contact.metadata))
    cells.append(contact.mergeHistory.isEmpty ? "" : mergeHistoryText(contact.mergeHistory))
    return cells
  }

  /// The `merge_history` value: a one-line JSON array of the merged sources' JSON objects (the same
  /// text in a JSON record and in a CSV or XLSX cell).
  public static func mergeHistoryText(_ entries: [String]) -> String {
    "[" + entries.joined(separator: ",") + "]"
  }

  /// The `groups` and `primary_groups` cells of `contact`.
  public static func groupCells(of contact: Contact, separator: UInt8) -> [String] {
    // Built in one pass, without an array of names per cell (this runs for every row written).
    let joiner = String(decoding: [separator], as: UTF8.self)
    var all = ""
    var primary = ""
    var primaries = 0
    for (index, group) in contact.groups.enumerated() {
      appendGroupName(group.name, to: &all, first: index == 0, separator: separator, joiner: joiner)
      guard group.isPrimary else { continue }
      appendGroupName(group.name, to: &primary, first: primaries == 0, separator: separator, joiner: joiner)
      primaries += 1
    }
    return [all, primary]
  }

  /// Group names joined by `separator`, quoting any name that holds it or `"` (as the Groups reader
  /// expects).
  public static func groupCell(_ names: [String], separator: UInt8 = UInt8(ascii: ";")) -> String {
    let joiner = String(decoding: [separator], as: UTF8.self)
    var cell = ""
    for (index, name) in names.enumerated() {
      appendGroupName(name, to: &cell, first: index == 0, separator: separator, joiner: joiner)
    }
    return cell
  }

  /// Appends `name` to a group cell, after `joiner` unless it is the `first`, in double quotes (its
  /// own doubled) when it holds `separator` or `"`.
  private static func appendGroupName(
    _ name: String, to cell: inout String, first: Bool, separator: UInt8, joiner: String
  ) {
    if !first { cell += joiner }
    var needsQuotes = false
    for byte in name.utf8 where byte == separator || byte == UInt8(ascii: "\"") {
      needsQuotes = true
      break
    }
    if needsQuotes {
      cell += "\"" + name.replacing("\"", with: "\"\"") + "\""
    } else {
      cell += name
    }
  }
}
