public import RosterCore

/// A validated contact and its position as bytes, for the duplicate sources spooled between passes.
///
/// Layout (little-endian): row index and line (UInt64 each), type (1 byte), id, name, then the
/// optional strings fingerprint, first name, last name, email, phone, extension (a presence byte
/// each), address and metadata (nested fields), groups (count, then name, id, primary byte each),
/// merge history (count, then strings). Strings are a UInt32 length and UTF-8.
enum ContactSpoolCodec {
  /// Appends `contact` at `position` to `bytes`.
  static func append(_ contact: Contact, at position: RowPosition, to bytes: inout [UInt8]) {
    bytes.appendInteger(UInt64(position.index))
    bytes.appendInteger(UInt64(position.line))
    bytes.append(contact.type == .group ? 1 : 0)
    bytes.appendString(contact.id)
    bytes.appendString(contact.name)
    for value in [
      contact.fingerprint, contact.firstName, contact.lastName, contact.email, contact.phone, contact.phoneExtension,
    ] {
      if let value {
        bytes.append(1)
        bytes.appendString(value)
      } else {
        bytes.append(0)
      }
    }
    appendFields(contact.address, to: &bytes)
    appendFields(contact.metadata, to: &bytes)
    bytes.appendInteger(UInt32(contact.groups.count))
    for group in contact.groups {
      bytes.appendString(group.name)
      bytes.appendString(group.id)
      bytes.append(group.isPrimary ? 1 : 0)
    }
    bytes.appendInteger(UInt32(contact.mergeHistory.count))
    for entry in contact.mergeHistory { bytes.appendString(entry) }
  }

  /// The contact and position at the start of `bytes`, or `nil` when they are cut short.
  static func decode(_ bytes: inout ArraySlice<UInt8>) -> (Contact, RowPosition)? {
    guard let index: UInt64 = bytes.popInteger(), let line: UInt64 = bytes.popInteger(),
      let type: UInt8 = bytes.popInteger(), let id = bytes.popString(), let name = bytes.popString()
    else { return nil }
    var contact = Contact()
    contact.type = type == 1 ? .group : .person
    contact.id = id
    contact.name = name
    var optionals: [String?] = []
    for _ in 0..<6 {
      guard let present: UInt8 = bytes.popInteger() else { return nil }
      if present == 1 {
        guard let value = bytes.popString() else { return nil }
        optionals.append(value)
      } else {
        optionals.append(nil)
      }
    }
    contact.fingerprint = optionals[0]
    contact.firstName = optionals[1]
    contact.lastName = optionals[2]
    contact.email = optionals[3]
    contact.phone = optionals[4]
    contact.phoneExtension = optionals[5]
    guard let address = popFields(&bytes, depth: 0), let metadata = popFields(&bytes, depth: 0),
      let groupCount: UInt32 = bytes.popInteger()
    else { return nil }
    contact.address = address
    contact.metadata = metadata
    for _ in 0..<groupCount {
      guard let groupName = bytes.popString(), let groupID = bytes.popString(), let primary: UInt8 = bytes.popInteger()
      else { return nil }
      contact.groups.append(GroupReference(name: groupName, id: groupID, isPrimary: primary == 1))
    }
    guard let historyCount: UInt32 = bytes.popInteger() else { return nil }
    for _ in 0..<historyCount {
      guard let entry = bytes.popString() else { return nil }
      contact.mergeHistory.append(entry)
    }
    return (contact, RowPosition(index: Int(index), line: Int(line)))
  }

  private static func appendFields(_ fields: NestedFields, to bytes: inout [UInt8]) {
    bytes.appendInteger(UInt32(fields.entries.count))
    for entry in fields.entries {
      bytes.appendString(entry.key)
      switch entry.value {
      case .string(let value):
        bytes.append(0)
        bytes.appendString(value)
      case .object(let child):
        bytes.append(1)
        appendFields(child, to: &bytes)
      }
    }
  }

  /// Nested fields; `depth` bounds the recursion (the mappers allow at most `InputLimits.largestJSONDepth`).
  private static func popFields(_ bytes: inout ArraySlice<UInt8>, depth: Int) -> NestedFields? {
    guard depth <= InputLimits.largestJSONDepth, let count: UInt32 = bytes.popInteger() else { return nil }
    var fields = NestedFields()
    for _ in 0..<count {
      guard let key = bytes.popString(), let kind: UInt8 = bytes.popInteger() else { return nil }
      if kind == 0 {
        guard let value = bytes.popString() else { return nil }
        fields.append(NestedFields.Entry(key: key, value: .string(value)))
      } else {
        guard let child = popFields(&bytes, depth: depth + 1) else { return nil }
        fields.append(NestedFields.Entry(key: key, value: .object(child)))
      }
    }
    return fields
  }
}
