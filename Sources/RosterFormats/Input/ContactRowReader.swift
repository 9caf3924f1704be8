public import RosterCore
public import RosterXLSXInput

/// An input row as read, kept for the rejects file and the XLSX Issues sheet.
public enum OriginalRow {
  /// A CSV record's cells.
  case csv(CSVRecord)
  /// A JSON element's exact bytes.
  case json([UInt8])
  /// A spreadsheet row's cells, as text.
  case cells([String])
  /// A row over one of the `InputLimits`: its contents were skipped, not kept.
  case omitted
  /// Not kept because nothing in this run shows it (no `--rejects`, no XLSX Issues sheet).
  case notKept

  /// The values to show a person beside the reasons (cells, or the JSON text as one value).
  public var displayValues: [String] {
    switch self {
    case .csv(let record): record.lossyStrings
    case .json(let bytes): [String(decoding: bytes, as: UTF8.self)]
    case .cells(let cells): cells
    case .omitted, .notKept: []
    }
  }
}

/// One input row ready for the pipeline: the mapped draft, the problems found so far, and the original.
public struct SourceRow {
  public var position: RowPosition
  /// A draft: not validated, no derived id.
  public var contact: Contact
  public var problems: [IssueDetail]
  public var original: OriginalRow

  public init(position: RowPosition, contact: Contact, problems: [IssueDetail], original: OriginalRow) {
    self.position = position
    self.contact = contact
    self.problems = problems
    self.original = original
  }
}

/// Where a `PreparedRowStream` takes its rows from: an input's reader, or a first pass's spool.
public protocol UnmappedRowSource: AnyObject {
  /// The next row, perhaps not yet mapped: `UnmappedRow.mapped()` finishes it, on any thread. Reading
  /// stays on one thread; mapping can run on others (`PreparedRowStream`).
  /// - Throws: `RosterError` when the input cannot be followed any further (rows before are returned).
  func nextUnmapped() throws(RosterError) -> UnmappedRow?
  /// Bytes taken from the input so far, for progress.
  var bytesRead: Int { get }
}

/// Reads an input's rows as drafts, whatever its format, for one pass.
public protocol ContactRowReader: UnmappedRowSource {
  /// The next row, or `nil` at the end.
  /// - Throws: `RosterError` when the input cannot be followed any further (rows before are returned).
  func next() throws(RosterError) -> SourceRow?
  /// Warnings known only once every row was read (JSON keys Roster does not know, say).
  var closingWarnings: [RunWarning] { get }
}

extension ContactRowReader {
  public var closingWarnings: [RunWarning] { [] }

  public func nextUnmapped() throws(RosterError) -> UnmappedRow? {
    try next().map { .mapped($0) }
  }
}

/// A row as read, before or after mapping.
public enum UnmappedRow {
  /// Mapped already (the reader maps as it reads).
  case mapped(SourceRow)
  /// A CSV record and the mapping to apply to it.
  case csv(CSVRecord, CSVRecordMapping)
  /// Mapped, validated and identified already (a first pass replayed).
  case prepared(PreparedRow)

  /// The row mapped. Reads only the record and the fixed mapping, so rows map on any thread.
  public func mapped() -> SourceRow {
    switch self {
    case .mapped(let row): row
    case .csv(let record, let mapping): mapping.row(from: record)
    case .prepared(let prepared): prepared.row
    }
  }
}

/// How CSV records become rows: the header's mapping, fixed for the run (shared by threads).
public final class CSVRecordMapping: @unchecked Sendable {
  public let mapper: ContactMapper
  /// Whether rows carry their record (`OriginalRow.csv`) for the rejects file or the Issues sheet.
  public let keepsOriginals: Bool

  public init(mapper: ContactMapper, keepsOriginals: Bool) {
    self.mapper = mapper
    self.keepsOriginals = keepsOriginals
  }

  /// Maps `record`, turning a limit violation or an unclosed quote into the row's problem.
  public func row(from record: CSVRecord) -> SourceRow {
    var problems: [IssueDetail] = []
    if let violation = record.limitViolation {
      let column = violation.column.flatMap { $0 < mapper.headerMap.columns.count ? mapper.headerMap.columns[$0] : nil }
      problems.append(violation.detail(header: column?.header, field: column?.target.fieldName))
    }
    if let quoteLine = record.unterminatedQuoteLine {
      problems.append(
        IssueDetail(
          header: nil, field: "row", code: "row.unterminated_quote",
          message: "the quoted field opened on line \(quoteLine) is never closed"))
    }
    let mappable = record.limitViolation == nil && record.unterminatedQuoteLine == nil
    let contact = mappable ? mapper.draft(from: record, problems: &problems) : Contact()
    let original: OriginalRow = record.limitViolation != nil ? .omitted : keepsOriginals ? .csv(record) : .notKept
    return SourceRow(position: record.position, contact: contact, problems: problems, original: original)
  }
}

