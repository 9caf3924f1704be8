/// The one-way flow every input takes: mapped draft, validators, id, then writer or issue sink.
///
/// Each row ends in exactly one place: `writer` (and `sink.accepted`), `sink.rejected`, or merged into
/// an earlier row (`recordMerged`, `sink.merged`), so
/// `summary.rows == summary.accepted + summary.rejected + summary.merged` always holds.
///
/// ```swift
/// var pipeline = ContactPipeline(validator: validator, writer: writer, sink: report)
/// try pipeline.process(draft, at: position, problems: problems, headers: mapper.fieldHeaders)
/// let summary = try pipeline.finish()
/// ```
public struct ContactPipeline<Writer: ContactWriter, Sink: IssueSink> {
  public let validator: ContactValidator
  public private(set) var writer: Writer
  public private(set) var sink: Sink
  public private(set) var summary = RunSummary()
  /// The issue of the last row `process` or `reject` rejected, `nil` when the last row was accepted.
  public private(set) var lastRejection: RowIssue?
  /// Resolves group names after validation; `nil` leaves group references as mapped.
  public var linker: GroupLinker? {
    get { linking?.linker }
    set { linking = newValue.map(Linking.init) }
  }
  /// The linker, held by reference: a struct bound for each row (`if let`) is copied, and all it holds
  /// retained and released again.
  private var linking: Linking?
  /// Finds duplicates after validation and identity, before group linking (`--dedupe`); `nil` for none.
  public var duplicates: (any DuplicateHandler)?
  private var warnings: [RunWarning] = []
  private var merges: [MergeRecord] = []

  public init(validator: ContactValidator, writer: Writer, sink: Sink) {
    self.validator = validator
    self.writer = writer
    self.sink = sink
  }

  /// Reports a warning that rejects nothing.
  public mutating func warn(_ warning: RunWarning) throws {
    summary.warnings += 1
    try sink.warning(warning)
  }

  /// Validates `draft` and sends it to the writer, or sends the row's issues to the sink.
  ///
  /// `problems` holds what the reader and mapper already found; `headers` names the header of each
  /// field for reports.
  /// - Throws: only when the writer or sink cannot go on (a full disk, say).
  public mutating func process(
    _ draft: Contact, at position: RowPosition, problems: [IssueDetail], headers: [ContactField: String]
  ) throws {
    var contact = draft
    var problems = problems
    let preparation = RowPreparation(validator: validator, headers: headers)
    let fingerprintSupplied = preparation.prepare(&contact, problems: &problems)
    try process(prepared: contact, at: position, problems: problems, fingerprintSupplied: fingerprintSupplied)
  }

  /// Sends a row that `RowPreparation.prepare` has validated and identified on: duplicates, group
  /// links, then the writer, or its issues to the sink.
  ///
  /// `fingerprintSupplied` is what `prepare` returned. `rendered` is the contact's output rendered
  /// ahead by the writer (`ContactWriter.write(_:rendered:)`), when the first pass rendered it.
  /// - Throws: only when the writer or sink cannot go on (a full disk, say).
  public mutating func process(
    prepared contact: consuming Contact, at position: RowPosition, problems: [IssueDetail], fingerprintSupplied: Bool,
    rendered: RenderedParts? = nil
  ) throws {
    summary.rows += 1
    var problems = problems
    if problems.isEmpty {
      if let duplicates {
        warnings.removeAll(keepingCapacity: true)
        merges.removeAll(keepingCapacity: true)
        try duplicates.handle(
          &contact, at: position, fingerprintSupplied: fingerprintSupplied, problems: &problems,
          warnings: &warnings, merges: &merges)
        for merge in merges { try sink.merged(merge) }
        for warning in warnings { try warn(warning) }
      }
    }
    if problems.isEmpty {
      if let linking {
        warnings.removeAll(keepingCapacity: true)
        try linking.linker.link(&contact, at: position, problems: &problems, warnings: &warnings)
        for warning in warnings { try warn(warning) }
      }
    }
    guard problems.isEmpty else {
      summary.rejected += 1
      let issue = RowIssue(position: position, details: problems)
      lastRejection = issue
      try sink.rejected(issue)
      return
    }
    lastRejection = nil
    summary.accepted += 1
    let id = contact.id
    try writer.write(contact, rendered: rendered)
    try sink.accepted(id: id, position: position)
  }

  /// Counts a row that `--dedupe merge` merged into an earlier one (reported with that row): it is
  /// neither accepted nor rejected, so `rows == accepted + rejected + merged`.
  public mutating func recordMerged(at position: RowPosition) {
    summary.rows += 1
    summary.merged += 1
    lastRejection = nil
  }

  /// Rejects a row that could not be mapped at all (the reader's own problems).
  public mutating func reject(at position: RowPosition, problems: [IssueDetail]) throws {
    summary.rows += 1
    summary.rejected += 1
    let issue = RowIssue(position: position, details: problems)
    lastRejection = issue
    try sink.rejected(issue)
  }

  /// Writes a group that `--unknown-groups create` made: it has no input row, so it is counted in
  /// `summary.createdGroups`, not in `rows`.
  public mutating func writeCreatedGroup(_ group: Contact) throws {
    summary.createdGroups += 1
    try writer.write(group)
    try sink.createdGroup(id: group.id, name: group.name)
  }

  /// Finishes the writer and the sink; returns the run's counts.
  public mutating func finish() throws -> RunSummary {
    try writer.finish()
    try sink.finish(summary: summary)
    return summary
  }
}

/// A `GroupLinker` behind one reference (`ContactPipeline.linker`).
private final class Linking {
  let linker: GroupLinker
  init(_ linker: GroupLinker) { self.linker = linker }
}

/// The part of a row's processing that depends on nothing but the row: validation, then the derived
/// fingerprint and id. Worker threads run it ahead of the pipeline (`ContactPipeline.process(prepared:)`).
public struct RowPreparation: Sendable {
  public let validator: ContactValidator
  /// The header of each field, for naming it in issues.
  public let headers: [ContactField: String]

  public init(validator: ContactValidator, headers: [ContactField: String]) {
    self.validator = validator
    self.headers = headers
  }

  /// Validates `contact` when `problems` is empty, then gives it its identity when validation found
  /// nothing. Returns whether the row supplied its own fingerprint (before one was derived).
  public func prepare(_ contact: inout Contact, problems: inout [IssueDetail]) -> Bool {
    guard problems.isEmpty else { return false }
    validator.validate(&contact, headers: headers, problems: &problems)
    guard problems.isEmpty else { return false }
    let fingerprintSupplied = contact.fingerprint != nil
    ContactIdentifier.assignIdentity(&contact)
    return fingerprintSupplied
  }
}
