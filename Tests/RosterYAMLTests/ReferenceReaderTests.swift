import Foundation
import RosterCore
import RosterTestSupport
import RosterYAML
import Testing

/// Every encoded cell, read by the two reference YAML readers, must give back exactly the
/// original strings: type `str`, same code points, keys too, in the same order.
@Suite("FlowYAMLEncoder against PyYAML and ruamel.yaml")
struct ReferenceReaderTests {
  /// A reference reader and the name the script below knows it by.
  enum Reader: String, CaseIterable, CustomTestStringConvertible {
    /// PyYAML 6.0.3 `yaml.safe_load`: YAML 1.1 implicit typing.
    case pyyaml
    /// ruamel.yaml 0.19.1 `YAML(typ='safe', pure=True)`: YAML 1.2 core schema.
    case ruamel
    var testDescription: String { self == .pyyaml ? "PyYAML (YAML 1.1)" : "ruamel.yaml (YAML 1.2)" }
  }

  /// Reads JSON lines `"<cell>"` on stdin; prints one JSON line per cell: the loaded value with
  /// mappings as `[[key, value], ...]`, strings as strings, and anything else as
  /// `{"type": ..., "repr": ...}`, or `{"error": ...}` when the cell does not load.
  static let script = #"""
    import json, sys
    if sys.argv[1] == "pyyaml":
        import yaml
        load = yaml.safe_load
    else:
        from ruamel.yaml import YAML
        load = YAML(typ="safe", pure=True).load
    def tagged(x):
        if type(x) is dict:
            return [[tagged(k), tagged(v)] for k, v in x.items()]
        if type(x) is str:
            return x
        return {"type": type(x).__name__, "repr": repr(x)}
    for line in sys.stdin.buffer.read().split(b"\n"):
        if not line:
            continue
        cell = json.loads(line.decode("utf-8"))
        try:
            result = tagged(load(cell))
        except Exception as error:
            result = {"error": type(error).__name__ + ": " + str(error)}
        sys.stdout.write(json.dumps(result, ensure_ascii=True) + "\n")
    """#

  @Test(arguments: Reader.allCases)
  func loadsEveryCellAsTheOriginalStrings(reader: Reader) throws {
    guard let python = referencePython() else { return }
    let encoder = FlowYAMLEncoder()
    let maps = HostileValues.maps
    let cells = try maps.map { try encoder.encode($0) }
    var input = Data()
    for cell in cells {
      input.append(try JSONEncoder().encode(cell))
      input.append(UInt8(ascii: "\n"))
    }
    let result = try TestSupport.run(python, ["-c", Self.script, reader.rawValue], stdin: input)
    try #require(result.status == 0, "\(reader.rawValue) failed: \(result.stderrText)")
    let lines = result.stdout.split(separator: UInt8(ascii: "\n"))
    try #require(lines.count == cells.count, "\(lines.count) results for \(cells.count) cells")
    var failures = 0
    for (index, line) in lines.enumerated() {
      let loaded = try JSONSerialization.jsonObject(with: Data(line), options: [.fragmentsAllowed])
      if let difference = Self.difference(loaded, maps[index]) {
        failures += 1
        if failures <= 20 { Issue.record("\(reader.rawValue) loads \(cells[index].debugDescription): \(difference)") }
      }
    }
    #expect(failures == 0, "\(failures) of \(cells.count) cells load differently in \(reader.rawValue)")
  }

  /// Where what Python loaded differs from `fields`, or `nil`.
  static func difference(_ loaded: Any, _ fields: NestedFields, path: String = "") -> String? {
    guard let pairs = loaded as? [Any] else { return "\(path): loaded \(loaded), not a mapping" }
    guard pairs.count == fields.entries.count else {
      return "\(path): \(pairs.count) keys loaded, \(fields.entries.count) written"
    }
    for (pair, entry) in zip(pairs, fields.entries) {
      guard let pair = pair as? [Any], pair.count == 2 else { return "\(path): malformed pair \(pair)" }
      let here = "\(path)/\(entry.key.debugDescription)"
      guard let key = pair[0] as? String, key.unicodeScalars.elementsEqual(entry.key.unicodeScalars) else {
        return "\(path): key loaded as \(pair[0]), written \(entry.key.debugDescription)"
      }
      switch entry.value {
      case .string(let value):
        guard let text = pair[1] as? String, text.unicodeScalars.elementsEqual(value.unicodeScalars) else {
          return "\(here): value loaded as \(pair[1]), written \(value.debugDescription)"
        }
      case .object(let child):
        if let difference = difference(pair[1], child, path: here) { return difference }
      }
    }
    return nil
  }
}
