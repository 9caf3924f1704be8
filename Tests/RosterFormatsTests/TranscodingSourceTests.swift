import Foundation
import RosterCore
import RosterFormats
import RosterTestSupport
import Testing

/// The UTF-8 a transcoding source gives for `bytes`, read through upstream reads of `chunkSize` bytes.
private func transcoded(
  _ bytes: [UInt8], chunkSize: Int = .max, readSize: Int = 1 << 16, encoding: TextEncodingSelection = .automatic
) throws -> (bytes: [UInt8], source: TranscodingSource<MemorySource>) {
  let source = TranscodingSource(
    upstream: MemorySource(bytes, chunkSize: chunkSize), displayName: "in.csv", encoding: encoding)
  return (try drain(source, readSize: readSize), source)
}

private func failure(_ bytes: [UInt8], chunkSize: Int = .max) -> RosterError? {
  do {
    _ = try transcoded(bytes, chunkSize: chunkSize)
    return nil
  } catch {
    return error as? RosterError
  }
}

private func utf16(_ text: String, bigEndian: Bool, bom: Bool = true) -> [UInt8] {
  var bytes: [UInt8] = bom ? (bigEndian ? [0xFE, 0xFF] : [0xFF, 0xFE]) : []
  for unit in text.utf16 {
    let pair = [UInt8(unit & 0xFF), UInt8(unit >> 8)]
    bytes += bigEndian ? pair.reversed() : pair
  }
  return bytes
}

@Suite("Transcoding source")
struct TranscodingSourceTests {
  static let chunkSizes = [1, 2, 3, 5, 7, 65_536]

  /// More than 64 KiB, with a surrogate pair straddling the first buffer's end (bytes 65534–65537)
  /// and many more pairs split by the small read sizes after it.
  static let longText =
    String(repeating: "a", count: 32_766) + "😀"
    + String(repeating: "Zoë 😀,𝄞 日本;Ñ\r\n", count: 3000)

  @Test(arguments: chunkSizes)
  func utf16LittleEndianWithSurrogatePairsAcrossChunks(chunkSize: Int) throws {
    let (bytes, source) = try transcoded(utf16(Self.longText, bigEndian: false), chunkSize: chunkSize)
    #expect(bytes == Array(Self.longText.utf8))
    #expect(source.encoding == .utf16LE)
    #expect(!source.fellBackFromUTF8)
  }

  @Test(arguments: chunkSizes)
  func utf16BigEndianWithSurrogatePairsAcrossChunks(chunkSize: Int) throws {
    let (bytes, source) = try transcoded(utf16(Self.longText, bigEndian: true), chunkSize: chunkSize, readSize: 4093)
    #expect(bytes == Array(Self.longText.utf8))
    #expect(source.encoding == .utf16BE)
  }

