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
    try write(contact, rendered: nil)
  }

  /// Writes `contact`; with `rendered` (what `render` gave in the first pass), only its group fields
  /// are encoded, between the rendered parts.
  public mutating func write(_ contact: consuming Contact, rendered: RenderedParts?) throws(RosterError) {
    let separator: StaticString? = layout == .array ? (count == 0 ? "[\n" : ",\n") : nil
    let newline = layout == .lines
    count += 1
    try output.append { out in
      if let separator { out.append(separator) }
      if let rendered {
        rendered.bytes.withUnsafeBufferPointer { bytes in
          out.append(UnsafeBufferPointer(rebasing: bytes[..<rendered.prefixCount]))
          Self.encodeLinkedFields(contact, into: &out)
          out.append(UnsafeBufferPointer(rebasing: bytes[rendered.prefixCount...]))
        }
      } else {
        Self.encode(contact, into: &out)
      }
      if newline { out.append(0x0A) }
    }
  }

  /// Renders `contact` (validated, with its id) as `write(_:rendered:)` takes it: the object up to
  /// its group fields into `out` (empty), then the rest; returns where the first part ends.
  static func render(_ contact: Contact, into out: inout OutputBuffer) -> Int {
    encodeHead(contact, into: &out)
    let prefixCount = out.count
    encodeTail(contact, into: &out)
    return prefixCount
  }

  public mutating func finish() throws(RosterError) {
    if layout == .array { try output.write(count == 0 ? "[]\n" : "\n]\n") }
    try output.flush()
  }

  /// Writes one contact as a single-line JSON object.
  public static func writeObject(_ contact: Contact, to output: ByteOutput) throws(RosterError) {
    try output.append { encode(contact, into: &$0) }
  }

  /// Appends one contact as a single-line JSON object.
  static func encode(_ contact: Contact, into out: inout OutputBuffer) {
    encodeHead(contact, into: &out)
    encodeLinkedFields(contact, into: &out)
    encodeTail(contact, into: &out)
  }

  /// The object from `{` through the address: everything before the fields group linking decides.
  private static func encodeHead(_ contact: Contact, into out: inout OutputBuffer) {
    out.append("{\"id\":")
    out.appendJSONString(contact.id)
    if let fingerprint = contact.fingerprint { out.appendJSONMember("fingerprint", fingerprint) }
    out.append(contact.type == .group ? ",\"type\":\"group\",\"name\":" : ",\"type\":\"person\",\"name\":")
    out.appendJSONString(contact.name)
    if let firstName = contact.firstName { out.appendJSONMember("first_name", firstName) }
    if let lastName = contact.lastName { out.appendJSONMember("last_name", lastName) }
    if let email = contact.email { out.appendJSONMember("email", email) }
    if let phone = contact.phone { out.appendJSONMember("phone", phone) }
    if let phoneExtension = contact.phoneExtension { out.appendJSONMember("phone_extension", phoneExtension) }
    if !contact.address.isEmpty {
      out.append(",\"address\":")
      encodeCanonicalAddress(contact.address, into: &out)
    }
  }

  /// The fields group linking decides: groups, primary groups, and a group's members.
  private static func encodeLinkedFields(_ contact: Contact, into out: inout OutputBuffer) {
    if !contact.groups.isEmpty {
      out.append(",\"groups\":[")
      var hasPrimary = false
      for (index, group) in contact.groups.enumerated() {
        if index > 0 { out.append(UInt8(ascii: ",")) }
        out.appendJSONString(group.id)
        hasPrimary = hasPrimary || group.isPrimary
      }
      out.append(UInt8(ascii: "]"))
      if hasPrimary {
        out.append(",\"primary_groups\":[")
        var first = true
        for group in contact.groups where group.isPrimary {
          if !first { out.append(UInt8(ascii: ",")) }
          first = false
          out.appendJSONString(group.id)
        }
        out.append(UInt8(ascii: "]"))
      }
    }
    if let members = contact.members {
      out.append(",\"group_contacts\":{\"children\":")
      encodeArray(members.children, into: &out)
      out.append(",\"primary\":")
      encodeArray(members.primary, into: &out)
      out.append(UInt8(ascii: "}"))
      if let referenced = members.referenced {
        out.append(",\"referenced_contacts\":[")
        for (index, member) in referenced.enumerated() {
          out.append(index == 0 ? "{\"id\":" : ",{\"id\":")
          out.appendJSONString(member.id)
          out.appendJSONMember("name", member.name)
          if let email = member.email { out.appendJSONMember("email", email) }
          out.append(UInt8(ascii: "}"))
        }
        out.append(UInt8(ascii: "]"))
      }
    }
  }

  /// The object after the linked fields: metadata, merge history, and the closing `}`.
  private static func encodeTail(_ contact: Contact, into out: inout OutputBuffer) {
    if !contact.metadata.isEmpty {
      out.append(",\"metadata\":")
      encodeFields(contact.metadata, into: &out)
    }
    if !contact.mergeHistory.isEmpty {
      out.append(",\"merge_history\":")
      out.append(SpreadsheetLayout.mergeHistoryText(contact.mergeHistory))
    }
    out.append(UInt8(ascii: "}"))
  }

  /// Appends `strings` as a JSON array of string literals.
  private static func encodeArray(_ strings: [String], into out: inout OutputBuffer) {
    out.append(UInt8(ascii: "["))
    for (index, string) in strings.enumerated() {
      if index > 0 { out.append(UInt8(ascii: ",")) }
      out.appendJSONString(string)
    }
    out.append(UInt8(ascii: "]"))
  }

  /// Appends the address with the known keys first, in `SpreadsheetLayout.addressKeys` order, then the
  /// others as they came: every input shape and every output format agree on one order.
  private static func encodeCanonicalAddress(_ address: NestedFields, into out: inout OutputBuffer) {
    var first = true
    out.append(UInt8(ascii: "{"))
    for key in SpreadsheetLayout.addressKeys {
      guard let value = address[key] else { continue }
      encodeEntry(key: key, value: value, first: first, into: &out)
      first = false
    }
    for entry in address.entries where !SpreadsheetLayout.addressKeys.contains(entry.key) {
      encodeEntry(key: entry.key, value: entry.value, first: first, into: &out)
      first = false
    }
    out.append(UInt8(ascii: "}"))
  }

  /// Appends `fields` as a JSON object, keys in their order.
  static func encodeFields(_ fields: NestedFields, into out: inout OutputBuffer) {
    out.append(UInt8(ascii: "{"))
    for (index, entry) in fields.entries.enumerated() {
      encodeEntry(key: entry.key, value: entry.value, first: index == 0, into: &out)
    }
    out.append(UInt8(ascii: "}"))
  }

  /// Appends `"key":value`, after a comma unless it is the object's first member.
  private static func encodeEntry(key: String, value: NestedFields.Value, first: Bool, into out: inout OutputBuffer) {
    if !first { out.append(UInt8(ascii: ",")) }
    out.appendJSONString(key)
    out.append(UInt8(ascii: ":"))
    switch value {
    case .string(let string): out.appendJSONString(string)
    case .object(let child): encodeFields(child, into: &out)
    }
  }
}

/// Discards contacts: what `roster validate` writes to.
public struct DiscardingContactWriter: ContactWriter {
  public init() {}
  public mutating func write(_ contact: Contact) {}
  public mutating func finish() {}
}
