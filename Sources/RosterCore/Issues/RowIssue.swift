/// Where a row sits in its input: the zero-based data-row index and the 1-based line it starts on.
public struct RowPosition: Hashable, Sendable {
  /// Zero-based index among data rows (the header row is not counted; skipped blank lines are not counted).
  public var index: Int
  /// 1-based line number in the input where the row starts (a quoted field can span lines).
  public var line: Int

  public init(index: Int, line: Int) {
    self.index = index
    self.line = line
  }
}

/// A stable, machine-readable name for a kind of problem, such as `email.domain_needs_dot`.
///
/// Codes are part of the report's contract: they do not change wording the way messages may.
public struct IssueCode: RawRepresentable, Hashable, Sendable, ExpressibleByStringLiteral {
  public var rawValue: String
  public init(rawValue: String) { self.rawValue = rawValue }
  public init(stringLiteral value: String) { self.rawValue = value }
}

/// One problem with one field of a row.
public struct IssueDetail: Hashable, Sendable {
  /// The input header the problem is in, as the user spelled it (`E-mail`, not `email`).
  /// `nil` when the problem concerns the whole row (for example a ragged row).
  public var header: String?
  /// The canonical field (`email`, `phone`, `name`, `metadata.a.b`, ...), or `row`.
  public var field: String
  public var code: IssueCode
  /// A plain sentence a person can act on.
  public var message: String
  /// The offending value as read, when there is one.
  public var value: String?

  public init(header: String?, field: String, code: IssueCode, message: String, value: String? = nil) {
    self.header = header
    self.field = field
    self.code = code
    self.message = message
    self.value = value
  }
}

/// Why one input row was rejected: every problem found in it, not just the first.
public struct RowIssue: Hashable, Sendable {
  public var position: RowPosition
  public var details: [IssueDetail]

  public init(position: RowPosition, details: [IssueDetail]) {
    self.position = position
    self.details = details
  }

  /// The input headers in error, as spelled in the input, each once, in column order of first mention.
  public var headersInError: [String] {
    var seen: [String] = []
    for detail in details {
      if let header = detail.header, !seen.contains(header) { seen.append(header) }
    }
    return seen
  }
}

/// Something the user should know that rejects no row: an unknown column kept in metadata, say.
public struct RunWarning: Hashable, Sendable {
  public var code: IssueCode
  public var message: String
  /// The row it concerns, if any.
  public var position: RowPosition?
  /// The header it concerns, if any.
  public var header: String?

  public init(code: IssueCode, message: String, position: RowPosition? = nil, header: String? = nil) {
    self.code = code
    self.message = message
    self.position = position
    self.header = header
  }
}

/// Counts for the report's `summary`. Invariant: `rows == accepted + rejected + merged`.
public struct RunSummary: Hashable, Sendable {
  public var rows = 0
  public var accepted = 0
  public var rejected = 0
  /// Rows merged into an earlier row by `--dedupe merge` (kept in its `merge_history`).
  public var merged = 0
  public var warnings = 0
  /// Groups written by `--unknown-groups create`, which have no input row.
  public var createdGroups = 0
  public init() {}
}

/// One row that `--dedupe merge` merged into an earlier one.
public struct MergeRecord: Hashable, Sendable {
  /// The merged row (the source).
  public var source: RowPosition
  /// The row it merged into (the destination, the first with the key).
  public var destination: RowPosition
  /// Fields both had with different values: the destination kept its value.
  public var conflicts: [String]

  public init(source: RowPosition, destination: RowPosition, conflicts: [String]) {
    self.source = source
    self.destination = destination
    self.conflicts = conflicts
  }
}
