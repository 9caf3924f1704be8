/// An error that stops the run (exit code 2): it names the file, the line when known, and what to do.
///
/// Row-level problems are never thrown; they are `RowIssue` values in the report.
public struct RosterError: Error, Hashable, Sendable, CustomStringConvertible {
  /// What kind of failure stopped the run.
  public enum Code: String, Hashable, Sendable {
    case usage
    case input
    case header
    case output
    case interrupted
  }

  public var code: Code
  /// The file concerned (`<stdin>` for standard input), if any.
  public var file: String?
  /// The 1-based line concerned, if known.
  public var line: Int?
  public var message: String

  public init(_ code: Code, file: String? = nil, line: Int? = nil, _ message: String) {
    self.code = code
    self.file = file
    self.line = line
    self.message = message
  }

  /// `contacts.csv:3: message`, or `contacts.csv: message`, or just the message.
  public var description: String {
    switch (file, line) {
    case (let file?, let line?): "\(file):\(line): \(message)"
    case (let file?, nil): "\(file): \(message)"
    default: message
    }
  }
}
