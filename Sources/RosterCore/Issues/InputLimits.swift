/// The sizes hostile or broken input may not exceed, so no input can crash Roster, hang it or exhaust
/// its memory. Each limit is a command-line flag (`--max-field-bytes`, ...).
///
/// Over a limit, a row that can be skipped is skipped (its bytes are not kept) and reported as a
/// `RowIssue` whose code is one of `LimitKind`'s (`limit.field_bytes`, ...); input that cannot be
/// followed past the fault (a header over a limit, an element that never ends) stops the run.
public struct InputLimits: Hashable, Sendable {
  /// The most bytes in one CSV cell, one JSON string (key or value) or one XLSX cell (`--max-field-bytes`).
  public var maxFieldBytes = 1 << 20
  /// The most cells in one CSV or XLSX row, the header included (`--max-columns`).
  public var maxColumns = 4096
  /// The most bytes in one CSV record, one JSON element (array element or line) or one XLSX row's
  /// cells (`--max-row-bytes`).
  public var maxRowBytes = 16 << 20
  /// The deepest nesting of objects and arrays in one JSON contact, its own object being level 1
  /// (`--max-json-depth`). Dotted CSV headers and YAML metadata cells are held to the same depth,
  /// counted as the JSON contact they become.
  public var maxJSONDepth = 64

  /// The largest `maxJSONDepth` accepted: every later stage (the writers, the metadata tree) walks the
  /// tree recursively, and 1,000 levels keep that far from the stack's end.
  public static let largestJSONDepth = 1000

  public init() {}
}

/// Which limit a row went over.
public enum LimitKind: String, Hashable, Sendable {
  case fieldBytes = "field_bytes"
  case columns
  case rowBytes = "row_bytes"
  case jsonDepth = "json_depth"

  /// The flag that raises this limit.
  public var flag: String {
    switch self {
    case .fieldBytes: "--max-field-bytes"
    case .columns: "--max-columns"
    case .rowBytes: "--max-row-bytes"
    case .jsonDepth: "--max-json-depth"
    }
  }

  /// The stable report code: `limit.field_bytes`, ...
  public var code: IssueCode { IssueCode(rawValue: "limit." + rawValue) }
}

/// A row that went over one of the `InputLimits`: what was over, and where.
///
/// The reader stops keeping the row's bytes at the fault and skips to the row's end, so the size is
/// only known to be over the limit, not in full.
public struct LimitViolation: Hashable, Sendable, Error {
  public var kind: LimitKind
  /// The limit in force (bytes, cells or levels).
  public var limit: Int
  /// The zero-based column of the cell concerned, when the input has columns (CSV, XLSX).
  public var column: Int?
  /// The byte offset in the input where the offending cell, string or level starts, when known.
  public var byteOffset: Int?
  /// The 1-based line (XLSX: row number) where the offending cell, string or level starts.
  public var line: Int?
  /// Whether the reader still kept the row's contents (a YAML cell too deep, say); by default a row
  /// over a limit is skipped and its contents are not kept.
  public var contentsKept = false

  public init(kind: LimitKind, limit: Int, column: Int? = nil, byteOffset: Int? = nil, line: Int? = nil) {
    self.kind = kind
    self.limit = limit
    self.column = column
    self.byteOffset = byteOffset
    self.line = line
  }

  /// What is over the limit, and the flag that raises it, as a sentence (no position of the row itself).
  public var message: String {
    let consequence = contentsKept ? "" : "; the row was skipped, not kept"
    return "\(problem)\(consequence) (raise \(kind.flag) to accept it)"
  }

  /// What is over the limit, as a phrase: `holds a value longer than 1048576 bytes on line 3, ...`.
  public var problem: String {
    var place = ""
    if let line { place += " on line \(line)" }
    if let byteOffset { place += (place.isEmpty ? " at" : ",") + " byte offset \(byteOffset)" }
    switch kind {
    case .fieldBytes: return "holds a value longer than \(limit) bytes\(place)"
    case .columns: return "has more than \(limit) cells"
    case .rowBytes: return "is longer than \(limit) bytes"
    case .jsonDepth: return "nests objects and arrays deeper than \(limit) levels\(place)"
    }
  }

  /// The row issue detail, under `header` (and its field) when the column is known.
  public func detail(header: String? = nil, field: String? = nil) -> IssueDetail {
    IssueDetail(header: header, field: field ?? "row", code: kind.code, message: message)
  }
}
