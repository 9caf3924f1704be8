import Foundation
import RosterCore
import RosterTestSupport
import Testing

@testable import RosterXLSXInput

/// The XLSX fixtures, made by `Fixtures/xlsx/make_fixtures.py`.
let xlsxFixtures = TestSupport.fixtures.appendingPathComponent("xlsx")

func fixture(_ name: String) -> String { xlsxFixtures.appendingPathComponent(name).path }

/// Every row of a sheet, header first, as (line, cells).
func readAll(_ path: String, sheet: String? = nil, limits: XLSXInputLimits = .init()) throws -> [(Int, [String])] {
  let reader = try XLSXRowReader(path: path, displayName: "test.xlsx", sheet: sheet, limits: limits)
  let header = try reader.readHeader()
  var rows = [(header.line, header.headers)]
  while let row = try reader.next() { rows.append((row.line, row.cells)) }
  return rows
}

/// The Python with openpyxl: `ROSTER_PYTHON`, else `.build-venv/bin/python` under the package root.
func referencePython() -> URL? {
  if let path = ProcessInfo.processInfo.environment["ROSTER_PYTHON"] { return URL(fileURLWithPath: path) }
  let venv = TestSupport.packageRoot.appendingPathComponent(".build-venv/bin/python")
  return FileManager.default.isExecutableFile(atPath: venv.path) ? venv : nil
}

struct ReferenceReading: Decodable {
  struct Row: Decodable {
    var line: Int
    var cells: [String]
  }
  var sheets: [String]
  var rows: [Row]
}

/// openpyxl's reading of `path` through `Fixtures/xlsx/read_reference.py`.
func openpyxlReading(_ path: String, sheet: String? = nil) throws -> ReferenceReading? {
  guard let python = referencePython() else {
    Issue.record("no Python with openpyxl: set ROSTER_PYTHON or create .build-venv (scripts/test does)")
    return nil
  }
  let script = xlsxFixtures.appendingPathComponent("read_reference.py").path
  let result = try TestSupport.run(python, [script, path] + (sheet.map { [$0] } ?? []))
  try #require(result.status == 0, "openpyxl failed: \(result.stderrText)")
  return try JSONDecoder().decode(ReferenceReading.self, from: result.stdout)
}

@Suite("XLSXRowReader against openpyxl")
struct XLSXReferenceTests {
  @Test(
    "every cell equals openpyxl's value",
    arguments: [
      ("contacts.xlsx", nil), ("contacts.xlsx", "Second Sheet"), ("inline.xlsx", nil),
      ("shared-strings.xlsx", nil), ("shared-strings.xlsx", "Other"),
    ] as [(String, String?)])
  func matchesOpenpyxl(file: String, sheet: String?) throws {
    guard let reference = try openpyxlReading(fixture(file), sheet: sheet) else { return }
    let rows = try readAll(fixture(file), sheet: sheet)
    #expect(rows.map(\.0) == reference.rows.map(\.line))
    for (row, expected) in zip(rows, reference.rows) {
      #expect(row.1 == expected.cells, "line \(expected.line)")
    }
    let reader = try XLSXRowReader(path: fixture(file), displayName: file)
    #expect(reader.sheetNames == reference.sheets)
  }

  @Test("a generated 100,000-row sheet streams, equal to openpyxl row by row")
  func largeSheet() throws {
    guard let python = referencePython() else {
      Issue.record("no Python with openpyxl: set ROSTER_PYTHON or create .build-venv")
      return
    }
    let directory = try TestSupport.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let path = directory.appendingPathComponent("large.xlsx").path
    let script = """
      import sys, datetime, openpyxl
      wb = openpyxl.Workbook(write_only=True)
      ws = wb.create_sheet("Big")
      ws.append(["name", "phone", "score", "joined"])
      base = datetime.date(2020, 1, 1)
      for i in range(100000):
          ws.append([f"Person {i}", 447700000000 + i, i / 8, base + datetime.timedelta(days=i % 3000)])
      wb.save(sys.argv[1])
      """
    let made = try TestSupport.run(python, ["-c", script, path])
    try #require(made.status == 0, "\(made.stderrText)")
    let reader = try XLSXRowReader(path: path, displayName: "large.xlsx")
    #expect(try reader.readHeader().headers == ["name", "phone", "score", "joined"])
    var count = 0
    while let (cells, line, _) = try reader.next() {
      if count == 0 || count == 99_999 || count == 12_345 {
        let i = count
        let day = Calendar(identifier: .gregorian).date(
          byAdding: .day, value: i % 3000,
          to: DateComponents(calendar: .init(identifier: .gregorian), timeZone: .gmt, year: 2020, month: 1, day: 1)
            .date!)!
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .gmt
        let c = calendar.dateComponents([.year, .month, .day], from: day)
        let iso = String(format: "%04d-%02d-%02d", c.year!, c.month!, c.day!)
        #expect(cells == ["Person \(i)", String(447_700_000_000 + i), CellRendering.positional(Double(i) / 8), iso])
        #expect(line == i + 2)
      }
      count += 1
    }
    #expect(count == 100_000)
  }
}

