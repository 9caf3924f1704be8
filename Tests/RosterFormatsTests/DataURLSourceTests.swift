import Foundation
import RosterCore
import RosterFormats
import RosterTestSupport
import Testing

/// Every byte a data URL decodes to, read through upstream reads of at most `chunkSize` bytes and
/// downstream reads of `readSize` bytes.
private func decoded(
  _ url: [UInt8], chunkSize: Int = .max, readSize: Int = 1 << 16, maxEncodedBytes: Int = 7_500_000
) throws -> [UInt8] {
  let source = DataURLSource(
    upstream: MemorySource(url, chunkSize: chunkSize), displayName: "export.txt", maxEncodedBytes: maxEncodedBytes)
  return try drain(source, readSize: readSize)
}

/// Reads `source` to its end, `readSize` bytes at a time.
func drain(_ source: some ByteSource, readSize: Int = 1 << 16) throws -> [UInt8] {
  var source = source
  var all: [UInt8] = []
  var buffer = [UInt8](repeating: 0, count: readSize)
  while true {
    let count = try buffer.withUnsafeMutableBytes { (raw) throws(RosterError) -> Int in try source.read(into: raw) }
    if count == 0 { return all }
    all += buffer[0..<count]
  }
}

/// The error a data URL raises, or `nil` when it decodes.
private func failure(_ url: String, chunkSize: Int = .max, maxEncodedBytes: Int = 7_500_000) -> RosterError? {
  do {
    _ = try decoded(Array(url.utf8), chunkSize: chunkSize, maxEncodedBytes: maxEncodedBytes)
    return nil
  } catch {
    return error as? RosterError
  }
}

@Suite("Data URL source")
struct DataURLSourceTests {
  static let chunkSizes = [1, 2, 3, 5, 7, 65_536]
  static let csv = Array(
    "name,email\r\nZoë Renée,zoe@example.fr\r\nJosé Núñez,jose@example.es\r\n€ fund,f@x.io\r\n".utf8)

  @Test(arguments: chunkSizes)
  func base64WithLineBreaksAndSpacesDecodesAtEveryChunkSize(chunkSize: Int) throws {
    var body = Data(Self.csv).base64EncodedString(options: [
      .lineLength64Characters, .endLineWithCarriageReturn, .endLineWithLineFeed,
    ])
    body.insert(contentsOf: "  \t", at: body.index(body.startIndex, offsetBy: 10))
    body += "\n"
    let url = Array("data:text/csv;base64,\(body)".utf8)
    for readSize in [1, 3, 65_536] {
      #expect(try decoded(url, chunkSize: chunkSize, readSize: readSize) == Self.csv)
    }
  }

  @Test(arguments: chunkSizes)
  func everyPaddingLengthDecodes(chunkSize: Int) throws {
    for length in 0...7 {
      let bytes = (0..<length).map { UInt8(truncatingIfNeeded: 0xF7 &* ($0 + 1)) }
      let url = "data:application/octet-stream;base64,\(Data(bytes).base64EncodedString())"
      #expect(try decoded(Array(url.utf8), chunkSize: chunkSize) == bytes, "length \(length)")
    }
  }

  @Test func base64AgreesWithPython() throws {
    var generator = SystemRandomNumberGenerator()
    let payload = (0..<100_003).map { _ in UInt8.random(in: 0...255, using: &generator) }
    let script = """
      import base64, sys
      data = sys.stdin.buffer.read()
      sys.stdout.write('data:application/octet-stream;base64,' + base64.encodebytes(data).decode())
      """
    let python = try TestSupport.python(script, stdin: Data(payload))
    #expect(python.status == 0, "\(python.stderrText)")
    #expect(python.stdout.count > 130_000)
    for chunkSize in [7, 65_536] {
      #expect(try decoded(Array(python.stdout), chunkSize: chunkSize) == payload)
    }
  }

