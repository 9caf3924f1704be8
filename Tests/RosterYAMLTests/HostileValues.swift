import Foundation
import RosterCore
import RosterTestSupport
import Testing

/// The strings in `Fixtures/yaml/hostile-values.txt`, and the maps the tests build from them.
enum HostileValues {
  /// `Fixtures/yaml/hostile-values.txt`: one JSON string literal per line, `#` comments.
  static let url = TestSupport.fixtures.appendingPathComponent("yaml/hostile-values.txt")

  /// Every value in the fixture, in file order.
  static let values: [String] = {
    do {
      return try load()
    } catch {
      Issue.record("cannot read \(url.path): \(error)")
      return []
    }
  }()

  static func load() throws -> [String] {
    let data = try Data(contentsOf: url)
    var values: [String] = []
    for line in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
      guard let first = line.first, first != UInt8(ascii: "#") else { continue }
      values.append(try JSONDecoder().decode(String.self, from: Data(line)))
    }
    return values
  }

  /// A map with one entry.
  static func single(_ key: String, _ value: String) -> NestedFields {
    var fields = NestedFields()
    fields.append(.init(key: key, value: .string(value)))
    return fields
  }

  /// A map with `entries`, each key used once (later repeats, as Swift compares strings, dropped).
  static func map(_ entries: [(String, NestedFields.Value)]) -> NestedFields {
    var fields = NestedFields()
    for (key, value) in entries where fields[key] == nil {
      fields.append(.init(key: key, value: value))
    }
    return fields
  }

  /// Every way the tests use the fixture: each value as a value and as a key, at the top level and
  /// nested, plus one wide map holding them all as values and one holding them all as keys.
  static let maps: [NestedFields] = {
    var maps: [NestedFields] = []
    for value in values {
      maps.append(single(value, value))
      maps.append(
        map([
          ("outer", .object(map([(value, .string(value)), ("k", .string(value))]))),
          (value, .object(map([("inner", .string(value)), (value, .object(single(value, "")))]))),
          ("tail", .string(value)),
        ]))
    }
    maps.append(map(values.enumerated().map { ("k\($0.offset)", .string($0.element)) }))
    maps.append(map(values.map { ($0, .string("v")) }))
    maps.append(map([("all", .object(map(values.map { ($0, .string($0)) })))]))
    return maps
  }()
}

/// Where `a` and `b` differ, comparing keys and values Unicode scalar by scalar (Swift's `==` on
/// strings would call `"café"` and `"cafe\u{301}"` equal), or `nil` when they are identical.
func exactDifference(_ a: NestedFields, _ b: NestedFields, path: String = "") -> String? {
  guard a.entries.count == b.entries.count else {
    return "\(path): \(a.entries.count) entries against \(b.entries.count)"
  }
  for (x, y) in zip(a.entries, b.entries) {
    let here = "\(path)/\(x.key.debugDescription)"
    guard x.key.unicodeScalars.elementsEqual(y.key.unicodeScalars) else {
      return "\(path): key \(x.key.debugDescription) against \(y.key.debugDescription)"
    }
    switch (x.value, y.value) {
    case (.string(let s), .string(let t)):
      if !s.unicodeScalars.elementsEqual(t.unicodeScalars) {
        return "\(here): \(s.debugDescription) against \(t.debugDescription)"
      }
    case (.object(let s), .object(let t)):
      if let difference = exactDifference(s, t, path: here) { return difference }
    default:
      return "\(here): a string against an object"
    }
  }
  return nil
}

/// The reference Python (PyYAML 6.0.3, ruamel.yaml 0.19.1): `ROSTER_PYTHON`, else `.build-venv` in
/// the package root. Records an issue, so the test fails rather than skips, when there is neither.
func referencePython() -> URL? {
  if let path = ProcessInfo.processInfo.environment["ROSTER_PYTHON"], !path.isEmpty {
    return URL(fileURLWithPath: path)
  }
  let venv = TestSupport.packageRoot.appendingPathComponent(".build-venv/bin/python")
  if FileManager.default.isExecutableFile(atPath: venv.path) { return venv }
  Issue.record(
    "No reference Python: set ROSTER_PYTHON or run scripts/test, which builds .build-venv with PyYAML and ruamel.yaml.")
  return nil
}
