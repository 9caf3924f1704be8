import Foundation
import RosterTestSupport
import Testing

@testable import RosterCore

/// The byte-loop paths of identity (the name fold table, the lowercase table, the stack SHA-1, the
/// UUID text) against their references: the Unicode path, `String.lowercased()` and Python's hashlib.
@Suite("Identity fast paths")
struct IdentityFastPathTests {
  /// Scalars that test how a scalar behaves next to others: ASCII letters and white space, marks that
  /// combine or reorder, scalars whose case mapping expands or composes, white space and controls
  /// beyond ASCII, scalars the table does not cover.
  private static let neighbours: [String] = [
    "a", "Z", " ", "\t", "\r", "\n", "\r\n", "\u{85}", "\u{A0}", "é", "E\u{301}", "\u{301}", "\u{300}", "\u{308}",
    "\u{327}", "\u{345}", "\u{342}", "\u{313}", "\u{488}", "\u{5B0}", "Σ", "ς", "ß", "İ", "ı", "ǰ", "ΐ", "ŉ", "և",
    "\u{374}", "\u{387}", "\u{AD}", "\u{200D}", "\u{FE0F}", "\u{2003}", "日", "ﬀ", "\u{1F600}", "ᾈ", "Å", "Ω",
  ]

  /// Every scalar of one or two UTF-8 bytes, plus a few beyond.
  private static let scalars: [Unicode.Scalar] =
    (0..<0x800).compactMap(Unicode.Scalar.init)
    + [0x1E9E, 0x2126, 0x212B, 0x1F88, 0xFB00, 0x3000, 0xAC00, 0x1100, 0x1161].compactMap(Unicode.Scalar.init)

  @Test func everyScalarAloneAndBesideOthersFoldsLikeTheUnicodePath() {
    var mismatches: [String] = []
    for scalar in Self.scalars {
      let text = String(scalar)
      var names = [text, " \(text) ", "\(text)\(text)"]
      for neighbour in Self.neighbours {
        names += [text + neighbour, neighbour + text, neighbour + text + neighbour]
      }
      for name in names where GroupDirectory.normalizedName(name) != GroupDirectory.unicodeNormalizedName(name) {
        mismatches.append(name.unicodeScalars.map { String($0.value, radix: 16) }.joined(separator: " "))
      }
    }
    #expect(mismatches.isEmpty, "\(mismatches.prefix(20))")
  }

  @Test func everyCoveredScalarBesideEveryOtherFoldsLikeTheUnicodePath() {
    // Pairs decide whether folding scalar by scalar is exact (composition and grapheme breaks are
    // decided between neighbours); every pair of scalars the name table covers, in steps so the test
    // stays quick, each step a different sample.
    let table = NameFoldTable.shared
    let covered = (NameFoldTable.firstScalar..<NameFoldTable.nameScalarEnd).filter {
      table.nameEntries[Int($0 - NameFoldTable.firstScalar)] != NameFoldTable.unsupported
    }.compactMap(Unicode.Scalar.init)
    #expect(covered.count > 1000)
    var mismatches: [String] = []
    for (index, first) in covered.enumerated() {
      for secondIndex in stride(from: index % 7, to: covered.count, by: 7) {
        let second = covered[secondIndex]
        let name = String(first) + String(second)
        if GroupDirectory.normalizedName(name) != GroupDirectory.unicodeNormalizedName(name) {
          mismatches.append("\(String(first.value, radix: 16)) \(String(second.value, radix: 16))")
        }
      }
    }
    #expect(mismatches.isEmpty, "\(mismatches.prefix(20))")
  }

  @Test func randomNamesFoldLikeTheUnicodePath() {
    var generator = SystemRandomNumberGenerator()
    let alphabet = Self.scalars.map { String($0) } + Self.neighbours + ["  ", "Ab", "Müller", "Straße"]
    var mismatches: [String] = []
    for _ in 0..<20_000 {
      let length = Int.random(in: 0...12, using: &generator)
      let name = (0..<length).map { _ in alphabet.randomElement(using: &generator)! }.joined()
      if GroupDirectory.normalizedName(name) != GroupDirectory.unicodeNormalizedName(name) {
        mismatches.append(name.unicodeScalars.map { String($0.value, radix: 16) }.joined(separator: " "))
      }
    }
    #expect(mismatches.isEmpty, "\(mismatches.prefix(20))")
  }

