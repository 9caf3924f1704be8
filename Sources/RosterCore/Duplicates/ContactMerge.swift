/// Airy's merge rule: a source contact merges into a destination, which keeps what it has.
///
/// - Scalar fields (`name`, `first_name`, `last_name`, `email`, `phone`, `phone_extension`): the
///   destination's value wins; a field it lacks is filled from the source. Both present and different
///   is a conflict (emails compared case-insensitively, names as group names are: folded), which the
///   destination wins; the source's value survives in `merge_history`.
/// - `phone_extension` is filled only when the destination has no phone or the same phone.
/// - `address` and `metadata`: merged key by key, recursively, with the same rule per leaf.
/// - `metadata.conversations` whose keys are all indexes (`0`, `1`, … as Airy's conversations are
///   read): united, the source's conversations that the destination lacks appended with the next indexes.
/// - Groups and primary groups: united, the destination's first, then new ones in the source's order;
///   primary when either says so.
/// - `id` and `fingerprint` are the destination's: they are its identity, not a conflict.
public enum ContactMerge {
  /// Merges `source` into `destination`; returns the dotted names of the fields in conflict.
  public static func merge(_ source: Contact, into destination: inout Contact) -> [String] {
    var conflicts: [String] = []
    if GroupDirectory.normalizedName(source.name) != GroupDirectory.normalizedName(destination.name) {
      conflicts.append("name")
    }
    fill(&destination.firstName, from: source.firstName, field: "first_name", conflicts: &conflicts)
    fill(&destination.lastName, from: source.lastName, field: "last_name", conflicts: &conflicts)
    fill(&destination.email, from: source.email, field: "email", ignoringCase: true, conflicts: &conflicts)
    let samePhone = destination.phone == nil || destination.phone == source.phone
    fill(&destination.phone, from: source.phone, field: "phone", conflicts: &conflicts)
    if samePhone {
      fill(&destination.phoneExtension, from: source.phoneExtension, field: "phone_extension", conflicts: &conflicts)
    }
    merge(source.address, into: &destination.address, path: "address", conflicts: &conflicts)
    merge(source.metadata, into: &destination.metadata, path: "metadata", conflicts: &conflicts)
    for reference in source.groups {
      if let index = destination.groups.firstIndex(where: { sameGroup($0, reference) }) {
        if reference.isPrimary { destination.groups[index].isPrimary = true }
      } else {
        destination.groups.append(reference)
      }
    }
    return conflicts
  }

  private static func fill(
    _ value: inout String?, from source: String?, field: String, ignoringCase: Bool = false,
    conflicts: inout [String]
  ) {
    guard let source, !source.isEmpty else { return }
    guard let current = value, !current.isEmpty else {
      value = source
      return
    }
    let same = ignoringCase ? current.lowercased() == source.lowercased() : current == source
    if !same { conflicts.append(field) }
  }

  private static func sameGroup(_ a: GroupReference, _ b: GroupReference) -> Bool {
    if !a.name.isEmpty && !b.name.isEmpty {
      return GroupDirectory.normalizedName(a.name) == GroupDirectory.normalizedName(b.name)
    }
    return a.name.isEmpty && b.name.isEmpty && a.id == b.id
  }

  /// Merges `source` into `destination` key by key; conflicts are named `path.key`.
  static func merge(
    _ source: NestedFields, into destination: inout NestedFields, path: String, conflicts: inout [String]
  ) {
    for entry in source.entries {
      let entryPath = path + "." + entry.key
      switch (destination[entry.key], entry.value) {
      case (nil, _):
        destination.append(entry)
      case (.string(let current)?, .string(let value)):
        if current != value { conflicts.append(entryPath) }
      case (.object(var current)?, .object(let value)):
        if entryPath == "metadata.conversations", isIndexed(current), isIndexed(value) {
          unite(value, into: &current)
        } else {
          merge(value, into: &current, path: entryPath, conflicts: &conflicts)
        }
        destination.setValue(.object(current), forKey: entry.key)
      default:
        conflicts.append(entryPath)
      }
    }
  }

  /// Whether every key is a decimal index (how Airy's conversation arrays are kept).
  private static func isIndexed(_ fields: NestedFields) -> Bool {
    fields.entries.allSatisfy { entry in !entry.key.isEmpty && entry.key.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } }
  }

  /// Appends the values of `source` that `destination` does not hold, under the next free indexes.
  private static func unite(_ source: NestedFields, into destination: inout NestedFields) {
    var next = (destination.entries.compactMap { Int($0.key) }.max() ?? -1) + 1
    for entry in source.entries where !destination.entries.contains(where: { $0.value == entry.value }) {
      destination.append(NestedFields.Entry(key: String(next), value: entry.value))
      next += 1
    }
  }
}
