public import RosterCore

/// Writes contacts as JSON Lines (one object per line) or as one streamed JSON array.
///
/// The array form writes `[`, then each contact on its own line separated by commas, then `]`: it
/// is never built in memory. Keys follow the canonical order and absent values are omitted.
public struct JSONContactWriter: ContactWriter {
  /// The two JSON layouts.
  public enum Layout: Sendable {
    case lines
    case array
  }

  public let output: ByteOutput
  public let layout: Layout
  private var count = 0

  public init(output: ByteOutput, layout: Layout) {
    self.output = output
    self.layout = layout
  }

  public mutating func write(_ contact: Contact) throws(RosterError) {
    if layout == .array { try output.write(count == 0 ? "[\n" : ",\n") }
    count += 1
    try Self.writeObject(contact, to: output)
    if layout == .lines { try output.write(byte: 0x0A) }
  }

  public mutating func finish() throws(RosterError) {
    if layout == .array { try output.write(count == 0 ? "[]\n" : "\n]\n") }
    try output.flush()
  }

  /// Writes one contact as a single-line JSON object.
  public static func writeObject(_ contact: Contact, to output: ByteOutput) throws(RosterError) {
    try output.write("{\"id\":")
    try output.writeJSONString(contact.id)
    try output.writeJSONMember("fingerprint", contact.fingerprint)
    try output.write(contact.type == .group ? ",\"type\":\"group\",\"name\":" : ",\"type\":\"person\",\"name\":")
    try output.writeJSONString(contact.name)
    try output.writeJSONMember("first_name", contact.firstName)
    try output.writeJSONMember("last_name", contact.lastName)
    try output.writeJSONMember("email", contact.email)
    try output.writeJSONMember("phone", contact.phone)
    try output.writeJSONMember("phone_extension", contact.phoneExtension)
    if !contact.address.isEmpty {
      try output.write(",\"address\":")
      try writeFields(canonicalAddress(contact.address), to: output)
    }
    if !contact.groups.isEmpty {
      try output.write(",\"groups\":")
      try output.writeJSONArray(contact.groups.lazy.map(\.id))
      if contact.groups.contains(where: \.isPrimary) {
        try output.write(",\"primary_groups\":")
        try output.writeJSONArray(contact.groups.lazy.filter(\.isPrimary).map(\.id))
      }
    }
    if let members = contact.members {
      try output.write(",\"group_contacts\":{\"children\":")
      try output.writeJSONArray(members.children)
      try output.write(",\"primary\":")
      try output.writeJSONArray(members.primary)
      try output.write(byte: UInt8(ascii: "}"))
      if let referenced = members.referenced {
        try output.write(",\"referenced_contacts\":[")
        for (index, member) in referenced.enumerated() {
          try output.write(index == 0 ? "{\"id\":" : ",{\"id\":")
          try output.writeJSONString(member.id)
          try output.writeJSONMember("name", member.name)
          try output.writeJSONMember("email", member.email)
          try output.write(byte: UInt8(ascii: "}"))
        }
        try output.write(byte: UInt8(ascii: "]"))
      }
    }
    if !contact.metadata.isEmpty {
      try output.write(",\"metadata\":")
      try writeFields(contact.metadata, to: output)
    }
    if !contact.mergeHistory.isEmpty {
      try output.write(",\"merge_history\":")
      try output.write(SpreadsheetLayout.mergeHistoryText(contact.mergeHistory))
    }
    try output.write(byte: UInt8(ascii: "}"))
  }

  /// The address with the known keys first, in `SpreadsheetLayout.addressKeys` order, then the others
  /// as they came: every input shape and every output format agree on one order.
  static func canonicalAddress(_ address: NestedFields) -> NestedFields {
    var ordered = NestedFields()
    for key in SpreadsheetLayout.addressKeys {
      if let value = address[key] { ordered.append(NestedFields.Entry(key: key, value: value)) }
    }
    for entry in address.entries where !SpreadsheetLayout.addressKeys.contains(entry.key) { ordered.append(entry) }
    return ordered
  }

  static func writeFields(_ fields: NestedFields, to output: ByteOutput) throws(RosterError) {
    try output.write(byte: UInt8(ascii: "{"))
    for (index, entry) in fields.entries.enumerated() {
      if index > 0 { try output.write(byte: UInt8(ascii: ",")) }
      try output.writeJSONString(entry.key)
      try output.write(byte: UInt8(ascii: ":"))
      switch entry.value {
      case .string(let value): try output.writeJSONString(value)
      case .object(let child): try writeFields(child, to: output)
      }
    }
    try output.write(byte: UInt8(ascii: "}"))
  }
}

/// Discards contacts: what `roster validate` writes to.
public struct DiscardingContactWriter: ContactWriter {
  public init() {}
  public mutating func write(_ contact: Contact) {}
  public mutating func finish() {}
}