/// CSV records mapped through the header map.
public final class CSVRowReader<Source: ByteSource>: ContactRowReader {
  private let reader: CSVRecordReader<Source>
  private let mapping: CSVRecordMapping

  /// `reader` must be past its header. `keepsOriginals`: whether rows carry their record
  /// (`OriginalRow.csv`) for the rejects file or the Issues sheet.
  public init(_ reader: CSVRecordReader<Source>, mapper: ContactMapper, keepsOriginals: Bool = true) {
    self.reader = reader
    self.mapping = CSVRecordMapping(mapper: mapper, keepsOriginals: keepsOriginals)
  }

  public var bytesRead: Int { reader.bytesRead }

  public func next() throws(RosterError) -> SourceRow? {
    guard let record = try reader.next() else { return nil }
    return mapping.row(from: record)
  }

  public func nextUnmapped() throws(RosterError) -> UnmappedRow? {
    guard let record = try reader.next() else { return nil }
    return .csv(record, mapping)
  }
}

/// Cells given as strings (a spreadsheet row), for the mapper.
struct StringRowCells: RecordCells {
  let values: [String]
  var count: Int { values.count }
  func isEmpty(at index: Int) -> Bool { values[index].isEmpty }
  func string(at index: Int) -> String? { values[index] }
}

/// An XLSX worksheet's rows mapped through the header map, like CSV records.
public final class XLSXRowAdapter: ContactRowReader {
  private let reader: XLSXRowReader
  private let mapper: ContactMapper
  private let keepsOriginals: Bool
  private var index = 0

  /// `reader` must be past its header. `keepsOriginals`: whether rows carry their cells
  /// (`OriginalRow.cells`) for the rejects file or the Issues sheet.
  public init(_ reader: XLSXRowReader, mapper: ContactMapper, keepsOriginals: Bool = true) {
    self.reader = reader
    self.mapper = mapper
    self.keepsOriginals = keepsOriginals
  }

  public var bytesRead: Int { 0 }

  public func next() throws(RosterError) -> SourceRow? {
    guard let (rowCells, line, violation) = try reader.next() else { return nil }
    var cells = rowCells
    defer { index += 1 }
    if let violation {
      let column = violation.column.flatMap { $0 < mapper.headerMap.columns.count ? mapper.headerMap.columns[$0] : nil }
      return SourceRow(
        position: RowPosition(index: index, line: line), contact: Contact(),
        problems: [violation.detail(header: column?.header, field: column?.target.fieldName)], original: .omitted)
    }
    // Trailing empty cells are not stored in a sheet: the header decides the row's width.
    if cells.count < mapper.headerMap.columns.count {
      cells.append(contentsOf: repeatElement("", count: mapper.headerMap.columns.count - cells.count))
    }
    // A new array each row: the row keeps it, so emptying a kept one would allocate its capacity anew.
    var problems: [IssueDetail] = []
    let contact = mapper.draft(from: StringRowCells(values: cells), problems: &problems)
    return SourceRow(
      position: RowPosition(index: index, line: line), contact: contact, problems: problems,
      original: keepsOriginals ? .cells(cells) : .notKept)
  }
}

/// JSON arrays, JSON Lines and Airy payloads, element by element.
public final class JSONRowReader<Source: ByteSource>: ContactRowReader {
  private let reader: JSONContactReader<Source>
  private let keepsOriginals: Bool

  /// `keepsOriginals`: whether rows carry their JSON text (`OriginalRow.json`) for the rejects file
  /// or the Issues sheet.
  public init(_ reader: JSONContactReader<Source>, keepsOriginals: Bool = true) {
    self.reader = reader
    self.keepsOriginals = keepsOriginals
  }

  public var bytesRead: Int { reader.bytesRead }

  /// Top-level keys Roster does not know, in first-seen order (kept in metadata).
  public var unknownKeys: [String] { reader.unknownKeys }

  public var closingWarnings: [RunWarning] {
    var warnings = unknownKeys.map { key in
      RunWarning(
        code: "json.unknown_key",
        message: "key \"\(key)\" is not a Roster field; its values are kept as metadata.\(key)",
        header: key)
    }
    if reader.unlistedUnknownKeys > 0 {
      warnings.append(
        RunWarning(
          code: "json.unknown_key",
          message:
            "\(reader.unlistedUnknownKeys) more uses of keys that are not Roster fields are not listed (after the first "
            + "\(unknownKeys.count) keys); their values are kept in metadata too"))
    }
    return warnings
  }

  public func next() throws(RosterError) -> SourceRow? {
    guard let row = try reader.next() else { return nil }
    return SourceRow(
      position: row.position, contact: row.contact, problems: row.problems,
      original: row.limitViolation != nil ? .omitted : keepsOriginals ? .json(row.raw) : .notKept)
  }

  /// The JSON key for each field, for naming it in reports.
  public static var fieldHeaders: [ContactField: String] {
    var headers: [ContactField: String] = [:]
    for field in ContactField.allCases { headers[field] = field.rawValue }
    return headers
  }
}
