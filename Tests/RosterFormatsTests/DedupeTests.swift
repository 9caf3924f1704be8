import Foundation
import RosterCore
import RosterFormats
import RosterTestSupport
import Testing

/// Runs `--dedupe` over small inputs written on the spot.
@Suite("Duplicates within the input")
struct DedupeTests {
  struct Outcome {
    var contacts: [[String: Any]]
    var report: [String: Any]
    var summary: [String: Int]
    var issues: [[String: Any]] { report["issues"] as? [[String: Any]] ?? [] }
    var merges: [[String: Any]] { report["merges"] as? [[String: Any]] ?? [] }
    var warnings: [[String: Any]] { report["warnings"] as? [[String: Any]] ?? [] }
  }

  /// Converts `text` (saved as `name`) to JSON Lines with `options`; returns the contacts and the JSON report.
  func run(
    _ text: String, named name: String = "in.csv", _ options: DedupeOptions, region: String? = nil,
    stdin: Bool = false
  ) throws -> Outcome {
    let directory = try TestSupport.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let input = directory.appendingPathComponent(name)
    try Data(text.utf8).write(to: input)
    let output = directory.appendingPathComponent("out.jsonl")
    let reportURL = directory.appendingPathComponent("report.json")
    var job = ConversionJob(
      input: input.path, output: (.jsonl, .file(output.path)), report: (.json, .file(reportURL.path)),
      defaultRegion: region)
    job.dedupe = options
    let summary = try job.run()
    let contacts = try String(contentsOf: output, encoding: .utf8).split(separator: "\n").map {
      try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
    }
    let report = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: reportURL)) as? [String: Any])
    let counts = try #require(report["summary"] as? [String: Int])
    // The accounting invariant, from the run and from the report.
    #expect(summary.rows == summary.accepted + summary.rejected + summary.merged)
    #expect(counts["rows"] == (counts["accepted"] ?? 0) + (counts["rejected"] ?? 0) + (counts["merged"] ?? 0))
    #expect(contacts.count == summary.accepted)
    return Outcome(contacts: contacts, report: report, summary: counts)
  }

  static func options(_ mode: DedupeMode, _ key: DedupeKey) -> DedupeOptions {
    var options = DedupeOptions()
    options.mode = mode
    options.key = key
    return options
  }

  /// Rows 1 and 5 repeat rows 0 and 4 under some keys, rows 2 and 3 share an email or a phone with an
  /// earlier row, row 4 has no email or phone.
  static let matrixInput = """
    Name,Email,Phone
    A,a@x.com,+442079460958
    a,A@X.com,+44 20 7946 0958
    B,a@x.com,+12125550100
    C,c@x.com,+12125550100
    D,,
    D,,

    """

  /// For each key: (duplicate row, its first occurrence).
  static let matrixDuplicates: [(DedupeKey, [(Int, Int)])] = [
    (.fingerprint, [(1, 0), (5, 4)]),
    (.email, [(1, 0), (2, 0)]),
    (.phone, [(1, 0), (3, 2)]),
    (.emailAndPhone, [(1, 0)]),
  ]

  @Test(arguments: DedupeKey.allCases)
  func reportRejectsLaterDuplicatesNamingTheFirst(_ key: DedupeKey) throws {
    let expected = try #require(Self.matrixDuplicates.first { $0.0 == key }?.1)
    let outcome = try run(Self.matrixInput, Self.options(.report, key))
    #expect(outcome.summary["rejected"] == expected.count)
    #expect(outcome.summary["accepted"] == 6 - expected.count)
    #expect(outcome.summary["merged"] == nil)
    #expect(outcome.issues.compactMap { $0["index"] as? Int } == expected.map(\.0))
    for (issue, (_, first)) in zip(outcome.issues, expected) {
      let details = try #require(issue["details"] as? [[String: Any]])
      #expect(details.allSatisfy { $0["code"] as? String == "duplicate.key" })
      #expect((details.first?["message"] as? String)?.hasPrefix("duplicates row \(first) ") == true)
    }
  }

  @Test(arguments: DedupeKey.allCases)
  func mergeKeepsTheFirstAndCountsTheRest(_ key: DedupeKey) throws {
    let expected = try #require(Self.matrixDuplicates.first { $0.0 == key }?.1)
    let outcome = try run(Self.matrixInput, Self.options(.merge, key))
    #expect(outcome.summary["merged"] == expected.count)
    #expect(outcome.summary["rejected"] == 0)
    #expect(outcome.summary["accepted"] == 6 - expected.count)
    let merges = outcome.merges.map { ($0["index"] as? Int ?? -1, $0["into"] as? Int ?? -1) }
    #expect(merges.sorted { $0 < $1 }.map { [$0.0, $0.1] } == expected.map { [$0.0, $0.1] })
    // Each destination carries its sources, in input order, with their row indexes.
    for (source, destination) in expected {
      let created = try #require(outcome.report["created"] as? [String])
      let firstRows = (0..<6).filter { row in !expected.contains { $0.0 == row } }
      let id = created[try #require(firstRows.firstIndex(of: destination))]
      let record = try #require(outcome.contacts.first { $0["id"] as? String == id })
      let history = try #require(record["merge_history"] as? [[String: Any]])
      #expect(history.contains { $0["index"] as? Int == source })
    }
  }

  @Test func offLeavesEveryRowAlone() throws {
    let outcome = try run(Self.matrixInput, DedupeOptions())
    #expect(outcome.summary["accepted"] == 6)
    #expect(outcome.report["merges"] == nil)
  }

  @Test func rowsWithoutTheKeyFieldsAreDuplicatesOfNothing() throws {
    let outcome = try run("Name,Email\nA,\nB,\nC,c@x.com\n", Self.options(.report, .email))
    #expect(outcome.summary["accepted"] == 3)
  }

  @Test func mergeFillsWhatTheDestinationLacksAndKeepsConflictsInTheHistory() throws {
    let text = """
      Name,Email,Phone,First Name,metadata.tier,metadata.crm.owner,address.city
      Ann Lee,ann@example.com,,,gold,,London
      Other,other@example.com,,,,,
      Ann Lee,ANN@example.com,+442079460958,Ann,silver,erin,

      """
    let outcome = try run(text, Self.options(.merge, .email))
    let ann = try #require(outcome.contacts.first)
    #expect(ann["email"] as? String == "ann@example.com")
    #expect(ann["phone"] as? String == "+442079460958")
    #expect(ann["first_name"] as? String == "Ann")
    let metadata = NSDictionary(dictionary: ann["metadata"] as? [String: Any] ?? [:])
    #expect(metadata == NSDictionary(dictionary: ["tier": "gold", "crm": ["owner": "erin"]]))
    #expect(ann["address"] as? [String: String] == ["city": "London"])
    let history = try #require(ann["merge_history"] as? [[String: Any]])
    #expect(history.count == 1)
    #expect(history[0]["index"] as? Int == 2)
    #expect(history[0]["line"] as? Int == 4)
    #expect((history[0]["metadata"] as? [String: Any])?["tier"] as? String == "silver")
    // The source's own identity is kept in its history entry, not given to the destination.
    #expect(history[0]["id"] as? String != ann["id"] as? String)
    #expect(outcome.merges.first?["conflicts"] as? [String] == ["metadata.tier"])
    let warning = try #require(outcome.warnings.first { $0["code"] as? String == "merge.conflict" })
    #expect(warning["index"] as? Int == 2)
    #expect((warning["message"] as? String)?.contains("merged into row 0") == true)
  }

  @Test func twoEmailsForOneSuppliedFingerprintAreAConflictNotALoss() throws {
    let text = "Name,Email,fingerprint\nAnn,ann@a.example,crm-1\nAnn,ann@b.example, crm-1\n"
    let outcome = try run(text, Self.options(.merge, .fingerprint))
    #expect(outcome.contacts.count == 1)
    #expect(outcome.contacts[0]["email"] as? String == "ann@a.example")
    #expect(outcome.contacts[0]["fingerprint"] as? String == "crm-1")
    let history = try #require(outcome.contacts[0]["merge_history"] as? [[String: Any]])
    #expect(history[0]["email"] as? String == "ann@b.example")
    #expect(outcome.merges.first?["conflicts"] as? [String] == ["email"])
  }

  @Test func airyConversationsAndGroupsAreUnited() throws {
    let text = """
      {"id":"g1","type":"group","name":"Sales"}
      {"id":"g2","type":"group","name":"Support"}
      {"display_name":"Ann","via":{"email":"ann@example.com"},"groups":["g1"],"conversations":[{"id":"c1"}]}
      {"display_name":"Ann","via":{"email":"ann@example.com"},"primary_groups":["g2"],"conversations":[{"id":"c1"},{"id":"c2"}]}

      """
    let outcome = try run(text, named: "in.jsonl", Self.options(.merge, .email))
    let ann = try #require(outcome.contacts.first { $0["name"] as? String == "Ann" })
    #expect(ann["groups"] as? [String] == ["g1", "g2"])
    #expect(ann["primary_groups"] as? [String] == ["g2"])
    let conversations = (ann["metadata"] as? [String: Any])?["conversations"] as? [String: [String: String]]
    #expect(conversations == ["0": ["id": "c1"], "1": ["id": "c2"]])
    // Each group lists the destination once, never the merged source.
    let groups = outcome.contacts.filter { $0["type"] as? String == "group" }
    for group in groups {
      let members = try #require(group["group_contacts"] as? [String: [String]])
      #expect(members["children"] == [ann["id"] as? String ?? ""])
    }
    #expect(
      (groups.first { $0["id"] as? String == "g2" }?["group_contacts"] as? [String: [String]])?["primary"]
        == [ann["id"] as? String ?? ""])
  }

  @Test func sourcesSpillToSortedRunsOnDiskAndComeBackInOrder() throws {
    // Three distinct emails, each repeated throughout: with one entry per run, every source is a run.
    var text = "Name,Email,metadata.n\n"
    for row in 0..<30 { text += "P\(row),p\(row % 3)@example.com,\(row)\n" }
    var options = Self.options(.merge, .email)
    options.entriesPerRun = 1
    let spilled = try run(text, options)
    let inMemory = try run(text, Self.options(.merge, .email))
    #expect(spilled.contacts.count == 3)
    #expect(spilled.summary["merged"] == 27)
    for (a, b) in zip(spilled.contacts, inMemory.contacts) {
      #expect(NSDictionary(dictionary: a) == NSDictionary(dictionary: b))
    }
    let history = try #require(spilled.contacts[1]["merge_history"] as? [[String: Any]])
    #expect(history.compactMap { $0["index"] as? Int } == Array(stride(from: 4, to: 30, by: 3)))
  }
}
