/// The cells of one input row, as a reader exposes them without copying the whole row.
public protocol RecordCells {
  /// The number of cells in the row.
  var count: Int { get }
  /// Whether the cell at `index` holds no bytes at all.
  func isEmpty(at index: Int) -> Bool
  /// The cell at `index` as a string, or `nil` when its bytes are not valid UTF-8.
  func string(at index: Int) -> String?
  /// Where in the input the first ill-formed UTF-8 byte of the cell at `index` is (a byte offset
  /// from the start of the input), when the reader knows; `nil` otherwise.
  func inputOffsetOfInvalidUTF8(at index: Int) -> Int?
}

extension RecordCells {
  public func inputOffsetOfInvalidUTF8(at index: Int) -> Int? { nil }
}

/// Turns one row of cells into a draft contact, collecting every problem as an issue detail.
///
/// The draft is not yet validated: the `ContactValidator` checks email and phone and the pipeline
/// assigns the id.
public struct ContactMapper {
  public let headerMap: HeaderMap
  /// The header for each field (first column that fills it), for naming headers in reports.
  public let fieldHeaders: [ContactField: String]
  /// Separator between group names in a Groups cell (`--group-separator`).
  public var groupSeparator: UInt8
  /// Reads a map written in one cell (YAML for Roster's own CSV); `nil` keeps such cells as strings.
  /// A `LimitViolation` it throws (nesting too deep) becomes that limit's row issue.
  public var documentDecoder: ((String) throws -> NestedFields)?
  /// Splits a `merge_history` cell (a JSON array of objects) into its one-line objects; `nil` keeps such
  /// cells as metadata strings.
  public var historyDecoder: ((String) throws -> [String])?

  /// For each column, whether its value goes straight to its place: no other column fills the same
  /// target and no column holds a whole map, so no earlier value can be there to compare with.
  private let setsDirectly: [Bool]
  /// How many keys the top level of `metadata` and of `address` can have from the columns alone
  /// (reserved once per row, so the level is not regrown key by key).
  private let metadataWidth: Int
  private let addressWidth: Int

  public init(headerMap: HeaderMap, groupSeparator: UInt8 = UInt8(ascii: ";")) {
    self.headerMap = headerMap
    self.groupSeparator = groupSeparator
    var headers: [ContactField: String] = [:]
    for column in headerMap.columns {
      if case .field(let field) = column.target, headers[field] == nil { headers[field] = column.header }
    }
    fieldHeaders = headers
    var targetCounts: [ColumnTarget: Int] = [:]
    var fillsWholeMaps = false
    var metadataKeys: Set<String> = []
    var addressKeys: Set<String> = []
    for column in headerMap.columns {
      targetCounts[column.target, default: 0] += 1
      switch column.target {
      case .document, .mergeHistory: fillsWholeMaps = true
      case .metadata(let path): if let key = path.first { metadataKeys.insert(key) }
      case .address(let path): if let key = path.first { addressKeys.insert(key) }
      case .field, .ignored: break
      }
    }
    setsDirectly = headerMap.columns.map { !fillsWholeMaps && targetCounts[$0.target] == 1 }
    metadataWidth = metadataKeys.count
    addressWidth = addressKeys.count
  }

  /// Maps `cells`; problems found are appended to `problems`.
  public func draft(from cells: some RecordCells, problems: inout [IssueDetail]) -> Contact {
    // Filled through `inout` and returned from one place: returning the contact from several places
    // made the compiler copy it (retaining every string) and destroy the original.
    var contact = Contact()
    fill(&contact, from: cells, problems: &problems)
    return contact
  }

