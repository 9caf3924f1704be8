/// What to do with a group name that matches no group row.
public enum UnknownGroupPolicy: String, CaseIterable, Sendable {
  /// Drop the membership; a warning names the row, the column and the name.
  case warn
  /// Reject the row, with the Groups header in `errors`.
  case reject
  /// Create a group contact with that name, once, written after the input's rows.
  case create
}

/// Every group an input names or defines, by normalized name: what group resolution needs in memory.
///
/// Memory grows with the number of distinct group names and group-in-group memberships, never with
/// the number of rows. A group's fields are kept in columns of fixed-size chunks (`SlotColumn`, about
/// 25 bytes a group: its name as a `String`, its definition in 8 bytes, its status and two flags in
/// one; its first mention in 8 more only when asked for; an id other than the name's own in 16 or as
/// text), and the name look-up keeps only a slot and hash bits (5-byte buckets, `GroupNameTable`);
/// `groups` builds a `Group` value from them on access.
public final class GroupDirectory {
  /// Where a group stands once the whole input has been scanned.
  public enum Status: Hashable, Sendable {
    /// Named by some row, defined by none (yet).
    case unknown
    /// Defined by a group row.
    case defined
    /// Defined, but it contains itself through a chain of groups: its row is rejected.
    case cyclic
    /// Created by `--unknown-groups create`.
    case created
  }

  /// One group.
  public struct Group: Sendable {
    /// The name as its group row writes it, else as first written.
    public var name: String
    /// The key its name matches under (empty for a group so far named only by id).
    public var normalizedName: String { isNamed ? GroupDirectory.normalizedName(name) : "" }
    /// The id members refer to: the group row's `id`, else derived from the normalized name.
    public var id: String
    public var status: Status = .unknown
    /// The group row that defines it.
    public var definition: RowPosition?
    /// Where the name was first mentioned, for messages about unknown groups.
    public var firstMention: RowPosition?
    /// Slots of the groups this group's row names (nesting).
    public var parents: [Int] = []
    /// For cyclic groups: the names around the cycle, starting and ending with this group.
    public var cycle: [String] = []
    fileprivate var isNamed: Bool
  }

  /// Every group by slot, read-only: each element is built from the directory's flat storage.
  public struct Groups: RandomAccessCollection {
    fileprivate let directory: GroupDirectory
    public var startIndex: Int { 0 }
    public var endIndex: Int { directory.names.count }

    public subscript(slot: Int) -> Group {
      let directory = self.directory
      return Group(
        name: directory.names[slot], id: directory.id(of: slot), status: directory.flags[slot].status,
        definition: directory.definitions[slot],
        firstMention: directory.keepsFirstMentions ? directory.mentions[slot] : nil,
        parents: directory.parents[slot] ?? [], cycle: directory.cycles[slot] ?? [],
        isNamed: directory.flags[slot].isNamed)
    }
  }

  /// Row positions by slot in 8 bytes each, the index and the line as UInt32 (two `Int`s take 16, a
  /// `RowPosition?` 24); a position past UInt32 (an input of over four billion rows or lines) is kept
  /// in `overflow`. A negative index stands for none, as nothing else can.
  private struct PositionColumn {
    private var packed = SlotColumn<UInt64>()
    private var overflow: [Int: RowPosition] = [:]
    private static var none: UInt64 { .max }
    private static var overflowed: UInt64 { .max - 1 }

    var indices: Range<Int> { packed.indices }

    mutating func append(_ position: RowPosition?) {
      packed.append(Self.none)
      self[packed.count - 1] = position
    }

    subscript(slot: Int) -> RowPosition? {
      get {
        let value = packed[slot]
        if value == Self.none { return nil }
        if value == Self.overflowed { return overflow[slot] }
        return RowPosition(index: Int(value & 0xFFFF_FFFF), line: Int(value >> 32))
      }
      set {
        if !overflow.isEmpty { overflow[slot] = nil }
        guard let position = newValue, position.index >= 0 else { return packed[slot] = Self.none }
        // The line stays below 0xFFFF_FFFE, so no packed position equals either marker.
        guard position.index <= 0xFFFF_FFFF, position.line >= 0, position.line < 0xFFFF_FFFE else {
          packed[slot] = Self.overflowed
          overflow[slot] = position
          return
        }
        packed[slot] = UInt64(position.line) << 32 | UInt64(position.index)
      }
    }
  }