  @Test(arguments: chunkSizes)
  func percentFormDecodes(chunkSize: Int) throws {
    let url = "data:text/csv;charset=utf-8,name%2Cemail%0D%0AZo%C3%AB,zoe@example.fr%0a100%25 sure,x"
    #expect(
      try decoded(Array(url.utf8), chunkSize: chunkSize)
        == Array("name,email\r\nZoë,zoe@example.fr\n100% sure,x".utf8))
  }

  @Test func invalidBase64CharacterNamesItsByteOffset() throws {
    // `data:;base64,` is 13 bytes; `!` is 3 further in.
    for chunkSize in Self.chunkSizes {
      let error = try #require(failure("data:;base64,QUJ!RA==", chunkSize: chunkSize))
      #expect(error.code == .input)
      #expect(error.message.contains("invalid base64 character '!'"))
      #expect(error.message.contains("byte offset 16"), "\(error.message)")
    }
    let leadingSpace = try #require(failure("\n data:;base64,QUJD\u{7F}"))
    #expect(leadingSpace.message.contains("byte 0x7F at byte offset 19"), "\(leadingSpace.message)")
  }

  @Test func truncatedBase64IsAnErrorWithItsOffset() throws {
    for chunkSize in Self.chunkSizes {
      let error = try #require(failure("data:;base64,QUJD\nRA", chunkSize: chunkSize))
      #expect(error.code == .input)
      #expect(error.message.contains("truncated"))
      #expect(error.message.contains("byte offset 18"), "\(error.message)")
    }
    #expect(failure("data:;base64,QUJDRA=")?.message.contains("truncated") == true)
    #expect(failure("data:;base64,Q===")?.message.contains("byte offset 14") == true)
    #expect(failure("data:;base64,QUI=QUJD")?.message.contains("after its '=' padding at byte offset 17") == true)
    #expect(failure("data:;base64,QUJDRA==\r\n  ") == nil)
  }

  @Test func badPercentEscapeIsAnError() throws {
    let error = try #require(failure("data:,50%off"))
    #expect(error.message.contains("byte offset 8"), "\(error.message)")
    #expect(failure("data:,abc%4")?.message.contains("ends inside the percent escape at byte offset 9") == true)
  }

  @Test func capIsEnforcedAsSoonAsItIsPassed() throws {
    let body = Data(repeating: 0x41, count: 3000).base64EncodedString()
    let url = Array("data:text/csv;base64,\(body)".utf8)
    #expect(try decoded(url, maxEncodedBytes: url.count).count == 3000)
    for chunkSize in [1, 100, 65_536] {
      let source = DataURLSource(
        upstream: MemorySource(url, chunkSize: chunkSize), displayName: "big.txt", maxEncodedBytes: 1000)
      var seen = 0
      var buffer = [UInt8](repeating: 0, count: 64)
      let error = #expect(throws: RosterError.self) {
        while true {
          let count = try buffer.withUnsafeMutableBytes { (raw) throws(RosterError) -> Int in try source.read(into: raw)
          }
          if count == 0 { break }
          seen += count
        }
      }
      #expect(error?.code == .input)
      #expect(error?.file == "big.txt")
      #expect(error?.message.contains("1000") == true)
      #expect(error?.message.contains("--max-data-url-bytes") == true, "\(error?.message ?? "")")
      #expect(seen <= 1000 * 3 / 4, "decoded \(seen) bytes before stopping")
      #expect(source.bytesRead <= 1000 + chunkSize)
    }
    #expect(throws: RosterError.self) { try DataURLSource<MemorySource>.checkSize(7_500_001, displayName: "x") }
    try DataURLSource<MemorySource>.checkSize(7_500_000, displayName: "x")
  }

  @Test func headerGivesMediaTypeAndParameters() throws {
    let source = DataURLSource(
      upstream: MemorySource(
        Array("data:Text/CSV;Charset=UTF-8;name=my%20contacts.csv;base64,QUJD".utf8), chunkSize: 3),
      displayName: "x")
    try source.readHeader()
    #expect(source.mediaType == "text/csv")
    #expect(source.parameters == ["charset": "UTF-8", "name": "my contacts.csv"])
    #expect(source.isBase64)
    #expect(try drain(source) == Array("ABC".utf8))

    let plain = DataURLSource(upstream: MemorySource(Array("data:,hi".utf8)), displayName: "x")
    #expect(try drain(plain) == Array("hi".utf8))
    #expect(plain.mediaType == "text/plain")
    #expect(plain.parameters.isEmpty)
    #expect(!plain.isBase64)

    let charsetOnly = DataURLSource(
      upstream: MemorySource(Array("data:;charset=windows-1252,x".utf8)), displayName: "x")
    try charsetOnly.readHeader()
    #expect(charsetOnly.mediaType == "text/plain")
    #expect(charsetOnly.parameters["charset"] == "windows-1252")
  }

  @Test func malformedHeadersAreErrors() {
    #expect(failure("name,email\n")?.message.contains("does not start with 'data:'") == true)
    #expect(failure("data:text/csv;base64")?.message.contains("no ','") == true)
    #expect(failure("")?.message.contains("is empty") == true)
    #expect(failure("data:csv,x")?.message.contains("type/subtype") == true)
    #expect(failure("data:text/csv;utf8;base64,QUJD")?.message.contains("has no '='") == true)
    #expect(failure("data:" + String(repeating: "a", count: 5000) + ",x")?.message.contains("4096") == true)
  }

  @Test(arguments: [
    ("data:text/csv,a", true), ("DATA:,", true), ("  \r\ndata:", true), ("\u{FEFF}data:", false),
    ("data", false), ("dat:a", false), ("name,email", false), ("", false),
  ])
  func looksLikeDataURL(prefix: String, expected: Bool) {
    #expect(DataURLSource<MemorySource>.looksLikeDataURL(Array(prefix.utf8)) == expected)
  }

  @Test func packageXFixtureReadsAsCSV() throws {
    let path = TestSupport.fixtures.appendingPathComponent("inputs/packagex-data-url.txt").path
    let body = DataURLSource(upstream: try InputFile(path: path), displayName: path)
    try body.readHeader()
    #expect(body.parameters["charset"].flatMap(TextEncoding.init(charsetName:)) == .utf8)
    let reader = CSVRecordReader(source: body, displayName: path)
    #expect(try reader.readHeader().headers == ["name", "email", "phone"])
    var rows: [[String]] = []
    while let record = try reader.next() { rows.append(record.lossyStrings) }
    #expect(
      rows == [["Ann Lee", "ann@example.com", "+44 20 7946 0958"], ["Bob Ray", "bob@example.com", "+1 212 555 0100"]])
  }

  @Test func windows1252DataURLChainsThroughTranscoding() throws {
    let url = Array("data:text/csv;charset=windows-1252,Ren%E9e%3B%80\n".utf8)
    let body = DataURLSource(upstream: MemorySource(url, chunkSize: 2), displayName: "x")
    try body.readHeader()
    let encoding = try #require(body.parameters["charset"].flatMap(TextEncoding.init(charsetName:)))
    let text = TranscodingSource(upstream: body, displayName: "x", encoding: .fixed(encoding))
    #expect(try drain(text) == Array("Renée;€\n".utf8))
  }
}
