import RosterCore

/// Turns the parse events of one JSON element into a draft contact and its row issues.
///
/// Two shapes are accepted, key by key, in one pass and without recursion:
/// - Roster's own output: `id`, `fingerprint`, `type`, `name`, `first_name`, `last_name`, `email`, `phone`,
///   `phone_extension`, `address` {…}, `groups` [ids], `metadata` {…}; `group_contacts` and
///   `referenced_contacts` are ignored (derived again from the members).
/// - An Airy `contacts.import` element: `display_name` (the name); `avatar_url`, `title`, `timezone`,
///   `gender`, `locale`, `organization_name` (kept in metadata under the same key); `via` {`phone`,
///   `email`, other keys to `metadata.via`}; `address` {…}; `conversations` (to
///   `metadata.conversations`, array elements keyed `"0"`, `"1"`, …); `metadata` {…}.
///
/// Strings stay strings; numbers and booleans become their exact JSON text; `null` is absent.
/// Any other key is kept as `metadata.<key>` and listed once in `unknownKeys` (the first
/// `maxListedUnknownKeys` of them; the rest are counted, so hostile input cannot grow the list).
struct JSONContactMapper {
  private enum Slot: Int, CaseIterable {
    case id, type, name, firstName, lastName, email, phone, phoneExtension, fingerprint
  }

  private enum Target {
    case address
    case metadata
  }

  private enum TopLevelKey {
    case slot(Slot)
    case address
    case metadata
    case groups
    case primaryGroups
    case ignored
    case airyMetadata
    case via
    case conversations
    case mergeHistory
  }

  private static let topLevelKeys: [String: TopLevelKey] = [
    "id": .slot(.id), "fingerprint": .slot(.fingerprint), "type": .slot(.type), "name": .slot(.name),
    "display_name": .slot(.name),
    "first_name": .slot(.firstName), "last_name": .slot(.lastName), "email": .slot(.email),
    "phone": .slot(.phone), "phone_extension": .slot(.phoneExtension), "address": .address,
    "metadata": .metadata, "groups": .groups, "primary_groups": .primaryGroups, "group_contacts": .ignored,
    "referenced_contacts": .ignored,
    "roster_errors": .ignored,
    "avatar_url": .airyMetadata, "title": .airyMetadata, "timezone": .airyMetadata, "gender": .airyMetadata,
    "locale": .airyMetadata, "organization_name": .airyMetadata, "via": .via, "conversations": .conversations,
    "merge_history": .mergeHistory,
  ]

  private var decoder = JSONStringDecoder()
  private var unknownKeySet: Set<String> = []
  private(set) var unknownKeys: [String] = []
  /// Distinct unknown keys seen after the list was full.
  private(set) var unlistedUnknownKeys = 0
  /// How many distinct unknown keys are listed (each is also a warning).
  static let maxListedUnknownKeys = 1000

  // Per-element state.
  private var bytes = UnsafeBufferPointer<UInt8>(start: nil, count: 0)
  private var parser = JSONElementParser(bytes: UnsafeBufferPointer(start: nil, count: 0), maxDepth: 1)
  private var inputOffset = 0
  private var contact = Contact()
  private var problems: [IssueDetail] = []
  private var slots = [String?](repeating: nil, count: Slot.allCases.count)
  private var slotPaths = [String](repeating: "", count: Slot.allCases.count)
  private var anyValue = false

