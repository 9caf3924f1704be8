import Foundation
import RosterCore
import RosterFormats
import RosterTestSupport
import Testing

/// Every row of `bytes`, read with reads capped at `chunkSize` bytes.
private func rows(
  _ bytes: [UInt8], chunkSize: Int = .max, layout: JSONInputLayout = .automatic, maxDepth: Int = 64,
  maxElementBytes: Int = 64 << 20, maxStringBytes: Int = 1 << 20
) throws -> [JSONContactRow] {
  let reader = JSONContactReader(
    source: MemorySource(bytes, chunkSize: chunkSize), displayName: "test.json", layout: layout,
    limits: limits(maxDepth: maxDepth, maxElementBytes: maxElementBytes, maxStringBytes: maxStringBytes))
  var all: [JSONContactRow] = []
  while let row = try reader.next() { all.append(row) }
  return all
}

private func rows(_ text: String, chunkSize: Int = .max, layout: JSONInputLayout = .automatic) throws
  -> [JSONContactRow]
{
  try rows(Array(text.utf8), chunkSize: chunkSize, layout: layout)
}

/// The rows read before the error, and the error (`nil` when the input read to its end).
private func rowsUntilError(
  _ bytes: [UInt8], chunkSize: Int = .max, layout: JSONInputLayout = .automatic, maxDepth: Int = 64,
  maxElementBytes: Int = 64 << 20, maxStringBytes: Int = 1 << 20
) -> ([JSONContactRow], RosterError?) {
  let reader = JSONContactReader(
    source: MemorySource(bytes, chunkSize: chunkSize), displayName: "test.json", layout: layout,
    limits: limits(maxDepth: maxDepth, maxElementBytes: maxElementBytes, maxStringBytes: maxStringBytes))
  var all: [JSONContactRow] = []
  do {
    while let row = try reader.next() { all.append(row) }
    return (all, nil)
  } catch {
    return (all, error)
  }
}

private func limits(maxDepth: Int, maxElementBytes: Int, maxStringBytes: Int) -> InputLimits {
  var limits = InputLimits()
  limits.maxJSONDepth = maxDepth
  limits.maxRowBytes = maxElementBytes
  limits.maxFieldBytes = maxStringBytes
  return limits
}

private func fixture(_ name: String) throws -> [UInt8] {
  Array(try Data(contentsOf: TestSupport.fixtures.appendingPathComponent("json/\(name)")))
}

private func only(_ text: String) throws -> JSONContactRow {
  let all = try rows(text)
  try #require(all.count == 1)
  return all[0]
}

private func codes(_ row: JSONContactRow) -> [String] { row.problems.map(\.code.rawValue) }

private func paths(_ row: JSONContactRow) -> [String] { row.problems.map(\.field) }

@Suite("JSON contact reader")
struct JSONContactReaderTests {
  static let shapeFixtures = ["contacts.json", "contacts.jsonl", "airy-payload.json"]

  // MARK: - Shapes

