public import RosterCore

/// The formats `roster convert` writes.
public enum OutputFormat: String, CaseIterable, Sendable {
  case jsonl
  case json

  /// The format a file name's extension implies, if any (`.jsonl`/`.ndjson`, `.json`).
  public init?(pathExtensionOf path: String) {
    let lowered = path.lowercased()
    if lowered.hasSuffix(".jsonl") || lowered.hasSuffix(".ndjson") {
      self = .jsonl
    } else if lowered.hasSuffix(".json") {
      self = .json
    } else {
      return nil
    }
  }
}

/// Where a stream of bytes goes: a file (written atomically) or a standard stream.
public enum Destination: Hashable, Sendable {
  case file(String)
  case standardOutput
  case standardError
}

/// How far a run has got, for progress display.
public struct JobProgress: Sendable {
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
    let file = try InputFile(path: input)
    let reader = CSVRecordReader(source: file, displayName: file.displayName)
    let (headers, headerLine) = try reader.readHeader()
    let headerMap: HeaderMap
    do {
      headerMap = try HeaderMap(headers: headers)
    } catch {
      throw RosterError(.header, file: file.displayName, line: headerLine, error.message)
    }
    let mapper = ContactMapper(headerMap: headerMap)

    var files: [AtomicFile] = []
    defer { for file in files { file.abandon() } }
    func open(_ destination: Destination) throws(RosterError) -> ByteOutput {
      switch destination {
      case .standardOutput: return .standardOutput()
      case .standardError: return .standardError()
      case .file(let path):
        let file = try AtomicFile(destination: path)
        files.append(file)
        return file.output
      }
    }

    let reportWriter = try IssueReportWriter(
      format: report.format, inputName: file.displayName, output: try open(report.destination))
    let validator = ContactValidator(phone: phoneValidator)
    let summary: RunSummary
    if let output {
      let writer = JSONContactWriter(
        output: try open(output.destination), layout: output.format == .json ? .array : .lines)
      var pipeline = ContactPipeline(validator: validator, writer: writer, sink: reportWriter)
      summary = try Self.stream(reader, mapper: mapper, into: &pipeline, every: progressEvery) {
        progress?(JobProgress(rows: $0, bytesRead: $1, totalBytes: file.size))
      }
    } else {
      var pipeline = ContactPipeline(validator: validator, writer: DiscardingContactWriter(), sink: reportWriter)
      summary = try Self.stream(reader, mapper: mapper, into: &pipeline, every: progressEvery) {
        progress?(JobProgress(rows: $0, bytesRead: $1, totalBytes: file.size))
      }
    }
    for file in files { try file.commit() }
    return summary
  }

  /// Streams every record of `reader` through `mapper` into `pipeline`, then finishes it.
  ///
  /// Calls `progress(rows, bytesRead)` every `every` rows.
  public static func stream<Source: ByteSource, Writer: ContactWriter, Sink: IssueSink>(
    _ reader: CSVRecordReader<Source>, mapper: ContactMapper,
    into pipeline: inout ContactPipeline<Writer, Sink>, every: Int = 8192,
    progress: (Int, Int) -> Void = { _, _ in }
  ) throws(RosterError) -> RunSummary {
    do {
      for warning in mapper.headerMap.warnings { try pipeline.warn(warning) }
      var problems: [IssueDetail] = []
      while let record = try reader.next() {
        problems.removeAll(keepingCapacity: true)
        if let quoteLine = record.unterminatedQuoteLine {
          problems.append(
            IssueDetail(
              header: nil, field: "row", code: "row.unterminated_quote",
              message: "the quoted field opened on line \(quoteLine) is never closed"))
          try pipeline.reject(at: record.position, problems: problems)
        } else {
          let draft = mapper.draft(from: record, problems: &problems)
          try pipeline.process(draft, at: record.position, problems: problems, headers: mapper.fieldHeaders)
        }
        if pipeline.summary.rows % every == 0 { progress(pipeline.summary.rows, reader.bytesRead) }
      }
      return try pipeline.finish()
    } catch let error as RosterError {
      throw error
    } catch {
      throw RosterError(.output, "\(error)")
    }
  }
}
