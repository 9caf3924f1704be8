import RosterCore
import Testing

@Suite("NestedFields at any width")
struct NestedFieldsWidthTests {
  /// A level with many keys is indexed: lookups, updates and removals stay right past the threshold.
  @Test func wideLevelsFindEveryKey() {
    var fields = NestedFields()
    for index in 0..<100 { fields.set("v\(index)", at: ["k\(index)"]) }
    #expect(fields["k0"] == .string("v0"))
    #expect(fields["k99"] == .string("v99"))
    #expect(fields["k100"] == nil)
    let updated = fields.set("w50", at: ["k50"])
    #expect(updated)
    #expect(fields["k50"] == .string("w50"))
    let nested = fields.set("x", at: ["k100", "inner"])
    #expect(nested)
    let throughString = fields.set("y", at: ["k1", "inner"])
    #expect(!throughString)
    let removed = fields.removeString(at: ["k3"])
    #expect(removed == "v3")
    #expect(fields["k3"] == nil)
    #expect(fields["k4"] == .string("v4"))
    #expect(fields.entries.map(\.key).prefix(4) == ["k0", "k1", "k2", "k4"])
    // Equal entries are equal values, however each was built.
    var rebuilt = NestedFields()
    for entry in fields.entries { rebuilt.append(entry) }
    #expect(rebuilt == fields)
    #expect(rebuilt.hashValue == fields.hashValue)
  }

  /// 200,000 keys on one level (a wide CSV row or JSON object): linear, not quadratic, time.
  @Test func twoHundredThousandKeysTakeLinearTime() {
    let started = ContinuousClock.now
    var fields = NestedFields()
    for index in 0..<200_000 { fields.set("v", at: ["key \(index)"]) }
    for index in stride(from: 0, to: 200_000, by: 7) { #expect(fields["key \(index)"] == .string("v")) }
    // Quadratic lookups would compare 2 × 10^10 strings: hours, not seconds.
    #expect(ContinuousClock.now - started < .seconds(60))
  }

  @Test func aGroupsCellNamingManyGroupsTakesLinearTime() throws {
    let names = (0..<200_000).map { "g\($0)" }
    let started = ContinuousClock.now
    let parsed = try #require(ContactMapper.groupNames(in: names.joined(separator: ";"), separator: UInt8(ascii: ";")))
    #expect(parsed.count == 200_000)
    let map = try HeaderMap(headers: ["Name", "Groups"])
    let mapper = ContactMapper(headerMap: map)
    var problems: [IssueDetail] = []
    let contact = mapper.draft(from: Cells(values: ["Ada", names.joined(separator: ";") + ";g0"]), problems: &problems)
    #expect(problems.isEmpty)
    #expect(contact.groups.count == 200_000)
    #expect(ContinuousClock.now - started < .seconds(60))
  }
}

/// Cells given as strings.
private struct Cells: RecordCells {
  let values: [String]
  var count: Int { values.count }
  func isEmpty(at index: Int) -> Bool { values[index].isEmpty }
  func string(at index: Int) -> String? { values[index] }
}
