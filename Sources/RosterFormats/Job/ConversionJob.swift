public import RosterCore
import RosterHTTP
import RosterXLSX
import RosterXLSXInput
import RosterYAML

/// The formats `roster convert` writes.
public enum OutputFormat: String, CaseIterable, Sendable {
  case jsonl
  case json
  /// CSV with `SpreadsheetLayout`'s fixed header and YAML `metadata` cells.
  case csv
  /// An Excel workbook: the same columns, every value as text, and an Issues sheet.
  case xlsx

  /// The format a file name's extension implies, if any (`.jsonl`/`.ndjson`, `.json`, `.csv`, `.xlsx`).
  public init?(pathExtensionOf path: String) {
    guard let name = formatName(ofPathExtensionOf: path) else { return nil }
    self.init(rawValue: name)
  }
}

/// The formats `roster` reads.
public enum InputFormat: String, CaseIterable, Sendable {
  case csv
  /// A JSON array of contacts, or an Airy `{"contacts": [...]}` payload (JSON Lines are recognized too).
  case json
  /// JSON Lines: one contact object per line.
  case jsonl
  /// An Excel workbook: the first worksheet (or `--sheet`), header in the first row.
  case xlsx

  /// The format a file name's extension implies, if any (`.csv`, `.json`, `.jsonl`/`.ndjson`, `.xlsx`).
  public init?(pathExtensionOf path: String) {
    guard let name = formatName(ofPathExtensionOf: path) else { return nil }
    self.init(rawValue: name)
  }
}

/// The format name (`jsonl`, `json`, `csv`, `xlsx`) a file name's extension implies, for both the
/// input and the output formats; `.ndjson` is JSON Lines.
func formatName(ofPathExtensionOf path: String) -> String? {
  switch lowercasedExtension(of: path) {
  case "jsonl", "ndjson": "jsonl"
  case "json": "json"
  case "csv": "csv"
  case "xlsx": "xlsx"
  default: nil
  }
}

/// The part of the file name after its last dot, lowercased (`""` when there is none).
func lowercasedExtension(of path: String) -> String {
  let name = path.split(separator: "/").last ?? ""
  guard let dot = name.lastIndex(of: ".") else { return "" }
  return name[name.index(after: dot)...].lowercased()
}

/// Where a stream of bytes goes: a file (written atomically) or a standard stream.
public enum Destination: Hashable, Sendable {
  case file(String)
  case standardOutput
  case standardError
}

/// How group names are split and resolved.
public struct GroupOptions: Sendable {
  /// The byte between group names in a Groups cell (`--group-separator`, ASCII).
  public var separator: UInt8 = UInt8(ascii: ";")
  /// What to do with names no group row defines (`--unknown-groups`).
  public var unknownGroups: UnknownGroupPolicy = .warn
  /// Whether group records list each member's id, name and email (`--referenced-contacts`).
  public var referencedContacts = false

  public init() {}
}

/// How duplicates within the input are found and handled (`--dedupe`, `--dedupe-key`).
public struct DedupeOptions: Sendable {
  public var mode: DedupeMode = .off
  public var key: DedupeKey = .fingerprint
  /// Merge-index entries (16 bytes each) kept in memory before a sorted run spills to disk.
  public var entriesPerRun = 1 << 21

  public init() {}
}

/// The first-pass state of `--dedupe`: the first row of each key and, for merges, the spooled sources.
final class DuplicateScan {
  let key: DedupeKey
  var table: DuplicateKeyTable
  /// `nil` for `report`, whose duplicates are rejected rather than kept.
  let sources: DuplicateSourceSpool?

  init(options: DedupeOptions, keepsIDs: Bool) throws(RosterError) {
    key = options.key
    table = DuplicateKeyTable(keepsIDs: keepsIDs)
    sources = options.mode == .merge ? try DuplicateSourceSpool(runLimit: options.entriesPerRun) : nil
  }
}

/// How far a run has got, for progress display.
public struct JobProgress: Sendable {
  /// 1 for the group scan of a two-pass run, 2 for its output pass; 1 of 1 for one pass.
  public var pass: Int
  public var passes: Int
  public var rows: Int
  public var bytesRead: Int
  /// The input's size when known (a regular file).
  public var totalBytes: Int?
}

