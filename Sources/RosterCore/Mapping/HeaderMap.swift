/// A header problem that makes the whole input unusable (exit code 2).
public struct HeaderError: Error, Hashable, Sendable, CustomStringConvertible {
  public var code: IssueCode
  public var message: String
  /// The headers involved, as spelled in the input.
  public var headers: [String]

  public init(code: IssueCode, message: String, headers: [String]) {
    self.code = code
    self.message = message
    self.headers = headers
  }

  public var description: String { message }
}

/// One input column: its header as spelled and where its values go.
public struct ColumnMapping: Hashable, Sendable {
  /// The header as it appears in the input.
  public var header: String
  public var target: ColumnTarget
  /// `true` for columns Roster does not know, kept in `metadata` under the header's name.
  public var isUnknown: Bool
}

/// How a file's headers map onto the contact model, decided once before any row is read.
///
/// Rules (also in the README):
/// - Known headers match case-, space-, `_`- and `-`-insensitively against aliases
///   (`Full Name`, `E-mail`, `phoneNumber`, ...). `Address` fills `address.address_line1`,
///   `Address Line2` fills `address.address_line2`.
/// - A header with dots is a path: `metadata.a.b` nests in metadata, `address.city` in the address.
///   Other dotted headers and unknown headers are kept in metadata under their own name (nested
///   when dotted) and listed once in the warnings.
/// - `metadata` and `address_extra` (Roster's own CSV) hold a whole map as YAML, merged key by key.
/// - `roster_errors` (the reasons column of a `--rejects` file) is ignored, with a warning.
/// - Empty path segments, and one path being a prefix of another, are fatal errors naming both headers.
/// - Two columns with the same target are fatal, unless their headers are the same after
///   normalization (`Email` and `email`): then they are merged, and differing values in one row
///   are a row issue.
public struct HeaderMap: Sendable {
  public private(set) var columns: [ColumnMapping] = []
  /// Warnings to report once (unknown columns, unnamed columns).
  public private(set) var warnings: [RunWarning] = []

  /// Maps `headers` (the first row of the input).
  ///
  /// - Parameter maxDepth: `InputLimits.maxJSONDepth`: a dotted header may not nest deeper than the
  ///   JSON contact it becomes may (`metadata.a.b` is 3 levels: the contact, `metadata`, `a`).
  /// - Throws: `HeaderError` for conflicting or malformed headers, a header nesting deeper than
  ///   `maxDepth`, or when no column gives a name.
  public init(headers: [String], maxDepth: Int = InputLimits().maxJSONDepth) throws(HeaderError) {
    for (position, raw) in headers.enumerated() {
      let header = raw.trimmingASCIIWhitespace()
      let mapping = try Self.mapping(for: header, spelled: raw, column: position + 1)
      switch mapping.target {
      case .metadata(let path), .address(let path):
        guard path.count + 1 <= maxDepth else {
          throw HeaderError(
            code: LimitKind.jsonDepth.code,
            message:
              "header \(position + 1) nests \(path.count + 1) levels deep (dotted path), deeper than \(maxDepth); "
              + "raise \(LimitKind.jsonDepth.flag) to read it",
            headers: [raw])
        }
      default: break
      }
      if mapping.target == .ignored {
        warnings.append(
          RunWarning(
            code: "header.ignored_column",
            message: "column \"\(raw)\" holds the reasons of an earlier run's rejected rows; it is not imported",
            header: raw))
      }
      if mapping.isUnknown {
        warnings.append(
          RunWarning(
            code: "header.unknown_column",
            message: "column \"\(raw)\" is not a Roster field; its values are kept as \(mapping.target.fieldName)",
            header: raw))
      }
      columns.append(mapping)
    }
    try checkConflicts()
    let targets = Set(columns.map(\.target))
    if !targets.contains(.field(.name)) && !targets.contains(.field(.firstName))
      && !targets.contains(.field(.lastName))
    {
      throw HeaderError(
        code: "header.missing_name",
        message: "the header has no Name column (or First Name / Last Name); every contact needs a name",
        headers: headers)
    }
  }

  /// The metadata paths the columns fill, each once, in column order (for flattened output).
  public var metadataPaths: [[String]] {
    var paths: [[String]] = []
    var seen: Set<[String]> = []
    for column in columns {
      if case .metadata(let path) = column.target, seen.insert(path).inserted { paths.append(path) }
    }
    return paths
  }

  /// The header of the first column that fills `field`, as spelled.
  public func header(for field: ContactField) -> String? {
    columns.first { $0.target == .field(field) }?.header
  }

