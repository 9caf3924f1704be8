import Foundation
import RosterCore
import RosterTestSupport
import RosterXLSX
import RosterXLSXInput
import Testing

@testable import RosterFormats

/// Runs with worker threads (`--threads`) must give exactly what one thread gives, stop cleanly on a
/// fault, and never hang.
@Suite("Threaded runs")
struct ThreadedRunTests {
  /// A CSV of `rows` rows crossing many batch boundaries: valid and invalid emails and phones, quoted
  /// cells with line breaks, cells a spreadsheet would run as formulas, group rows after their
  /// members, repeated emails.
  static func contacts(rows: Int) -> String {
    var text = "Name,Email,Phone,Type,Groups,metadata.note\n"
    for index in 0..<rows {
      if index % 97 == 50 {
        text += "Team \(index / 97),,,group,,\n"
        continue
      }
      let email = index % 31 == 0 ? "broken\(index)@" : "user\(index % 700)@example.com"
      let phone = index % 23 == 0 ? "+44 20" : "+44 20 7946 \(String(format: "%04d", index % 10000))"
      let note =
        index % 7 == 0 ? "\"line one\nline \"\"two\"\"\"" : index % 13 == 0 ? "=SUM(A\(index))" : "n\(index)"
      let name = index % 11 == 0 ? "Zoë Ünal \(index)" : "Person \(index)"
      text += "\(name),\(email),\(phone),,Team \(index / 97 + (index % 5 == 0 ? 1 : 0)),\(note)\n"
    }
    return text
  }

  struct Outputs: Equatable {
    var output: Data
    var report: Data
    var rejects: Data
    var summary: String
  }

  /// Converts `text`; with `rejects` rows keep their originals (also through a two-pass run's replay).
  /// `configure` sets anything else on the job.
  func run(
    _ text: String, name: String = "in.csv", format: OutputFormat?, threads: Int, dedupe: DedupeMode = .off,
    rejects keepsRejects: Bool = true, configure: (inout ConversionJob) -> Void = { _ in }
  ) throws -> Outputs {
    let directory = try TestSupport.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let input = directory.appendingPathComponent(name)
    try Data(text.utf8).write(to: input)
    let output = directory.appendingPathComponent("out.\(format?.rawValue ?? "none")")
    let report = directory.appendingPathComponent("report.json")
    let rejects = directory.appendingPathComponent("rejects" + (name.hasSuffix(".csv") ? ".csv" : ".jsonl"))
    var job = ConversionJob(
      input: input.path, output: format.map { ($0, .file(output.path)) }, report: (.json, .file(report.path)),
      defaultRegion: "GB")
    if keepsRejects { job.rejects = rejects.path }
    job.threads = threads
    job.dedupe.mode = dedupe
    job.dedupe.key = .email
    configure(&job)
    let summary = try job.run()
    return Outputs(
      output: format == nil ? Data() : try Data(contentsOf: output), report: try Data(contentsOf: report),
      rejects: keepsRejects ? try Data(contentsOf: rejects) : Data(),
      summary: "\(summary.rows) \(summary.accepted) \(summary.rejected) \(summary.merged)")
  }

  @Test(arguments: [OutputFormat.jsonl, .csv, .json])
  func threadsGiveTheSameBytesAsOneThread(_ format: OutputFormat) throws {
    let text = Self.contacts(rows: 3000)
    let single = try run(text, format: format, threads: 1)
    #expect(single.summary.hasPrefix("3000 "))
    for threads in [2, 5] {
      let threaded = try run(text, format: format, threads: threads)
      #expect(threaded == single, "threads \(threads)")
    }
  }

  /// Group rows with members and primary members, a group row after its members and one before, a
  /// group named twice, a cycle, unknown groups, quoted and multi-line cells, invalid rows.
  static let linkedGroups = """
    Name,Email,Phone,Type,Groups,Primary Groups,metadata.facebook.psid,Address,id
    Ann,ann@example.com,+44 20 7946 0001,,Red;Blue,Red,p1,"1 High St
    London",
    Bob,bob@,+44 20 7946 0002,,Red,,p2,,
    Cy,cy@example.com,+44 20 7946 0003,,Nowhere;Red,,"p""3",,
    Red,,,group,Outer,,,,
    Dee,dee@example.com,+1 415 555 0100,,Outer;blue,,p4,,11111111-2222-3333-4444-555555555555
    Outer,,,group,Red,,,,
    Blue,,,group,,,,,b0000000-0000-0000-0000-00000000000b
    Red,,,group,,,,,
    Eve,eve@example.com,bad phone,,Blue,,p5,,
    Fay,fay@example.com,,,Blue;Blue;Green,Blue,,,
    Green,,,group,Blue,,,,
    =Hacker,hack@example.com,,,@Crew;Blue,@Crew,-1,,
    @Crew,,,group,,,,,

    """

