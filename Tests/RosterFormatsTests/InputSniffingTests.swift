import Foundation
import RosterCore
import RosterFormats
import RosterTestSupport
import Testing

@Suite("Input sniffing")
struct InputSniffingTests {
  @Test(arguments: [
    ("name,email,phone", ","),
    ("name;email;phone", ";"),
    ("name\temail\tphone", "\t"),
    ("\"Name, full\";Email;Phone", ";"),
    ("\"a;b;c;d\",e,f", ","),
    ("\"a\tb\tc\"\td", "\t"),
    ("a,b;c", ","),
    ("a;b\tc", ";"),
    ("a;b,c\td", ","),
    ("name", ","),
    ("", ","),
    ("a;b;c\nd,e,f,g,h,i", ";"),
    ("a;b;c\r\nd,e,f,g,h,i", ";"),
    ("\"multi\nline,x,y,z\";a;b", ";"),
    ("\u{FEFF}Vorname;Nachname;E-Mail", ";"),
  ])
  func delimiter(line: String, expected: String) {
    let got = InputSniffing.delimiter(ofHeaderLine: Array(line.utf8)[...])
    #expect(got == expected.utf8.first, "\(line.debugDescription)")
  }

  @Test func delimiterReadsOnlyTheSliceGiven() {
    let bytes = Array("a,b\nc;d;e".utf8)
    #expect(InputSniffing.delimiter(ofHeaderLine: bytes[4...]) == UInt8(ascii: ";"))
  }

  @Test(arguments: [
    ("data:text/csv;base64,QUJD", SniffedFormat?.some(.dataURL)),
    ("  DATA:,x", .dataURL),
    ("PK\u{3}\u{4}rest", .zip),
    ("[{\"name\": \"a\"}]", .json),
    ("\u{FEFF}\n  [", .json),
    ("{\"contacts\": []}", .json),
    ("{ \n \"contacts\" : [", .json),
    ("{\"name\":\"a\"}\n{\"name\":\"b\"}", .jsonl),
    ("{\"contactsList\": 1}", .jsonl),
    ("name,email\n", nil),
    ("   ", nil),
    ("", nil),
    (" PK\u{3}\u{4}", nil),
  ])
  func format(prefix: String, expected: SniffedFormat?) {
    #expect(InputSniffing.format(ofPrefix: Array(prefix.utf8)) == expected, "\(prefix.debugDescription)")
  }

  @Test func semicolonCSVReadsWithTheSniffedDelimiter() throws {
    let path = TestSupport.fixtures.appendingPathComponent("inputs/semicolon.csv").path
    let prefix = Array(try Data(contentsOf: URL(fileURLWithPath: path)).prefix(4096))
    #expect(InputSniffing.format(ofPrefix: prefix) == nil)
    let delimiter = InputSniffing.delimiter(ofHeaderLine: prefix[...])
    #expect(delimiter == UInt8(ascii: ";"))
    let reader = CSVRecordReader(source: try InputFile(path: path), displayName: path, delimiter: delimiter)
    #expect(try reader.readHeader().headers == ["Name", "Email", "Phone", "Notes"])
    var rows: [[String]] = []
    while let record = try reader.next() { rows.append(record.lossyStrings) }
    #expect(
      rows == [
        ["Müller, Anna", "anna.mueller@example.de", "+49 30 1234567", "Says \"hallo\"; twice"],
        ["José Núñez", "jose@example.es", "+34 912 345 678", ""],
        ["Zoë Renée", "zoe@example.fr", "+33 1 23 45 67 89", "Paid 5 €"],
      ])
  }

  @Test(arguments: [1, 2, 3, 65_536])
  func csvRecordReaderHonoursTabAndSemicolon(chunkSize: Int) throws {
    for (delimiter, text) in [
      (UInt8(ascii: ";"), "a;\"b;c\";d,e\r\n1;;\"x\"\"y\"\n"), (0x09, "a\t\"b\tc\"\td,e\r\n1\t\t\"x\"\"y\"\n"),
    ] {
      let reader = CSVRecordReader(
        source: MemorySource(Array(text.utf8), chunkSize: chunkSize), displayName: "t", delimiter: delimiter)
      var rows: [[String]] = []
      while let record = try reader.next() { rows.append(record.lossyStrings) }
      let separator = String(UnicodeScalar(delimiter))
      #expect(rows == [["a", "b\(separator)c", "d,e"], ["1", "", "x\"y"]])
    }
  }

  @Test func formatsRosterDoesNotReadAreNamedBySignature() {
    #expect(
      InputSniffing.unsupportedFormat(ofPrefix: [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0])?
        .contains(".xls") == true)
    #expect(InputSniffing.unsupportedFormat(ofPrefix: [0x1F, 0x8B, 0x08])?.contains("gzip") == true)
    #expect(InputSniffing.unsupportedFormat(ofPrefix: Array("%PDF-1.7".utf8))?.contains("PDF") == true)
    #expect(InputSniffing.unsupportedFormat(ofPrefix: Array("Name,Email\n".utf8)) == nil)
    #expect(InputSniffing.unsupportedFormat(ofPrefix: [0x50, 0x4B, 0x03, 0x04]) == nil)
  }

  @Test func binaryIsTellingNULsOrControlCharacters() {
    #expect(InputSniffing.looksBinary(Array("Name,Email\tPhone\r\n".utf8)) == false)
    #expect(InputSniffing.looksBinary([0x41, 0x00, 0x42]))
    #expect(InputSniffing.looksBinary([0x41, 0x01, 0x02, 0x42]))
    #expect(InputSniffing.looksBinary(Array("Name\u{1B},Email,Phone,Address".utf8)) == false)
  }
}
