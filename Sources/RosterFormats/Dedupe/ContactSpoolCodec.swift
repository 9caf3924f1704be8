import RosterCore

/// A validated contact and its position as bytes, for the duplicate sources spooled between passes.
///
/// Layout: the head (`appendHead`: row index and line as LEB128, type (1 byte), the id (`appendID`),
/// the name (a LEB128 length and UTF-8)), then the optional strings fingerprint, first name, last
/// name, email, phone, extension (a presence byte each), address and metadata (nested fields), groups
/// (`appendGroups`: a LEB128 count, then name and id as LEB128-length strings and a primary byte
/// each), merge history (count, then strings). Other strings and counts are a little-endian UInt32
/// and UTF-8.
enum ContactSpoolCodec {
  /// Appends `contact` at `position` to `bytes`.
  static func append(_ contact: Contact, at position: RowPosition, to bytes: inout SpoolRecordBytes) {
    appendHead(contact, at: position, to: &bytes)
    for value in [
      contact.fingerprint, contact.firstName, contact.lastName, contact.email, contact.phone, contact.phoneExtension,
    ] {
      if let value {
        bytes.append(1)
        bytes.appendLengthPrefixed(value)
      } else {
        bytes.append(0)
      }
    }
    appendFields(contact.address, to: &bytes)
    appendFields(contact.metadata, to: &bytes)
    appendGroups(contact.groups, to: &bytes)
    bytes.appendLittleEndian(UInt32(contact.mergeHistory.count))
    for entry in contact.mergeHistory { bytes.appendLengthPrefixed(entry) }
  }

  /// The contact and position at the start of `bytes`, or `nil` when they are cut short.
  static func decode(_ bytes: inout ArraySlice<UInt8>) -> (Contact, RowPosition)? {
    let (decoded, used) = bytes.withUnsafeBytes { raw in
      var reader = SpoolBytes(raw)
      let decoded = decode(&reader)
      return (decoded, reader.offset)
    }
    bytes = bytes.dropFirst(used)
    return decoded
  }

  /// The contact and position at `reader`'s offset, or `nil` when they are cut short.
  static func decode(_ reader: inout SpoolBytes) -> (Contact, RowPosition)? {
    var contact = Contact()
    guard let position = popHead(&reader, into: &contact) else { return nil }
    guard let fingerprint = reader.optionalString(), let firstName = reader.optionalString(),
      let lastName = reader.optionalString(), let email = reader.optionalString(), let phone = reader.optionalString(),
      let phoneExtension = reader.optionalString()
    else { return nil }
    contact.fingerprint = fingerprint
    contact.firstName = firstName
    contact.lastName = lastName
    contact.email = email
    contact.phone = phone
    contact.phoneExtension = phoneExtension
    guard let address = popFields(&reader, depth: 0), let metadata = popFields(&reader, depth: 0),
      popGroups(&reader, into: &contact)
    else { return nil }
    contact.address = address
    contact.metadata = metadata
    guard let historyCount = reader.uint32() else { return nil }
    for _ in 0..<historyCount {
      guard let entry = reader.string() else { return nil }
      contact.mergeHistory.append(entry)
    }
    return (contact, position)
  }

  /// Appends the position, type, id and name: the start of both spooled forms of a contact.
  ///
  /// `personNames` false writes a person's name as empty: for a reader that skips it (`popHead`).
  static func appendHead(
    _ contact: Contact, at position: RowPosition, to bytes: inout SpoolRecordBytes, personNames: Bool = true
  ) {
    // Compact (session 9): LEB128 numbers and lengths, the id as 16 bytes when it is a UUID. The
    // first pass's spool is about the size of the output, and every byte of it passes through the
    // page cache twice.
    bytes.appendVarint(UInt64(position.index))
    bytes.appendVarint(UInt64(position.line))
    bytes.append(contact.type == .group ? 1 : 0)
    bytes.appendID(contact.id)
    bytes.appendCompactString(personNames || contact.type == .group ? contact.name : "")
  }

  /// Reads what `appendHead` wrote into `contact` (type, id, name) and returns the position; `nil` when
  /// cut short.
  ///
  /// `personNames` false leaves a person's name out (skipped, not decoded): linking reads only a
  /// group's.
  static func popHead(_ reader: inout SpoolBytes, into contact: inout Contact, personNames: Bool = true)
    -> RowPosition?
  {
    guard let index = reader.varint(), let line = reader.varint(), index <= Int.max, line <= Int.max,
      let type = reader.byte(), let id = reader.id()
    else { return nil }
    contact.type = type == 1 ? .group : .person
    contact.id = id
    if personNames || contact.type == .group {
      guard let name = reader.compactString() else { return nil }
      contact.name = name
    } else {
      guard reader.skipCompactString() else { return nil }
    }
    return RowPosition(index: Int(index), line: Int(line))
  }