/// One run of Roster: read an input, map, validate, and write contacts and the report.
///
/// ```swift
/// let job = ConversionJob(input: "contacts.csv", output: (.jsonl, .file("out.jsonl")),
///                         report: (.json, .file("report.json")), defaultRegion: nil)
/// let summary = try job.run()
/// ```
public struct ConversionJob: Sendable {
  /// A path, or `-` for standard input.
  public var input: String
  /// What to write accepted contacts as, and where; `nil` validates only.
  public var output: (format: OutputFormat, destination: Destination)?
  public var report: (format: ReportFormat, destination: Destination)
  /// The region for national phone numbers (ISO 3166 alpha-2), if any.
  public var defaultRegion: String?
  public var groups = GroupOptions()
  /// Where to write the rejected rows in the input's own shape (`--rejects`), if anywhere.
  public var rejects: String?
  /// Whether CSV output writes metadata paths known from the input header as columns of their own.
  public var flattenMetadata = false
  /// Whether CSV output prefixes cells a spreadsheet would run as formulas with `'` (`--formula-guard`).
  /// Not used by other outputs: JSON is not opened by spreadsheets, XLSX cells are written as text,
  /// and `--rejects` keeps the input's own bytes for re-import.
  public var formulaGuard = FormulaGuard.on
  /// How the input's bytes are read: format (`nil`: media type, extension, then content), encoding,
  /// CSV delimiter, data URL cap.
  public var inputOptions = InputChainOptions()
  /// The worksheet to read from an XLSX input (`--sheet`); `nil` reads the first.
  public var sheet: String?
  /// Duplicates within the input (`--dedupe`, `--dedupe-key`).
  public var dedupe = DedupeOptions()
  /// Threads that read and validate rows (`--threads`); 1 runs everything on the calling thread. The
  /// output is the same whatever the count. `nil` picks `automaticThreads`.
  public var threads: Int?
  /// The most threads a run takes by default: one reads, the others validate, and more than a few
  /// wait on the reader.
  public static let defaultThreadCap = 8

  /// The threads a run takes when `threads` is `nil`: the CPUs online (at most `defaultThreadCap`),
  /// whatever the output. (XLSX output took one until its cells were rendered on the preparing
  /// threads: the workbook is written on the calling thread and then set the pace alone.)
  public var automaticThreads: Int {
    min(PreparedRowStream.availableProcessors, ConversionJob.defaultThreadCap)
  }
  /// Whether a two-pass JSON, CSV or XLSX run (or one that writes nothing) without `--dedupe` renders each
  /// contact's output in the first pass and spools only that and what linking reads, instead of the
  /// whole contact. Both give the same bytes; tests turn it off to check that.
  var rendersOutputAhead = true

  public init(
    input: String, output: (format: OutputFormat, destination: Destination)?,
    report: (format: ReportFormat, destination: Destination), defaultRegion: String?
  ) {
    self.input = input
    self.output = output
    self.report = report
    self.defaultRegion = defaultRegion
  }