  /// Maps the one JSON value in `bytes`, which start at `inputOffset` in the input.
  ///
  /// - Throws: the first syntax error in `bytes`, even in parts the mapping ignores.
  mutating func map(
    _ bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int, inputOffset: Int
  ) throws(JSONSyntaxError) -> (Contact, [IssueDetail]) {
    self.bytes = bytes
    self.inputOffset = inputOffset
    parser = JSONElementParser(bytes: bytes, maxDepth: maxDepth)
    contact = Contact()
    problems = []
    for index in slots.indices { slots[index] = nil }
    anyValue = false

    let first = try parser.next()
    switch first {
    case .objectStart:
      try readTopLevelObject()
      finishContact()
    case .arrayStart, .string, .number, .bool, .null:
      let kind =
        switch first {
        case .arrayStart: "an array"
        case .string: "a string"
        case .number: "a number"
        case .bool: "a boolean"
        default: "null"
        }
      if case .arrayStart = first { try parser.skipContainer() }
      problems.append(
        IssueDetail(
          header: nil, field: "row", code: "json.not_an_object",
          message: "is \(kind), not an object: each element must be one contact object"))
    case .objectEnd, .arrayEnd, .key, .end:
      break  // the parser never starts a value with these
    }
    _ = try parser.next()  // `.end`, or a syntax error in what follows the value
    return (contact, problems)
  }

  // MARK: - Top level

  private mutating func readTopLevelObject() throws(JSONSyntaxError) {
    while true {
      let event = try parser.next()
      guard case .key(let token) = event else { return }  // `.objectEnd`
      guard let key = decodeKey(token, parentPath: "") else {
        try skipValue()
        continue
      }
      switch Self.topLevelKeys[key] {
      case .slot(let slot):
        if let value = try readText(path: key) { setSlot(slot, value, path: key) }
      case .address:
        try readObject(into: .address, base: [], path: key)
      case .metadata:
        try readObject(into: .metadata, base: [], path: key)
      case .groups:
        try readGroups(key: "groups", primary: false)
      case .primaryGroups:
        try readGroups(key: "primary_groups", primary: true)
      case .ignored:
        try skipValue()
      case .airyMetadata:
        try readMetadataValue(key: key)
      case .via:
        try readObject(into: .metadata, base: ["via"], path: key, routesContactFields: true)
      case .conversations:
        try readConversations()
      case .mergeHistory:
        try readMergeHistory()
      case nil:
        if unknownKeys.count < Self.maxListedUnknownKeys {
          if unknownKeySet.insert(key).inserted { unknownKeys.append(key) }
        } else if !unknownKeySet.contains(key) {
          // Counted per element they appear in: telling them apart would mean keeping them all.
          unlistedUnknownKeys += 1
        }
        try readMetadataValue(key: key)
      }
    }
  }

  /// A value kept as `metadata.<key>`: text, or an object of text.
  private mutating func readMetadataValue(key: String) throws(JSONSyntaxError) {
    let event = try parser.next()
    switch event {
    case .objectStart:
      try readObject(into: .metadata, base: [key], path: key, opened: true)
    case .arrayStart:
      try parser.skipContainer()
      arrayNotAllowed(path: key)
    default:
      if let value = text(of: event, path: key) { setLeaf(value, in: .metadata, at: [key], path: key) }
    }
  }

  /// Reads an array of group ids; `primary` marks them as groups the contact is a primary contact of
  /// (which implies membership).
  private mutating func readGroups(key: String, primary: Bool) throws(JSONSyntaxError) {
    guard try enterArray(path: key) else { return }
    var index = 0
    // Positions by id, so an array of a million ids costs linear time, not quadratic.
    var positions: [String: Int] = [:]
    for (position, group) in contact.groups.enumerated() where positions[group.id] == nil {
      positions[group.id] = position
    }
    while true {
      let event = try parser.next()
      if case .arrayEnd = event { return }
      let path = "\(key).\(index)"
      index += 1
      switch event {
      case .objectStart, .arrayStart:
        try parser.skipContainer()
        notAString(path: path, event: event)
      default:
        guard let id = text(of: event, path: path), !id.isEmpty else { continue }
        anyValue = true
        if let existing = positions[id] {
          if primary { contact.groups[existing].isPrimary = true }
        } else {
          positions[id] = contact.groups.count
          contact.groups.append(GroupReference(name: "", id: id, isPrimary: primary))
        }
      }
    }
  }