  /// Appends the group references: a count, then name, id and primary byte each.
  static func appendGroups(_ groups: [GroupReference], to bytes: inout SpoolRecordBytes) {
    bytes.appendVarint(UInt64(groups.count))
    for group in groups {
      bytes.appendCompactString(group.name)
      bytes.appendCompactString(group.id)
      bytes.append(group.isPrimary ? 1 : 0)
    }
  }

  /// Reads what `appendGroups` wrote into `contact.groups`; `false` when cut short.
  static func popGroups(_ reader: inout SpoolBytes, into contact: inout Contact) -> Bool {
    guard let count = reader.varint() else { return false }
    if count > 0 { contact.groups.reserveCapacity(Int(min(count, 1024))) }
    for _ in 0..<count {
      guard let name = reader.compactString(), let id = reader.compactString(), let primary = reader.byte() else {
        return false
      }
      contact.groups.append(GroupReference(name: name, id: id, isPrimary: primary == 1))
    }
    return true
  }

  private static func appendFields(_ fields: NestedFields, to bytes: inout SpoolRecordBytes) {
    bytes.appendLittleEndian(UInt32(fields.entries.count))
    for entry in fields.entries {
      bytes.appendLengthPrefixed(entry.key)
      switch entry.value {
      case .string(let value):
        bytes.append(0)
        bytes.appendLengthPrefixed(value)
      case .object(let child):
        bytes.append(1)
        appendFields(child, to: &bytes)
      }
    }
  }

  /// Nested fields; `depth` bounds the recursion (the mappers allow at most `InputLimits.largestJSONDepth`).
  private static func popFields(_ reader: inout SpoolBytes, depth: Int) -> NestedFields? {
    guard depth <= InputLimits.largestJSONDepth, let count = reader.uint32() else { return nil }
    var fields = NestedFields()
    // One allocation for the level (appending one by one would regrow it); a corrupt count reserves
    // no more than a few thousand.
    fields.reserveCapacity(Int(min(count, 4096)))
    for _ in 0..<count {
      guard let key = reader.string(), let kind = reader.byte() else { return nil }
      if kind == 0 {
        guard let value = reader.string() else { return nil }
        fields.append(NestedFields.Entry(key: key, value: .string(value)))
      } else {
        guard let child = popFields(&reader, depth: depth + 1) else { return nil }
        fields.append(NestedFields.Entry(key: key, value: .object(child)))
      }
    }
    return fields
  }
}

/// Reads the little-endian integers and length-prefixed strings that the spool codecs write, from
/// bytes that stay valid while it is used.
struct SpoolBytes {
  private let bytes: UnsafeRawBufferPointer
  /// Bytes read so far.
  private(set) var offset = 0

  init(_ bytes: UnsafeRawBufferPointer) {
    self.bytes = bytes
  }

  mutating func byte() -> UInt8? {
    guard offset < bytes.count else { return nil }
    defer { offset += 1 }
    return bytes[offset]
  }

  mutating func uint32() -> UInt32? {
    guard bytes.count - offset >= 4 else { return nil }
    defer { offset += 4 }
    return UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
  }

  mutating func uint64() -> UInt64? {
    guard bytes.count - offset >= 8 else { return nil }
    defer { offset += 8 }
    return UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
  }

  /// A UInt32 length, then that many bytes of UTF-8.
  mutating func string() -> String? {
    Self.decoded(lengthPrefixed())
  }

  /// Moves past a length-prefixed string; `false` when cut short.
  mutating func skipString() -> Bool {
    lengthPrefixed() != nil
  }

  /// The bytes after a UInt32 length, moving past them; `nil` when cut short.
  private mutating func lengthPrefixed() -> UnsafeBufferPointer<UInt8>? {
    uint32().flatMap { take(UInt64($0)) }
  }

  /// The next `length` bytes, moving past them; `nil` when fewer are left.
  private mutating func take(_ length: UInt64) -> UnsafeBufferPointer<UInt8>? {
    guard length <= UInt64(bytes.count - offset) else { return nil }
    let count = Int(length)
    defer { offset += count }
    return UnsafeBufferPointer(
      start: bytes.baseAddress.map { $0.assumingMemoryBound(to: UInt8.self) + offset }, count: count)
  }

  /// `utf8` as a string; `nil` for `nil` (cut short).
  private static func decoded(_ utf8: UnsafeBufferPointer<UInt8>?) -> String? {
    guard let utf8 else { return nil }
    // Empty strings are common (a group named by name has no id): no call into the decoder.
    return utf8.isEmpty ? "" : String(decoding: utf8, as: UTF8.self)
  }

  /// A presence byte, then a string when there is one: `.some(nil)` for none, `nil` when cut short.
  mutating func optionalString() -> String?? {
    guard let present = byte() else { return nil }
    if present == 0 { return .some(nil) }
    guard let text = string() else { return nil }
    return .some(text)
  }

  /// A LEB128 integer (`SpoolRecordBytes.appendVarint`); `nil` when cut short.
  mutating func varint() -> UInt64? {
    bytes.varint(at: &offset)
  }