@Suite("XLSXRowReader rules")
struct XLSXRuleTests {
  @Test("a phone stored as a number keeps its digits")
  func phoneDigits() throws {
    let rows = try readAll(fixture("contacts.xlsx"))
    #expect(rows[1].1[2] == "447911123456")
    #expect(rows[2].1[2] == "14155550123")
    let inline = try readAll(fixture("inline.xlsx"))
    #expect(inline[3].1[1] == "447911123456")  // written as 4.47911123456E+11
  }

  @Test("dates, date-times and times come out as ISO 8601")
  func dates() throws {
    let rows = try readAll(fixture("contacts.xlsx"))
    #expect(Array(rows[1].1[5...7]) == ["2024-03-01", "2024-03-01T13:45:07", "06:30:00"])
    #expect(rows[3].1[5] == "9999-12-31")
    let shared = try readAll(fixture("shared-strings.xlsx"))
    #expect(shared[1].1 == ["Grace Hopper", "1905-01-01", "2024-03-01T12:00:00"])  // the 1904 system
  }

  @Test(
    "numbers render without exponent or lost digits",
    arguments: [
      ("447911123456", "447911123456"), ("4.47911123456E+11", "447911123456"), ("2.5", "2.5"),
      ("1e-05", "0.00001"), ("1.5e+20", "150000000000000000000"), ("-42", "-42"), ("007", "7"),
      ("0.1", "0.1"), ("-0", "0"), ("123456789012345678901234", "123456789012345678901234"),
      ("0.30000000000000004", "0.30000000000000004"), ("-1.25E-3", "-0.00125"), ("447911123456.0", "447911123456"),
    ])
  func numbers(text: String, expected: String) {
    #expect(CellRendering.number(Array(text.utf8)[...]) == expected)
  }

  @Test(
    "format codes are classified like openpyxl",
    arguments: [
      ("yyyy-mm-dd", NumberDisplay.date), ("yyyy-mm-dd hh:mm:ss", .dateTime), ("hh:mm", .time),
      ("0.00", .number), ("\"days\" 0", .number), ("[Red]0.00", .number), ("[h]:mm:ss", .time),
      ("d-mmm-yy", .date), ("General", .number), ("0.00_);[Red](0.00)", .number),
    ])
  func formats(code: String, expected: NumberDisplay) {
    #expect(CellRendering.display(formatCode: code) == expected)
  }

  @Test("_xHHHH_ escapes are decoded as Excel shows them")
  func escapes() {
    #expect(CellRendering.decodeEscapes(Array("a_x000D_b_x005F_x0041_".utf8)) == "a\rb_x0041_")
    #expect(CellRendering.decodeEscapes(Array("_xD83D__xDE00_".utf8)) == "😀")
  }

  @Test("sparse cells are filled, empty rows skipped, lines are sheet row numbers")
  func sparse() throws {
    let rows = try readAll(fixture("contacts.xlsx"))
    #expect(rows.map(\.0) == [1, 2, 3, 4, 5, 7, 8, 12])
    #expect(rows[6].1 == ["Sparse", "", "", "", "", "", "", "", "only last"])
    #expect(rows[7].1 == ["Far Row", "", "+44 20 7946 0958", "", "0.0000001"])
  }

  @Test("a second sheet by name; the sheet names in workbook order")
  func namedSheet() throws {
    let reader = try XLSXRowReader(path: fixture("contacts.xlsx"), displayName: "c.xlsx", sheet: "Second Sheet")
    #expect(reader.sheetNames == ["Contacts", "Second Sheet", "Empty"])
    #expect(try reader.readHeader().headers == ["id", "label", "amount"])
    #expect(try reader.next()?.cells == ["1", "label 1", "1.25"])
  }

  @Test("an unknown sheet name fails, listing the sheets")
  func unknownSheet() {
    #expect {
      _ = try XLSXRowReader(path: fixture("contacts.xlsx"), displayName: "c.xlsx", sheet: "Nope")
    } throws: { error in
      guard let error = error as? RosterError else { return false }
      return error.code == .input && error.description.contains("\"Contacts\", \"Second Sheet\", \"Empty\"")
    }
  }

  @Test("an empty sheet has no header")
  func emptySheet() throws {
    let reader = try XLSXRowReader(path: fixture("contacts.xlsx"), displayName: "c.xlsx", sheet: "Empty")
    #expect(throws: RosterError.self) { try reader.readHeader() }
  }
}

