public import RosterCore

/// One CSV record: its cells as byte ranges in a shared buffer, plus where it came from.
public struct CSVRecord: RecordCells {
  /// The unescaped bytes of every cell, back to back.
  public let bytes: [UInt8]
  /// `ends[i]` is where cell `i` ends in `bytes`; it starts where cell `i - 1` ends.
  public let ends: [Int]
  /// The zero-based data-row index and the 1-based line the record starts on.
  public let position: RowPosition
  /// The line of a quote that is still open at the end of the input; the record is incomplete.
  public let unterminatedQuoteLine: Int?
  /// Set when the record went over one of the reader's `InputLimits`: it was skipped to its end
  /// and its cells were not kept (`bytes` and `ends` are empty).
  public let limitViolation: LimitViolation?
  /// For each cell, twice the input byte offset where it starts, plus 1 when it is quoted.
  let cellStarts: [Int]

  public var count: Int { ends.count }

  public func isEmpty(at index: Int) -> Bool {
    ends[index] == (index == 0 ? 0 : ends[index - 1])
  }

  public func string(at index: Int) -> String? {
    let start = index == 0 ? 0 : ends[index - 1]
    return bytes.withUnsafeBufferPointer { all in
      // Checked here, then decoded: `String(validating:as:)` goes through unspecialized generic code
      // that looks up type metadata for every cell.
      let cell = UnsafeBufferPointer(rebasing: all[start..<ends[index]])
      guard UTF8Validation.firstInvalidOffset(in: cell) == nil else { return nil }
      return String(decoding: cell, as: UTF8.self)
    }
  }

  public func inputOffsetOfInvalidUTF8(at index: Int) -> Int? {
    let start = index == 0 ? 0 : ends[index - 1]
    let cell = bytes[start..<ends[index]]
    guard index < cellStarts.count,
      let invalid = cell.withUnsafeBufferPointer({ UTF8Validation.firstInvalidOffset(in: $0) })
    else { return nil }
    let quoted = cellStarts[index] & 1 == 1
    let cellOffset = cellStarts[index] >> 1
    guard quoted else { return cellOffset + invalid }
    // Inside quotes every quote byte was written twice.
    let quotesBefore = cell.prefix(invalid).reduce(0) { $0 + ($1 == UInt8(ascii: "\"") ? 1 : 0) }
    return cellOffset + 1 + invalid + quotesBefore
  }

  /// Every cell as a string; invalid UTF-8 is replaced by U+FFFD (for headers and messages only).
  public var lossyStrings: [String] {
    var start = 0
    return ends.map { end in
      defer { start = end }
      return String(decoding: bytes[start..<end], as: UTF8.self)
    }
  }
}

/// Reads RFC 4180 CSV records from a byte source, streaming through one reused buffer.
///
/// - Quoted fields may hold commas, line breaks and doubled quotes (`""`).
/// - Lines end with CRLF, LF or a lone CR; a UTF-8 byte order mark at the start is skipped; the last
///   line may lack its line break; empty lines are skipped and not counted as rows.
/// - Like Python's `csv` module, a quote inside an unquoted field is an ordinary character, and
///   characters after a closing quote are appended to the field.
/// - A quote still open at the end of the input yields a final record whose
///   `unterminatedQuoteLine` names the line where that quote opened.
///
/// - A record over one of the `InputLimits` (a cell over `maxFieldBytes`, more than `maxColumns`
///   cells, more than `maxRowBytes` bytes of cells) is still read to its end, to keep lines and rows
///   counted, but its bytes are no longer kept from the fault on: it comes back empty, with its
///   `limitViolation`.
///
/// Complexity: O(n) in the input, with memory bounded by `InputLimits.maxRowBytes` and
/// `maxColumns`, whatever the input.
public final class CSVRecordReader<Source: ByteSource> {
  private enum State {
    case fieldStart
    case unquoted
    case quoted
    case quoteInQuoted
  }

  private static var bufferSize: Int { 1 << 16 }
  private static var quote: UInt8 { UInt8(ascii: "\"") }
  private static var lineFeed: UInt8 { 0x0A }
  private static var carriageReturn: UInt8 { 0x0D }

  private var source: Source
  private let buffer: UnsafeMutablePointer<UInt8>
  private var cursor = 0
  private var end = 0
  private var atEnd = false
  private var startedInput = false
  private var pendingLineFeed = false

  private var cellBytes: [UInt8] = []
  private var cellEnds: [Int] = []
  private var cellStarts: [Int] = []
  private var line = 1
  private var nextIndex = 0

  /// The input's display name, for messages.
  public let displayName: String
  /// The byte between cells: a comma unless told otherwise (`;` or tab, see `InputSniffing`).
  public let delimiter: UInt8
  /// The cell, column and record sizes past which a record is skipped.
  public let limits: InputLimits
  /// Bytes taken from the source so far, for progress.
  public private(set) var bytesRead = 0

