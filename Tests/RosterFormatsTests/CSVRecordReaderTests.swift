import Foundation
import RosterCore
import RosterFormats
import RosterTestSupport
import Testing

/// Reads every record of `text` with reads capped at `chunkSize` bytes.
private func records(_ bytes: [UInt8], chunkSize: Int = .max) throws -> [CSVRecord] {
  let reader = CSVRecordReader(source: MemorySource(bytes, chunkSize: chunkSize), displayName: "test.csv")
  var all: [CSVRecord] = []
  while let record = try reader.next() { all.append(record) }
  return all
}

private func cells(_ record: CSVRecord) -> [String] { record.lossyStrings }

@Suite("CSV record reader")
struct CSVRecordReaderTests {
  /// Inputs and the cells they must give, whatever the read size.
  static let cases: [(String, [[String]])] = [
    ("a,b\n1,2\n", [["a", "b"], ["1", "2"]]),
    ("a,b\r\n1,2\r\n", [["a", "b"], ["1", "2"]]),
    ("a,b\r1,2\r", [["a", "b"], ["1", "2"]]),
    ("a,b\n1,2", [["a", "b"], ["1", "2"]]),
    ("\u{FEFF}a,b\n1,2\n", [["a", "b"], ["1", "2"]]),
    ("a\n\n\r\n\r1\n", [["a"], ["1"]]),
    ("\"x,y\",\"he said \"\"hi\"\"\"\n", [["x,y", "he said \"hi\""]]),
    ("\"line\r\nbreak\",z\n", [["line\r\nbreak", "z"]]),
    ("a,,\n", [["a", "", ""]]),
    (",\n", [["", ""]]),
    ("\"\"\n", [[""]]),
    ("ab\"c,d\n", [["ab\"c", "d"]]),
    ("\"ab\"c,d\n", [["abc", "d"]]),
    ("é,日本\n", [["é", "日本"]]),
  ]

  @Test(arguments: [1, 2, 3, 5, 65_536])
  func cellsMatchAcrossReadSizes(chunkSize: Int) throws {
    for (input, expected) in Self.cases {
      let got = try records(Array(input.utf8), chunkSize: chunkSize).map(cells)
      #expect(got == expected, "input \(input.debugDescription) with reads of \(chunkSize)")
    }
  }

  @Test(arguments: [1, 2, 3, 7, 65_536])
  func invalidUTF8IsLocatedByItsByteOffsetInTheInput(chunkSize: Int) throws {
    // A BOM, a header, then bad bytes in an unquoted cell and in a quoted one after doubled quotes.
    let input: [UInt8] =
      [0xEF, 0xBB, 0xBF] + Array("Name,Note\r\nZo".utf8) + [0xE9] + Array(",\"a\"\"b\"\"".utf8) + [0xFF]
      + Array("\"\n".utf8)
    let python = [16, 25]  // Python: bytes.index(0xE9), bytes.index(0xFF)
    #expect(input[python[0]] == 0xE9 && input[python[1]] == 0xFF)
    let reader = CSVRecordReader(source: MemorySource(input, chunkSize: chunkSize), displayName: "t")
    _ = try reader.readHeader()
    let record = try #require(try reader.next())
    #expect(record.string(at: 0) == nil && record.string(at: 1) == nil)
    #expect(record.inputOffsetOfInvalidUTF8(at: 0) == python[0])
    #expect(record.inputOffsetOfInvalidUTF8(at: 1) == python[1])
  }

  @Test func positionsCountDataRowsAndStartingLines() throws {
    let input = "h1,h2\n\n\"a\nb\",c\r\nd,e\rf,g"
    let reader = CSVRecordReader(source: MemorySource(Array(input.utf8), chunkSize: 2), displayName: "t")
    let header = try reader.readHeader()
    #expect(header.headers == ["h1", "h2"])
    #expect(header.line == 1)
    var positions: [RowPosition] = []
    while let record = try reader.next() { positions.append(record.position) }
    #expect(
      positions == [
        RowPosition(index: 0, line: 3), RowPosition(index: 1, line: 5), RowPosition(index: 2, line: 6),
      ])
  }

  @Test func unterminatedQuoteNamesTheLineWhereItOpened() throws {
    let all = try records(Array("a,b\n1,2\n3,\"open\nstill\nopen\n".utf8), chunkSize: 3)
    #expect(all.count == 3)
    #expect(all[2].unterminatedQuoteLine == 3)
    #expect(all[1].unterminatedQuoteLine == nil)
  }

  @Test func invalidUTF8IsReportedPerCell() throws {
    let all = try records([0x61, 0x2C, 0xE9, 0x0A])
    #expect(all[0].string(at: 0) == "a")
    #expect(all[0].string(at: 1) == nil)
  }

  @Test func recordLargerThanTheLimitStopsWithItsLine() throws {
    let input = Array("a\n\"\(String(repeating: "x", count: 100))".utf8)
    let reader = CSVRecordReader(source: MemorySource(input), displayName: "big.csv", maxRecordBytes: 50)
    #expect(try reader.next()?.lossyStrings == ["a"])
    let error = #expect(throws: RosterError.self) { _ = try reader.next() }
    #expect(error?.line == 2)
    #expect(error?.file == "big.csv")
  }

  @Test func emptyInputHasNoHeader() {
    let reader = CSVRecordReader(source: MemorySource([UInt8]()), displayName: "empty.csv")
    #expect(throws: RosterError.self) { _ = try reader.readHeader() }
  }

  /// Python's `csv` module is the reference reading: every fixture must give the same cells
  /// (Python yields `[]` for blank lines, which Roster skips).
  @Test func everyFixtureReadsLikePythonCSV() throws {
    let script = """
      import csv, json, sys
      with open(sys.argv[1], encoding='utf-8-sig', errors='surrogateescape', newline='') as f:
          rows = [[c.encode('utf-8', 'surrogateescape').hex() for c in r] for r in csv.reader(f) if r]
      print(json.dumps(rows))
      """
    let files = try FileManager.default.subpathsOfDirectory(atPath: TestSupport.fixtures.path)
      .filter { $0.hasSuffix(".csv") }.sorted()
    #expect(!files.isEmpty)
    for file in files {
      let url = TestSupport.fixtures.appendingPathComponent(file)
      let python = try TestSupport.python(script, [url.path])
      #expect(python.status == 0, "python failed on \(file): \(python.stderrText)")
      let expected = try JSONDecoder().decode([[String]].self, from: python.stdout)
      let ours = try records(Array(try Data(contentsOf: url))).map { record in
        (0..<record.count).map { index -> String in
          let start = index == 0 ? 0 : record.ends[index - 1]
          return record.bytes[start..<record.ends[index]].map { String(format: "%02x", $0) }.joined()
        }
      }
      #expect(ours == expected, "\(file) reads differently from Python's csv")
    }
  }
}
