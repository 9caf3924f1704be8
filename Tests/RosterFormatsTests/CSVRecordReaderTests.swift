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

  /// Records handed to other threads (`copiesRecords`) hold storage of their own size: after one
  /// wide, long record has grown the reader's buffers, each later short record must not keep a
  /// buffer of that grown size alive (that cost about 25 KB a row in flight with two threads).
  @Test func copiedRecordsKeepOnlyTheirOwnSize() throws {
    let wide = (0..<500).map { "c\($0)" }.joined(separator: ",") + "," + String(repeating: "x", count: 50_000)
    let input = wide + "\n" + (0..<200).map { "r\($0),s\($0)\n" }.joined()
    for copies in [true, false] {
      let reader = CSVRecordReader(source: MemorySource(Array(input.utf8)), displayName: "test.csv")
      reader.copiesRecords = copies
      var kept: [CSVRecord] = []
      while let record = try reader.next() { kept.append(record) }
      #expect(kept.count == 201)
      #expect(kept[0].count == 501 && kept[0].bytes.count > 50_000)
      let short = kept.dropFirst()
      #expect(short.enumerated().allSatisfy { cells($1) == ["r\($0)", "s\($0)"] }, "copies: \(copies)")
      if copies {
        #expect(
          short.allSatisfy { $0.bytes.capacity < 256 && $0.ends.capacity < 64 }, "copied records keep grown buffers")
      }
    }
  }

  @Test(arguments: [1, 2, 3, 5, 65_536])
  func cellsMatchAcrossReadSizes(chunkSize: Int) throws {
    for (input, expected) in Self.cases {
      let got = try records(Array(input.utf8), chunkSize: chunkSize).map(cells)
      #expect(got == expected, "input \(input.debugDescription) with reads of \(chunkSize)")
    }
  }

  /// Cells are scanned eight bytes at a time: a delimiter, line break or quote at any offset in and
  /// across an 8-byte word ends the cell where it should, and line breaks inside quotes are counted.
  @Test(arguments: [1, 5, 65_536])
  func separatorsAreFoundAtEveryOffsetInLongCells(chunkSize: Int) throws {
    var input = ""
    var expected: [[String]] = []
    var lines: [Int] = []
    var line = 1
    for length in 0..<20 {
      let a = String(repeating: "a", count: length)
      let b = String(repeating: "b", count: 19 - length)
      for end in ["\n", "\r\n", "\r"] {
        input += a + "," + b + end
        expected.append([a, b])
        lines.append(line)
        line += 1
      }
      input += "\"" + a + "\"\"" + b + "\r\n" + a + "\"," + b + a + "\n"
      expected.append([a + "\"" + b + "\r\n" + a, b + a])
      lines.append(line)
      line += 2
    }
    let read = try records(Array(input.utf8), chunkSize: chunkSize)
    #expect(read.map(cells) == expected)
    #expect(read.map(\.position.line) == lines)
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

  /// A reader over `text` with the given limits.
  private func reader(
    _ text: String, chunkSize: Int = .max, field: Int = 1 << 20, columns: Int = 4096, row: Int = 16 << 20
  ) -> CSVRecordReader<MemorySource> {
    var limits = InputLimits()
    limits.maxFieldBytes = field
    limits.maxColumns = columns
    limits.maxRowBytes = row
    return CSVRecordReader(
      source: MemorySource(Array(text.utf8), chunkSize: chunkSize), displayName: "t.csv", limits: limits)
  }

  private func all(_ reader: CSVRecordReader<MemorySource>) throws -> [CSVRecord] {
    var records: [CSVRecord] = []
    while let record = try reader.next() { records.append(record) }
    return records
  }

  @Test(arguments: [1, 7, 65_536])
  func aCellOverTheFieldLimitSkipsItsRecordAndKeepsLinesCounted(chunkSize: Int) throws {
    let x = { (count: Int) in String(repeating: "x", count: count) }
    let text =
      "name,note\na,\(x(100))\nb,\(x(99))\nc,\(x(101)),more\n\"d\",\"\(x(60))\n\(x(60))\"\ne,ok\r\n\"f\r\n\",\(x(101))"
    let csv = reader(text, chunkSize: chunkSize, field: 100)
    #expect(try csv.readHeader().headers == ["name", "note"])
    let records = try all(csv)
    #expect(records.map(\.position) == [(0, 2), (1, 3), (2, 4), (3, 5), (4, 7), (5, 8)].map(RowPosition.init))
    #expect(records.map(\.limitViolation?.kind) == [nil, nil, .fieldBytes, .fieldBytes, nil, .fieldBytes])
    #expect(records[2].limitViolation?.column == 1)
    #expect(records[2].limitViolation?.byteOffset == 10 + 103 + 102 + 2)
    #expect(records[2].count == 0 && records[2].bytes.isEmpty)
    #expect(records[3].limitViolation?.line == 5)
    #expect(records[4].lossyStrings == ["e", "ok"])
    #expect(records[5].limitViolation?.column == 1)
  }

  @Test func aRecordWithTooManyCellsIsSkipped() throws {
    let csv = reader("a,b,c\n1,2,3\n1,2\n1,2,3,4\n,,,,,,,,\n4,5,6\n", columns: 3)
    #expect(try csv.readHeader().headers == ["a", "b", "c"])
    let records = try all(csv)
    #expect(records.map(\.limitViolation?.kind) == [nil, nil, .columns, .columns, nil])
    #expect(records[2].limitViolation?.column == 3)
    #expect(records.map(\.position.line) == [2, 3, 4, 5, 6])
    #expect(records[4].lossyStrings == ["4", "5", "6"])
    let header = reader("a,b,c,d\n1,2,3,4\n", columns: 3)
    let error = #expect(throws: RosterError.self) { _ = try header.readHeader() }
    #expect(error?.code == .header)
    #expect(error?.message.contains("has more than 3 cells") == true)
    #expect(error?.message.contains("--max-columns") == true)
  }

  @Test func aRecordOverTheRowLimitIsSkipped() throws {
    // 10 bytes of cells: at the limit; 9: under; 11: over.
    let csv = reader("h1,h2\n12345,67890\n1234,67890\n12345,678901\n\"12345\",\"6789\"\"\"\nx,y\n", row: 10)
    _ = try csv.readHeader()
    let records = try all(csv)
    #expect(records.map(\.limitViolation?.kind) == [nil, nil, .rowBytes, nil, nil])
    #expect(records[3].lossyStrings == ["12345", "6789\""])
  }

  @Test func aHeaderOverALimitStopsTheRunWithItsPosition() {
    let csv = reader("\n\nname," + String(repeating: "n", count: 101) + "\na,b\n", field: 100)
    let error = #expect(throws: RosterError.self) { _ = try csv.readHeader() }
    #expect(error?.line == 3)
    #expect(error?.file == "t.csv")
    #expect(error?.message.contains("(column 2) starting at byte offset 2") == true, "\(String(describing: error))")
    #expect(error?.message.contains("--max-field-bytes") == true)
  }

  @Test func aRunawayQuoteOverTheLimitIsOneRowWithBothProblems() throws {
    let csv = reader("a,b\n1,2\n3,\"open\n" + String(repeating: "x\n", count: 200), chunkSize: 3, field: 100)
    _ = try csv.readHeader()
    let records = try all(csv)
    #expect(records.count == 2)
    #expect(records[1].limitViolation?.kind == .fieldBytes)
    #expect(records[1].unterminatedQuoteLine == 3)
  }

  /// A gigantic cell comes from a source that makes its bytes on the fly; the reader skips it
  /// without holding it and reads on.
  @Test func aHugeGeneratedCellIsSkippedAndTheNextRowRead() throws {
    let size = 64 << 20
    let csv = CSVRecordReader(
      source: GeneratedSource(
        prefix: Array("name,note\na,".utf8), fill: UInt8(ascii: "x"), count: size,
        suffix: Array("\nb,ok\n".utf8)),
      displayName: "gen.csv")
    _ = try csv.readHeader()
    let first = try #require(try csv.next())
    #expect(first.limitViolation?.kind == .fieldBytes)
    #expect(first.bytes.isEmpty)
    #expect(try csv.next()?.lossyStrings == ["b", "ok"])
    #expect(try csv.next() == nil)
    #expect(csv.bytesRead == 12 + size + 6)
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