  /// Reads Roster's own `merge_history`: an array of objects, each kept as its one-line JSON text.
  private mutating func readMergeHistory() throws(JSONSyntaxError) {
    guard try enterArray(path: "merge_history") else { return }
    var index = 0
    while true {
      let event = try parser.next()
      if case .arrayEnd = event { return }
      defer { index += 1 }
      switch event {
      case .objectStart:
        let start = parser.offset - 1
        try parser.skipContainer()
        anyValue = true
        contact.mergeHistory.append(
          MergeHistoryText.minified(UnsafeBufferPointer(rebasing: bytes[start..<parser.offset])))
      case .arrayStart:
        try parser.skipContainer()
        notAnObject(path: "merge_history.\(index)", what: "an array")
      default:
        notAnObject(path: "merge_history.\(index)", what: "a single value")
      }
    }
  }

  private mutating func readConversations() throws(JSONSyntaxError) {
    let event = try parser.next()
    switch event {
    case .null:
      return
    case .objectStart:
      try readObject(into: .metadata, base: ["conversations"], path: "conversations", opened: true)
      return
    case .arrayStart:
      break
    default:
      notAnArray(path: "conversations", what: "a single value")
      return
    }
    var index = 0
    while true {
      let event = try parser.next()
      if case .arrayEnd = event { return }
      let key = String(index)
      let path = "conversations.\(key)"
      index += 1
      switch event {
      case .objectStart:
        try readObject(into: .metadata, base: ["conversations", key], path: path, opened: true)
      case .arrayStart:
        try parser.skipContainer()
        arrayNotAllowed(path: path)
      default:
        if let value = text(of: event, path: path) {
          setLeaf(value, in: .metadata, at: ["conversations", key], path: path)
        }
      }
    }
  }

  // MARK: - Nested objects

  /// Reads an object of text (nested objects allowed, arrays not) into `target` under `base`.
  ///
  /// - Parameters:
  ///   - path: the object's dotted JSON path, for issues.
  ///   - opened: whether its `{` was already read.
  ///   - routesContactFields: `via`: its top-level `phone` and `email` fill the contact's own fields.
  private mutating func readObject(
    into target: Target, base: [String], path: String, opened: Bool = false, routesContactFields: Bool = false
  ) throws(JSONSyntaxError) {
    if !opened {
      let event = try parser.next()
      switch event {
      case .objectStart:
        break
      case .null:
        return
      case .arrayStart:
        try parser.skipContainer()
        notAnObject(path: path, what: "an array")
        return
      default:
        notAnObject(path: path, what: "a single value")
        return
      }
    }
    // `base` and the keys below it, innermost last; `pending` is the key whose value comes next.
    // Paths for issues are only built when there is an issue.
    var keys = base
    let baseCount = base.count
    var pending: String?
    while true {
      let event = try parser.next()
      switch event {
      case .key(let token):
        pending = decodeKey(token, parentPath: Self.join(path, keys[baseCount...]))
      case .objectEnd:
        guard keys.count > baseCount else { return }
        keys.removeLast()
      case .objectStart:
        guard let key = pending else {
          try parser.skipContainer()
          continue
        }
        if routesContactFields && keys.count == baseCount && (key == "phone" || key == "email") {
          try parser.skipContainer()
          notAString(path: Self.join(path, [key]), event: event)
          continue
        }
        keys.append(key)
      case .arrayStart:
        try parser.skipContainer()
        if let key = pending { arrayNotAllowed(path: Self.join(path, keys[baseCount...] + [key])) }
      case .null:
        continue
      default:
        guard let key = pending else { continue }
        keys.append(key)
        defer { keys.removeLast() }
        guard let value = text(of: event, path: Self.join(path, keys[baseCount...])) else { continue }
        if routesContactFields && keys.count == baseCount + 1 && (key == "phone" || key == "email") {
          setSlot(key == "phone" ? .phone : .email, value, path: key == "phone" ? "via.phone" : "via.email")
        } else {
          setLeaf(value, in: target, at: keys, path: Self.join(path, keys[baseCount...]))
        }
      }
    }
  }

  // MARK: - Values