  /// Rendering each row's JSON or CSV in the first pass and splicing its group fields in the output
  /// pass gives the bytes that encoding the whole replayed contact gives (and `validate` the same
  /// report). For CSV that includes how many cells the formula guard prefixed, in the first pass or
  /// in the group cells.
  @Test(arguments: [OutputFormat.jsonl, .json, .csv, nil], [UnknownGroupPolicy.warn, .reject, .create])
  func renderingAheadGivesTheSameBytes(format: OutputFormat?, policy: UnknownGroupPolicy) throws {
    for text in [Self.linkedGroups, Self.contacts(rows: 1500)] {
      for threads in [1, 3] {
        for referenced in [false, true] {
          func configure(ahead: Bool) -> (inout ConversionJob) -> Void {
            { job in
              job.rendersOutputAhead = ahead
              job.groups.unknownGroups = policy
              job.groups.referencedContacts = referenced
            }
          }
          let whole = try run(text, format: format, threads: threads, configure: configure(ahead: false))
          let rendered = try run(text, format: format, threads: threads, configure: configure(ahead: true))
          #expect(rendered == whole, "threads \(threads), referenced \(referenced)")
          if format != nil { #expect(!rendered.output.isEmpty) }
          if format == .csv && text == Self.linkedGroups {
            #expect(String(decoding: rendered.report, as: UTF8.self).contains("output.formula_guarded"))
          }
        }
      }
    }
  }

  /// Rows whose XLSX cells `CellText` changes: a NUL, a U+FFFF, a value over Excel's 32,767
  /// characters, a literal `_x0041_`, a control character, in first-pass cells and in group names.
  static let changedCells = """
    Name,Email,Type,Groups,metadata.note
    A\u{0}B,a@example.com,,G_x0041_,_x0041_ and \u{FFFF}
    Long,l@example.com,,G_x0041_,\(String(repeating: "é", count: 40_000))
    "Tab\tand\u{1}\u{FFFF}",,group,,
    G_x0041_,,group,,"line\r\nbreak"
    Cut,c@example.com,,\(String(repeating: "g", count: 33_000));Nowhere,x
    \(String(repeating: "g", count: 33_000)),,group,,

    """

  /// The rows of each sheet of the workbook `data`, as read back.
  func sheets(of data: Data) throws -> [String: [[String]]] {
    let directory = try TestSupport.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let path = directory.appendingPathComponent("out.xlsx").path
    try data.write(to: URL(fileURLWithPath: path))
    var sheets: [String: [[String]]] = [:]
    for name in [XLSXContactWriter.contactsSheetName, XLSXContactWriter.issuesSheetName] {
      let reader = try XLSXRowReader(path: path, displayName: "out.xlsx", sheet: name)
      var rows = [try reader.readHeader().headers]
      while let row = try reader.next() { rows.append(row.cells) }
      sheets[name] = rows
    }
    return sheets
  }

  /// XLSX rows rendered in the first pass (cells made, `CellText` applied, YAML included) give the
  /// cells, the Issues sheet and the report (every cell change named) that writing the whole
  /// replayed contact gives.
  @Test(arguments: [UnknownGroupPolicy.warn, .reject, .create])
  func xlsxRenderedAheadGivesTheSameCells(policy: UnknownGroupPolicy) throws {
    for text in [Self.linkedGroups, Self.changedCells, Self.contacts(rows: 1500)] {
      for threads in [1, 3] {
        func configure(ahead: Bool) -> (inout ConversionJob) -> Void {
          { job in
            job.rendersOutputAhead = ahead
            job.groups.unknownGroups = policy
          }
        }
        let whole = try run(text, format: .xlsx, threads: threads, configure: configure(ahead: false))
        let rendered = try run(text, format: .xlsx, threads: threads, configure: configure(ahead: true))
        #expect(rendered.report == whole.report, "threads \(threads)")
        #expect(rendered.summary == whole.summary && rendered.rejects == whole.rejects)
        let sheets = try sheets(of: rendered.output)
        #expect(sheets == (try self.sheets(of: whole.output)), "threads \(threads)")
        #expect((sheets[XLSXContactWriter.contactsSheetName]?.count ?? 0) > 1)
        if text == Self.changedCells {
          let report = String(decoding: rendered.report, as: UTF8.self)
          for code in ["xlsx.nul_replaced", "xlsx.noncharacter_replaced", "xlsx.value_truncated"] {
            #expect(report.contains(code), "\(code)")
          }
          // Under `reject` the row naming the long group is rejected for naming `Nowhere` too.
          #expect(report.contains(#"column \"groups\": value cut"#) == (policy != .reject))
        }
      }
    }
  }

  /// Every run takes the CPUs online, at most `defaultThreadCap`, XLSX output included (its cells are
  /// rendered on the preparing threads), unless told otherwise.
  @Test func automaticThreadsTakeTheCPUsForEveryOutput() {
    let cpus = min(PreparedRowStream.availableProcessors, ConversionJob.defaultThreadCap)
    for format in [OutputFormat.xlsx, .jsonl, .json, .csv] {
      let job = ConversionJob(
        input: "in.csv", output: (format, .file("out")), report: (.json, .standardError), defaultRegion: nil)
      #expect(job.automaticThreads == cpus, "\(format)")
      #expect(job.threads == nil)
    }
    let validate = ConversionJob(input: "in.csv", output: nil, report: (.json, .standardError), defaultRegion: nil)
    #expect(validate.automaticThreads == cpus)
  }

  @Test(arguments: [true, false])
  func mergesGiveTheSameBytesWithThreads(rejects: Bool) throws {
    let text = Self.contacts(rows: 2000)
    let single = try run(text, format: .jsonl, threads: 1, dedupe: .merge, rejects: rejects)
    #expect(!single.summary.hasSuffix(" 0"), "the input has duplicates to merge")
    #expect(try run(text, format: .jsonl, threads: 3, dedupe: .merge, rejects: rejects) == single)
  }

  @Test func jsonLinesGiveTheSameBytesWithThreads() throws {
    var text = ""
    for index in 0..<1500 {
      let email = index % 13 == 0 ? "nope" : "j\(index)@example.org"
      text += #"{"name": "J \#(index)", "email": "\#(email)", "groups": ["G\#(index % 4)"]}"# + "\n"
    }
    for group in 0..<4 { text += #"{"name": "G\#(group)", "type": "group"}"# + "\n" }
    let single = try run(text, name: "in.jsonl", format: .jsonl, threads: 1)
    #expect(try run(text, name: "in.jsonl", format: .jsonl, threads: 2) == single)
  }

  /// A fault after many rows: the rows before it are processed and the same error ends the run.
  @Test(arguments: [true, false])
  func aFaultMidInputStopsTheSameWayWithThreads(rejects: Bool) throws {
    var text = "["
    for index in 0..<1200 { text += #"{"name": "P \#(index)", "email": "p\#(index)@example.org"},"# }
    text += "{\"name\": oops}]"
    func failure(threads: Int) throws -> String {
      let error = #expect(throws: RosterError.self) {
        try run(text, name: "in.json", format: .jsonl, threads: threads, rejects: rejects)
      }
      return try #require(error).message
    }
    let single = try failure(threads: 1)
    #expect(single.contains("byte offset"))
    #expect(try failure(threads: 2) == single)
  }

  /// A writer that fails part way: the run throws promptly and the reading threads stop.
  @Test(.timeLimit(.minutes(1))) func aFailingWriterStopsTheThreads() throws {
    let text = Self.contacts(rows: 20000)
    let reader = CSVRecordReader(source: MemorySource(Array(text.utf8)), displayName: "in.csv")
    let mapper = ContactMapper(headerMap: try HeaderMap(headers: try reader.readHeader().headers))
    let validator = ContactValidator(phone: try #require(PhoneNumberValidator(defaultRegion: "GB")))
    var pipeline = ContactPipeline(validator: validator, writer: FailingWriter(after: 300), sink: RecordingSink())
    let rows = PreparedRowStream(
      CSVRowReader(reader, mapper: mapper),
      preparation: RowPreparation(validator: validator, headers: mapper.fieldHeaders), threads: 3)
    #expect(throws: RosterError.self) { try ConversionJob.stream(rows, into: &pipeline) }
    #expect(pipeline.writer.written == 300)
  }
}

extension ThreadedRunTests {
  /// A background writer gives every contact to its base in order, and its base's failure comes back.
  @Test(.timeLimit(.minutes(1))) func theBackgroundWriterKeepsOrderAndReportsFailure() throws {
    let writer = BackgroundContactWriter(RecordingWriter())
    for index in 0..<1000 {
      var contact = Contact()
      contact.name = "C\(index)"
      try writer.write(contact)
    }
    #expect(try writer.drain().names == (0..<1000).map { "C\($0)" })
    try writer.finish()

    let failing = BackgroundContactWriter(FailingWriter(after: 300))
    let failure = #expect(throws: RosterError.self) {
      for _ in 0..<5000 { try failing.write(Contact()) }
      try failing.finish()
    }
    #expect(failure?.message == "no space left on device")
  }
}

/// Keeps the names it is given.
struct RecordingWriter: ContactWriter {
  var names: [String] = []
  mutating func write(_ contact: Contact) throws { names.append(contact.name) }
  mutating func finish() throws {}
}

/// Accepts `after` contacts, then fails like a full disk.
struct FailingWriter: ContactWriter {
  let after: Int
  var written = 0

  init(after: Int) { self.after = after }

  mutating func write(_ contact: Contact) throws {
    guard written < after else { throw RosterError(.output, "no space left on device") }
    written += 1
  }

  mutating func finish() throws {}
}
