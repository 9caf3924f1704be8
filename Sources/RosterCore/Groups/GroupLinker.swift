/// Supplies a group's members once the first pass has seen every row.
public protocol GroupMemberSource {
  /// The members of the group in `slot`, in input order.
  func members(ofSlot slot: Int) throws -> GroupMembers
}

/// Resolves a contact's group names against the directory: ids, unknown names, duplicates, cycles.
///
/// The same rule decides, after the first pass, which rows count as members (`countsAsMember`) and,
/// in the second pass, which rows are rejected (`link`), so a group's children are exactly its
/// accepted members.
public struct GroupLinker {
  public let directory: GroupDirectory
  public let policy: UnknownGroupPolicy
  /// Members of each group; `nil` when the input has no group memberships at all.
  public var memberSource: (any GroupMemberSource)?
  /// Headers for reports: the Name column, the Groups column, the Primary Groups column.
  public var nameHeader: String?
  public var groupsHeader: String?
  public var primaryGroupsHeader: String?

  public init(directory: GroupDirectory, policy: UnknownGroupPolicy, headers: [ContactField: String]) {
    self.directory = directory
    self.policy = policy
    nameHeader = headers[.name] ?? headers[.firstName] ?? headers[.lastName]
    groupsHeader = headers[.groups]
    primaryGroupsHeader = headers[.primaryGroups]
  }

  /// How many groups of one contact are searched in order before they are indexed by slot.
  private static var searchedGroups: Int { 16 }

  /// Whether a validated row counts as a member of its groups: the second pass accepts it.
  ///
  /// `ownSlot` is the slot a group row defines (`nil` for a person); `slots` are the groups it names.
  public func countsAsMember(ownSlot: Int?, at position: RowPosition, slots: some Sequence<Int>) -> Bool {
    if let ownSlot, directory.definition(of: ownSlot) != position || directory.status(of: ownSlot) == .cyclic {
      return false
    }
    if policy == .reject {
      for slot in slots where !directory.accepts(slot) { return false }
    }
    return true
  }

  /// Resolves `contact`'s groups in place: group problems go to `problems`, dropped memberships to
  /// `warnings`; a group gets its members.
  public func link(
    _ contact: inout Contact, at position: RowPosition, problems: inout [IssueDetail],
    warnings: inout [RunWarning]
  ) throws {
    if contact.type == .group {
      if let earlier = directory.define(name: contact.name, id: contact.id, at: position) {
        problems.append(
          IssueDetail(
            header: nameHeader, field: "name", code: "group.duplicate",
            message: "a group with this name is already defined on line \(earlier.line) (row \(earlier.index))",
            value: contact.name))
      } else if let slot = directory.existingSlot(named: contact.name), directory.status(of: slot) == .cyclic {
        let cycle = directory.cycle(of: slot)
        problems.append(
          IssueDetail(
            header: groupsHeader, field: "groups", code: "group.cycle",
            message: "the group contains itself: " + cycle.joined(separator: " → "),
            value: cycle.count > 1 ? cycle[1] : contact.name))
        // The cycle is the whole story: its other names would only repeat it.
        return
      }
    }
    // Accepted references move to the front of `contact.groups` (each group once, with its slot),
    // so linking allocates nothing for a row whose groups all resolve. While few are kept, a repeat is
    // found by searching them in order; past `searchedGroups` their slots are indexed, so naming many
    // costs linear time.
    var keptCount = 0
    var keptIndex: [Int: Int] = [:]
    var dropped: [(GroupReference, String)] = []
    for index in contact.groups.indices {
      let hinted = Int(contact.groups[index].slot)
      let slot =
        hinted >= 0 && hinted < directory.slotCount
        ? hinted : directory.slot(for: contact.groups[index], mentionedAt: position)
      if directory.accepts(slot) {
        // Two spellings of one group are one membership.
        if let earlier = keptCount <= Self.searchedGroups
          ? contact.groups[..<keptCount].firstIndex(where: { $0.slot == Int32(slot) }) : keptIndex[slot]
        {
          if contact.groups[index].isPrimary { contact.groups[earlier].isPrimary = true }
          continue
        }
        if index != keptCount { contact.groups.swapAt(index, keptCount) }
        contact.groups[keptCount].id = directory.id(of: slot)
        contact.groups[keptCount].name = directory.name(of: slot)
        contact.groups[keptCount].slot = Int32(slot)
        keptCount += 1
        if keptCount > Self.searchedGroups {
          if keptIndex.isEmpty {
            for kept in 0..<keptCount { keptIndex[Int(contact.groups[kept].slot)] = kept }
          } else {
            keptIndex[slot] = keptCount - 1
          }
        }
        continue
      }
      let reference = contact.groups[index]
      let cyclic = directory.status(of: slot) == .cyclic
      let named = reference.name.isEmpty ? "group id \"\(reference.id)\"" : "group \"\(reference.name)\""
      let reason =
        cyclic
        ? "names \(named), which is rejected because it contains itself"
        : "names \(named), which no group row defines"
      let header = reference.isPrimary && groupsHeader == nil ? primaryGroupsHeader : groupsHeader
      if policy == .reject {
        problems.append(
          IssueDetail(
            header: header, field: "groups", code: "group.unknown",
            message: reason + (cyclic ? "" : "; add a group row with that name or use --unknown-groups warn|create"),
            value: reference.name.isEmpty ? reference.id : reference.name))
      } else {
        dropped.append((reference, reason))
      }
    }
    guard problems.isEmpty else { return }
    for (reference, reason) in dropped {
      let header = reference.isPrimary && groupsHeader == nil ? primaryGroupsHeader : groupsHeader
      warnings.append(
        RunWarning(
          code: "group.membership_dropped", message: "\(header ?? "Groups") \(reason); the membership is dropped",
          position: position, header: header))
    }
    if keptCount < contact.groups.count { contact.groups.removeLast(contact.groups.count - keptCount) }
    if contact.type == .group {
      if let source = memberSource, let slot = directory.existingSlot(named: contact.name) {
        contact.members = try source.members(ofSlot: slot)
      } else {
        contact.members = GroupMembers()
      }
    }
  }
}