  public init(
    source: Source, displayName: String, limits: InputLimits = InputLimits(), delimiter: UInt8 = UInt8(ascii: ",")
  ) {
    self.source = source
    self.delimiter = delimiter
    self.displayName = displayName
    self.limits = limits
    maxFieldBytes = max(0, limits.maxFieldBytes)
    maxColumns = max(1, limits.maxColumns)
    maxRowBytes = max(0, limits.maxRowBytes)
    buffer = .allocate(capacity: Self.bufferSize)
    cellBytes.reserveCapacity(4096)
    cellEnds.reserveCapacity(64)
  }

  deinit { buffer.deallocate() }

  /// Reads the header record (the first non-empty record) as strings, with the line it is on.
  ///
  /// - Throws: `RosterError` when the input is empty, the header is not UTF-8, never closes a quote
  ///   or goes over a limit (the rows cannot be read without their header).
  public func readHeader() throws(RosterError) -> (headers: [String], line: Int) {
    guard let record = try nextRecord(countingAsRow: false) else {
      throw RosterError(.header, file: displayName, "is empty: the first line must name the columns")
    }
    if let quoteLine = record.unterminatedQuoteLine {
      throw RosterError(
        .header, file: displayName, line: quoteLine, "the header opens a quote that is never closed")
    }
    if let violation = record.limitViolation {
      var message = "the header "
      if let column = violation.column, violation.kind == .fieldBytes { message += "(column \(column + 1)) " }
      message += "starting at byte offset \(recordOffset) "
      message += "\(violation.problem); raise \(violation.kind.flag) to read this file"
      throw RosterError(.header, file: displayName, line: record.position.line, message)
    }
    var headers: [String] = []
    for index in 0..<record.count {
      guard let header = record.string(at: index) else {
        throw RosterError(
          .header, file: displayName, line: record.position.line,
          "header \(index + 1) is not valid UTF-8; save the file as UTF-8")
      }
      headers.append(header)
    }
    return (headers, record.position.line)
  }

  /// The next data record, or `nil` at the end of the input.
  public func next() throws(RosterError) -> CSVRecord? {
    try nextRecord(countingAsRow: true)
  }

  private func nextRecord(countingAsRow: Bool) throws(RosterError) -> CSVRecord? {
    while true {
      guard let unterminated = try readRecord() else { return nil }
      let isBlankLine = violation == nil && cellEnds.count == 1 && cellEnds[0] == 0 && !lastRecordHadQuote
      if isBlankLine { continue }
      let index = nextIndex
      if countingAsRow { nextIndex += 1 }
      return CSVRecord(
        bytes: violation == nil ? cellBytes : [], ends: violation == nil ? cellEnds : [],
        position: RowPosition(index: index, line: recordLine),
        unterminatedQuoteLine: unterminated == 0 ? nil : unterminated, limitViolation: violation,
        cellStarts: violation == nil ? cellStarts : [])
    }
  }

  private var recordLine = 1
  /// The input byte offset where the current record starts.
  private var recordOffset = 0
  private var lastRecordHadQuote = false

  private let maxFieldBytes: Int
  private let maxColumns: Int
  private let maxRowBytes: Int
  /// The limit the current record went over; from then on its bytes are not kept.
  private var violation: LimitViolation?
  /// Where the current cell starts: in `cellBytes`, in the input, and its line.
  private var cellStart = 0
  private var cellOffset = 0
  private var cellLine = 1

  /// The input byte offset of `buffer[cursor]`.
  private var inputOffset: Int { bytesRead - end + cursor }