  public var groups: Groups { Groups(directory: self) }

  /// How many slots the directory has (`groups.count`).
  public var slotCount: Int { names.count }

  /// The fields of the group in each slot (see `Group`).
  // The directory is used from one thread at a time and these are read for every group a row names:
  // no dynamic exclusivity checks (here and on the look-ups below).
  @exclusivity(unchecked) private var names = SlotColumn<String>()
  /// The ids given as UUIDs other than the name's own, as 16 bytes a slot: made for every slot once
  /// the first such id comes (`keepsGivenUUIDs`), empty until then.
  @exclusivity(unchecked) private var givenUUIDs = SlotColumn<UUIDBytes>()
  private var keepsGivenUUIDs = false
  /// A UUID's 16 bytes, in memory order.
  private typealias UUIDBytes = (UInt64, UInt64)
  /// Where a group's id comes from. A name's own id is not kept: it is derived again from the name
  /// when asked for (`id(of:)`), 16 bytes a group less for one SHA-1 block a call.
  private enum IDKind: UInt8 {
    /// Derived from the normalized name (`ContactIdentifier.groupID(normalizedName:)`).
    case derivedFromName
    /// A UUID in lowercase text, kept as its 16 bytes in `givenUUIDs`.
    case givenUUID
    /// Any other text, kept in `textIDs`.
    case text
  }
  /// A slot's status (2 bits), whether it is named (1 bit) and its id's kind (2 bits), in one byte.
  private struct SlotFlags {
    private var bits: UInt8

    init(status: Status, isNamed: Bool, idKind: IDKind) {
      bits = 0
      self.status = status
      self.isNamed = isNamed
      self.idKind = idKind
    }

    var status: Status {
      get {
        switch bits & 0b11 {
        case 0: .unknown
        case 1: .defined
        case 2: .cyclic
        default: .created
        }
      }
      set {
        let code: UInt8 =
          switch newValue {
          case .unknown: 0
          case .defined: 1
          case .cyclic: 2
          case .created: 3
          }
        bits = bits & ~0b11 | code
      }
    }

    var isNamed: Bool {
      get { bits & 0b100 != 0 }
      set { bits = newValue ? bits | 0b100 : bits & ~0b100 }
    }

    var idKind: IDKind {
      get { IDKind(rawValue: bits >> 3 & 0b11) ?? .text }
      set { bits = bits & ~0b1_1000 | newValue.rawValue << 3 }
    }
  }
  /// While the directory has at most `spelledIDLimit` slots, each slot's id once spelled (`id(of:)`),
  /// made on first use. Linking asks for a group's id once per membership: a small directory's spelled
  /// ids stay in the CPU's cache, where handing one out costs less than spelling a new one. Past the
  /// limit they would not (a cache simulation of the 1,000,000-row benchmark, 10,000 groups, counted
  /// 35% fewer last-level misses spelling each id anew), and would hold megabytes.
  @exclusivity(unchecked) private var spelledIDs: [String?] = []
  private static var spelledIDLimit: Int { 2048 }
  /// The ids that are not lowercase UUID text, by slot (Roster's own ids always are).
  @exclusivity(unchecked) private var textIDs: [Int: String] = [:]
  /// Each slot's status, whether it is named (not only by id), and its `IDKind`, in one byte.
  @exclusivity(unchecked) private var flags = SlotColumn<SlotFlags>()
  @exclusivity(unchecked) private var definitions = PositionColumn()
  /// Where each group was first named, kept only when `keepsFirstMentions` (8 bytes a group).
  @exclusivity(unchecked) private var mentions = PositionColumn()
  /// Whether `groups[slot].firstMention` is kept; without it, it is always `nil`.
  public let keepsFirstMentions: Bool
  /// Only the groups whose rows name groups have parents, and only cyclic groups a cycle.
  private var parents: [Int: [Int]] = [:]
  private var cycles: [Int: [String]] = [:]
  /// Slots by normalized name, checked against `names` (every slot in it has a name whose normalized
  /// form is the key it was stored under: `define` only renames a slot to a name with the same key).
  /// Names as written are folded for every look-up: a second index by spelling, tried first, held
  /// about 50 bytes a group more and saved only the fold, while the look-up it replaced missed the
  /// cache as often.
  private let slotsByName = GroupNameTable()
  /// Slots by group id, for references that carry only an id (Roster's own JSON). Filled once the
  /// first such reference comes (`indexesIDs`): until then it holds nothing.
  private var slotsByID: [String: Int] = [:]
  private var indexesIDs = false