  /// What `draft` returns, written into `contact` (a new, empty one).
  private func fill(_ contact: inout Contact, from cells: some RecordCells, problems: inout [IssueDetail]) {
    let columns = headerMap.columns
    guard cells.count == columns.count else {
      problems.append(
        IssueDetail(
          header: nil, field: "row", code: "row.field_count",
          message: "has \(cells.count) \(cells.count == 1 ? "field" : "fields"), the header has \(columns.count)"))
      return
    }
    var anyValue = false
    var values = FieldValues()
    for index in 0..<columns.count where !cells.isEmpty(at: index) {
      anyValue = true
      let column = columns[index]
      guard let value = cells.string(at: index) else {
        problems.append(
          IssueDetail(
            header: column.header, field: column.target.fieldName, code: "row.invalid_utf8",
            message: "is not valid UTF-8"
              + (cells.inputOffsetOfInvalidUTF8(at: index).map { " (byte offset \($0))" } ?? "")
              + "; save the file as UTF-8, or pass --encoding if it is in another encoding"))
        continue
      }
      switch column.target {
      case .field(let field):
        mergeValue(value, into: &values[field], column: column, problems: &problems)
      case .address(let path):
        if contact.address.isEmpty { contact.address.reserveCapacity(addressWidth) }
        if setsDirectly[index] {
          setPath(value, at: path, in: &contact.address, column: column, problems: &problems)
        } else {
          mergePath(value, at: path, in: &contact.address, column: column, problems: &problems)
        }
      case .metadata(let path):
        if contact.metadata.isEmpty { contact.metadata.reserveCapacity(metadataWidth) }
        if setsDirectly[index] {
          setPath(value, at: path, in: &contact.metadata, column: column, problems: &problems)
        } else {
          mergePath(value, at: path, in: &contact.metadata, column: column, problems: &problems)
        }
      case .ignored:
        continue
      case .mergeHistory:
        guard let historyDecoder else {
          mergePath(value, at: [column.header], in: &contact.metadata, column: column, problems: &problems)
          continue
        }
        do {
          contact.mergeHistory += try historyDecoder(value)
        } catch {
          problems.append(
            IssueDetail(
              header: column.header, field: "merge_history", code: "row.invalid_merge_history",
              message: "is not a JSON array of objects as Roster writes merge_history: \(error)", value: value))
        }
      case .document(let isAddress):
        guard let documentDecoder else {
          mergePath(value, at: [column.header], in: &contact.metadata, column: column, problems: &problems)
          continue
        }
        do {
          let document = try documentDecoder(value)
          if isAddress {
            mergeDocument(document, path: [], into: &contact.address, column: column, problems: &problems)
          } else {
            mergeDocument(document, path: [], into: &contact.metadata, column: column, problems: &problems)
          }
        } catch let violation as LimitViolation {
          problems.append(violation.detail(header: column.header, field: column.target.fieldName))
        } catch {
          problems.append(
            IssueDetail(
              header: column.header, field: column.target.fieldName, code: "row.invalid_document",
              message: "is not a YAML mapping Roster can read: \(error)", value: value))
        }
      }
    }
    guard anyValue else {
      problems.append(
        IssueDetail(
          header: nil, field: "row", code: "row.empty",
          message: "every cell is empty: an empty payload will not be accepted"))
      return
    }
    if let id = values.id { contact.id = id }
    contact.fingerprint = values.fingerprint
    contact.firstName = values.firstName
    contact.lastName = values.lastName
    contact.email = values.email
    contact.phone = values.phone
    contact.phoneExtension = values.phoneExtension
    resolveType(values.type, of: &contact, problems: &problems)
    resolveName(values.name, of: &contact, problems: &problems)
    if let groups = values.groups {
      addGroups(in: groups, primary: false, to: &contact, problems: &problems)
    }
    if let primary = values.primaryGroups {
      addGroups(in: primary, primary: true, to: &contact, problems: &problems)
    }
  }

  private func mergeValue(
    _ value: String, into slot: inout String?, column: ColumnMapping, problems: inout [IssueDetail]
  ) {
    if let existing = slot, existing != value {
      problems.append(duplicateConflict(column: column, value: value, existing: existing))
    } else {
      slot = value
    }
  }

  /// Sets `value` at `path`, where no other column can have put a value (`setsDirectly`).
  private func setPath(
    _ value: String, at path: [String], in fields: inout NestedFields, column: ColumnMapping,
    problems: inout [IssueDetail]
  ) {
    guard !fields.set(value, at: path[...]) else { return }
    problems.append(
      IssueDetail(
        header: column.header, field: column.target.fieldName, code: "row.path_conflict",
        message: "sets \(path.joined(separator: ".")), which another column fills with a different shape",
        value: value))
  }