  /// Runs the job to the end.
  ///
  /// Files appear only when the run succeeds; on any thrown error they are left untouched.
  /// - Throws: `RosterError` when the input, its header or an output is unusable (exit code 2).
  public func run(progressEvery: Int = 8192, progress: ((JobProgress) -> Void)? = nil) throws(RosterError)
    -> RunSummary
  {
    guard let phoneValidator = PhoneNumberValidator(defaultRegion: defaultRegion) else {
      throw RosterError(
        .usage,
        "--default-region \(defaultRegion ?? ""): not a region code Roster knows (use ISO 3166 alpha-2, e.g. GB, US, DE)"
      )
    }
    // INPUT is a path, `-`, a data URL given on the command line itself, or an http(s) URL.
    let inline = Self.isDataURL(input)
    let remote = Self.isHTTPURL(input)
    let http =
      remote
      ? try HTTPSource.open(url: input, limits: inputOptions.http, userAgent: "roster/\(RosterVersion.current)")
      : nil
    var file: InputFile?
    if !inline && !remote {
      do {
        file = try InputFile(path: input)
      } catch {
        // `ftp://host/x.csv` is not a missing file: say which URLs are read.
        if let scheme = Self.urlScheme(input) {
          throw RosterError(
            .input, file: input,
            "\(scheme) URLs are not read (only http, https and data URLs); download the file and pass its path")
        }
        throw error
      }
    }
    let displayName = Self.displayName(ofInput: input)
    let totalBytes = inline ? input.utf8.count : http?.contentLength ?? file?.size
    if inline {
      try DataURLSource<ErasedSource>.checkSize(
        input.utf8.count, maxEncodedBytes: inputOptions.maxDataURLBytes, displayName: displayName)
    }
    // The extension that may name the format: the path's, or the URL path's (after redirects).
    let path = http.map { Self.urlPath($0.finalURL) } ?? (inline ? nil : input)
    let declared = http?.contentType.flatMap(MediaType.init(contentType:))
    // The input is read once: a two-pass run replays its first pass from a spool (`PreparedRowSpool`).
    let firstRaw: any ByteSource =
      if let http { http } else if let file { file } else { MemorySource(Array(input.utf8)) }
    let chain = try InputChain.open(
      firstRaw, displayName: displayName, path: path, size: totalBytes, declared: declared, options: inputOptions)
    let format = chain.format
    // A workbook is read by random access: one that is not a plain file is copied to an unlinked
    // temporary file first (the data URL, HTTP and stream limits apply while it is copied).
    var workbookCopy: SpoolFile?
    if format == .xlsx && (file?.size == nil || chain.decodedDataURL) {
      let copy = try SpoolFile()
      try copy.fill(from: chain.source)
      workbookCopy = copy
    }
    let validator = ContactValidator(phone: phoneValidator)
    let threads = self.threads ?? automaticThreads

    // Rows keep what was read only for the rejects file or the Issues sheet.
    let keepsOriginals = rejects != nil || output?.format == .xlsx
    // What each input format gives: its rows, its field names for reports, its own header.
    var headers: [String] = []
    var headerWarnings = chain.warnings
    var metadataPaths: [[String]] = []
    let fieldHeaders: [ContactField: String]
    let rows: any ContactRowReader
    var passes: Int
    let options = inputOptions
    switch format {
    case .csv:
      let reader = CSVRecordReader(
        source: chain.source, displayName: displayName, limits: options.limits, delimiter: chain.delimiter)
      let headerLine: Int
      (headers, headerLine) = try reader.readHeader()
      let headerMap: HeaderMap
      do {
        headerMap = try HeaderMap(headers: headers, maxDepth: options.limits.maxJSONDepth)
      } catch {
        throw RosterError(.header, file: displayName, line: headerLine, error.message)
      }
      var mapper = ContactMapper(headerMap: headerMap, groupSeparator: groups.separator)
      mapper.documentDecoder = Self.documentDecoder(limits: options.limits)
      mapper.historyDecoder = { text in try MergeHistoryText.entries(in: text) }
      fieldHeaders = mapper.fieldHeaders
      headerWarnings += headerMap.warnings
      metadataPaths = headerMap.metadataPaths
      passes = fieldHeaders[.groups] != nil || fieldHeaders[.primaryGroups] != nil ? 2 : 1
      // With threads, records are mapped on other threads after the next read.
      reader.copiesRecords = threads > 1
      rows = CSVRowReader(reader, mapper: mapper, keepsOriginals: keepsOriginals)
    case .xlsx:
      let openWorkbook = { () throws(RosterError) -> XLSXRowReader in
        if let workbookCopy {
          return try XLSXRowReader(
            descriptor: workbookCopy.fileDescriptor, displayName: displayName, sheet: sheet,
            limits: options.xlsxLimits)
        }
        return try XLSXRowReader(path: input, displayName: displayName, sheet: sheet, limits: options.xlsxLimits)
      }
      let workbook = try openWorkbook()
      let headerLine: Int
      (headers, headerLine) = try workbook.readHeader()
      let headerMap: HeaderMap
      do {
        headerMap = try HeaderMap(headers: headers, maxDepth: options.limits.maxJSONDepth)
      } catch {
        throw RosterError(.header, file: displayName, line: headerLine, error.message)
      }
      var mapper = ContactMapper(headerMap: headerMap, groupSeparator: groups.separator)
      mapper.documentDecoder = Self.documentDecoder(limits: options.limits)
      mapper.historyDecoder = { text in try MergeHistoryText.entries(in: text) }
      fieldHeaders = mapper.fieldHeaders
      headerWarnings += headerMap.warnings
      metadataPaths = headerMap.metadataPaths
      rows = XLSXRowAdapter(workbook, mapper: mapper, keepsOriginals: keepsOriginals)
      passes = fieldHeaders[.groups] != nil || fieldHeaders[.primaryGroups] != nil ? 2 : 1
    case .json, .jsonl:
      let layout: JSONInputLayout = format == .jsonl ? .lines : .automatic
      fieldHeaders = JSONRowReader<ErasedSource>.fieldHeaders
      rows = JSONRowReader(
        JSONContactReader(
          source: chain.source, displayName: displayName, layout: layout, limits: options.limits),
        keepsOriginals: keepsOriginals)
      // Any element may name groups: always look at all of them first.
      passes = 2
    }
    let preparation = RowPreparation(validator: validator, headers: fieldHeaders)
    // Only the messages about groups `--unknown-groups create` makes say where a group was first named.
    let directory = GroupDirectory(keepsFirstMentions: groups.unknownGroups == .create)
    var linker = GroupLinker(directory: directory, policy: groups.unknownGroups, headers: fieldHeaders)
    // Merges need every later duplicate when the first occurrence is written: always two passes.
    let hasMemberships = passes == 2
    if dedupe.mode == .merge { passes = 2 }
    var replay: PreparedRowStream?
    var replayWarnings: [RunWarning] = []
    var mergePlan: MergePlan?

    // The columns of CSV and XLSX output, and the CSV writer's settings: the same for rows rendered
    // ahead on the preparing threads (which borrow YAML encoders from a pool) and for the writer.
    let spreadsheetLayout = SpreadsheetLayout(metadataColumns: flattenMetadata ? metadataPaths : [])
    let yamlEncoders = YAMLEncoderPool()
    let csvSettings = CSVContactWriter.Rendering(
      layout: spreadsheetLayout, groupSeparator: groups.separator, formulaGuard: formulaGuard,
      yaml: { try yamlEncoders.encode($0) })
    // Memberships can name groups defined further down, and merges need their sources: scan the
    // whole input once first.
    if passes == 2 {
      let memberships = MembershipSpool(keepsRowSlots: groups.unknownGroups == .reject)
      let duplicates =
        dedupe.mode == .off
        ? nil : try DuplicateScan(options: dedupe, keepsIDs: hasMemberships && dedupe.mode == .merge)
      // The output pass replays the first pass's prepared rows instead of reading, mapping and
      // validating the input again. Without --dedupe, a JSON run (or one that writes nothing) keeps
      // only what linking reads, and the rest of the output rendered already.
      let layout: PreparedRowSpool.Layout
      switch (dedupe.mode, output?.format) {
      case (.off, nil) where rendersOutputAhead: layout = .linking(ahead: nil)
      case (.off, .json) where rendersOutputAhead, (.off, .jsonl) where rendersOutputAhead:
        layout = .linking(ahead: .json)
      case (.off, .csv) where rendersOutputAhead: layout = .linking(ahead: .csv(csvSettings))
      case (.off, .xlsx) where rendersOutputAhead:
        let settings = XLSXContactWriter.Rendering(layout: spreadsheetLayout) { try yamlEncoders.encode($0) }
        layout = .linking(ahead: .xlsx(settings))
      default: layout = .contacts
      }
      let prepared = try PreparedRowSpool(layout: layout)
      let bytesRead: Int
      do {
        let firstPass = PreparedRowStream(rows, preparation: preparation, threads: threads, spool: prepared)
        try Self.scanGroups(
          firstPass, into: directory, memberships: memberships, keepingNames: groups.referencedContacts,
          duplicates: duplicates, spool: prepared
        ) {
          progress?(JobProgress(pass: 1, passes: 2, rows: $0, bytesRead: $1, totalBytes: totalBytes))
        }
        bytesRead = firstPass.bytesRead
        replayWarnings = firstPass.closingWarnings
      }
      // The first pass's threads and batches (gone with `firstPass`) and the sort's gathering buffers
      // are freed before the merge of the sort's runs and the output pass's threads take memory, so
      // that the peak holds only one of them.
      try memberships.sorter.finishGathering()
      directory.settle(policy: groups.unknownGroups)
      linker.memberSource = try GroupMemberIndex(
        memberships: memberships, linker: linker, includeReferenced: groups.referencedContacts,
        collapsingRepeatedMembers: dedupe.mode == .merge)
      if let sources = duplicates?.sources { mergePlan = try MergePlan(spool: sources, directory: directory) }
      replay = PreparedRowStream(
        replaying: try prepared.replay(inputBytes: bytesRead), preparation: preparation, threads: threads)
    }

    var files: [AtomicFile] = []
    var streams: [ByteOutput] = []
    // Files appear only when the run succeeds; what went to a standard stream before a fault stays
    // there (the rows before it, and their report lines).
    defer {
      for file in files { file.abandon() }
      for stream in streams { try? stream.flush() }
    }
    func open(_ destination: Destination) throws(RosterError) -> ByteOutput {
      switch destination {
      case .standardOutput:
        streams.append(.standardOutput())
        return streams[streams.count - 1]
      case .standardError:
        streams.append(.standardError())
        return streams[streams.count - 1]
      case .file(let path):
        let file = try AtomicFile(destination: path)
        files.append(file)
        return file.output
      }
    }

    let reportWriter = try IssueReportWriter(
      format: report.format, inputName: displayName, output: try open(report.destination),
      includesMerges: dedupe.mode == .merge)
    var observers: [RowObserver] = []
    var finishRejects: () throws(RosterError) -> Void = {}
    if let rejects {
      let output = try open(.file(rejects))
      if format == .csv || format == .xlsx {
        let writer = try RejectedRowsWriter(output: output, header: headers, inputName: displayName)
        finishRejects = { () throws(RosterError) in try writer.finish() }
        observers.append { row, issue in
          guard let issue else { return [] }
          switch row.original {
          case .csv(let record): try writer.write(record, issue: issue)
          case .cells(let cells): try writer.write(cells: cells, issue: issue)
          case .omitted: try writer.writeOmitted(issue: issue)
          case .json, .notKept: break
          }
          return []
        }
      } else {
        let writer = RejectedJSONWriter(output: output)
        finishRejects = { () throws(RosterError) in try writer.finish() }
        observers.append { row, issue in
          guard let issue else { return [] }
          switch row.original {
          case .json(let raw): try writer.write(raw, issue: issue)
          case .omitted: try writer.writeOmitted(issue: issue)
          case .csv, .cells, .notKept: break
          }
          return []
        }
      }
    }
    func run<Writer: ContactWriter>(
      _ writer: Writer, warnings: [RunWarning] = [], closingWarnings: (Writer) throws -> [RunWarning] = { _ in [] }
    ) throws(RosterError) -> RunSummary {
      var pipeline = ContactPipeline(validator: validator, writer: writer, sink: reportWriter)
      pipeline.linker = linker
      switch dedupe.mode {
      case .off: break
      case .report: pipeline.duplicates = DuplicateRejecter(key: dedupe.key, headers: fieldHeaders)
      case .merge: pipeline.duplicates = mergePlan
      }
      do {
        for warning in headerWarnings + warnings { try pipeline.warn(warning) }
      } catch {
        throw RosterError(.output, "\(error)")
      }
      let plan = mergePlan
      let prepared = replay ?? PreparedRowStream(rows, preparation: preparation, threads: threads)
      try Self.stream(
        prepared, into: &pipeline, observers: observers,
        isMergedSource: plan.map { plan in { plan.isSource($0) } }, every: progressEvery
      ) {
        progress?(JobProgress(pass: passes, passes: passes, rows: $0, bytesRead: $1, totalBytes: totalBytes))
      }
      try mergePlan?.finish()
      do {
        for warning in replay != nil ? replayWarnings : prepared.closingWarnings { try pipeline.warn(warning) }
      } catch {
        throw RosterError(.output, "\(error)")
      }
      try Self.writeCreatedGroups(linker, into: &pipeline)
      do {
        for warning in try closingWarnings(pipeline.writer) { try pipeline.warn(warning) }
      } catch let error as RosterError {
        throw error
      } catch {
        throw RosterError(.output, "\(error)")
      }
      try finishRejects()
      return try Self.finish(&pipeline)
    }
    let summary: RunSummary
    if let output {
      switch output.format {
      case .json, .jsonl:
        let layout: JSONContactWriter.Layout = output.format == .json ? .array : .lines
        let writer = JSONContactWriter(output: try open(output.destination), layout: layout)
        // With threads, contacts are encoded and written on a thread of their own.
        summary = threads > 1 ? try run(BackgroundContactWriter(writer)) : try run(writer)
      case .csv:
        let writer = CSVContactWriter(output: try open(output.destination), settings: csvSettings)
        func guardWarnings(_ writer: CSVContactWriter) -> [RunWarning] {
          writer.guardedCells == 0 ? [] : [Self.formulaGuardWarning(guardedCells: writer.guardedCells)]
        }
        if threads > 1 {
          summary = try run(BackgroundContactWriter(writer)) { guardWarnings(try $0.drain()) }
        } else {
          summary = try run(writer) { guardWarnings($0) }
        }
      case .xlsx:
        guard case .file(let path) = output.destination else {
          throw RosterError(.usage, "XLSX output needs a file: pass -o contacts.xlsx")
        }
        let yaml = FlowYAMLEncoder()
        // A signal must not leave the half-built workbook behind either: its temporary file is
        // created and registered for removal with signals held, so none can fall in between.
        let workbook = try TemporaryFiles.withSignalsHeld { () throws(RosterError) -> XLSXContactWriter in
          let workbook = try XLSXContactWriter(
            destination: path, layout: spreadsheetLayout, inputHeaders: headers, groupSeparator: groups.separator
          ) { try yaml.encode($0) }
          TemporaryFiles.register(workbook.temporaryPath)
          return workbook
        }
        defer { TemporaryFiles.unregister(workbook.temporaryPath) }
        let opening = workbook.takeAdjustments().map { Self.warning(for: $0, at: nil) }
        observers.append { row, issue in
          if let issue { try workbook.recordIssue(issue, originalValues: row.original.displayValues) }
          return workbook.takeAdjustments().map { Self.warning(for: $0, at: row.position) }
        }
        defer { workbook.abandon() }
        summary = try run(workbook, warnings: opening)
      }
    } else {
      summary = try run(DiscardingContactWriter())
    }
    for file in files { try file.commit() }
    return summary
  }