  @Test func theTableCoversTheNamesRosterMeetsMost() {
    let table = NameFoldTable.shared
    for name in ["José", "Zoë", "Søren", "Björk", "Małgorzata", "Yūki", "Nørgaard", "ΟΔΟΣ", "Дмитрий", "Straße"] {
      var utf8Name = name
      let folded = utf8Name.withUTF8 { utf8 in
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: utf8.count * table.nameExpansion) { buffer in
          table.foldName(utf8, into: buffer.baseAddress!).map {
            String(decoding: UnsafeBufferPointer(rebasing: buffer[..<$0]), as: UTF8.self)
          }
        }
      }
      #expect(folded == GroupDirectory.unicodeNormalizedName(name), "\(name)")
    }
  }

  @Test func lowercaseTableAgreesWithLowercased() {
    var generator = SystemRandomNumberGenerator()
    let alphabet = Self.scalars.map { String($0) } + Self.neighbours
    let texts =
      Self.scalars.map { String($0) }
      + (0..<20_000).map { _ in
        (0..<Int.random(in: 0...12, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! }
          .joined()
      }
    let table = NameFoldTable.shared
    var mismatches: [String] = []
    var covered = 0
    for text in texts {
      var utf8Text = text
      let lowered = utf8Text.withUTF8 { utf8 in
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: max(1, utf8.count * table.lowercaseExpansion)) {
          buffer in
          table.lowercase(utf8, into: buffer.baseAddress!).map {
            String(decoding: UnsafeBufferPointer(rebasing: buffer[..<$0]), as: UTF8.self)
          }
        }
      }
      guard let lowered else { continue }
      covered += 1
      if Array(lowered.utf8) != Array(text.lowercased().utf8) {
        mismatches.append(text.unicodeScalars.map { String($0.value, radix: 16) }.joined(separator: " "))
      }
    }
    #expect(covered > 0x800)
    #expect(mismatches.isEmpty, "\(mismatches.prefix(20))")
  }

  @Test func fingerprintDigestHashesTheReferenceKey() {
    var generator = SystemRandomNumberGenerator()
    let alphabet = Self.scalars.map { String($0) } + Self.neighbours + ["Ann", "ÄÖÜ", "@", "."]
    func randomText(_ maximum: Int) -> String {
      (0..<Int.random(in: 0...maximum, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! }
        .joined()
    }
    for _ in 0..<3_000 {
      let name = randomText(20)
      let email = Bool.random(using: &generator) ? randomText(40) : nil
      let phone = Bool.random(using: &generator) ? "+1212555" + String(Int.random(in: 0...9999)) : nil
      let key =
        GroupDirectory.unicodeNormalizedName(name) + "\u{1F}" + (email?.lowercased() ?? "") + "\u{1F}" + (phone ?? "")
      let digest = ContactIdentifier.fingerprintDigest(name: name, email: email, phone: phone)
      #expect(SHA1.bytes(of: digest) == SHA1.digest(Array(key.utf8)))
      #expect(ContactIdentifier.fingerprintKey(name: name, email: email, phone: phone) == key)
    }
  }

  @Test func sha1MatchesHashlibAtEveryPaddingBoundary() throws {
    // Messages of 0 to 200 bytes (every position of the padding and length in one or two blocks).
    let messages = (0...200).map { length in (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ length) } }
    let script = """
      import hashlib, sys
      for line in sys.stdin.read().split("\\n"):
          print(hashlib.sha1(bytes.fromhex(line)).hexdigest())
      """
    let input = messages.map { $0.isEmpty ? "" : $0.map { String(format: "%02x", $0) }.joined() }
      .joined(separator: "\n")
    let result = try TestSupport.python(script, stdin: Data(input.utf8))
    try #require(result.status == 0, "\(result.stderrText)")
    let expected = result.stdoutText.split(separator: "\n").map(String.init)
    try #require(expected.count == messages.count)
    for (message, hex) in zip(messages, expected) {
      #expect(SHA1.digest(message).map { String(format: "%02x", $0) }.joined() == hex, "\(message.count) bytes")
      // The Swift compression gives the same digest as the CPU's SHA instructions.
      var portable = SHA1()
      portable.usesHardware = false
      message.withUnsafeBytes { portable.append($0) }
      #expect(SHA1.bytes(of: portable.finish()).map { String(format: "%02x", $0) }.joined() == hex)
      // Byte by byte and in uneven chunks give the same digest as one append.
      var byByte = SHA1()
      for byte in message { byByte.append(byte) }
      var chunked = SHA1()
      var start = 0
      while start < message.count {
        let end = min(message.count, start + 1 + start % 13)
        message[start..<end].withUnsafeBytes { chunked.append($0) }
        start = end
      }
      #expect(SHA1.bytes(of: byByte.finish()) == SHA1.digest(message))
      #expect(SHA1.bytes(of: chunked.finish()) == SHA1.digest(message))
    }
  }

  @Test func sha1UsesTheCPUsSHAInstructionsWhereItHasThem() throws {
    // Linux lists the SHA extensions as `sha_ni`; where it does, the hardware path is the one in use.
    let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
    let flags = cpuinfo.split(separator: "\n").first { $0.hasPrefix("flags") } ?? ""
    let listed = flags.split(separator: " ").contains("sha_ni")
    #expect(SHA1.hardwareAvailable == (listed && flags.split(separator: " ").contains("sse4_1")))
    #expect(SHA1().usesHardware == SHA1.hardwareAvailable)
  }

  @Test func hardwareAndPortableSHA1AgreeOnRandomMessages() {
    var generator = SystemRandomNumberGenerator()
    for _ in 0..<2_000 {
      let message = (0..<Int.random(in: 0...300, using: &generator)).map { _ in
        UInt8.random(in: 0...255, using: &generator)
      }
      var hardware = SHA1()
      var portable = SHA1()
      portable.usesHardware = false
      message.withUnsafeBytes {
        hardware.append($0)
        portable.append($0)
      }
      let (h, p) = (hardware.finish(), portable.finish())
      #expect([h.0, h.1, h.2, h.3, h.4] == [p.0, p.1, p.2, p.3, p.4], "\(message)")
    }
  }

  @Test func uuidParsingAgreesWithADigitByDigitReading() {
    /// The plain reading: lowercase hex pairs, dashes after the 4th, 6th, 8th and 10th byte.
    func reference(_ text: [UInt8]) -> [UInt8]? {
      guard text.count == 36 else { return nil }
      func value(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: byte - 0x30
        case 0x61...0x66: byte - 0x61 + 10
        default: nil
        }
      }
      var bytes: [UInt8] = []
      var index = 0
      while index < 36 {
        if [8, 13, 18, 23].contains(index) {
          guard text[index] == 0x2D else { return nil }
          index += 1
          continue
        }
        guard let high = value(text[index]), let low = value(text[index + 1]) else { return nil }
        bytes.append(high << 4 | low)
        index += 2
      }
      return bytes
    }
    var generator = SystemRandomNumberGenerator()
    let digits = Array("0123456789abcdef".utf8)
    // Bytes next to the digit and letter ranges, upper case, a dash, DEL and bytes of multi-byte UTF-8.
    let strays: [UInt8] = Array("/:`gAFG-@ ".utf8) + [0x7F, 0x80, 0xC3, 0xE9, 0xFF, 0x00, 0xB0, 0xE1]
    for round in 0..<20_000 {
      var text = (0..<36).map { index -> UInt8 in
        [8, 13, 18, 23].contains(index) ? 0x2D : digits.randomElement(using: &generator)!
      }
      // Most rounds change one to three bytes; some leave the text a valid UUID.
      if round % 4 != 0 {
        for _ in 0..<Int.random(in: 1...3, using: &generator) {
          text[Int.random(in: 0..<36, using: &generator)] = strays.randomElement(using: &generator)!
        }
      }
      if round % 97 == 0 { text.removeLast() }
      var parsed = [UInt8](repeating: 0, count: 16)
      let accepted = text.withUnsafeBufferPointer { utf8 in
        parsed.withUnsafeMutableBytes { NameBasedUUID.parse(utf8, into: $0.baseAddress!) }
      }
      let expected = reference(text)
      #expect(accepted == (expected != nil), "\(text)")
      if let expected, accepted { #expect(parsed == expected, "\(text)") }
    }
  }

  @Test func idsFromTheHasherMatchNameBasedUUID() {
    for name in ["", "a", "ada lovelace", String(repeating: "é", count: 40), "fa4a6ce586ea54408dea881a1e476f8b"] {
      #expect(
        ContactIdentifier.groupID(normalizedName: name)
          == NameBasedUUID(namespace: ContactIdentifier.rosterNamespace, name: Array(("group:" + name).utf8))
          .description)
      #expect(
        ContactIdentifier.personID(fingerprint: name)
          == NameBasedUUID(namespace: ContactIdentifier.rosterNamespace, name: Array(("fingerprint:" + name).utf8))
          .description)
    }
  }
}