  private func mergePath(
    _ value: String, at path: [String], in fields: inout NestedFields, column: ColumnMapping,
    problems: inout [IssueDetail]
  ) {
    if let existing = fields.string(at: path[...]), existing != value {
      problems.append(duplicateConflict(column: column, value: value, existing: existing))
    } else if !fields.set(value, at: path[...]) {
      // Only a map cell can collide with another column's path: `metadata.a` beside {a: {b: x}}.
      problems.append(
        IssueDetail(
          header: column.header, field: column.target.fieldName, code: "row.path_conflict",
          message: "sets \(path.joined(separator: ".")), which another column fills with a different shape",
          value: value))
    }
  }

  /// Merges every leaf of `document` into `fields`; a leaf that another column already set differently
  /// is a row issue.
  private func mergeDocument(
    _ document: NestedFields, path: [String], into fields: inout NestedFields, column: ColumnMapping,
    problems: inout [IssueDetail]
  ) {
    for entry in document.entries {
      let entryPath = path + [entry.key]
      switch entry.value {
      case .string(let value):
        mergePath(value, at: entryPath, in: &fields, column: column, problems: &problems)
      case .object(let child):
        mergeDocument(child, path: entryPath, into: &fields, column: column, problems: &problems)
      }
    }
  }

  private func duplicateConflict(column: ColumnMapping, value: String, existing: String) -> IssueDetail {
    IssueDetail(
      header: column.header, field: column.target.fieldName, code: "row.duplicate_column_conflict",
      message:
        "column \"\(column.header)\" appears more than once with different values (\"\(existing)\" and \"\(value)\")",
      value: value)
  }

  private func resolveType(_ value: String?, of contact: inout Contact, problems: inout [IssueDetail]) {
    guard let value else { return }
    if let type = ContactRules.type(named: value) {
      contact.type = type
    } else {
      problems.append(
        IssueDetail(
          header: fieldHeaders[.type], field: "type", code: "type.invalid",
          message: "must be person or group", value: value))
    }
  }

  private func resolveName(_ name: String?, of contact: inout Contact, problems: inout [IssueDetail]) {
    if let resolved = ContactRules.name(name, firstName: contact.firstName, lastName: contact.lastName) {
      contact.name = resolved
      return
    }
    let nameFields: Set<String> = ["name", "first_name", "last_name"]
    if problems.contains(where: { nameFields.contains($0.field) }) { return }
    var first = true
    for field in [ContactField.name, .firstName, .lastName] {
      guard let header = fieldHeaders[field] else { continue }
      let message = first ? "is empty: every contact needs a name (Name, or First Name / Last Name)" : "is empty too"
      problems.append(IssueDetail(header: header, field: field.rawValue, code: "name.missing", message: message))
      first = false
    }
  }

  /// Adds the groups a Groups or Primary Groups cell names, each group once per contact.
  private func addGroups(in cell: String, primary: Bool, to contact: inout Contact, problems: inout [IssueDetail]) {
    guard let names = Self.groupNames(in: cell, separator: groupSeparator) else {
      let field: ContactField = primary ? .primaryGroups : .groups
      problems.append(
        IssueDetail(
          header: fieldHeaders[field], field: field.rawValue, code: "groups.unterminated_quote",
          message: "opens a quote around a group name and never closes it", value: cell))
      return
    }
    contact.groups.reserveCapacity(contact.groups.count + names.count)
    // A few groups are searched in order; past `Self.searchedGroups`, positions by name, so a cell
    // naming half a million groups costs linear time, not quadratic.
    var positions: [String: Int]?
    for name in names {
      let found: Int?
      if let index = positions {
        found = index[name]
      } else if contact.groups.count <= Self.searchedGroups {
        found = contact.groups.firstIndex { $0.name == name }
      } else {
        var index: [String: Int] = [:]
        for (position, group) in contact.groups.enumerated() where index[group.name] == nil {
          index[group.name] = position
        }
        positions = index
        found = index[name]
      }
      if let found {
        if primary { contact.groups[found].isPrimary = true }
      } else {
        // The id is the group directory's to give (`GroupLinker`): a group row may set its own.
        positions?[name] = contact.groups.count
        contact.groups.append(GroupReference(name: name, id: "", isPrimary: primary))
      }
    }
  }

  /// How many groups a contact may have before `addGroups` indexes them by name.
  private static var searchedGroups: Int { 16 }