  /// - Parameter keepsFirstMentions: whether to keep where each group was first named (for the
  ///   messages about groups `--unknown-groups create` makes; nothing else reads it).
  public init(keepsFirstMentions: Bool = true) {
    self.keepsFirstMentions = keepsFirstMentions
  }

  /// Adds a group in a new slot, its id still to be set.
  private func append(name: String, firstMention: RowPosition?, isNamed named: Bool) -> Int {
    names.append(name)
    if keepsGivenUUIDs { givenUUIDs.append((0, 0)) }
    flags.append(SlotFlags(status: .unknown, isNamed: named, idKind: .derivedFromName))
    definitions.append(nil)
    if keepsFirstMentions { mentions.append(firstMention) }
    return names.count - 1
  }

  /// Sets the id of the group in `slot`: as 16 bytes when it is lowercase UUID text, else as text.
  private func setID(_ id: String, of slot: Int) {
    if slot < spelledIDs.count { spelledIDs[slot] = nil }
    var text = id
    var bytes: UUIDBytes = (0, 0)
    let isUUID = text.withUTF8 { utf8 in
      withUnsafeMutableBytes(of: &bytes) { NameBasedUUID.parse(utf8, into: $0.baseAddress!) }
    }
    guard isUUID else {
      flags[slot].idKind = .text
      textIDs[slot] = id
      return
    }
    if !textIDs.isEmpty { textIDs[slot] = nil }
    if flags[slot].isNamed && bytes == derivedID(of: slot) {
      flags[slot].idKind = .derivedFromName
      return
    }
    if !keepsGivenUUIDs {
      keepsGivenUUIDs = true
      while givenUUIDs.count < slotCount { givenUUIDs.append((0, 0)) }
    }
    givenUUIDs[slot] = bytes
    flags[slot].idKind = .givenUUID
  }

  /// The slot of the group called `name`, adding it if new.
  public func slot(named name: String, mentionedAt position: RowPosition?) -> Int {
    // A known name in ASCII, the common case, is folded and looked up in one stack buffer.
    if let slot = existingASCIISlot(named: name) { return slot }
    return GroupDirectory.withNormalizedName(name) { normalized in
      let hash = GroupNameTable.hash(normalized)
      if let existing = indexedSlot(normalized, hash: hash) { return existing }
      let slot = append(name: name, firstMention: position, isNamed: true)
      index(slot, hash: hash)
      return slot
    }
  }

  /// The slot of an existing group whose name is ASCII of at most 64 bytes (folded as
  /// `normalizedName` folds it, `NameFoldTable.foldASCII`); `nil` for any other name or one not in
  /// the directory.
  private func existingASCIISlot(named name: String) -> Int? {
    let found = GroupDirectory.withFoldedASCIIName(name) { key in
      indexedSlot(key, hash: GroupNameTable.hash(key))
    }
    return found ?? nil
  }