  /// Reads one value that should be text; `nil` for `null` or a problem (reported).
  private mutating func readText(path: String) throws(JSONSyntaxError) -> String? {
    let event = try parser.next()
    switch event {
    case .objectStart, .arrayStart:
      try parser.skipContainer()
      notAString(path: path, event: event)
      return nil
    default:
      return text(of: event, path: path)
    }
  }

  /// The text of a scalar event: a decoded string, a number's exact JSON text, `true`/`false`.
  private mutating func text(of event: JSONEvent, path: @autoclosure () -> String) -> String? {
    switch event {
    case .string(let token):
      switch decoder.decode(token, in: bytes) {
      case .success(let text): return text
      case .failure(let problem):
        report(problem, path: path(), token: token)
        return nil
      }
    case .number(let range):
      return String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
    case .bool(let value):
      return value ? "true" : "false"
    default:
      return nil
    }
  }

  private mutating func decodeKey(_ token: JSONStringToken, parentPath: @autoclosure () -> String) -> String? {
    switch decoder.decode(token, in: bytes) {
    case .success(let key): return key
    case .failure(let problem):
      report(problem, path: Self.join(parentPath(), ["<key>"]), token: token)
      return nil
    }
  }

  /// Consumes one value whatever it is.
  private mutating func skipValue() throws(JSONSyntaxError) {
    switch try parser.next() {
    case .objectStart, .arrayStart: try parser.skipContainer()
    default: break
    }
  }

  // MARK: - Storing

  private mutating func setSlot(_ slot: Slot, _ value: String, path: String) {
    anyValue = true
    if let existing = slots[slot.rawValue] {
      guard existing != value else { return }
      problems.append(
        IssueDetail(
          header: path, field: path, code: "json.conflict",
          message:
            "differs from \(slotPaths[slot.rawValue]), which fills the same field (\"\(existing)\" and \"\(value)\")",
          value: value))
      return
    }
    slots[slot.rawValue] = value
    slotPaths[slot.rawValue] = path
  }

  private mutating func setLeaf(
    _ value: String, in target: Target, at keys: [String], path: @autoclosure () -> String
  ) {
    anyValue = true
    if keys.count == 1 {
      // The common case, one level: a single look at the keys of that level.
      let key = keys[0]
      switch target == .address ? contact.address[key] : contact.metadata[key] {
      case nil:
        let entry = NestedFields.Entry(key: key, value: .string(value))
        if target == .address { contact.address.append(entry) } else { contact.metadata.append(entry) }
      case .string(let existing) where existing != value:
        problems.append(
          IssueDetail(
            header: path(), field: path(), code: "json.conflict",
            message: "is given twice with different values (\"\(existing)\" and \"\(value)\")", value: value))
      case .string:
        break
      case .object:
        problems.append(pathConflict(path: path(), value: value))
      }
      return
    }
    switch Self.lookup(keys[...], in: target == .address ? contact.address : contact.metadata) {
    case .string(let existing)?:
      if existing == value { return }
      problems.append(
        IssueDetail(
          header: path(), field: path(), code: "json.conflict",
          message: "is given twice with different values (\"\(existing)\" and \"\(value)\")", value: value))
      return
    case .object?:
      problems.append(pathConflict(path: path(), value: value))
      return
    case nil:
      break
    }
    let stored =
      target == .address ? contact.address.set(value, at: keys[...]) : contact.metadata.set(value, at: keys[...])
    if !stored { problems.append(pathConflict(path: path(), value: value)) }
  }

  private static func lookup(_ keys: ArraySlice<String>, in fields: NestedFields) -> NestedFields.Value? {
    var current = fields
    var keys = keys
    while let key = keys.popFirst() {
      guard let value = current[key] else { return nil }
      if keys.isEmpty { return value }
      guard case .object(let child) = value else { return nil }
      current = child
    }
    return nil
  }