@Suite("XLSXRowReader on hostile and broken input")
struct XLSXHostileTests {
  /// Reads every row and returns the error, which must be `RosterError(.input)`.
  func failure(_ path: String, limits: XLSXInputLimits = .init()) -> RosterError? {
    do {
      _ = try readAll(path, limits: limits)
      return nil
    } catch let error as RosterError {
      return error
    } catch {
      return nil
    }
  }

  @Test(
    "broken files fail cleanly with an input error",
    arguments: [
      ("not-a-zip.xlsx", "not an XLSX workbook"), ("not-a-workbook.xlsx", "no xl/workbook.xml"),
      ("zip-bomb.xlsx", "compression-ratio limit"), ("missing.xlsx", "cannot open"),
    ])
  func broken(file: String, message: String) throws {
    let error = try #require(failure(fixture(file)))
    #expect(error.code == .input)
    #expect(error.description.contains(message), "\(error)")
    #expect(error.file == "test.xlsx")
  }

  @Test("the total decompressed size is limited")
  func totalLimit() throws {
    let error = try #require(failure(fixture("contacts.xlsx"), limits: .init(maxDecompressedBytes: 4096)))
    #expect(error.code == .input)
    #expect(error.description.contains("decompressed"), "\(error)")
  }

  @Test("the ratio limit can be raised, and the bomb then trips the size limit")
  func bombSizeLimit() throws {
    let limits = XLSXInputLimits(maxDecompressedBytes: 4 << 20, maxRatio: 100_000)
    let error = try #require(failure(fixture("zip-bomb.xlsx"), limits: limits))
    #expect(error.description.contains("decompressed"), "\(error)")
  }

  @Test("every truncation and every corrupted byte range fails cleanly")
  func truncatedAndCorrupted() throws {
    let original = try Data(contentsOf: xlsxFixtures.appendingPathComponent("contacts.xlsx"))
    let directory = try TestSupport.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let path = directory.appendingPathComponent("broken.xlsx").path
    for cut in stride(from: 0, to: original.count, by: 97) {
      _ = FileManager.default.createFile(atPath: path, contents: original.prefix(cut))
      #expect(failure(path)?.code == .input, "truncated at \(cut)")
    }
    // Overwrite 16 bytes at a time: either an error or (if the bytes were unused) a normal read.
    for at in stride(from: 0, to: original.count - 16, by: 61) {
      var bytes = original
      for k in at..<(at + 16) { bytes[k] = bytes[k] ^ 0x5A }
      _ = FileManager.default.createFile(atPath: path, contents: bytes)
      do {
        _ = try readAll(path)
      } catch let error as RosterError {
        #expect(error.code == .input || error.code == .header)
      }
    }
  }
}

@Suite("XLSXRowReader cell limits")
struct XLSXCellLimitTests {
  /// Writes `rows` as a workbook and reads it with the given cell limits: each data row's line, cells
  /// and the limit it went over.
  func read(
    _ rows: [[String]], sharedStrings: Bool, field: Int = 1 << 20, columns: Int = 4096, row: Int = 16 << 20
  ) throws -> [(line: Int, cells: [String], violation: LimitViolation?)] {
    let directory = try TestSupport.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let url = directory.appendingPathComponent("limits.xlsx")
    try TestSupport.writeWorkbook(rows, sharedStrings: sharedStrings, to: url)
    var limits = XLSXInputLimits()
    limits.rows.maxFieldBytes = field
    limits.rows.maxColumns = columns
    limits.rows.maxRowBytes = row
    let reader = try XLSXRowReader(path: url.path, displayName: "limits.xlsx", limits: limits)
    _ = try reader.readHeader()
    var all: [(line: Int, cells: [String], violation: LimitViolation?)] = []
    while let next = try reader.next() { all.append((next.line, next.cells, next.limitViolation)) }
    return all
  }

  @Test(arguments: [false, true])
  func aCellOverTheFieldLimitSkipsItsRow(sharedStrings: Bool) throws {
    let rows = [
      ["name", "note"], ["a", String(repeating: "x", count: 10)], ["b", String(repeating: "y", count: 9)],
      ["c", String(repeating: "z", count: 11), "more"], ["d", "ok"],
    ]
    let all = try read(rows, sharedStrings: sharedStrings, field: 10)
    #expect(all.map(\.line) == [2, 3, 4, 5])
    #expect(all.map(\.violation?.kind) == [nil, nil, .fieldBytes, nil])
    #expect(all[2].violation?.column == 1)
    #expect(all[2].cells.isEmpty)
    #expect(all[1].cells == ["b", String(repeating: "y", count: 9)])
    #expect(all[3].cells == ["d", "ok"])
  }