  /// Reads a YAML `metadata` / `address_extra` cell, its mappings nesting no deeper than the JSON contact
  /// they become may (the cell's own mapping is the contact's level 2).
  static func documentDecoder(limits: InputLimits) -> (String) throws -> NestedFields {
    let depth = limits.maxJSONDepth
    return { text in
      do {
        return try FlowYAMLDecoder.decode(text, maxDepth: max(1, depth - 1))
      } catch let error as FlowYAMLError where error.code == .nestingTooDeep {
        var violation = LimitViolation(kind: .jsonDepth, limit: depth)
        violation.contentsKept = true
        throw violation
      }
    }
  }

  /// Whether `input` is a data URL given as the argument itself (`data:`, any case).
  static func isDataURL(_ input: String) -> Bool {
    input.utf8.count >= 5 && input.prefix(5).lowercased() == "data:"
  }

  /// Whether `input` is an `http://` or `https://` URL (the scheme in any case).
  public static func isHTTPURL(_ input: String) -> Bool {
    let scheme = input.prefix(8).lowercased()
    return scheme.hasPrefix("http://") || scheme.hasPrefix("https://")
  }

  /// The scheme of `input` when it looks like a URL (`ftp` in `ftp://host/x.csv`), else nil.
  static func urlScheme(_ input: String) -> String? {
    guard let separator = input.firstRange(of: "://") else { return nil }
    let scheme = input[..<separator.lowerBound]
    guard let first = scheme.first, first.isASCII && first.isLetter,
      scheme.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "+-.".contains($0)) })
    else { return nil }
    return String(scheme)
  }

  /// How messages name `input`: the path, `<stdin>`, `<data URL>`, or the URL without credentials.
  public static func displayName(ofInput input: String) -> String {
    if input == "-" { return "<stdin>" }
    if isDataURL(input) { return "<data URL>" }
    if isHTTPURL(input) { return HTTPSource.displayName(of: input) }
    return input
  }

  /// The path part of a URL (no query or fragment), for its extension.
  static func urlPath(_ url: String) -> String {
    guard let scheme = url.firstRange(of: "://") else { return url }
    let rest = url[scheme.upperBound...]
    guard let slash = rest.firstIndex(of: "/") else { return "/" }
    let path = rest[slash...]
    let end = path.firstIndex { $0 == "?" || $0 == "#" } ?? path.endIndex
    return String(path[..<end])
  }

  /// Called after each row with its record and, when the row was rejected, its issue; returns warnings
  /// to report (the rejects file and the XLSX Issues sheet listen here).
  public typealias RowObserver = (SourceRow, RowIssue?) throws -> [RunWarning]

  /// A cell the XLSX writer had to change or drop, as a warning at the row that caused it.
  static func warning(for adjustment: XLSXCellAdjustment, at position: RowPosition?) -> RunWarning {
    RunWarning(
      code: adjustment.code, message: adjustment.description, position: adjustment.position ?? position,
      header: adjustment.column)
  }

  /// The one warning of a CSV run whose formula guard prefixed `guardedCells` cells with `'`.
  static func formulaGuardWarning(guardedCells: Int) -> RunWarning {
    let cells = guardedCells == 1 ? "1 CSV cell" : "\(guardedCells) CSV cells"
    return RunWarning(
      code: "output.formula_guarded",
      message:
        "\(cells) began with =, +, -, @, a tab or a carriage return; each got a leading ' so a spreadsheet shows it as text instead of running it as a formula (--formula-guard off writes such cells as they are)"
    )
  }

  /// The first pass of a run with group memberships or `--dedupe merge`: records every group row and
  /// membership, and the first row of each duplicate key (spooling later duplicates for merges). `rows`
  /// keeps every row in `spool` for the output pass to replay; a fault is added to it here.
  ///
  /// Rows that mapping or validation rejects are skipped here; the second pass reports them, and so
  /// the fault that ends an input early.
  static func scanGroups(
    _ rows: PreparedRowStream, into directory: GroupDirectory, memberships: MembershipSpool, keepingNames: Bool,
    duplicates: DuplicateScan? = nil, spool: PreparedRowSpool? = nil, progress: (Int, Int) -> Void
  ) throws(RosterError) {
    var count = 0
    var rowGroups = RowMemberships()
    while true {
      // A fault in the input ends this pass quietly: the second pass processes the rows before it and
      // then meets the same fault (read again, or replayed from `spool`), which stops the run with its
      // position.
      let next: PreparedRow?
      do {
        next = try rows.next()
      } catch {
        spool?.end(with: error)
        return
      }
      guard let prepared = next else { return }
      count += 1
      if count % 8192 == 0 { progress(count, rows.bytesRead) }
      var lookedUp = false
      // The row's part: its group definition, its memberships, its duplicate key. Inline (not a
      // function taking the row): passing the row copied it, every string of it.
      scan: do {
        // The row's fields are read in place (`prepared.row.contact`): binding them to names of their
        // own would copy every string of the row.
        guard prepared.row.problems.isEmpty else { break scan }
        // A later duplicate: `report` rejects it in the second pass (so it is nobody's member);
        // `merge` spools it, and its memberships count for the row it merges into.
        var memberID = prepared.row.contact.id
        var memberPosition = prepared.row.position
        if let duplicates, let digest = duplicates.key.digest(of: prepared.row.contact),
          let first = try duplicates.table.firstOccurrence(
            of: digest, row: prepared.row.position.index, id: prepared.row.contact.id)
        {
          guard let sources = duplicates.sources else { break scan }
          try sources.append(prepared.row.contact, at: prepared.row.position, destination: first.row)
          memberID = first.id ?? prepared.row.contact.id
          // Listed where the row it merges into stands (its line is not needed there).
          memberPosition = RowPosition(index: first.row, line: 0)
        }
        var ownSlot = -1
        var defines = false
        if prepared.row.contact.type == .group {
          defines =
            directory.define(name: prepared.row.contact.name, id: prepared.row.contact.id, at: prepared.row.position)
            == nil
          ownSlot = directory.slot(named: prepared.row.contact.name, mentionedAt: prepared.row.position)
        }
        guard !prepared.row.contact.groups.isEmpty else { break scan }
        rowGroups.start(
          position: memberPosition, ownSlot: ownSlot, memberID: memberID,
          memberName: keepingNames ? prepared.row.contact.name : "",
          memberEmail: keepingNames ? prepared.row.contact.email ?? "" : "")
        for reference in prepared.row.contact.groups {
          let slot = directory.slot(for: reference, mentionedAt: prepared.row.position)
          if defines { directory.nest(ownSlot, in: slot) }
          rowGroups.add(slot: slot, isPrimary: reference.isPrimary)
        }
        try memberships.append(rowGroups)
        lookedUp = true
      }
      // Every row gets its slot record, so the replay keeps in step with the spool.
      try spool?.recordSlots(lookedUp ? rowGroups.slots : [])
    }
  }

  /// Writes the groups `--unknown-groups create` made, in the order their names first appeared.
  static func writeCreatedGroups<Writer: ContactWriter, Sink: IssueSink>(
    _ linker: GroupLinker, into pipeline: inout ContactPipeline<Writer, Sink>
  ) throws(RosterError) {
    for (slot, group) in linker.directory.groups.enumerated() where group.status == .created {
      var contact = Contact()
      contact.id = group.id
      contact.type = .group
      contact.name = group.name
      do {
        contact.members = try linker.memberSource?.members(ofSlot: slot) ?? GroupMembers()
        let mention = group.firstMention.map { " (first named on line \($0.line), row \($0.index))" } ?? ""
        try pipeline.warn(
          RunWarning(
            code: "group.created", message: "group \"\(group.name)\" has no group row; it was created\(mention)",
            position: group.firstMention))
        try pipeline.writeCreatedGroup(contact)
      } catch let error as RosterError {
        throw error
      } catch {
        throw RosterError(.output, "\(error)")
      }
    }
  }

  /// Finishes the writer and the report.
  static func finish<Writer: ContactWriter, Sink: IssueSink>(
    _ pipeline: inout ContactPipeline<Writer, Sink>
  ) throws(RosterError) -> RunSummary {
    do {
      return try pipeline.finish()
    } catch let error as RosterError {
      throw error
    } catch {
      throw RosterError(.output, "\(error)")
    }
  }

  /// Streams every row of `rows` into `pipeline` (which the caller finishes); rows `isMergedSource`
  /// names are counted as merged and go nowhere else.
  ///
  /// Calls `progress(rows, bytesRead)` every `every` rows.
  public static func stream<Writer: ContactWriter, Sink: IssueSink>(
    _ rows: PreparedRowStream, into pipeline: inout ContactPipeline<Writer, Sink>, observers: [RowObserver] = [],
    isMergedSource: ((Int) -> Bool)? = nil, every: Int = 8192, progress: (Int, Int) -> Void = { _, _ in }
  ) throws(RosterError) {
    do {
      while var prepared = try rows.next() {
        // The contact moves on to the pipeline (no copy of its strings); the observers see the rest.
        var contact = Contact()
        swap(&contact, &prepared.row.contact)
        if let isMergedSource, isMergedSource(prepared.row.position.index) {
          // Merged into an earlier row, which was written with it and reported it.
          pipeline.recordMerged(at: prepared.row.position)
          if pipeline.summary.rows % every == 0 { progress(pipeline.summary.rows, rows.bytesRead) }
          continue
        }
        try pipeline.process(
          prepared: consume contact, at: prepared.row.position, problems: prepared.row.problems,
          fingerprintSupplied: prepared.fingerprintSupplied, rendered: prepared.rendered)
        for observer in observers {
          for warning in try observer(prepared.row, pipeline.lastRejection) { try pipeline.warn(warning) }
        }
        if pipeline.summary.rows % every == 0 { progress(pipeline.summary.rows, rows.bytesRead) }
      }
    } catch let error as RosterError {
      throw error
    } catch {
      throw RosterError(.output, "\(error)")
    }
  }

}