  @Test func arrayLinesAndAiryPayloadGiveTheSameContacts() throws {
    let array = try rows(try fixture("contacts.json"))
    let lines = try rows(try fixture("contacts.jsonl"))
    let payload = try rows(try fixture("airy-payload.json"))
    for row in array + lines + payload { #expect(row.problems.isEmpty, "\(row.problems)") }
    #expect(array.count == 4)
    #expect(array.map(\.contact) == lines.map(\.contact))
    #expect(array.map(\.contact) == payload.map(\.contact))

    var tony = Contact()
    tony.id = "c-tony"
    tony.name = "Tony Stark"
    tony.firstName = "Tony"
    tony.lastName = "Stark"
    tony.email = "tony@starkindustries.com"
    tony.phone = "+12125550100"
    tony.phoneExtension = "12"
    tony.address.set("10880 Malibu Point", at: ["address_line1"])
    tony.address.set("Malibu", at: ["city"])
    tony.address.set("US", at: ["country"])
    tony.groups = [GroupReference(name: "", id: "g-avengers")]
    tony.metadata.set("yes", at: ["csv_import"])
    tony.metadata.set("CEO", at: ["title"])
    #expect(array[0].contact == tony)
    #expect(array[1].contact.type == .group)
    #expect(array[1].contact.members == nil)  // group_contacts is derived again, not read
    #expect(array[2].contact.name == "Zoë Ångström")
    #expect(array[2].contact.metadata["facebook"] == .object(Self.strings(["psid": "123"])))
    #expect(array[3].contact.metadata["note"] == .string("Be water, my friend.\nEmpty your mind."))
  }

  @Test func positionsCountElementsAndStartingLines() throws {
    let array = try rows(try fixture("contacts.json"))
    #expect(array.map(\.position) == [(0, 2), (1, 3), (2, 4), (3, 10)].map { RowPosition(index: $0, line: $1) })
    // JSON Lines with CRLF: blank and white-space-only lines are skipped and not counted.
    let lines = try rows(try fixture("contacts.jsonl"))
    #expect(lines.map(\.position) == [(0, 1), (1, 2), (2, 4), (3, 6)].map { RowPosition(index: $0, line: $1) })
    let payload = try rows(try fixture("airy-payload.json"))
    #expect(payload.map(\.position.line) == [3, 9, 10, 17])
  }

  @Test func rawBytesAreTheElementsExactBytesAtTheirOffset() throws {
    for name in Self.shapeFixtures + ["strings.json"] {
      let bytes = try fixture(name)
      for row in try rows(bytes) {
        #expect(Array(bytes[row.byteOffset..<row.byteOffset + row.raw.count]) == row.raw, "\(name)")
        #expect(row.raw.first == UInt8(ascii: "{"))
        if name != "contacts.jsonl" { #expect(row.raw.last == UInt8(ascii: "}")) }
      }
    }
  }

  @Test(arguments: [1, 2, 3, 7, 65_536])
  func readsAcrossEveryBufferBoundary(chunkSize: Int) throws {
    for name in Self.shapeFixtures + ["strings.json"] {
      let bytes = try fixture(name)
      #expect(try rows(bytes, chunkSize: chunkSize) == rows(bytes), "\(name) with reads of \(chunkSize)")
    }
    let malformed = Array("[{\"name\":\"a\"},\r\n{\"name\":\"b\"}\r{\"name\":\"c\"}]".utf8)
    let (good, error) = rowsUntilError(malformed, chunkSize: chunkSize)
    #expect(good.count == 2)
    #expect(error?.line == 3)
    #expect(error?.message == "at byte offset 29: expected ',' or ']' after element 1, found '{'")
  }

  @Test func layoutIsDetectedOrForced() throws {
    #expect(try rows("\u{FEFF}  [{\"name\":\"a\"}]").map(\.byteOffset) == [6])
    #expect(try rows("\u{FEFF}{\"name\":\"a\"}\n{\"name\":\"b\"}").map(\.contact.name) == ["a", "b"])
    #expect(try rows("").isEmpty)
    #expect(try rows("[]").isEmpty)
    #expect(try rows("{\"contacts\": []}").isEmpty)
    #expect(try rows("\n\n  \n").isEmpty)
    // An object whose first key is not `contacts` is a JSON Lines element.
    #expect(try rows("{\"name\":\"a\",\"contacts\":[]}").first?.contact.metadata["contacts"] == nil)
    #expect(
      try rows("{\"contacts\": [{\"name\":\"x\"}]}", layout: .lines).first?.problems.map(\.field) == [
        "contacts", "name",
      ])
    let (none, error) = rowsUntilError(Array("{\"name\":\"a\"}".utf8), layout: .array)
    #expect(none.isEmpty)
    #expect(error?.message.hasPrefix("at byte offset 0: expected '[' to open the array") == true)
    let reader = JSONContactReader(source: MemorySource(Array("[]".utf8)), displayName: "t")
    #expect(reader.resolvedLayout == nil)
    _ = try reader.next()
    #expect(reader.resolvedLayout == .array)
    #expect(reader.bytesRead == 2)
  }

  // MARK: - Strings

  @Test func stringsDecodeEveryEscapeAndSurrogatePairs() throws {
    let row = try only(
      #"{"name":"\" \\ \/ \b \f \n \r \t \u0000 \u00e9 \u20AC \uD83D\uDE00 \udbff\udfff é 😀","email":"\u0041"}"#)
    #expect(row.problems.isEmpty)
    #expect(row.contact.name == "\" \\ / \u{08} \u{0C} \n \r \t \u{00} é € 😀 \u{10FFFF} é 😀")
    #expect(row.contact.email == "A")
  }

  @Test func loneSurrogatesAreRowIssues() throws {
    for (text, unit) in [
      (#"\uD83D"#, "D83D"), (#"\uDE00x"#, "DE00"), (#"\uD83D\u0041"#, "D83D"), (#"\uD83Dx"#, "D83D"),
    ] {
      let row = try only(#"{"name":"ok","metadata":{"s":"a"# + text + #""}}"#)
      #expect(codes(row) == ["json.lone_surrogate"])
      #expect(paths(row) == ["metadata.s"])
      #expect(row.problems.first?.message.contains("\\u\(unit)") == true)
      #expect(row.problems.first?.message.contains("byte offset 31") == true)
    }
  }

  @Test func invalidUTF8IsARowIssueWithItsByteOffset() throws {
    let prefix = Array("[{\"name\":\"ok\"},\n{\"name\":\"ab".utf8)
    for bad: [UInt8] in [[0xFF], [0xC3], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82]] {
      let input = prefix + bad + Array("\",\"email\":\"x\\n\"}]".utf8)
      let all = try rows(input, chunkSize: 3)
      #expect(all.count == 2)
      #expect(all[0].problems.isEmpty)
      #expect(codes(all[1]) == ["json.invalid_utf8"])
      #expect(paths(all[1]) == ["name"])
      #expect(all[1].problems.first?.message.contains("byte offset \(prefix.count)") == true)
      #expect(all[1].contact.email == "x\n")  // the rest of the element is still read
      #expect(all[1].raw.contains(bad[0]))  // never replaced in the raw bytes
    }
    // In a key, and a valid 4-byte sequence next to it.
    let row = try rows(Array("{\"name\":\"😀\",\"a".utf8) + [0xFE] + Array("\":\"v\"}".utf8))[0]
    #expect(row.contact.name == "😀")
    #expect(paths(row) == ["<key>"])
  }

  @Test func aPythonJSONModuleReadsTheSameStrings() throws {
    let bytes = try fixture("strings.json")
    let script = """
      import json, sys
      known = {"id", "type", "name", "first_name", "last_name", "email", "phone", "phone_extension"}
      def leaves(value, path):
          if isinstance(value, dict):
              for key, child in value.items():
                  yield from leaves(child, path + [key])
          elif value is None:
              return
          elif isinstance(value, bool):
              yield path, "true" if value else "false"
          else:
              yield path, value
      data = json.load(open(sys.argv[1], encoding="utf-8"), parse_int=str, parse_float=str)
      for index, element in enumerate(data):
          pairs = [(["type"], element.get("type", "person"))]
          for key, value in element.items():
              if key in known or key in ("address", "metadata"):
                  pairs += leaves(value, [key]) if key != "type" else []
              elif key == "groups":
                  pairs += [(["groups", str(i)], g) for i, g in enumerate(value)]
              else:
                  pairs += leaves(value, ["metadata", key])
          for path, text in pairs:
              print(index, "\\x1f".join(path).encode().hex(), text.encode("utf-8", "surrogatepass").hex(), sep="\\t")
      """
    let python = try TestSupport.python(
      script, [TestSupport.fixtures.appendingPathComponent("json/strings.json").path])
    #expect(python.status == 0, "\(python.stderrText)")
    var expected: [Int: [String: String]] = [:]
    for line in python.stdoutText.split(separator: "\n") {
      let parts = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
      expected[Int(parts[0]) ?? -1, default: [:]][Self.unhex(parts[1])] = Self.unhex(parts[2])
    }
    let all = try rows(bytes, chunkSize: 5)
    #expect(all.count == expected.count)
    for row in all {
      #expect(row.problems.isEmpty, "\(row.problems)")
      #expect(Self.flatten(row.contact) == expected[row.position.index], "element \(row.position.index)")
    }
  }

  // MARK: - Values and mapping

  @Test func numbersAndBooleansKeepTheirJSONTextAndNullIsAbsent() throws {
    let row = try only(
      #"{"name":"n","phone":12125550100,"phone_extension":null,"metadata":{"a":-1.50e+3,"b":true,"c":null,"d":0}}"#)
    #expect(row.problems.isEmpty)
    #expect(row.contact.phone == "12125550100")
    #expect(row.contact.phoneExtension == nil)
    #expect(row.contact.metadata == Self.strings(["a": "-1.50e+3", "b": "true", "d": "0"]))
  }

  @Test func arraysInMetadataOrViaAreRowIssuesNamingThePath() throws {
    let row = try only(
      #"{"name":"n","metadata":{"tags":["a","b"],"crm":{"lists":[[]],"ok":"1"}},"via":{"channels":[],"email":"e@x.io"},"extra":[1]}"#
    )
    #expect(codes(row) == Array(repeating: "json.array_not_allowed", count: 4))
    #expect(paths(row) == ["metadata.tags", "metadata.crm.lists", "via.channels", "extra"])
    #expect(row.problems.map(\.header) == ["metadata.tags", "metadata.crm.lists", "via.channels", "extra"])
    #expect(row.contact.email == "e@x.io")
    #expect(row.contact.metadata == Self.fields(["crm": .object(Self.strings(["ok": "1"]))]))
  }

  @Test func anObjectOrArrayWhereTextIsExpectedIsARowIssue() throws {
    let row = try only(
      #"{"name":{"first":"A"},"email":["a@b.c"],"via":{"phone":{"n":"1"}},"groups":["g",{"id":"h"}],"title":[]}"#)
    #expect(
      codes(row) == [
        "json.not_a_string", "json.not_a_string", "json.not_a_string", "json.not_a_string", "json.array_not_allowed",
      ])
    #expect(paths(row) == ["name", "email", "via.phone", "groups.1", "title"])
    #expect(row.contact.groups == [GroupReference(name: "", id: "g")])
    let shapes = try only(#"{"name":"n","address":"Main St","metadata":[],"groups":"g","conversations":7}"#)
    #expect(codes(shapes) == ["json.not_an_object", "json.not_an_object", "json.not_an_array", "json.not_an_array"])
    #expect(paths(shapes) == ["address", "metadata", "groups", "conversations"])
  }

  @Test func elementsThatAreNotObjectsAreRowIssues() throws {
    let all = try rows(#"[1, "two", [3, [4]], null, true, {"name":"ok"}, {}]"#)
    #expect(
      all.map { codes($0) } == [
        ["json.not_an_object"], ["json.not_an_object"], ["json.not_an_object"], ["json.not_an_object"],
        ["json.not_an_object"], [], ["row.empty"],
      ])
    #expect(all[2].raw == Array("[3, [4]]".utf8))
    #expect(all[0].problems[0].message == "is a number, not an object: each element must be one contact object")
    let lines = try rows("[1]\r \n\"x\"\n", layout: .lines)
    #expect(lines.map(\.position.line) == [1, 3])
    #expect(lines.map { codes($0) } == [["json.not_an_object"], ["json.not_an_object"]])
  }

  @Test func airyFieldsMapAsDocumented() throws {
    let row = try only(
      #"""
      [{"display_name":"Barbara Liskov","avatar_url":"https://x.io/b.png","title":"Professor","timezone":"America/New_York",
       "gender":"female","locale":"en_US","organization_name":"MIT",
       "via":{"phone":"+16175550100","email":"bl@mit.edu","facebook":{"psid":"9"},"key":"value"},
       "address":{"organization_name":"MIT","address_line1":"32 Vassar St","address_line2":"Room 1","postcode":"02139",
                  "city":"Cambridge","state":"MA","country":"US"},
       "conversations":[{"id":"c1","channel":{"source":"facebook"}},{"id":"c2"}],
       "metadata":{"fav":"CLU"}}]
      """#)
    #expect(row.problems.isEmpty)
    let contact = row.contact
    #expect(contact.name == "Barbara Liskov")
    #expect(contact.phone == "+16175550100")
    #expect(contact.email == "bl@mit.edu")
    #expect(
      contact.address.entries.map(\.key) == [
        "organization_name", "address_line1", "address_line2", "postcode", "city", "state", "country",
      ])
    #expect(
      contact.metadata.entries.map(\.key) == [
        "avatar_url", "title", "timezone", "gender", "locale", "organization_name", "via", "conversations", "fav",
      ])
    #expect(
      contact.metadata["via"]
        == .object(Self.fields(["facebook": .object(Self.strings(["psid": "9"])), "key": .string("value")])))
    let conversations = Self.fields([
      "0": .object(Self.fields(["id": .string("c1"), "channel": .object(Self.strings(["source": "facebook"]))])),
      "1": .object(Self.strings(["id": "c2"])),
    ])
    #expect(contact.metadata["conversations"] == .object(conversations))
  }

  @Test func unknownKeysAreKeptInMetadataAndListedOnce() throws {
    let input = #"""
      {"name":"a","Company":"ACME","crm":{"tier":"gold"}}
      {"name":"b","skype":null,"Company":"Initech","group_contacts":{"children":[]},"referenced_contacts":[{}]}
      """#
    let reader = JSONContactReader(source: MemorySource(Array(input.utf8)), displayName: "t.jsonl")
    let first = try #require(try reader.next())
    #expect(
      first.contact.metadata
        == Self.fields(["Company": .string("ACME"), "crm": .object(Self.strings(["tier": "gold"]))]))
    let second = try #require(try reader.next())
    #expect(second.problems.isEmpty)
    #expect(second.contact.metadata == Self.strings(["Company": "Initech"]))
    #expect(try reader.next() == nil)
    #expect(reader.unknownKeys == ["Company", "crm", "skype"])
  }

  @Test func conflictingValuesForOneFieldAreRowIssues() throws {
    let row = try only(
      #"{"name":"A","display_name":"B","email":"x@y.io","via":{"email":"x@y.io"},"title":"T","metadata":{"title":"U","k":"1","k":"2"}}"#
    )
    #expect(codes(row) == ["json.conflict", "json.conflict", "json.conflict"])
    #expect(paths(row) == ["display_name", "metadata.title", "metadata.k"])
    let shape = try only(#"{"name":"A","metadata":{"a":"1"},"a":{"b":"2"}}"#)
    #expect(codes(shape) == ["json.path_conflict"])
  }

  @Test func nameAndTypeFollowTheCSVRules() throws {
    #expect(try only(#"{"first_name":"Ada","last_name":"Lovelace"}"#).contact.name == "Ada Lovelace")
    let missing = try only(#"{"email":"a@b.io"}"#)
    #expect(codes(missing) == ["name.missing"])
    #expect(paths(missing) == ["name"])
    #expect(codes(try only(#"{"display_name":"  "}"#)) == ["name.missing"])
    #expect(paths(try only(#"{"display_name":"  "}"#)) == ["display_name"])
    #expect(try only(#"{"name":"G","type":" Group "}"#).contact.type == .group)
    #expect(codes(try only(#"{"name":"G","type":"team"}"#)) == ["type.invalid"])
    #expect(codes(try only(#"{"name":null}"#)) == ["row.empty"])
  }

  // MARK: - Fatal errors

  @Test func aSyntaxErrorAfterTwoGoodElementsNamesLineAndByteOffset() throws {
    let input =
      "[\n  {\"name\": \"Ada\"},\n  {\"name\": \"Grace\"},\n  {\"name\": \"Linus\" \"email\": \"l@x.io\"}\n]\n"
    for chunkSize in [1, 4, 65_536] {
      let (good, error) = rowsUntilError(Array(input.utf8), chunkSize: chunkSize)
      #expect(good.map(\.contact.name) == ["Ada", "Grace"])
      #expect(error?.code == .input)
      #expect(error?.file == "test.json")
      #expect(error?.line == 4)
      #expect(error?.message == "at byte offset 61: expected ',' or '}', found '\"'")
      #expect(error?.description == "test.json:4: at byte offset 61: expected ',' or '}', found '\"'")
    }
    let lines = "{\"name\":\"Ada\"}\r\n{\"name\":\"Grace\"}\r\n{\"name\":\"Linus\",\r\n\"email\":\"l@x.io\"}\r\n"
    let (good, error) = rowsUntilError(Array(lines.utf8), chunkSize: 3)
    #expect(good.count == 2)
    #expect(error?.line == 3)
    #expect(error?.message == "at byte offset 50: expected '\"' to start a key, found the end of the line")
  }

  /// Inputs whose syntax breaks, the line and the message.
  static let malformed: [(String, Int, String)] = [
    (
      "[{\"name\":\"a\"},]", 1,
      "at byte offset 14: expected an element after ',' (JSON allows no comma before ']'), found ']'"
    ),
    (
      "[{\"name\":\"a\"}", 1,
      "at byte offset 13: expected ',' or ']' (the array is never closed), found the end of the input"
    ),
    ("[{\"name\":\"a\"}]\nx", 2, "at byte offset 15: expected the end of the input after the array, found 'x'"),
    (
      "[{\"name\":\"a\n\"}]", 1,
      "at byte offset 11: expected '\"' to close the string (control characters such as line breaks must be escaped), found a line break"
    ),
    (
      "[{\"name\":\"a\\\n\"}]", 1,
      "at byte offset 12: expected an escape: \\\" \\\\ \\/ \\b \\f \\n \\r \\t or \\uXXXX, found a line break"
    ),
    (
      "{\"name\":\"a\"}\r{\"name\":\"b\"}\r\r{\"name\":\"c\"\r}", 4,
      "at byte offset 38: expected ',' or '}', found the end of the line"
    ),
    (
      "[{\"name\":\"a\\x\"}]", 1,
      "at byte offset 12: expected an escape: \\\" \\\\ \\/ \\b \\f \\n \\r \\t or \\uXXXX, found 'x'"
    ),
    ("[{\"name\":\"\\u12G4\"}]", 1, "at byte offset 14: expected 4 hexadecimal digits after \\u, found 'G'"),
    ("[{\"name\":01}]", 1, "at byte offset 10: expected ',' or '}', found '1'"),
    ("[{\"name\":-}]", 1, "at byte offset 10: expected a digit, found '}'"),
    ("[{\"name\":1.}]", 1, "at byte offset 11: expected a digit after the decimal point, found '}'"),
    ("[{\"name\":tru}]", 1, "at byte offset 12: expected 'true', found '}'"),
    ("[{\"name\":\"a\",}]", 1, "at byte offset 13: expected '\"' to start a key, found '}'"),
    ("[{\"name\" \"a\"}]", 1, "at byte offset 9: expected ':' after the key, found '\"'"),
    ("[{'name':'a'}]", 1, "at byte offset 2: expected '\"' to start a key, found '''"),
    ("[{\"name\":\"a\"]]", 1, "at byte offset 12: expected ',' or '}', found ']'"),
    (
      "[\r\n\r\n{\"a\":\n\r\n[1,}]", 5,
      "at byte offset 16: expected a value (an object, array, string, number, true, false or null), found '}'"
    ),
    ("[{\"name\":\"a\"}, tru]", 1, "at byte offset 18: expected 'true', found ']'"),
    (
      "[{\"name\":\"a\"}, \"open", 1, "at byte offset 20: expected '\"' to close the string, found the end of the input"
    ),
    ("[{\"name\":{\"a\":[1,2", 1, "at byte offset 18: expected ',' or ']', found the end of the input"),
    (
      "{\"contacts\":[{\"name\":\"a\"}],\"x\":1}", 1,
      "at byte offset 26: expected '}' to close the payload ({\"contacts\": [...]} may hold only \"contacts\"), found ','"
    ),
    ("{\"name\":\"a\"} {\"name\":\"b\"}", 1, "at byte offset 13: expected nothing more after the value, found '{'"),
    ("{\"name\":\"a\"}\n{\"name\":\"b\"", 2, "at byte offset 24: expected ',' or '}', found the end of the input"),
  ]

  @Test func malformedInputNamesWhereAndWhat() {
    for (input, line, message) in Self.malformed {
      for chunkSize in [1, 65_536] {
        let (_, error) = rowsUntilError(Array(input.utf8), chunkSize: chunkSize)
        #expect(error?.line == line, "\(input.debugDescription)")
        #expect(error?.message == message, "\(input.debugDescription)")
      }
    }
  }

  @Test func aMillionNestedBracketsThatNeverCloseIsACleanError() {
    let bomb = [UInt8](repeating: UInt8(ascii: "["), count: 1_000_000)
    for input in [bomb, Array("{\"contacts\":[".utf8) + bomb] {
      let (good, error) = rowsUntilError(input, chunkSize: 65_536)
      #expect(good.isEmpty)
      #expect(error?.code == .input)
      #expect(error?.message.contains("never ends") == true, "\(String(describing: error))")
      #expect(error?.message.contains("deeper than 64 levels") == true, "\(String(describing: error))")
    }
    // In JSON Lines the line ends the element: the row is skipped and reported.
    for input in [bomb, Array("{\"name\":\"a\",\"m\":".utf8) + bomb] {
      let (good, error) = rowsUntilError(input, chunkSize: 65_536, layout: .lines)
      #expect(error == nil)
      #expect(good.count == 1)
      #expect(good.first?.problems.map(\.code) == ["limit.json_depth"])
    }
  }

  @Test func aMillionBalancedBracketsIsARowIssueAndTheNextRowsRead() throws {
    let bomb = String(repeating: "[", count: 1_000_000) + String(repeating: "]", count: 1_000_000)
    for (input, layout) in [
      ("[" + bomb + ",\n{\"name\":\"b\"}]", JSONInputLayout.automatic),
      ("{\"contacts\":[{\"name\":\"a\",\"metadata\":{\"x\":" + bomb + "}},\n{\"name\":\"b\"}]}", .automatic),
      ("{\"name\":\"a\",\"m\":" + bomb + "}\n{\"name\":\"b\"}", .lines),
    ] {
      let all = try rows(Array(input.utf8), chunkSize: 65_536, layout: layout)
      #expect(all.count == 2)
      #expect(all[0].problems.map(\.code) == ["limit.json_depth"])
      #expect(all[0].problems.first?.message.contains("--max-json-depth") == true)
      #expect(all[0].limitViolation?.byteOffset != nil)
      #expect(all[0].raw.isEmpty)
      #expect(all[1].problems.isEmpty)
      #expect(all[1].position == RowPosition(index: 1, line: 2))
    }
  }

  @Test func depthIsCountedFromTheElement() throws {
    func nested(_ depth: Int) -> String {
      "[{\"name\":\"a\",\"metadata\":" + String(repeating: "{\"k\":", count: depth - 1) + "\"v\""
        + String(repeating: "}", count: depth - 1) + "}]"
    }
    // At the limit, just under it, and just over it (and over it as a JSON Lines line).
    #expect(try rows(Array(nested(64).utf8)).first?.problems.isEmpty == true)
    #expect(try rows(Array(nested(63).utf8)).first?.problems.isEmpty == true)
    let over = try rows(Array(nested(65).utf8))
    #expect(over.map { $0.problems.map(\.code) } == [["limit.json_depth"]])
    // The 65th level is the 64th `{"k":` after `[{"name":"a","metadata":`.
    #expect(over.first?.limitViolation?.byteOffset == 24 + 5 * 63)
    let line = String(nested(65).dropFirst().dropLast())
    #expect(try rows(Array(line.utf8), layout: .lines).first?.limitViolation?.kind == .jsonDepth)
    #expect(try rows(Array(nested(65).utf8), maxDepth: 65).first?.problems.isEmpty == true)
  }

  @Test func aStringOverTheFieldLimitIsSkippedWithoutBeingHeld() throws {
    func element(_ count: Int) -> String {
      "{\"name\":\"a\",\"note\":\"" + String(repeating: "x", count: count) + "\"}"
    }
    for layout in [JSONInputLayout.array, .lines] {
      for chunkSize in [7, 65_536] {
        func read(_ count: Int) throws -> [JSONContactRow] {
          let text =
            layout == .lines
            ? element(count) + "\n{\"name\":\"b\"}\n" : "[" + element(count) + ",\n{\"name\":\"b\"}]"
          return try rows(Array(text.utf8), chunkSize: chunkSize, layout: layout, maxStringBytes: 1000)
        }
        #expect(try read(1000).map(\.problems.isEmpty) == [true, true])
        #expect(try read(999).map(\.problems.isEmpty) == [true, true])
        let over = try read(1001)
        #expect(over.count == 2)
        #expect(over[0].problems.map(\.code) == ["limit.field_bytes"])
        #expect(over[0].problems.first?.message.contains("--max-field-bytes") == true)
        #expect(over[0].limitViolation?.byteOffset == (layout == .lines ? 19 : 20))
        #expect(over[1].problems.isEmpty)
        #expect(over[1].position.line == 2)
      }
    }
    // Keys count too.
    let key = "[{\"name\":\"a\",\"" + String(repeating: "k", count: 11) + "\":\"v\"}]"
    #expect(try rows(Array(key.utf8), maxStringBytes: 10).first?.limitViolation?.kind == .fieldBytes)
    // A string element on its own.
    let lone = "[\"" + String(repeating: "s", count: 11) + "\",{\"name\":\"b\"}]"
    #expect(
      try rows(Array(lone.utf8), maxStringBytes: 10).map { $0.problems.first?.code } == ["limit.field_bytes", nil])
  }

  /// A value over a limit is named by its key path, as the mapper names paths in issues, wherever
  /// the buffer happens to break the element: nested keys, array positions, a key itself, escaped
  /// keys, and the level that goes too deep.
  @Test func aLimitIssueNamesItsKeyPath() throws {
    let long = String(repeating: "x", count: 13)
    let cases: [(element: String, path: String?)] = [
      ("{\"name\":\"a\",\"note\":\"\(long)\"}", "note"),
      ("{\"name\":\"a\",\"metadata\":{\"tier\":\"gold\",\"notes\":\"\(long)\"}}", "metadata.notes"),
      ("{\"name\":\"a\",\"groups\":[\"x\",{\"name\":\"\(long)\"}]}", "groups.1.name"),
      ("{\"name\":\"a\",\"groups\":[\"x\", \"y\" ,\"\(long)\"]}", "groups.2"),
      ("{\"name\":\"a\",\"metadata\":{\"\(long)\":\"v\"}}", "metadata.<key>"),
      ("{\"na\\u006de\":\"a\",\"no\\\"te\\u00e9\":\"\(long)\"}", "no\"teé"),
      ("{\"name\":\"a\",\"\\ud83d\\ude00\":\"\(long)\"}", "😀"),
      ("{\"name\":\"[{,:\\\"}\",\"metadata\":{\"a,b\":[],\"c\":{\"d\":\"\(long)\"}}}", "metadata.c.d"),
    ]
    for (element, path) in cases {
      for layout in [JSONInputLayout.array, .lines] {
        for chunkSize in [3, 7, 65_536] {
          let text = layout == .lines ? element + "\n{\"name\":\"b\"}\n" : "[" + element + ",{\"name\":\"b\"}]"
          let all = try rows(Array(text.utf8), chunkSize: chunkSize, layout: layout, maxStringBytes: 12)
          #expect(all.map { $0.problems.first?.code } == ["limit.field_bytes", nil], "\(element)")
          #expect(all.first?.problems.first?.header == path, "\(element) in \(chunkSize)-byte chunks")
        }
      }
    }
    let lone = "[\"\(long)\",{\"name\":\"b\"}]"
    #expect(try rows(Array(lone.utf8), maxStringBytes: 12).first?.problems.first?.header == nil)
    let deep =
      "[{\"name\":\"a\",\"metadata\":" + String(repeating: "{\"k\":", count: 64) + "\"v\""
      + String(repeating: "}", count: 64) + "}]"
    for chunkSize in [5, 65_536] {
      let over = try rows(Array(deep.utf8), chunkSize: chunkSize).first?.problems.first
      #expect(over?.code == "limit.json_depth")
      #expect(over?.header == "metadata" + String(repeating: ".k", count: 63))
    }
  }

  @Test func anElementOverTheRowLimitIsSkippedAndTheNextOnesRead() throws {
    // Elements of exactly 4096 bytes, one less, and one more.
    func element(_ size: Int) -> String {
      let fixed = "{\"name\":\"\"}".utf8.count
      return "{\"name\":\"" + String(repeating: "x", count: size - fixed) + "\"}"
    }
    for chunkSize in [100, 65_536] {
      let text = "[" + element(4096) + ",\n" + element(4095) + ",\n" + element(4097) + ",\n{\"name\":\"b\"}]"
      let all = try rows(Array(text.utf8), chunkSize: chunkSize, maxElementBytes: 4096)
      #expect(all.map { $0.problems.first?.code } == [nil, nil, "limit.row_bytes", nil])
      #expect(all.map(\.position.line) == [1, 2, 3, 4])
      let lines = element(4096) + "\n" + element(4097) + "\n{\"name\":\"b\"}\n"
      let fromLines = try rows(Array(lines.utf8), chunkSize: chunkSize, layout: .lines, maxElementBytes: 4096)
      #expect(fromLines.map { $0.problems.first?.code } == [nil, "limit.row_bytes", nil])
      #expect(fromLines.map(\.position) == (0..<3).map { RowPosition(index: $0, line: $0 + 1) })
    }
  }

  /// A gigantic string comes from a source that makes its bytes on the fly; the reader skips its
  /// element without holding it and reads on, in an array and in JSON Lines.
  @Test(arguments: [JSONInputLayout.array, .lines])
  func aHugeGeneratedStringIsSkippedAndTheNextElementRead(layout: JSONInputLayout) throws {
    let size = 64 << 20
    let (prefix, suffix) =
      layout == .array
      ? ("[{\"name\":\"a\",\"note\":\"", "\"},\n{\"name\":\"b\"}]")
      : ("{\"name\":\"a\",\"note\":\"", "\"}\n{\"name\":\"b\"}\n")
    let reader = JSONContactReader(
      source: GeneratedSource(
        prefix: Array(prefix.utf8), fill: UInt8(ascii: "x"), count: size, suffix: Array(suffix.utf8)),
      displayName: "gen.json", layout: layout)
    let first = try #require(try reader.next())
    #expect(first.limitViolation?.kind == .fieldBytes)
    #expect(first.raw.isEmpty)
    let second = try #require(try reader.next())
    #expect(second.problems.isEmpty && second.contact.name == "b")
    #expect(second.position == RowPosition(index: 1, line: 2))
    #expect(try reader.next() == nil)
    #expect(reader.bytesRead == prefix.utf8.count + size + suffix.utf8.count)
  }

  @Test func unknownKeysAreListedUpToAThousand() throws {
    let lines = (0..<1005).map { "{\"name\":\"a\",\"extra\($0)\":\"x\",\"extra0\":\"y\"}" }.joined(separator: "\n")
    let reader = JSONContactReader(source: MemorySource(Array(lines.utf8)), displayName: "t.jsonl", layout: .lines)
    var count = 0
    while let row = try reader.next() {
      count += 1
      #expect(row.contact.metadata.entries.count == (count == 1 ? 1 : 2))
    }
    #expect(reader.unknownKeys.count == 1000)
    #expect(reader.unknownKeys.first == "extra0")
    #expect(reader.unlistedUnknownKeys == 5)
  }

  @Test func aSkippedElementThatNeverEndsStopsTheRun() {
    let text = "[{\"name\":\"a\"},\n{\"name\":\"" + String(repeating: "x", count: 5000)
    let (good, error) = rowsUntilError(Array(text.utf8), chunkSize: 100, maxStringBytes: 1000)
    #expect(good.count == 1)
    #expect(error?.line == 2)
    #expect(error?.message.hasPrefix("at byte offset 15: the element starting here never ends") == true)
  }

  // MARK: - Helpers

  static func strings(_ pairs: KeyValuePairs<String, String>) -> NestedFields {
    var result = NestedFields()
    for (key, value) in pairs { result.append(NestedFields.Entry(key: key, value: .string(value))) }
    return result
  }

  static func fields(_ pairs: KeyValuePairs<String, NestedFields.Value>) -> NestedFields {
    var result = NestedFields()
    for (key, value) in pairs { result.append(NestedFields.Entry(key: key, value: value)) }
    return result
  }

  static func unhex(_ text: String) -> String {
    var bytes: [UInt8] = []
    var index = text.startIndex
    while index < text.endIndex {
      let next = text.index(index, offsetBy: 2)
      bytes.append(UInt8(text[index..<next], radix: 16) ?? 0)
      index = next
    }
    return String(decoding: bytes, as: UTF8.self)
  }

  /// Every string of `contact` by its path (keys joined by U+001F), as the Python script lists them.
  static func flatten(_ contact: Contact) -> [String: String] {
    var result: [String: String] = ["type": contact.type.rawValue]
    let scalars: [(String, String?)] = [
      ("id", contact.id.isEmpty ? nil : contact.id), ("name", contact.name), ("first_name", contact.firstName),
      ("last_name", contact.lastName), ("email", contact.email), ("phone", contact.phone),
      ("phone_extension", contact.phoneExtension),
    ]
    for case (let key, let value?) in scalars { result[key] = value }
    for (index, group) in contact.groups.enumerated() { result["groups\u{1F}\(index)"] = group.id }
    var pending: [(String, NestedFields)] = [("address", contact.address), ("metadata", contact.metadata)]
    while let (path, fields) = pending.popLast() {
      for entry in fields.entries {
        switch entry.value {
        case .string(let value): result[path + "\u{1F}" + entry.key] = value
        case .object(let child): pending.append((path + "\u{1F}" + entry.key, child))
        }
      }
    }
    return result
  }
}