  /// The group names in a cell: split on `separator` outside double quotes, each trimmed, empty ones
  /// dropped. A name in double quotes may contain the separator; `""` inside quotes is one quote.
  /// Returns `nil` when a quote is never closed.
  public static func groupNames(in cell: String, separator: UInt8) -> [String]? {
    var cell = cell
    return cell.withUTF8 { bytes in
      bytes.contains(UInt8(ascii: "\""))
        ? quotedGroupNames(in: bytes, separator: separator)
        : plainGroupNames(in: bytes, separator: separator)
    }
  }

  /// `groupNames` of a cell without any double quote: every name is a trimmed slice of the cell.
  private static func plainGroupNames(in bytes: UnsafeBufferPointer<UInt8>, separator: UInt8) -> [String] {
    var count = 1
    for byte in bytes where byte == separator { count += 1 }
    var names: [String] = []
    names.reserveCapacity(count)
    var start = 0
    var index = 0
    while index <= bytes.count {
      guard index == bytes.count || bytes[index] == separator else {
        index += 1
        continue
      }
      var first = start
      var end = index
      while first < end && isGroupNameSpace(bytes[first]) { first += 1 }
      while end > first && isGroupNameSpace(bytes[end - 1]) { end -= 1 }
      if end > first {
        names.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[first..<end]), as: UTF8.self))
      }
      index += 1
      start = index
    }
    return names
  }

  /// The white space trimmed around a group name: what `trimmingASCIIWhitespace` trims.
  @inline(__always)
  private static func isGroupNameSpace(_ byte: UInt8) -> Bool {
    byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
  }

  /// `groupNames` of a cell with a double quote somewhere.
  private static func quotedGroupNames(in bytes: UnsafeBufferPointer<UInt8>, separator: UInt8) -> [String]? {
    var names: [String] = []
    var current: [UInt8] = []
    var quoted = false
    func flush() {
      let name = String(decoding: current, as: UTF8.self).trimmingASCIIWhitespace()
      if !name.isEmpty { names.append(name) }
      current.removeAll(keepingCapacity: true)
    }
    var index = 0
    while index < bytes.count {
      let byte = bytes[index]
      index += 1
      if quoted {
        if byte == UInt8(ascii: "\"") {
          if index < bytes.count && bytes[index] == UInt8(ascii: "\"") {
            current.append(byte)
            index += 1
          } else {
            quoted = false
          }
        } else {
          current.append(byte)
        }
      } else if byte == separator {
        flush()
      } else if byte == UInt8(ascii: "\"") && current.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) {
        current.removeAll(keepingCapacity: true)
        quoted = true
      } else {
        current.append(byte)
      }
    }
    if quoted { return nil }
    flush()
    return names
  }
}

/// The cells that fill top-level fields, gathered before the contact is put together.
private struct FieldValues {
  var id: String?
  var fingerprint: String?
  var type: String?
  var name: String?
  var firstName: String?
  var lastName: String?
  var email: String?
  var phone: String?
  var phoneExtension: String?
  var groups: String?
  var primaryGroups: String?

  subscript(field: ContactField) -> String? {
    get {
      switch field {
      case .id: id
      case .fingerprint: fingerprint
      case .type: type
      case .name: name
      case .firstName: firstName
      case .lastName: lastName
      case .email: email
      case .phone: phone
      case .phoneExtension: phoneExtension
      case .groups: groups
      case .primaryGroups: primaryGroups
      }
    }
    set {
      switch field {
      case .id: id = newValue
      case .fingerprint: fingerprint = newValue
      case .type: type = newValue
      case .name: name = newValue
      case .firstName: firstName = newValue
      case .lastName: lastName = newValue
      case .email: email = newValue
      case .phone: phone = newValue
      case .phoneExtension: phoneExtension = newValue
      case .groups: groups = newValue
      case .primaryGroups: primaryGroups = newValue
      }
    }
  }
}

extension NestedFields {
  /// The string at `path`, if there is one.
  func string(at path: ArraySlice<String>) -> String? {
    guard let key = path.first, let value = self[key] else { return nil }
    switch value {
    case .string(let string): return path.count == 1 ? string : nil
    case .object(let child): return path.count == 1 ? nil : child.string(at: path.dropFirst())
    }
  }
}