  /// Calls `body` with the normalized name of `name` when it is ASCII of at most 64 bytes, folded in
  /// a stack buffer (`NameFoldTable.foldASCII`, as `normalizedName` folds ASCII); `nil` for any other
  /// name, without calling `body`.
  @inline(__always)
  private static func withFoldedASCIIName<Result>(
    _ name: String, _ body: (UnsafeBufferPointer<UInt8>) -> Result
  ) -> Result? {
    var written = name
    return written.withUTF8 { utf8 -> Result? in
      guard utf8.count <= 64 else { return nil }
      return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 64) { buffer -> Result? in
        guard let output = buffer.baseAddress else { return nil }
        var count = 0
        var pendingSpace = false
        for byte in utf8 {
          guard byte < 0x80 else { return nil }
          NameFoldTable.foldASCII(byte, into: output, count: &count, pendingSpace: &pendingSpace)
        }
        return body(UnsafeBufferPointer(start: output, count: count))
      }
    }
  }

  /// Calls `body` with the normalized name of the group in `slot`, folded again from its name.
  @inline(__always)
  private func withNormalizedName<Result>(ofSlot slot: Int, _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
    let name = names[slot]
    if let result = GroupDirectory.withFoldedASCIIName(name, body) { return result }
    return GroupDirectory.withNormalizedName(name, body)
  }

  /// The slot indexed under the normalized name `key`, whose hash is `hash`.
  @inline(__always)
  private func indexedSlot(_ key: UnsafeBufferPointer<UInt8>, hash: UInt64) -> Int? {
    slotsByName.slot(hash: hash) { slot in
      withNormalizedName(ofSlot: slot) { stored in
        stored.count == key.count
          && (key.isEmpty || GroupNameTable.bytesEqual(stored.baseAddress!, key.baseAddress!, count: key.count))
      }
    }
  }

  /// Indexes `slot`, whose normalized name hashes to `hash`, by name.
  private func index(_ slot: Int, hash: UInt64) {
    slotsByName.insert(slot: slot, hash: hash) { slot in
      withNormalizedName(ofSlot: slot) { GroupNameTable.hash($0) }
    }
  }

  /// The slot of the group `reference` names: by name, or by id when it has no name.
  ///
  /// An id no group row has defined yet gets a slot of its own, which the group row that defines that
  /// id later takes over.
  public func slot(for reference: GroupReference, mentionedAt position: RowPosition?) -> Int {
    guard reference.name.isEmpty, !reference.id.isEmpty else {
      return slot(named: reference.name, mentionedAt: position)
    }
    if !indexesIDs { indexDefinedIDs() }
    if let slot = slotsByID[reference.id] { return slot }
    let slot = append(name: reference.id, firstMention: position, isNamed: false)
    setID(reference.id, of: slot)
    slotsByID[reference.id] = slot
    return slot
  }

  /// Fills `slotsByID` with the groups defined so far, as `define` would have: the first row to
  /// define an id keeps it.
  private func indexDefinedIDs() {
    indexesIDs = true
    let defined = definitions.indices.compactMap { slot in definitions[slot].map { (slot, $0.index) } }
    for slot in defined.sorted(by: { $0.1 < $1.1 }).map(\.0) {
      let id = id(of: slot)
      if slotsByID[id] == nil { slotsByID[id] = slot }
    }
  }

  /// The slot of an existing group, without adding one.
  public func existingSlot(named name: String) -> Int? {
    GroupDirectory.withNormalizedName(name) { indexedSlot($0, hash: GroupNameTable.hash($0)) }
  }

  /// Records that the group row at `position` defines `name` with `id`.
  ///
  /// Returns the earlier definition when the group was already defined by another row (a duplicate).
  public func define(name: String, id: String, at position: RowPosition) -> RowPosition? {
    if let byID = slotsByID[id], definitions[byID] == nil {
      GroupDirectory.withNormalizedName(name) { normalized in
        let hash = GroupNameTable.hash(normalized)
        guard indexedSlot(normalized, hash: hash) == nil else { return }
        // Members named this group by id before its row: that slot becomes the group's.
        names[byID] = name
        flags[byID].isNamed = true
        index(byID, hash: hash)
      }
    }
    let slot = slot(named: name, mentionedAt: position)
    if let earlier = definitions[slot] { return earlier == position ? nil : earlier }
    definitions[slot] = position
    flags[slot].status = .defined
    setID(id, of: slot)
    // The group row spells the group's name; members may have written it another way.
    names[slot] = name
    if indexesIDs && slotsByID[id] == nil { slotsByID[id] = slot }
    return nil
  }

  /// Records that group `child` is a member of group `parent`.
  public func nest(_ child: Int, in parent: Int) {
    if !parents[child, default: []].contains(parent) { parents[child, default: []].append(parent) }
  }

  /// Marks every defined group that contains itself, directly or through other groups, as cyclic,
  /// and applies `policy` to groups no row defines.
  public func settle(policy: UnknownGroupPolicy) {
    markCycles()
    if policy == .create {
      for slot in flags.indices where flags[slot].status == .unknown { flags[slot].status = .created }
    }
  }

  /// Whether members can belong to the group in `slot`.
  public func accepts(_ slot: Int) -> Bool {
    let status = flags[slot].status
    return status == .defined || status == .created
  }

  /// Where the group in `slot` stands.
  public func status(of slot: Int) -> Status { flags[slot].status }

  /// The group row that defines the group in `slot`, if any.
  public func definition(of slot: Int) -> RowPosition? { definitions[slot] }

  /// The id members of the group in `slot` refer to (`groups[slot].id` without building a `Group`).
  ///
  /// A UUID (derived again from the name, or a given one's 16 bytes) is spelled as a heap string, once
  /// per slot while the directory is small (`spelledIDs`), else on each call.
  public func id(of slot: Int) -> String {
    if flags[slot].idKind == .text, let text = textIDs[slot] { return text }
    guard names.count <= Self.spelledIDLimit else { return spelledID(of: slot) }
    if spelledIDs.isEmpty { spelledIDs = [String?](repeating: nil, count: Self.spelledIDLimit) }
    if let text = spelledIDs[slot] { return text }
    let text = spelledID(of: slot)
    spelledIDs[slot] = text
    return text
  }

  /// The UUID id of `slot` (derived or given), as text.
  private func spelledID(of slot: Int) -> String {
    let bytes = flags[slot].idKind == .givenUUID ? givenUUIDs[slot] : derivedID(of: slot)
    return withUnsafeBytes(of: bytes) { NameBasedUUID.text(ofRaw: $0) }
  }

  /// The 16 bytes of the id derived from the name of the group in `slot`.
  private func derivedID(of slot: Int) -> UUIDBytes {
    var bytes: UUIDBytes = (0, 0)
    withNormalizedName(ofSlot: slot) { normalized in
      withUnsafeMutableBytes(of: &bytes) {
        ContactIdentifier.writeGroupIDBytes(normalizedName: normalized, to: $0.baseAddress!)
      }
    }
    return bytes
  }

  /// The name of the group in `slot` (`groups[slot].name` without building a `Group`).
  public func name(of slot: Int) -> String { names[slot] }

  /// For a cyclic group: the names around the cycle, starting and ending with it.
  public func cycle(of slot: Int) -> [String] { cycles[slot] ?? [] }

  /// Tarjan's strongly connected components over the "is in group" edges between defined groups.
  private func markCycles() {
    // Only a group whose row names groups can be on a cycle: without any, there is nothing to search
    // (and no per-slot work arrays to make).
    guard !parents.isEmpty else { return }
    var index = 0
    var indices = [Int](repeating: -1, count: names.count)
    var lowLinks = [Int](repeating: 0, count: names.count)
    var onStack = [Bool](repeating: false, count: names.count)
    var stack: [Int] = []
    // A group without parents is a component of its own, never a cycle: searches start only from groups
    // with parents (in slot order; a cycle's names do not depend on where its search started).
    for root in parents.keys.sorted() where indices[root] < 0 && flags[root].status == .defined {
      // Iterative depth-first search: (node, next edge to follow).
      var work: [(Int, Int)] = [(root, 0)]
      indices[root] = index
      lowLinks[root] = index
      index += 1
      stack.append(root)
      onStack[root] = true
      while let (node, edge) = work.last {
        let nodeParents = parents[node] ?? []
        if edge < nodeParents.count {
          work[work.count - 1].1 += 1
          let next = nodeParents[edge]
          guard flags[next].status == .defined || flags[next].status == .cyclic else { continue }
          if indices[next] < 0 {
            indices[next] = index
            lowLinks[next] = index
            index += 1
            stack.append(next)
            onStack[next] = true
            work.append((next, 0))
          } else if onStack[next] {
            lowLinks[node] = min(lowLinks[node], indices[next])
          }
          continue
        }
        work.removeLast()
        if let (caller, _) = work.last { lowLinks[caller] = min(lowLinks[caller], lowLinks[node]) }
        guard lowLinks[node] == indices[node] else { continue }
        var component: [Int] = []
        while let member = stack.popLast() {
          onStack[member] = false
          component.append(member)
          if member == node { break }
        }
        if component.count > 1 || parents[node]?.contains(node) == true {
          let members = Set(component)
          for member in component {
            flags[member].status = .cyclic
            cycles[member] = cyclePath(from: member, within: members)
          }
        }
      }
    }
  }

  /// The shortest chain of group names from `start` back to itself inside one component.
  private func cyclePath(from start: Int, within members: Set<Int>) -> [String] {
    var previous: [Int: Int] = [:]
    var queue = [start]
    var head = 0
    while head < queue.count {
      let node = queue[head]
      head += 1
      for next in parents[node] ?? [] where members.contains(next) {
        if next == start {
          var path = [names[start]]
          var walk = node
          var reversed: [String] = []
          while walk != start {
            reversed.append(names[walk])
            walk = previous[walk] ?? start
          }
          path += reversed.reversed()
          path.append(names[start])
          return path
        }
        if previous[next] == nil {
          previous[next] = node
          queue.append(next)
        }
      }
    }
    return [names[start], names[start]]
  }

  /// The key under which group names match (documented in the README):
  /// 1. leading and trailing white space removed, inner runs of white space folded to one space;
  /// 2. case folded, as lowercase of uppercase (so `ß`, `SS` and `ss` match, and `Σ`, `σ`, `ς`);
  /// 3. Unicode NFC, so precomposed and decomposed accents match.
  ///
  /// A name in ASCII, Latin, Greek, Cyrillic or Armenian letters (the common case, and a per-row cost
  /// through fingerprints) folds in a byte loop over `NameFoldTable`, which gives the same result as
  /// the Unicode path (`unicodeNormalizedName`); any other name takes the Unicode path.
  public static func normalizedName(_ name: String) -> String {
    withNormalizedName(name) { String(decoding: $0, as: UTF8.self) }
  }

  /// Calls `body` with the UTF-8 of `normalizedName(name)`, folded into a stack buffer when
  /// `NameFoldTable` covers every scalar of `name` (no string is made for it).
  static func withNormalizedName<Result>(
    _ name: String, _ body: (UnsafeBufferPointer<UInt8>) -> Result
  ) -> Result {
    var utf8Name = name
    return utf8Name.withUTF8 { utf8 in
      let table = NameFoldTable.shared
      return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: max(1, utf8.count * table.nameExpansion)) {
        buffer in
        if let count = table.foldName(utf8, into: buffer.baseAddress!) {
          return body(UnsafeBufferPointer(rebasing: buffer[..<count]))
        }
        var folded = unicodeNormalizedName(name)
        return folded.withUTF8(body)
      }
    }
  }

  /// `normalizedName` the Unicode way, for any name: split into words at white space characters
  /// (`Character.isWhitespace`), words joined by one space, uppercased then lowercased, NFC. The
  /// reference that `NameFoldTable` is built from and tested against.
  static func unicodeNormalizedName(_ name: String) -> String {
    var words: [Substring] = []
    for word in name.split(whereSeparator: { $0.isWhitespace }) { words.append(word) }
    let folded = words.joined(separator: " ").uppercased().lowercased()
    return String(decoding: folded._nfcCodeUnits, as: UTF8.self)
  }
}
