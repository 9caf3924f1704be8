/// An ordered tree of string values: what dot-notation headers build (`metadata.facebook.psid`).
///
/// Keys keep their first-insertion order, so output is deterministic. Values stay strings: Roster
/// never guesses types.
///
/// Looking up a key is O(1) at any width: a level with more than `indexThreshold` keys keeps an index
/// of their positions, so a row or JSON object with a hundred thousand keys costs linear, not
/// quadratic, time. Two values are equal when their entries are.
public struct NestedFields: Hashable, Sendable {
  /// A leaf string or a nested object.
  public enum Value: Hashable, Sendable {
    case string(String)
    case object(NestedFields)
  }

  /// One key and its value.
  public struct Entry: Hashable, Sendable {
    public var key: String
    public var value: Value

    public init(key: String, value: Value) {
      self.key = key
      self.value = value
    }
  }

  public private(set) var entries: [Entry] = []
  /// The position of each key in `entries`, kept once there are more than `indexThreshold` of them.
  private var positions: [String: Int] = [:]
  /// Levels up to this many keys are searched in order (cheaper than hashing for a few keys).
  private static var indexThreshold: Int { 16 }

  public init() {}

  public static func == (lhs: NestedFields, rhs: NestedFields) -> Bool { lhs.entries == rhs.entries }

  public func hash(into hasher: inout Hasher) { hasher.combine(entries) }

  public var isEmpty: Bool { entries.isEmpty }

  /// The value under `key` at this level, if any.
  public subscript(key: String) -> Value? {
    position(of: key).map { entries[$0].value }
  }

  /// Where `key` is in `entries`, if it is there.
  private func position(of key: String) -> Int? {
    if entries.count > Self.indexThreshold { return positions[key] }
    return entries.firstIndex { $0.key == key }
  }

  /// Makes room for `count` keys at this level, so adding them one by one does not regrow it.
  public mutating func reserveCapacity(_ count: Int) {
    entries.reserveCapacity(count)
  }

  /// Appends `entry` at this level; the caller makes sure its key is new.
  public mutating func append(_ entry: Entry) {
    entries.append(entry)
    if entries.count > Self.indexThreshold {
      if positions.isEmpty {
        for (index, existing) in entries.enumerated() where positions[existing.key] == nil {
          positions[existing.key] = index
        }
      } else if positions[entry.key] == nil {
        positions[entry.key] = entries.count - 1
      }
    }
  }

  /// Removes the entry at `index`, keeping the index right.
  private mutating func remove(at index: Int) {
    entries.remove(at: index)
    positions.removeAll()
    if entries.count > Self.indexThreshold {
      for (index, existing) in entries.enumerated() where positions[existing.key] == nil {
        positions[existing.key] = index
      }
    }
  }

  /// Replaces the value under an existing `key` at this level, or appends it when the key is new.
  public mutating func setValue(_ value: Value, forKey key: String) {
    if let index = entries.firstIndex(where: { $0.key == key }) {
      entries[index].value = value
    } else {
      entries.append(Entry(key: key, value: value))
    }
  }

  /// Removes and returns the string at `path`, dropping objects left empty.
  public mutating func removeString(at path: ArraySlice<String>) -> String? {
    guard let key = path.first, let index = position(of: key) else { return nil }
    switch entries[index].value {
    case .string(let value):
      guard path.count == 1 else { return nil }
      remove(at: index)
      return value
    case .object(var child):
      guard path.count > 1 else { return nil }
      let value = child.removeString(at: path.dropFirst())
      if child.isEmpty { remove(at: index) } else { entries[index].value = .object(child) }
      return value
    }
  }

  /// Sets `value` at `path` (non-empty), creating intermediate objects.
  ///
  /// Returns `false`, changing nothing, when the path runs through an existing string or ends on an
  /// existing object: header mapping rules those conflicts out before any row is read.
  @discardableResult
  public mutating func set(_ value: String, at path: ArraySlice<String>) -> Bool {
    guard let key = path.first else { return false }
    let rest = path.dropFirst()
    let index = position(of: key)
    if rest.isEmpty {
      if let index {
        guard case .string = entries[index].value else { return false }
        entries[index].value = .string(value)
      } else {
        append(Entry(key: key, value: .string(value)))
      }
      return true
    }
    if let index {
      guard case .object(var child) = entries[index].value else { return false }
      entries[index].value = .string("")  // release the child so `set` mutates it in place
      let done = child.set(value, at: rest)
      entries[index].value = .object(child)
      return done
    }
    var child = NestedFields()
    child.set(value, at: rest)
    append(Entry(key: key, value: .object(child)))
    return true
  }
}