  @Test func aRowWiderThanTheColumnLimitIsSkipped() throws {
    let rows = [["a", "b", "c"], ["1", "2", "3"], ["1", "2"], ["1", "2", "3", "4"], ["1", "2", "3", ""], ["4"]]
    let all = try read(rows, sharedStrings: false, columns: 3)
    #expect(all.map(\.violation?.kind) == [nil, nil, .columns, nil, nil])
    #expect(all[2].violation?.column == 3)
  }

  @Test func aRowOverTheRowLimitIsSkipped() throws {
    let rows = [["h1", "h2"], ["12345", "67890"], ["1234", "67890"], ["12345", "678901"], ["x", "y"]]
    let all = try read(rows, sharedStrings: true, row: 10)
    #expect(all.map(\.violation?.kind) == [nil, nil, .rowBytes, nil])
  }

  @Test func aHeaderOverALimitIsAHeaderError() throws {
    let error = #expect(throws: RosterError.self) {
      _ = try read([["name", String(repeating: "n", count: 11)], ["a", "b"]], sharedStrings: false, field: 10)
    }
    #expect(error?.code == .header)
    #expect(error?.line == 1)
    #expect(error?.message.contains("(column B)") == true, "\(String(describing: error))")
    #expect(error?.message.contains("--max-field-bytes") == true)
  }
}

@Suite("XLSX input is read, never run")
struct XLSXInputRunsNothingTests {
  /// `contacts.xlsx` rewritten with Python's zipfile: `edit` is Python that changes `parts` (name to
  /// bytes) before they are written back; returns the new workbook's path.
  private func rewritten(_ edit: String, in directory: URL) throws -> String {
    let path = directory.appendingPathComponent("edited.xlsx").path
    let script = """
      import sys, zipfile
      source = zipfile.ZipFile(sys.argv[1])
      parts = {name: source.read(name) for name in source.namelist()}
      \(edit)
      with zipfile.ZipFile(sys.argv[2], 'w', zipfile.ZIP_DEFLATED) as out:
          for name, data in parts.items():
              out.writestr(name, data)
      """
    let result = try TestSupport.python(script, [fixture("contacts.xlsx"), path])
    try #require(result.status == 0, "\(result.stderrText)")
    return path
  }

  private func error(reading path: String) -> RosterError? {
    do {
      _ = try readAll(path)
      return nil
    } catch {
      return error as? RosterError
    }
  }

  @Test(arguments: ["xl/worksheets/sheet1.xml", "xl/workbook.xml", "xl/styles.xml"])
  func aDTDIsRefusedSoNoExternalEntityIsFetchedOrExpanded(part: String) throws {
    let directory = try TestSupport.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let path = try rewritten(
      """
      doctype = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd"><!ENTITY a "aaaa">]>'
      parts['\(part)'] = doctype + parts['\(part)'].replace(b'<t>Ada Lovelace</t>', b'<t>&xxe;&a;</t>')
      """, in: directory)
    let failure = try #require(error(reading: path), "a workbook with a DTD in \(part) was read")
    #expect(failure.code == .input)
    #expect("\(failure)".contains("DTDs and declarations are not allowed"), "\(failure)")
  }

  @Test func formulaCellsGiveTheirStoredValueAndMacroOrLinkPartsAreNeverOpened() throws {
    let directory = try TestSupport.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let path = try rewritten(
      """
      sheet = parts['xl/worksheets/sheet1.xml']
      sheet = sheet.replace(b'<c r="A2" t="inlineStr"><is><t>Ada Lovelace</t></is></c>',
          b'<c r="A2" t="str"><f>WEBSERVICE("http://evil.example/")</f><v>Ada Lovelace</v></c>')
      sheet = sheet.replace(b'<c r="D2" t="n"><v>2.5</v></c>', b'<c r="D2" t="n"><f>1+1</f><v>2.5</v></c>')
      assert sheet.count(b'<f>') == 2
      parts['xl/worksheets/sheet1.xml'] = sheet
      parts['xl/vbaProject.bin'] = b'\\x00 not a VBA project'
      parts['xl/externalLinks/externalLink1.xml'] = b'<!DOCTYPE x><<< not XML'
      """, in: directory)
    let original = try readAll(fixture("contacts.xlsx"))
    let edited = try readAll(path)
    #expect(edited.map(\.0) == original.map(\.0))
    #expect(edited.map(\.1) == original.map(\.1))
    #expect(edited.count > 1 && edited[1].1.first == "Ada Lovelace")
  }
}
