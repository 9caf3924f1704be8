/// The layouts of the issue report.
public enum ReportFormat: String, CaseIterable, Sendable {
  /// One JSON document shaped like PackageX's import response: created ids, issues, warnings, summary.
  case json
  /// One JSON object per line: each issue, each warning, then the summary (`"kind"` tells which).
  case jsonl
  /// One human line per rejected row, per warning, and a summary line.
  case text
  /// GitHub Actions workflow commands (`::error file=...,line=...::`) so CI marks the exact lines.
  case github
}