  private static func mapping(for header: String, spelled raw: String, column: Int) throws(HeaderError)
    -> ColumnMapping
  {
    if header.isEmpty {
      let name = "column_\(column)"
      return ColumnMapping(header: raw, target: .metadata([name]), isUnknown: true)
    }
    if header.utf8.contains(UInt8(ascii: ".")) {
      let segments = header.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
      if segments.contains(where: { $0.trimmingASCIIWhitespace().isEmpty }) {
        throw HeaderError(
          code: "header.empty_segment",
          message: "header \"\(raw)\" has an empty path segment (two dots in a row, or a leading or trailing dot)",
          headers: [raw])
      }
      let path = segments.map { $0.trimmingASCIIWhitespace() }
      switch HeaderKey.normalized(path[0]) {
      case "metadata":
        return ColumnMapping(header: raw, target: .metadata(Array(path.dropFirst())), isUnknown: false)
      case "address":
        return ColumnMapping(header: raw, target: .address(Array(path.dropFirst())), isUnknown: false)
      default:
        return ColumnMapping(header: raw, target: .metadata(path), isUnknown: true)
      }
    }
    let key = HeaderKey.normalized(header)
    if let field = ContactField.aliases[key] {
      return ColumnMapping(header: raw, target: .field(field), isUnknown: false)
    }
    switch key {
    case "address", "addressline1", "address1", "street":
      return ColumnMapping(header: raw, target: .address(["address_line1"]), isUnknown: false)
    case "addressline2", "address2":
      return ColumnMapping(header: raw, target: .address(["address_line2"]), isUnknown: false)
    case "metadata":
      return ColumnMapping(header: raw, target: .document(isAddress: false), isUnknown: false)
    case "addressextra":
      return ColumnMapping(header: raw, target: .document(isAddress: true), isUnknown: false)
    case "mergehistory":
      return ColumnMapping(header: raw, target: .mergeHistory, isUnknown: false)
    case "rostererrors":
      return ColumnMapping(header: raw, target: .ignored, isUnknown: false)
    default:
      return ColumnMapping(header: raw, target: .metadata([header]), isUnknown: true)
    }
  }

  /// Finds two columns filling one target under different headers, or one path under another's value.
  ///
  /// Complexity: O(n × d²) for n columns of paths at most d deep (hashing each path's prefixes), so a
  /// header of thousands of columns is checked at once.
  private func checkConflicts() throws(HeaderError) {
    var firstWithTarget: [ColumnTarget: Int] = [:]
    // Each proper prefix of a column's path (as a target), and the first column whose path extends it.
    var firstExtending: [ColumnTarget: Int] = [:]
    for index in columns.indices {
      let column = columns[index]
      if let first = firstWithTarget[column.target] {
        let earlier = columns[first]
        if HeaderKey.normalized(earlier.header) != HeaderKey.normalized(column.header) {
          throw HeaderError(
            code: "header.duplicate",
            message:
              "headers \"\(earlier.header)\" and \"\(column.header)\" both fill \(column.target.fieldName); remove or rename one",
            headers: [earlier.header, column.header])
        }
      } else {
        firstWithTarget[column.target] = index
      }
      let prefixes: [ColumnTarget]
      switch column.target {
      case .metadata(let path): prefixes = (1..<max(path.count, 1)).map { .metadata(Array(path[..<$0])) }
      case .address(let path): prefixes = (1..<max(path.count, 1)).map { .address(Array(path[..<$0])) }
      default: continue
      }
      for prefix in prefixes {
        if let first = firstWithTarget[prefix] { throw Self.pathConflict(short: columns[first], long: column) }
      }
      if let first = firstExtending[column.target] { throw Self.pathConflict(short: column, long: columns[first]) }
      for prefix in prefixes where firstExtending[prefix] == nil { firstExtending[prefix] = index }
    }
  }

  private static func pathConflict(short: ColumnMapping, long: ColumnMapping) -> HeaderError {
    HeaderError(
      code: "header.path_conflict",
      message:
        "headers \"\(short.header)\" and \"\(long.header)\" conflict: \(short.target.fieldName) cannot hold both a value and \(long.target.fieldName)",
      headers: [short.header, long.header])
  }
}

extension StringProtocol where UTF8View: BidirectionalCollection {
  /// The string without leading and trailing ASCII spaces, tabs, CR and LF.
  ///
  /// A string with nothing to trim (the common case) comes back without copying its bytes.
  func trimmingASCIIWhitespace() -> String {
    let utf8 = self.utf8
    @inline(__always) func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }
    guard let first = utf8.first, let last = utf8.last, isSpace(first) || isSpace(last) else { return String(self) }
    var start = utf8.startIndex
    var end = utf8.endIndex
    while start < end && isSpace(utf8[start]) { utf8.formIndex(after: &start) }
    while end > start {
      let before = utf8.index(before: end)
      guard isSpace(utf8[before]) else { break }
      end = before
    }
    return String(decoding: utf8[start..<end], as: UTF8.self)
  }
}
