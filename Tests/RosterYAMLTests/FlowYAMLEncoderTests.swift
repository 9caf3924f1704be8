import Foundation
import RosterCore
import RosterTestSupport
import RosterYAML
import Testing

@Suite("FlowYAMLEncoder")
struct FlowYAMLEncoderTests {
  @Test func writesTheIssueExampleWithKeysInInsertionOrder() throws {
    var fields = NestedFields()
    fields.set("yes", at: ["csv_import"])
    fields.set("123", at: ["facebook", "psid"])
    fields.set("Roster Ltd", at: ["facebook", "page"])
    fields.set("a", at: ["zeta"])
    fields.set("b", at: ["alpha"])
    #expect(
      try FlowYAMLEncoder().encode(fields)
        == "{csv_import: 'yes', facebook: {psid: '123', page: Roster Ltd}, zeta: a, alpha: b}")
  }

  @Test func writesAnEmptyMapAsBraces() throws {
    #expect(try FlowYAMLEncoder().encode(NestedFields()) == "{}")
    #expect(try FlowYAMLEncoder().encode(HostileValues.map([("a", .object(NestedFields()))])) == "{a: {}}")
  }

  /// The quoting rule and libyaml's own choices, pinned on representative values.
  @Test(
    arguments: [
      ("hello", "hello"), ("Ada Lovelace", "Ada Lovelace"), ("yes", "'yes'"), ("No", "'No'"), ("y", "'y'"),
      ("NULL", "'NULL'"), ("~", "'~'"), ("", "''"), ("0123", "'0123'"), ("1e3", "'1e3'"), ("12:30", "'12:30'"),
      (".inf", "'.inf'"), ("0x1F", "'0x1F'"), ("2001-12-14", "'2001-12-14'"), ("=", "'='"), ("<<", "'<<'"),
      ("-x", "'-x'"), (" a", "' a'"), ("a ", "'a '"), ("a: b", "'a: b'"), ("a #b", "'a #b'"), ("[a]", "'[a]'"),
      ("it's", "it's"), ("'q'", "'''q'''"), ("a\nb", #""a\nb""#), ("a\r\nb", #""a\r\nb""#),
      ("a\u{85}b", #""a\Nb""#), ("a\u{2028}b", #""a\Lb""#), ("a\u{2029}b", #""a\Pb""#), ("a\tb", #""a\tb""#),
      ("\0", #""\0""#), ("\u{7F}", #""\x7F""#), ("\u{FFFE}", #""\uFFFE""#), ("\u{FEFF}", #""\uFEFF""#),
      ("café", "café"), ("שלום", "שלום"), ("😀", #""\U0001F600""#),
    ])
  func quotesWhatAReaderWouldRetypeOrBreak(value: String, written: String) throws {
    let cell = try FlowYAMLEncoder().encode(HostileValues.single("k", value))
    #expect(cell == "{k: \(written)}")
  }

  @Test func keysAreQuotedByTheSameRule() throws {
    let fields = HostileValues.map([("yes", .string("x")), ("null", .object(HostileValues.single("0123", "y")))])
    #expect(try FlowYAMLEncoder().encode(fields) == "{'yes': x, 'null': {'0123': 'y'}}")
  }

  /// Every hostile value and map round-trips exactly through the decoder.
  @Test func everyHostileMapRoundTrips() throws {
    let encoder = FlowYAMLEncoder()
    #expect(HostileValues.values.count > 300)
    for fields in HostileValues.maps {
      let cell = try encoder.encode(fields)
      let decoded = try FlowYAMLDecoder.decode(cell)
      if let difference = exactDifference(decoded, fields) {
        Issue.record("\(cell.debugDescription) decodes differently: \(difference)")
      }
    }
  }

  /// One line, unfolded: no CR, LF, NEL, LS or PS in any cell; the long value appears whole.
  @Test func everyCellIsOneUnfoldedLine() throws {
    let encoder = FlowYAMLEncoder()
    for fields in HostileValues.maps {
      let cell = try encoder.encode(fields)
      let breaks = cell.unicodeScalars.filter { ["\n", "\r", "\u{85}", "\u{2028}", "\u{2029}"].contains($0) }
      #expect(breaks.isEmpty, "\(cell.debugDescription)")
    }
    let long = try #require(HostileValues.values.first { $0.count == 10_000 })
    let cell = try encoder.encode(HostileValues.single("k", long))
    #expect(cell == "{k: \(long)}")
  }

  /// The encoder keeps its libyaml stream open between calls; that must not change any output.
  @Test func aReusedEncoderWritesWhatAFreshOneWrites() throws {
    let shared = FlowYAMLEncoder()
    for fields in HostileValues.maps {
      #expect(try shared.encode(fields) == FlowYAMLEncoder().encode(fields))
    }
  }

  /// `Fixtures/yaml/hostile-values.expected.txt`: the cell for `{value: V}`, one per fixture value,
  /// compared byte for byte; `ROSTER_RECORD=1` rewrites it.
  @Test func cellsMatchTheGoldenFile() throws {
    let encoder = FlowYAMLEncoder()
    let cells = try HostileValues.values.map { try encoder.encode(HostileValues.single("value", $0)) }
    let actual = Data((cells.joined(separator: "\n") + "\n").utf8)
    let golden = TestSupport.fixtures.appendingPathComponent("yaml/hostile-values.expected.txt")
    if TestSupport.recording {
      try actual.write(to: golden)
      return
    }
    let expected = try Data(contentsOf: golden)
    let expectedLines = expected.split(separator: UInt8(ascii: "\n")).map { String(decoding: $0, as: UTF8.self) }
    #expect(expectedLines.count == cells.count)
    for (line, (want, got)) in zip(expectedLines, cells).enumerated() where want != got {
      Issue.record("line \(line + 1): expected \(want.debugDescription), wrote \(got.debugDescription)")
    }
    #expect(expected == actual)
  }
}
