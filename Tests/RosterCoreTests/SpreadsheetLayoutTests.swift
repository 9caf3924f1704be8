import RosterCore
import Testing

@Suite("Spreadsheet layout")
struct SpreadsheetLayoutTests {
  /// The group cells as first written: names mapped, quoted where needed, joined.
  static func referenceCell(_ names: [String], separator: UInt8) -> String {
    names.map { name in
      name.utf8.contains(where: { $0 == separator || $0 == UInt8(ascii: "\"") })
        ? "\"" + name.replacing("\"", with: "\"\"") + "\"" : name
    }.joined(separator: String(decoding: [separator], as: UTF8.self))
  }

  /// `groups` and `primary_groups` hold every name and the primary ones, in order, joined by the
  /// separator, a name holding it or `"` quoted with its quotes doubled; empty names keep their place.
  @Test(arguments: [UInt8(ascii: ";"), UInt8(ascii: ","), UInt8(ascii: "|")])
  func groupCellsJoinAndQuoteNames(separator: UInt8) {
    let pieces = ["Red", "", "a;b", "a,b", "say \"hi\"", "Zoë", "|", "x y", "\"", "日本"]
    var generator = SystemRandomNumberGenerator()
    for round in 0..<500 {
      var contact = Contact()
      let count = round % 7
      for _ in 0..<count {
        let name = (0..<Int.random(in: 1...2, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }
          .joined()
        contact.groups.append(GroupReference(name: name, id: "", isPrimary: Bool.random(using: &generator)))
      }
      let names = contact.groups.map(\.name)
      let primaries = contact.groups.filter(\.isPrimary).map(\.name)
      let cells = SpreadsheetLayout.groupCells(of: contact, separator: separator)
      #expect(
        cells == [Self.referenceCell(names, separator: separator), Self.referenceCell(primaries, separator: separator)])
      #expect(SpreadsheetLayout.groupCell(names, separator: separator) == cells[0])
    }
    #expect(
      SpreadsheetLayout.groupCell(["", "b"], separator: separator) == String(decoding: [separator], as: UTF8.self) + "b"
    )
  }
}