  /// Fills `cellBytes`/`cellEnds` with the next record (possibly a blank line).
  /// Returns `nil` at the end of input, else 0, or the line of an unterminated quote.
  private func readRecord() throws(RosterError) -> Int? {
    cellBytes.removeAll(keepingCapacity: true)
    cellEnds.removeAll(keepingCapacity: true)
    cellStarts.removeAll(keepingCapacity: true)
    violation = nil
    recordLine = line
    lastRecordHadQuote = false
    if cursor == end { try refill() }
    if pendingLineFeed && cursor < end {
      // The LF of a CRLF that ended the previous record belongs to it.
      pendingLineFeed = false
      if buffer[cursor] == Self.lineFeed {
        cursor += 1
        if cursor == end { try refill() }
      }
    }
    recordOffset = inputOffset
    beginCell()
    var state = State.fieldStart
    var quoteLine = 0
    var lastWasCarriageReturn = false
    let delimiter = self.delimiter

    while true {
      if cursor == end {
        try refill()
        if cursor == end {
          switch state {
          case .fieldStart:
            if cellEnds.isEmpty && violation == nil { return nil }
            endCell()
            return 0
          case .quoted:
            endCell()
            return quoteLine
          case .unquoted, .quoteInQuoted:
            endCell()
            return 0
          }
        }
      }
      if pendingLineFeed {
        pendingLineFeed = false
        if buffer[cursor] == Self.lineFeed {
          cursor += 1
          continue
        }
      }
      switch state {
      case .fieldStart:
        let quoted = buffer[cursor] == Self.quote
        cellStarts.append(inputOffset << 1 | (quoted ? 1 : 0))
        if quoted {
          cursor += 1
          state = .quoted
          quoteLine = line
          lastWasCarriageReturn = false
          lastRecordHadQuote = true
        } else {
          state = .unquoted
        }

      case .unquoted:
        var scan = cursor
        while scan < end {
          let byte = buffer[scan]
          if byte == delimiter || byte == Self.lineFeed || byte == Self.carriageReturn { break }
          scan += 1
        }
        append(from: cursor, to: scan)
        cursor = scan
        if scan == end { continue }
        let byte = buffer[scan]
        cursor += 1
        endCell()
        if byte == delimiter {
          state = .fieldStart
          beginCell()
        } else {
          line += 1
          pendingLineFeed = byte == Self.carriageReturn
          return 0
        }

      case .quoted:
        var scan = cursor
        while scan < end {
          let byte = buffer[scan]
          if byte == Self.quote { break }
          if byte == Self.lineFeed {
            if !lastWasCarriageReturn { line += 1 }
            lastWasCarriageReturn = false
          } else if byte == Self.carriageReturn {
            line += 1
            lastWasCarriageReturn = true
          } else {
            lastWasCarriageReturn = false
          }
          scan += 1
        }
        append(from: cursor, to: scan)
        cursor = scan
        if scan == end { continue }
        cursor += 1
        state = .quoteInQuoted

      case .quoteInQuoted:
        let byte = buffer[cursor]
        if byte == Self.quote {
          cursor += 1
          append(byte: byte)
          state = .quoted
          lastWasCarriageReturn = false
        } else if byte == delimiter {
          cursor += 1
          endCell()
          state = .fieldStart
          beginCell()
        } else if byte == Self.lineFeed || byte == Self.carriageReturn {
          cursor += 1
          endCell()
          line += 1
          pendingLineFeed = byte == Self.carriageReturn
          return 0
        } else {
          state = .unquoted
        }
      }
    }
  }

  /// Notes where the next cell starts (called at the start of the record and after each delimiter).
  @inline(__always)
  private func beginCell() {
    cellStart = cellBytes.count
    cellOffset = inputOffset
    cellLine = line
  }

  /// Ends the current cell, unless the record is already over a limit or this cell is one too many.
  @inline(__always)
  private func endCell() {
    guard violation == nil else { return }
    guard cellEnds.count < maxColumns else {
      violation = LimitViolation(kind: .columns, limit: maxColumns, column: cellEnds.count, line: cellLine)
      return
    }
    cellEnds.append(cellBytes.count)
  }

  /// Keeps `buffer[start..<stop]` as part of the current cell, unless that takes the cell or the
  /// record over a limit: then the record's bytes stop being kept.
  private func append(from start: Int, to stop: Int) {
    guard stop > start, violation == nil else { return }
    let count = stop - start
    guard fitsLimits(adding: count) else { return }
    cellBytes.append(contentsOf: UnsafeBufferPointer(start: buffer + start, count: count))
  }

  private func append(byte: UInt8) {
    guard violation == nil, fitsLimits(adding: 1) else { return }
    cellBytes.append(byte)
  }

  /// Whether `count` more bytes keep the current cell and record within the limits; records the
  /// violation when not.
  @inline(__always)
  private func fitsLimits(adding count: Int) -> Bool {
    if cellBytes.count - cellStart + count > maxFieldBytes {
      violation = LimitViolation(
        kind: .fieldBytes, limit: maxFieldBytes, column: cellEnds.count, byteOffset: cellOffset, line: cellLine)
    } else if cellBytes.count + count > maxRowBytes {
      violation = LimitViolation(kind: .rowBytes, limit: maxRowBytes, column: cellEnds.count)
    } else {
      return true
    }
    // Give back what the record held: a skipped record costs no memory.
    cellBytes.removeAll(keepingCapacity: cellBytes.capacity <= 1 << 20)
    return false
  }

  /// Refills the buffer; at the end of input leaves `cursor == end`.
  ///
  /// The first fill gathers at least 3 bytes (or the whole input) so a byte order mark is recognized
  /// even when the source hands out bytes one at a time.
  private func refill() throws(RosterError) {
    guard !atEnd else { return }
    cursor = 0
    end = 0
    while true {
      let count = try source.read(
        into: UnsafeMutableRawBufferPointer(start: buffer + end, count: Self.bufferSize - end))
      bytesRead += count
      if count == 0 {
        atEnd = true
        break
      }
      end += count
      if startedInput || end >= 3 { break }
    }
    guard !startedInput else { return }
    startedInput = true
    if end >= 3 && buffer[0] == 0xEF && buffer[1] == 0xBB && buffer[2] == 0xBF {
      cursor = 3
      if cursor == end { try refill() }
    }
  }
}
