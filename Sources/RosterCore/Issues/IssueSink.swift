/// Receives the outcome of every row as it streams, so the report never holds rows in memory.
///
/// The pipeline calls `accepted` or `rejected` exactly once per input row, in input order,
/// `warning` whenever something is worth telling, and `finish` once at the end.
public protocol IssueSink {
  mutating func accepted(id: String, position: RowPosition) throws
  mutating func rejected(_ issue: RowIssue) throws
  mutating func warning(_ warning: RunWarning) throws
  mutating func finish(summary: RunSummary) throws
  /// A group contact Roster created (`--unknown-groups create`); it has no input row.
  mutating func createdGroup(id: String, name: String) throws
  /// A row merged into an earlier one (`--dedupe merge`), told when the earlier row is written.
  mutating func merged(_ merge: MergeRecord) throws
}

extension IssueSink {
  public mutating func createdGroup(id: String, name: String) throws {}
  public mutating func merged(_ merge: MergeRecord) throws {}
}
