import RosterCore
import RosterYAML
import Testing

@Suite("FlowYAMLDecoder")
struct FlowYAMLDecoderTests {
  /// Plain scalars keep their text: nothing is typed.
  @Test(
    arguments: [
      ("{a: yes}", "yes"), ("{a: No}", "No"), ("{a: null}", "null"), ("{a: ~}", "~"), ("{a: 0123}", "0123"),
      ("{a: 1e3}", "1e3"), ("{a: 12:30}", "12:30"), ("{a: .inf}", ".inf"), ("{a: 2001-12-14}", "2001-12-14"),
      ("{a: }", ""), ("{a: ''}", ""), ("{a: \"\"}", ""), ("{a}", ""), ("a:", ""), ("a: =", "="),
      ("{a: 'it''s'}", "it's"), (#"{a: "\0\t\u00e9\U0001F600"}"#, "\0\té😀"), ("a: |\n  x\n  y\n", "x\ny\n"),
      ("a: >-\n  x\n  y\n", "x y"), ("{a: x  y}", "x  y"), ("{a: 'x\n  y'}", "x y"),
    ])
  func scalarsKeepTheirText(yaml: String, value: String) throws {
    let fields = try FlowYAMLDecoder.decode(yaml)
    #expect(exactDifference(fields, HostileValues.single("a", value)) == nil, "\(fields)")
  }

  @Test func keysAreNotTypedEither() throws {
    let fields = try FlowYAMLDecoder.decode("{yes: 1, null: 2, 0123: 3, ~: 4, <<: 5}")
    #expect(fields.entries.map(\.key) == ["yes", "null", "0123", "~", "<<"])
  }

  @Test func readsBlockMappingsInOrder() throws {
    let fields = try FlowYAMLDecoder.decode("csv_import: yes\nfacebook:\n  psid: 123\n  page: x\nzeta: z\n")
    var expected = NestedFields()
    expected.set("yes", at: ["csv_import"])
    expected.set("123", at: ["facebook", "psid"])
    expected.set("x", at: ["facebook", "page"])
    expected.set("z", at: ["zeta"])
    #expect(exactDifference(fields, expected) == nil)
  }

  @Test func readsWhatTheEncoderWrites() throws {
    let fields = try FlowYAMLDecoder.decode("{csv_import: 'yes', facebook: {psid: '123'}, '': {}}")
    var expected = NestedFields()
    expected.set("yes", at: ["csv_import"])
    expected.set("123", at: ["facebook", "psid"])
    expected.append(.init(key: "", value: .object(NestedFields())))
    #expect(exactDifference(fields, expected) == nil)
  }

  /// One rejected input: its error code, a fragment of its message, and where it points.
  struct Rejection: Sendable, CustomTestStringConvertible {
    var yaml: String
    var code: FlowYAMLError.Code
    var message: String
    var line: Int?
    var column: Int?
    var testDescription: String { "\(code.rawValue): \(yaml.debugDescription)" }
  }

  @Test(
    arguments: [
      Rejection(
        yaml: "{a: [1, 2]}", code: .sequenceNotSupported, message: "Arrays are not supported", line: 1, column: 5),
      Rejection(
        yaml: "a:\n  - x\n", code: .sequenceNotSupported, message: "Arrays are not supported", line: 2, column: 3),
      Rejection(yaml: "[a, b]", code: .sequenceNotSupported, message: "Arrays are not supported", line: 1, column: 1),
      Rejection(yaml: "{a: &x b, c: *x}", code: .anchorNotSupported, message: "Anchors (&x)", line: 1, column: 5),
      Rejection(yaml: "{c: *x}", code: .aliasNotSupported, message: "Aliases (*x)", line: 1, column: 5),
      Rejection(
        yaml: "{a: !!int 1}", code: .tagNotSupported, message: "Tags (tag:yaml.org,2002:int)", line: 1, column: 5),
      Rejection(yaml: "{a: !x b}", code: .tagNotSupported, message: "Tags (!x)", line: 1, column: 5),
      Rejection(yaml: "!!map {a: b}", code: .tagNotSupported, message: "Tags", line: 1, column: 1),
      Rejection(
        yaml: "{a: 1, b: 2, a: 3}", code: .duplicateKey, message: "The key \"a\" appears twice", line: 1, column: 14),
      Rejection(
        yaml: "x:\n  a: 1\n  a: 2\n", code: .duplicateKey, message: "The key \"a\" appears twice", line: 3, column: 3),
      Rejection(
        yaml: "{\"caf\\u00e9\": 1, \"cafe\\u0301\": 2}", code: .duplicateKey, message: "appears twice", line: 1,
        column: 18),
      Rejection(yaml: "{{a: b}: c}", code: .keyNotText, message: "A key is a mapping", line: 1, column: 2),
      Rejection(yaml: "{[a]: c}", code: .keyNotText, message: "A key is an array", line: 1, column: 2),
      Rejection(yaml: "hello", code: .notAMapping, message: "not a mapping", line: 1, column: 1),
      Rejection(yaml: "'yes'", code: .notAMapping, message: "not a mapping", line: 1, column: 1),
      Rejection(yaml: "", code: .notAMapping, message: "no YAML document", line: 1, column: 1),
      Rejection(yaml: "# only a comment\n", code: .notAMapping, message: "no YAML document", line: 1, column: 1),
      Rejection(yaml: "{a: b}\n---\n{c: d}\n", code: .multipleDocuments, message: "more than one YAML document"),
      Rejection(yaml: "{a: b", code: .malformed, message: "did not find expected ',' or '}'", line: 1, column: 6),
      Rejection(yaml: "{a: 'b}", code: .malformed, message: "found unexpected end of stream", line: 1, column: 8),
      Rejection(
        yaml: "{a: b}}", code: .malformed, message: "did not find expected <document start>", line: 1, column: 7),
      Rejection(yaml: "a: b\n c: d\n", code: .malformed, message: "mapping values are not allowed", line: 2, column: 3),
      Rejection(yaml: "{a: \"\\q\"}", code: .malformed, message: "found unknown escape character", line: 1, column: 6),
      Rejection(
        yaml: "{a: b\u{1}c}", code: .malformed, message: "control characters are not allowed (U+0001)", line: 1,
        column: 6),
      Rejection(
        yaml: String(repeating: "{a: ", count: 65) + String(repeating: "}", count: 65), code: .nestingTooDeep,
        message: "more than 64 levels", line: 1, column: 257),
    ])
  func rejects(_ rejection: Rejection) {
    #expect {
      _ = try FlowYAMLDecoder.decode(rejection.yaml)
    } throws: { error in
      guard let error = error as? FlowYAMLError else { return false }
      #expect(error.code == rejection.code, "\(error)")
      #expect(error.message.contains(rejection.message), "\(error)")
      #expect(error.line == rejection.line && error.column == rejection.column, "\(error)")
      #expect(error.message.first?.isUppercase == true && error.message.hasSuffix("."), "\(error)")
      return true
    }
  }