  private mutating func finishContact() {
    if let id = slots[Slot.id.rawValue] { contact.id = id }
    contact.fingerprint = slots[Slot.fingerprint.rawValue]
    contact.firstName = slots[Slot.firstName.rawValue]
    contact.lastName = slots[Slot.lastName.rawValue]
    contact.email = slots[Slot.email.rawValue]
    contact.phone = slots[Slot.phone.rawValue]
    contact.phoneExtension = slots[Slot.phoneExtension.rawValue]
    if !anyValue && problems.isEmpty {
      problems.append(
        IssueDetail(
          header: nil, field: "row", code: "row.empty",
          message: "the object holds no values: an empty payload will not be accepted"))
      return
    }
    if let type = slots[Slot.type.rawValue] {
      if let resolved = ContactRules.type(named: type) {
        contact.type = resolved
      } else {
        problems.append(
          IssueDetail(
            header: "type", field: "type", code: "type.invalid", message: "must be person or group", value: type))
      }
    }
    if let name = ContactRules.name(
      slots[Slot.name.rawValue], firstName: contact.firstName, lastName: contact.lastName)
    {
      contact.name = name
      return
    }
    let namePaths: Set<String> = ["name", "display_name", "first_name", "last_name"]
    guard !problems.contains(where: { namePaths.contains($0.field) }) else { return }
    let path = slots[Slot.name.rawValue] == nil ? "name" : slotPaths[Slot.name.rawValue]
    problems.append(
      IssueDetail(
        header: path, field: path, code: "name.missing",
        message: "is missing or empty: every contact needs a name (name or display_name, or first_name / last_name)"))
  }

  // MARK: - Issues

  private mutating func report(_ problem: JSONStringProblem, path: String, token: JSONStringToken) {
    let lossy = String(decoding: UnsafeBufferPointer(rebasing: bytes[token.range]), as: UTF8.self)
    switch problem {
    case .invalidUTF8(let offset):
      problems.append(
        IssueDetail(
          header: path, field: path, code: "json.invalid_utf8",
          message: "is not valid UTF-8 (byte offset \(inputOffset + offset)); save the file as UTF-8", value: lossy))
    case .loneSurrogate(let offset, let unit):
      let hex = String(unit, radix: 16, uppercase: true)
      problems.append(
        IssueDetail(
          header: path, field: path, code: "json.lone_surrogate",
          message:
            "escapes \\u\(hex), half of a surrogate pair without its other half (byte offset \(inputOffset + offset)); "
            + "it is not a character", value: lossy))
    }
  }

  private mutating func notAString(path: String, event: JSONEvent) {
    let what = if case .objectStart = event { "an object" } else { "an array" }
    problems.append(
      IssueDetail(header: path, field: path, code: "json.not_a_string", message: "is \(what) where text is expected"))
  }

  /// Reads the value at `path` up to the inside of its array; `false` when it is null or not an
  /// array (then skipped, and recorded as a row problem).
  private mutating func enterArray(path: String) throws(JSONSyntaxError) -> Bool {
    let event = try parser.next()
    switch event {
    case .null:
      return false
    case .arrayStart:
      return true
    case .objectStart:
      try parser.skipContainer()
      notAnArray(path: path, what: "an object")
      return false
    default:
      notAnArray(path: path, what: "a single value")
      return false
    }
  }

  private mutating func notAnArray(path: String, what: String) {
    problems.append(
      IssueDetail(
        header: path, field: path, code: "json.not_an_array", message: "is \(what) where an array is expected"))
  }

  private mutating func notAnObject(path: String, what: String) {
    problems.append(
      IssueDetail(
        header: path, field: path, code: "json.not_an_object", message: "is \(what) where an object is expected"))
  }

  private mutating func arrayNotAllowed(path: String) {
    problems.append(
      IssueDetail(
        header: path, field: path, code: "json.array_not_allowed",
        message: "is an array; metadata holds only text and objects of text (Airy accepts no arrays here)"))
  }

  private func pathConflict(path: String, value: String) -> IssueDetail {
    IssueDetail(
      header: path, field: path, code: "json.path_conflict",
      message: "is text here but an object elsewhere in the same contact", value: value)
  }

  private static func join(_ path: String, _ keys: some Sequence<String>) -> String {
    var result = path
    for key in keys { result += result.isEmpty ? key : "." + key }
    return result
  }
}