  /// A LEB128 length, then that many bytes of UTF-8 (`appendCompactString`).
  mutating func compactString() -> String? {
    Self.decoded(compactPrefixed())
  }

  /// Moves past a string `appendCompactString` wrote; `false` when cut short.
  mutating func skipCompactString() -> Bool {
    compactPrefixed() != nil
  }

  /// The bytes after a LEB128 length, moving past them; `nil` when cut short.
  private mutating func compactPrefixed() -> UnsafeBufferPointer<UInt8>? {
    varint().flatMap { take($0) }
  }

  /// An id as `appendID` wrote it: a UUID spelled from its 16 bytes, else the text.
  mutating func id() -> String? {
    guard let form = byte() else { return nil }
    guard form == 1 else { return compactString() }
    guard bytes.count - offset >= 16 else { return nil }
    defer { offset += 16 }
    return NameBasedUUID.text(ofRaw: UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + 16]))
  }

  /// `count` bytes, copied.
  mutating func bytes(_ count: Int) -> [UInt8]? {
    guard bytes.count - offset >= count else { return nil }
    defer { offset += count }
    return Array(UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + count]))
  }
}

/// A growable byte buffer the spool codecs append to with plain stores (no per-append bookkeeping of
/// an `Array`); reused from record to record, freed with its owner.
struct SpoolRecordBytes: ~Copyable {
  private var base: UnsafeMutableRawPointer
  private var capacity: Int
  /// Bytes written so far.
  private(set) var count = 0

  init(capacity: Int = 4096) {
    self.capacity = max(capacity, 64)
    base = .allocate(byteCount: self.capacity, alignment: 8)
  }

  deinit { base.deallocate() }

  /// The bytes written, valid until the next change.
  var bytes: UnsafeBufferPointer<UInt8> {
    UnsafeBufferPointer(start: base.assumingMemoryBound(to: UInt8.self), count: count)
  }

  mutating func removeAll() { count = 0 }

  private mutating func reserve(_ extra: Int) {
    guard count + extra > capacity else { return }
    var grown = capacity * 2
    while grown < count + extra { grown *= 2 }
    let larger = UnsafeMutableRawPointer.allocate(byteCount: grown, alignment: 8)
    larger.copyMemory(from: base, byteCount: count)
    base.deallocate()
    base = larger
    capacity = grown
  }

  mutating func append(_ byte: UInt8) {
    reserve(1)
    base.storeBytes(of: byte, toByteOffset: count, as: UInt8.self)
    count += 1
  }

  /// Appends `value` little-endian.
  mutating func appendLittleEndian<T: FixedWidthInteger>(_ value: T) {
    reserve(MemoryLayout<T>.size)
    base.storeBytes(of: value.littleEndian, toByteOffset: count, as: T.self)
    count += MemoryLayout<T>.size
  }

  mutating func append(_ bytes: UnsafeRawBufferPointer) {
    guard let source = bytes.baseAddress, !bytes.isEmpty else { return }
    reserve(bytes.count)
    (base + count).copyMemory(from: source, byteCount: bytes.count)
    count += bytes.count
  }

  /// Appends a UInt32 length, then the text's UTF-8.
  mutating func appendLengthPrefixed(_ text: String) {
    var text = text
    text.withUTF8 { utf8 in
      appendLittleEndian(UInt32(utf8.count))
      append(UnsafeRawBufferPointer(utf8))
    }
  }

  /// Appends a LEB128 length, then the text's UTF-8 (`SpoolBytes.compactString`): one byte of length
  /// for the short strings a row is made of, where `appendLengthPrefixed` takes four.
  mutating func appendCompactString(_ text: String) {
    var text = text
    text.withUTF8 { utf8 in
      appendVarint(UInt64(utf8.count))
      append(UnsafeRawBufferPointer(utf8))
    }
  }

  /// Appends an id (`SpoolBytes.id`): 1 and its 16 bytes when it is lowercase UUID text (Roster's own
  /// ids always are), else 0 and the text.
  mutating func appendID(_ id: String) {
    var uuid: (UInt64, UInt64) = (0, 0)
    var id = id
    let isUUID = id.withUTF8 { utf8 in
      withUnsafeMutableBytes(of: &uuid) { NameBasedUUID.parse(utf8, into: $0.baseAddress!) }
    }
    append(isUUID ? 1 : 0)
    if isUUID {
      withUnsafeBytes(of: &uuid) { append($0) }
    } else {
      appendCompactString(id)
    }
  }

  /// Overwrites the byte at `offset` (a flags byte written before what it describes).
  mutating func setByte(_ value: UInt8, at offset: Int) {
    base.storeBytes(of: value, toByteOffset: offset, as: UInt8.self)
  }

  /// Overwrites the UInt32 at `offset` (a length written before its contents).
  mutating func setLittleEndian(_ value: UInt32, at offset: Int) {
    base.storeBytes(of: value.littleEndian, toByteOffset: offset, as: UInt32.self)
  }
}