  @Test func sixtyFourLevelsAreAllowed() throws {
    let yaml = String(repeating: "{a: ", count: 64) + "x" + String(repeating: "}", count: 64)
    var fields = try FlowYAMLDecoder.decode(yaml)
    var depth = 1
    while case .object(let child)? = fields["a"] {
      fields = child
      depth += 1
    }
    #expect(depth == 64)
    #expect(fields["a"] == .string("x"))
  }

  @Test func theDepthLimitIsAParameter() throws {
    let nested = { (depth: Int) in
      String(repeating: "{a: ", count: depth) + "x" + String(repeating: "}", count: depth)
    }
    #expect(throws: Never.self) { _ = try FlowYAMLDecoder.decode(nested(10), maxDepth: 10) }
    #expect(throws: Never.self) { _ = try FlowYAMLDecoder.decode(nested(9), maxDepth: 10) }
    #expect(throws: FlowYAMLError.self) { _ = try FlowYAMLDecoder.decode(nested(11), maxDepth: 10) }
  }

  /// A million nested mappings or sequences cost no more than the limit's worth: libyaml is read event
  /// by event and the decoder stops at the first level too deep.
  @Test(arguments: ["{", "{a: ", "[", "a: "])
  func aMillionNestedLevelsAreAPromptError(opener: String) {
    let yaml = String(repeating: opener, count: 1_000_000)
    let started = ContinuousClock.now
    #expect(throws: FlowYAMLError.self) { _ = try FlowYAMLDecoder.decode(yaml) }
    // Normally well under a second; the bound leaves room for sanitizers on a busy machine and still
    // catches a quadratic step (a million levels squared).
    #expect(ContinuousClock.now - started < .seconds(60))
  }

  @Test func errorsDescribeThemselvesWithTheirPosition() {
    #expect {
      _ = try FlowYAMLDecoder.decode("{a: 1, a: 2}")
    } throws: { error in
      "\(error)" == "line 1, column 8: The key \"a\" appears twice in the same mapping; keep one of them."
    }
  }
}
