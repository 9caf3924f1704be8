/// An ordered tree of string values: what dot-notation headers build (`metadata.facebook.psid`).
///
/// Keys keep their first-insertion order, so output is deterministic. Values stay strings: Roster
/// never guesses types.
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

  public init() {}

  public var isEmpty: Bool { entries.isEmpty }

  /// The value under `key` at this level, if any.
  public subscript(key: String) -> Value? {
    for entry in entries where entry.key == key { return entry.value }
    return nil
  }

  /// Appends `entry` at this level; the caller makes sure its key is new.
  public mutating func append(_ entry: Entry) {
    entries.append(entry)
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
    guard let key = path.first, let index = entries.firstIndex(where: { $0.key == key }) else { return nil }
    switch entries[index].value {
    case .string(let value):
      guard path.count == 1 else { return nil }
      entries.remove(at: index)
      return value
    case .object(var child):
      guard path.count > 1 else { return nil }
      let value = child.removeString(at: path.dropFirst())
      if child.isEmpty { entries.remove(at: index) } else { entries[index].value = .object(child) }
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
    let index = entries.firstIndex { $0.key == key }
    if rest.isEmpty {
      if let index {
        guard case .string = entries[index].value else { return false }
        entries[index].value = .string(value)
      } else {
        entries.append(Entry(key: key, value: .string(value)))
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
    entries.append(Entry(key: key, value: .object(child)))
    return true
  }
}