  @Test func utf16WithoutBOMWhenNamed() throws {
    let text = "Name,Email\nZoë 😀,z@x.io\n"
    #expect(
      try transcoded(utf16(text, bigEndian: false, bom: false), encoding: .fixed(.utf16LE)).bytes == Array(text.utf8))
    #expect(try transcoded(utf16(text, bigEndian: true), encoding: .fixed(.utf16BE)).bytes == Array(text.utf8))
  }

  @Test(arguments: [false, true], chunkSizes)
  func utf16WithoutBOMIsDetectedFromItsZeroBytes(bigEndian: Bool, chunkSize: Int) throws {
    let (bytes, source) = try transcoded(utf16(Self.longText, bigEndian: bigEndian, bom: false), chunkSize: chunkSize)
    #expect(bytes == Array(Self.longText.utf8))
    #expect(source.encoding == (bigEndian ? .utf16BE : .utf16LE))
    #expect(source.guessedUTF16)
    #expect(!source.fellBackFromUTF8)
  }

  @Test func utf16WithoutBOMNeedsZeroHighBytesInOneByteOrderOnly() throws {
    // Mostly CJK: too few ASCII units to tell UTF-16 from other bytes, so it is not guessed.
    let cjk = utf16("日本語の名前" + String(repeating: "田中太郎", count: 20) + ",a\n", bigEndian: false, bom: false)
    #expect(try transcoded(cjk).source.guessedUTF16 == false)
    // Zero bytes at both parities (binary junk) and a lone surrogate are not UTF-16 text either.
    let junk: [UInt8] = [0x61, 0x00, 0x00, 0x62, 0x61, 0x00, 0x62, 0x00]
    #expect(try transcoded(junk).source.encoding != .utf16LE)
    let lone: [UInt8] = [0x61, 0x00, 0x62, 0x00, 0x3D, 0xD8, 0x63, 0x00, 0x0A, 0x00]
    #expect(try transcoded(lone).source.guessedUTF16 == false)
    // An odd byte count at the end of the whole input rules UTF-16 out.
    #expect(try transcoded([0x61, 0x00, 0x62, 0x00, 0x63]).source.guessedUTF16 == false)
    // Plain UTF-8 is never guessed as UTF-16.
    let plain = try transcoded(Array("Name,Email\nZoë,z@x.io\n".utf8)).source
    #expect(plain.encoding == .utf8 && !plain.guessedUTF16)
  }

  @Test func unpairedSurrogatesNameTheirByteOffset() throws {
    // BOM (2 bytes) + "ab" (4 bytes): the lone surrogate is at byte offset 6.
    let loneHigh: [UInt8] = [0xFF, 0xFE, 0x61, 0x00, 0x62, 0x00, 0x3D, 0xD8, 0x63, 0x00]
    let loneLow: [UInt8] = [0xFF, 0xFE, 0x61, 0x00, 0x62, 0x00, 0x00, 0xDE, 0x63, 0x00]
    let highAtEnd: [UInt8] = [0xFF, 0xFE, 0x61, 0x00, 0x62, 0x00, 0x3D, 0xD8]
    for chunkSize in Self.chunkSizes {
      for input in [loneHigh, loneLow, highAtEnd] {
        let error = try #require(failure(input, chunkSize: chunkSize))
        #expect(error.code == .input)
        #expect(error.message.contains("unpaired surrogate"))
        #expect(error.message.contains("byte offset 6"), "\(error.message)")
      }
    }
    // Far into the input, past the first 64 KiB.
    var long = utf16(String(repeating: "x", count: 40_000), bigEndian: true)
    long += [0xDC, 0x00]
    // Size 17 splits that surrogate's two bytes across reads (80003 - 65536 = 17 × 851).
    for chunkSize in Self.chunkSizes + [17] {
      let error = try #require(failure(long, chunkSize: chunkSize))
      #expect(error.message.contains("byte offset 80002"), "\(error.message)")
    }
    let odd = try #require(failure([0xFF, 0xFE, 0x61, 0x00, 0x62]))
    #expect(odd.message.contains("byte offset 4"), "\(odd.message)")
  }

  @Test(arguments: chunkSizes)
  func windows1252NamesFallBackFromUTF8(chunkSize: Int) throws {
    let text = "Name;City\r\nRenée Müller;Köln\r\nJosé Núñez;Logroño\r\nFee;5 € – “quoted”\r\n"
    let bytes = try #require(text.data(using: .windowsCP1252))
    let (output, source) = try transcoded(Array(bytes), chunkSize: chunkSize, readSize: 5)
    #expect(String(decoding: output, as: UTF8.self) == text)
    #expect(source.encoding == .windows1252)
    #expect(source.fellBackFromUTF8)
  }

  @Test func windows1252AgreesWithPythonAndWHATWG() throws {
    let script = """
      import codecs, json
      print(json.dumps([[b, ord(codecs.decode(bytes([b]), 'cp1252'))] for b in range(256)
                        if b not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)]))
      """
    let python = try TestSupport.python(script)
    #expect(python.status == 0, "\(python.stderrText)")
    let pairs = try JSONDecoder().decode([[Int]].self, from: python.stdout)
    #expect(pairs.count == 251)
    var expected = [UInt32](repeating: 0, count: 256)
    for pair in pairs { expected[pair[0]] = UInt32(pair[1]) }
    // Python leaves these five undefined; WHATWG maps each to the C1 control of the same value.
    for byte in [0x81, 0x8D, 0x8F, 0x90, 0x9D] { expected[byte] = UInt32(byte) }
    let all = (0...255).map { UInt8($0) }
    let output = try transcoded(all, encoding: .fixed(.windows1252)).bytes
    let scalars = String(decoding: output, as: UTF8.self).unicodeScalars.map(\.value)
    #expect(scalars == expected)
  }

  @Test(arguments: chunkSizes)
  func validUTF8PassesThroughUnchanged(chunkSize: Int) throws {
    let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
    for input in [Array("name\nZoë 😀 €\n".utf8), bom + Array("a,b\n".utf8), []] {
      let (output, source) = try transcoded(input, chunkSize: chunkSize, readSize: 3)
      #expect(output == input)
      #expect(source.encoding == .utf8)
      #expect(!source.fellBackFromUTF8)
    }
  }

  @Test(arguments: chunkSizes)
  func detectionDoesNotSplitASequenceAtTheBufferEnd(chunkSize: Int) throws {
    // "é" (C3 A9) straddles the end of the first 64 KiB.
    let input = Array((String(repeating: "a", count: 65_535) + "éé").utf8)
    let (output, source) = try transcoded(input, chunkSize: chunkSize)
    #expect(output == input)
    #expect(source.encoding == .utf8)
    #expect(!source.fellBackFromUTF8)
  }

  @Test func onlyTheFirst64KiBDecide() throws {
    // Past the first 64 KiB, bytes pass through as they are: CSV reading reports bad UTF-8 per cell.
    let input = Array(String(repeating: "a", count: 70_000).utf8) + [0xE9]
    let (output, source) = try transcoded(input, chunkSize: 4096)
    #expect(output == input)
    #expect(source.encoding == .utf8)
    let early = try transcoded([0x41, 0xE9] + Array(String(repeating: "a", count: 70_000).utf8), chunkSize: 4096)
    #expect(early.source.fellBackFromUTF8)
    #expect(early.bytes.count == 70_003)
  }

  @Test func detectCanBeAskedBeforeReading() throws {
    let source = TranscodingSource(upstream: MemorySource([0x52, 0xE9]), displayName: "x")
    #expect(source.encoding == nil)
    #expect(try source.detect() == .windows1252)
    #expect(source.fellBackFromUTF8)
    #expect(try drain(source) == Array("Ré".utf8))
  }

  @Test(arguments: [
    ("utf-8", TextEncoding.utf8), ("UTF8", .utf8), ("utf-16le", .utf16LE), ("UTF-16BE", .utf16BE),
    ("windows-1252", .windows1252), ("CP1252", .windows1252), ("ISO-8859-1", .windows1252),
    ("latin1", .windows1252), (" Windows-1252 ", .windows1252),
  ])
  func charsetNames(name: String, expected: TextEncoding) {
    #expect(TextEncoding(charsetName: name) == expected)
  }

  @Test func unknownCharsetName() {
    #expect(TextEncoding(charsetName: "shift_jis") == nil)
    #expect(TextEncoding(charsetName: "US-ASCII") == nil)
  }

  @Test func fixturesInOtherEncodingsReadLikeTheUTF8One() throws {
    func rows(_ name: String) throws -> [[String]] {
      let path = TestSupport.fixtures.appendingPathComponent("inputs/\(name)").path
      let text = TranscodingSource(upstream: try InputFile(path: path), displayName: path)
      let reader = CSVRecordReader(source: text, displayName: path, delimiter: UInt8(ascii: ";"))
      var all = [try reader.readHeader().headers]
      while let record = try reader.next() { all.append(record.lossyStrings) }
      return all
    }
    let utf8 = try rows("semicolon.csv")
    #expect(utf8.count == 4)
    #expect(try rows("windows-1252.txt") == utf8)
    var utf16 = try rows("utf16le-bom.txt")
    #expect(utf16[3][3] == "Paid 5 € 😀")
    utf16[3][3] = "Paid 5 €"
    #expect(utf16 == utf8)
  }
}
