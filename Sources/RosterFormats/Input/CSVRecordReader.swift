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
  /// For each cell, twice the input byte offset where it starts, plus 1 when it is quoted.
  let cellStarts: [Int]

  public var count: Int { ends.count }

  public func isEmpty(at index: Int) -> Bool {
    ends[index] == (index == 0 ? 0 : ends[index - 1])
  }

  public func string(at index: Int) -> String? {
    let start = index == 0 ? 0 : ends[index - 1]
    return bytes.withUnsafeBufferPointer { all in
      String(validating: UnsafeBufferPointer(rebasing: all[start..<ends[index]]), as: UTF8.self)
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
/// Complexity: O(n) in the input, with memory bounded by the largest record (`maxRecordBytes`).
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
  /// The input offset of `buffer[0]`.
  private var bufferOffset = 0
  private var line = 1
  private var nextIndex = 0

  /// The input's display name, for messages.
  public let displayName: String
  /// The byte between cells: a comma unless told otherwise (`;` or tab, see `InputSniffing`).
  public let delimiter: UInt8
  /// A record larger than this stops the run (a runaway quote, or not a CSV file).
  public let maxRecordBytes: Int
  /// Bytes taken from the source so far, for progress.
  public private(set) var bytesRead = 0

  public init(
    source: Source, displayName: String, maxRecordBytes: Int = 64 << 20, delimiter: UInt8 = UInt8(ascii: ",")
  ) {
    self.source = source
    self.delimiter = delimiter
    self.displayName = displayName
    self.maxRecordBytes = maxRecordBytes
    buffer = .allocate(capacity: Self.bufferSize)
    cellBytes.reserveCapacity(4096)
    cellEnds.reserveCapacity(64)
  }

  deinit { buffer.deallocate() }

  /// Reads the header record (the first non-empty record) as strings, with the line it is on.
  ///
  /// - Throws: `RosterError` when the input is empty, the header is not UTF-8 or never closes a quote.
  public func readHeader() throws(RosterError) -> (headers: [String], line: Int) {
    guard let record = try nextRecord(countingAsRow: false) else {
      throw RosterError(.header, file: displayName, "is empty: the first line must name the columns")
    }
    if let quoteLine = record.unterminatedQuoteLine {
      throw RosterError(
        .header, file: displayName, line: quoteLine, "the header opens a quote that is never closed")
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
      let isBlankLine = cellEnds.count == 1 && cellEnds[0] == 0 && !lastRecordHadQuote
      if isBlankLine { continue }
      let index = nextIndex
      if countingAsRow { nextIndex += 1 }
      return CSVRecord(
        bytes: cellBytes, ends: cellEnds, position: RowPosition(index: index, line: recordLine),
        unterminatedQuoteLine: unterminated == 0 ? nil : unterminated, cellStarts: cellStarts)
    }
  }

  private var recordLine = 1
  private var lastRecordHadQuote = false

  /// Fills `cellBytes`/`cellEnds` with the next record (possibly a blank line).
  /// Returns `nil` at the end of input, else 0, or the line of an unterminated quote.
  private func readRecord() throws(RosterError) -> Int? {
    cellBytes.removeAll(keepingCapacity: true)
    cellEnds.removeAll(keepingCapacity: true)
    cellStarts.removeAll(keepingCapacity: true)
    recordLine = line
    lastRecordHadQuote = false
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
            if cellEnds.isEmpty { return nil }
            cellEnds.append(cellBytes.count)
            return 0
          case .quoted:
            cellEnds.append(cellBytes.count)
            return quoteLine
          case .unquoted, .quoteInQuoted:
            cellEnds.append(cellBytes.count)
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
        cellStarts.append((bufferOffset + cursor) << 1 | (quoted ? 1 : 0))
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
        try append(from: cursor, to: scan)
        cursor = scan
        if scan == end { continue }
        let byte = buffer[scan]
        cursor += 1
        cellEnds.append(cellBytes.count)
        if byte == delimiter {
          state = .fieldStart
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
        try append(from: cursor, to: scan)
        cursor = scan
        if scan == end { continue }
        cursor += 1
        state = .quoteInQuoted

      case .quoteInQuoted:
        let byte = buffer[cursor]
        if byte == Self.quote {
          cursor += 1
          try append(byte: byte)
          state = .quoted
          lastWasCarriageReturn = false
        } else if byte == delimiter {
          cursor += 1
          cellEnds.append(cellBytes.count)
          state = .fieldStart
        } else if byte == Self.lineFeed || byte == Self.carriageReturn {
          cursor += 1
          cellEnds.append(cellBytes.count)
          line += 1
          pendingLineFeed = byte == Self.carriageReturn
          return 0
        } else {
          state = .unquoted
        }
      }
    }
  }

  private func append(from start: Int, to stop: Int) throws(RosterError) {
    guard stop > start else { return }
    cellBytes.append(contentsOf: UnsafeBufferPointer(start: buffer + start, count: stop - start))
    if cellBytes.count > maxRecordBytes { throw recordTooLarge() }
  }

  private func append(byte: UInt8) throws(RosterError) {
    cellBytes.append(byte)
    if cellBytes.count > maxRecordBytes { throw recordTooLarge() }
  }

  private func recordTooLarge() -> RosterError {
    RosterError(
      .input, file: displayName, line: recordLine,
      "the record starting here is larger than \(maxRecordBytes) bytes; check for a quote that is never closed")
  }

  /// Refills the buffer; at the end of input leaves `cursor == end`.
  ///
  /// The first fill gathers at least 3 bytes (or the whole input) so a byte order mark is recognized
  /// even when the source hands out bytes one at a time.
  private func refill() throws(RosterError) {
    guard !atEnd else { return }
    bufferOffset += end
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
