import RosterCore
import Testing

/// Collects what the pipeline sends out.
final class CollectingSink: IssueSink {
  var accepted: [(String, RowPosition)] = []
  var rejected: [RowIssue] = []
  var warnings: [RunWarning] = []
  var finished: RunSummary?
  func accepted(id: String, position: RowPosition) { accepted.append((id, position)) }
  func rejected(_ issue: RowIssue) { rejected.append(issue) }
  func warning(_ warning: RunWarning) { warnings.append(warning) }
  func finish(summary: RunSummary) { finished = summary }
}

struct CollectingWriter: ContactWriter {
  var contacts: [Contact] = []
  var finished = false
  mutating func write(_ contact: Contact) { contacts.append(contact) }
  mutating func finish() { finished = true }
}

@Suite("Contact pipeline")
struct PipelineTests {
  @Test func acceptedRowsGetIDsAndNormalizedValuesRejectedRowsGetIssues() throws {
    let sink = CollectingSink()
    let validator = ContactValidator(phone: try #require(PhoneNumberValidator(defaultRegion: nil)))
    var pipeline = ContactPipeline(validator: validator, writer: CollectingWriter(), sink: sink)
    let headers: [ContactField: String] = [.email: "E-mail", .phone: "Tel"]

    var good = Contact()
    good.name = "Ada"
    good.email = " ada@EXAMPLE.com "
    good.phone = "+44 20 7946 0958"
    try pipeline.process(good, at: RowPosition(index: 0, line: 2), problems: [], headers: headers)

    var bad = Contact()
    bad.name = "Thor"
    bad.email = "thor@asgard"
    try pipeline.process(bad, at: RowPosition(index: 1, line: 3), problems: [], headers: headers)

    var kept = Contact()
    kept.name = "Id kept"
    kept.id = "crm-42"
    try pipeline.process(kept, at: RowPosition(index: 2, line: 4), problems: [], headers: headers)

    let summary = try pipeline.finish()
    #expect(summary.rows == 3 && summary.accepted == 2 && summary.rejected == 1)
    #expect(sink.finished == summary)
    #expect(pipeline.writer.finished)
    let written = pipeline.writer.contacts
    #expect(written.map(\.email) == ["ada@example.com", nil])
    #expect(written.first?.phone == "+442079460958")
    #expect(written.first?.id == ContactIdentifier.derivedID(for: written[0]))
    #expect(written.last?.id == "crm-42")
    #expect(sink.rejected.count == 1)
    #expect(sink.rejected[0].position == RowPosition(index: 1, line: 3))
    #expect(sink.rejected[0].headersInError == ["E-mail"])
    #expect(sink.rejected[0].details.first?.value == "thor@asgard")
  }

  @Test func blankEmailAndPhoneAreAllowed() throws {
    let sink = CollectingSink()
    let validator = ContactValidator(phone: try #require(PhoneNumberValidator(defaultRegion: nil)))
    var pipeline = ContactPipeline(validator: validator, writer: CollectingWriter(), sink: sink)
    var contact = Contact()
    contact.name = "Blank"
    contact.email = "  "
    contact.phone = ""
    try pipeline.process(contact, at: RowPosition(index: 0, line: 2), problems: [], headers: [:])
    #expect(sink.rejected.isEmpty)
    #expect(pipeline.writer.contacts.first?.email == nil)
    #expect(pipeline.writer.contacts.first?.phone == nil)
  }
}
