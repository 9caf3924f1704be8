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
      // Checked and copied in one pass. `String(validating:as:)` goes through unspecialized generic
      // code that looks up type metadata for every cell, and checking first then decoding checks twice.
      String._tryFromUTF8(UnsafeBufferPointer(rebasing: all[start..<ends[index]]))
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
  /// Everything that changes while reading, in one value: the reading methods mutate it through one
  /// exclusive access per record instead of one per byte and per cell.
  // Used for every record, from the one thread reading: no dynamic exclusivity checks.
  @exclusivity(unchecked) private var scanner: CSVScanner

  /// The input's display name, for messages.
  public let displayName: String
  /// The byte between cells: a comma unless told otherwise (`;` or tab, see `InputSniffing`).
  public let delimiter: UInt8
  /// The cell, column and record sizes past which a record is skipped.
  public let limits: InputLimits
  /// Bytes taken from the source so far, for progress.
  public var bytesRead: Int { scanner.bytesRead }

  /// Whether each record gets copies of the cells, exactly their size, instead of sharing the
  /// reader's buffers: set it when records outlive the next read (handed to another thread), so the
  /// reader keeps its grown buffers and no large block is allocated per record.
  public var copiesRecords: Bool {
    get { scanner.copiesRecords }
    set { scanner.copiesRecords = newValue }
  }

  public init(
    source: Source, displayName: String, limits: InputLimits = InputLimits(), delimiter: UInt8 = UInt8(ascii: ",")
  ) {
    self.delimiter = delimiter
    self.displayName = displayName
    self.limits = limits
    scanner = CSVScanner(source: source, limits: limits, delimiter: delimiter)
  }

  deinit { scanner.buffer.deallocate() }

  /// Reads the header record (the first non-empty record) as strings, with the line it is on.
  ///
  /// - Throws: `RosterError` when the input is empty, the header is not UTF-8, never closes a quote
  ///   or goes over a limit (the rows cannot be read without their header).
  public func readHeader() throws(RosterError) -> (headers: [String], line: Int) {
    guard let record = try scanner.nextRecord(countingAsRow: false) else {
      throw RosterError(.header, file: displayName, "is empty: the first line must name the columns")
    }
    if let quoteLine = record.unterminatedQuoteLine {
      throw RosterError(
        .header, file: displayName, line: quoteLine, "the header opens a quote that is never closed")
    }
    if let violation = record.limitViolation {
      var message = "the header "
      if let column = violation.column, violation.kind == .fieldBytes { message += "(column \(column + 1)) " }
      message += "starting at byte offset \(scanner.recordOffset) "
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
    try scanner.nextRecord(countingAsRow: true)
  }
}

/// The state of a `CSVRecordReader`: the input buffer and where it stands, the line count, and the
/// record being read.
///
/// Not generic: the source is called once per 64 KiB refill, and everything per byte and per cell runs
/// as specialized code whatever the source (a generic type reached through a protocol witness runs
/// unspecialized, with its field offsets looked up at run time).
private struct CSVScanner {
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

  private var source: any ByteSource
  /// The input buffer, freed by the reader's `deinit`.
  let buffer: UnsafeMutablePointer<UInt8>
  private let delimiter: UInt8
  private var cursor = 0
  private var end = 0
  private var atEnd = false
  private var startedInput = false
  private var pendingLineFeed = false
  private var line = 1
  private var nextIndex = 0
  /// Bytes taken from the source so far.
  private(set) var bytesRead = 0

  private var record: CSVRecordBuilder
  /// See `CSVRecordReader.copiesRecords`.
  var copiesRecords = false
  private var recordLine = 1
  /// The input byte offset where the current record starts.
  private(set) var recordOffset = 0
  private var lastRecordHadQuote = false

  init(source: any ByteSource, limits: InputLimits, delimiter: UInt8) {
    self.source = source
    self.delimiter = delimiter
    record = CSVRecordBuilder(limits: limits)
    buffer = .allocate(capacity: Self.bufferSize)
  }

  /// The next record, skipping blank lines; `nil` at the end of the input.
  mutating func nextRecord(countingAsRow: Bool) throws(RosterError) -> CSVRecord? {
    while true {
      guard let unterminated = try readRecord() else { return nil }
      let violation = record.violation
      let isBlankLine =
        violation == nil && record.ends.count == 1 && record.ends[0] == 0 && !lastRecordHadQuote
      if isBlankLine { continue }
      let index = nextIndex
      if countingAsRow { nextIndex += 1 }
      guard violation == nil else {
        return CSVRecord(
          bytes: [], ends: [], position: RowPosition(index: index, line: recordLine),
          unterminatedQuoteLine: unterminated == 0 ? nil : unterminated, limitViolation: violation, cellStarts: [])
      }
      return CSVRecord(
        bytes: copiesRecords ? Self.exactCopy(of: record.bytes) : record.bytes,
        ends: copiesRecords ? Self.exactCopy(of: record.ends) : record.ends,
        position: RowPosition(index: index, line: recordLine),
        unterminatedQuoteLine: unterminated == 0 ? nil : unterminated, limitViolation: nil,
        cellStarts: copiesRecords ? Self.exactCopy(of: record.starts) : record.starts)
    }
  }

  /// A copy of `array` in storage of its own, sized to its elements. (`Array(array[...])` shares the
  /// storage when the slice spans it all: the builder's next `reset` then allocated a new buffer of the
  /// whole grown capacity for every record, and each record kept one of those alive.)
  @inline(__always)
  static func exactCopy<Element>(of array: [Element]) -> [Element] {
    array.withUnsafeBufferPointer { Array($0) }
  }

  /// Fills `record` with the next record (possibly a blank line).
  /// Returns `nil` at the end of input, else 0, or the line of an unterminated quote.
  ///
  /// The position in the buffer and the line are kept in locals while scanning, and written back
  /// before a refill and on return.
  private mutating func readRecord() throws(RosterError) -> Int? {
    record.reset()
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
    let buffer = self.buffer
    let delimiter = self.delimiter
    var cursor = self.cursor
    var end = self.end
    var line = self.line
    /// The input offset of `buffer[0]`: `bytesRead - end` (changes only with a refill).
    var bufferOffset = bytesRead - end
    defer {
      self.cursor = cursor
      self.line = line
    }
    recordOffset = bufferOffset + cursor
    record.beginCell(offset: bufferOffset + cursor, line: line)
    var state = State.fieldStart
    var quoteLine = 0
    var lastWasCarriageReturn = false

    while true {
      if cursor == end {
        self.cursor = cursor
        self.line = line
        try refill()
        cursor = self.cursor
        end = self.end
        bufferOffset = bytesRead - end
        if cursor == end {
          switch state {
          case .fieldStart:
            if record.ends.isEmpty && record.violation == nil { return nil }
            record.endCell()
            return 0
          case .quoted:
            record.endCell()
            return quoteLine
          case .unquoted, .quoteInQuoted:
            record.endCell()
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
        record.starts.append((bufferOffset + cursor) << 1 | (quoted ? 1 : 0))
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
        var scan = Self.skipWords(buffer, from: cursor, to: end, without: delimiter, Self.lineFeed, Self.carriageReturn)
        while scan < end {
          let byte = buffer[scan]
          if byte == delimiter || byte == Self.lineFeed || byte == Self.carriageReturn { break }
          scan += 1
        }
        record.append(buffer + cursor, count: scan - cursor)
        cursor = scan
        if scan == end { continue }
        let byte = buffer[scan]
        cursor += 1
        record.endCell()
        if byte == delimiter {
          state = .fieldStart
          record.beginCell(offset: bufferOffset + cursor, line: line)
        } else {
          line += 1
          pendingLineFeed = byte == Self.carriageReturn
          return 0
        }

      case .quoted:
        var scan = Self.skipWords(
          buffer, from: cursor, to: end, without: Self.quote, Self.lineFeed, Self.carriageReturn)
        // Bytes skipped are neither CR nor LF.
        if scan > cursor { lastWasCarriageReturn = false }
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
        record.append(buffer + cursor, count: scan - cursor)
        cursor = scan
        if scan == end { continue }
        cursor += 1
        state = .quoteInQuoted

      case .quoteInQuoted:
        let byte = buffer[cursor]
        if byte == Self.quote {
          cursor += 1
          record.append(byte: byte)
          state = .quoted
          lastWasCarriageReturn = false
        } else if byte == delimiter {
          cursor += 1
          record.endCell()
          state = .fieldStart
          record.beginCell(offset: bufferOffset + cursor, line: line)
        } else if byte == Self.lineFeed || byte == Self.carriageReturn {
          cursor += 1
          record.endCell()
          line += 1
          pendingLineFeed = byte == Self.carriageReturn
          return 0
        } else {
          state = .unquoted
        }
      }
    }
  }

  /// The start of the first 8-byte word from `start` (before `end`) that holds `a`, `b` or `c`, or
  /// where fewer than 8 bytes are left: the bytes before it hold none of them.
  @inline(__always)
  private static func skipWords(
    _ buffer: UnsafeMutablePointer<UInt8>, from start: Int, to end: Int, without a: UInt8, _ b: UInt8, _ c: UInt8
  ) -> Int {
    let ones: UInt64 = 0x0101_0101_0101_0101
    let highs: UInt64 = 0x8080_8080_8080_8080
    let (wordA, wordB, wordC) = (ones &* UInt64(a), ones &* UInt64(b), ones &* UInt64(c))
    var index = start
    while index + 8 <= end {
      let word = UnsafeRawPointer(buffer + index).loadUnaligned(as: UInt64.self)
      // A byte equal to the one looked for is zero after the exclusive or; a word with a zero byte
      // sets a high bit here (and one without never does).
      let (x, y, z) = (word ^ wordA, word ^ wordB, word ^ wordC)
      if ((x &- ones) & ~x | (y &- ones) & ~y | (z &- ones) & ~z) & highs != 0 { break }
      index += 8
    }
    return index
  }

  /// Refills the buffer; at the end of input leaves `cursor == end`.
  ///
  /// The first fill gathers at least 3 bytes (or the whole input) so a byte order mark is recognized
  /// even when the source hands out bytes one at a time.
  private mutating func refill() throws(RosterError) {
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

/// The record a `CSVScanner` is reading: its cells' bytes, where each ends and starts, and the limit
/// it went over, if any.
private struct CSVRecordBuilder {
  /// The unescaped bytes of every cell so far, back to back.
  var bytes: [UInt8] = []
  /// Where each finished cell ends in `bytes`.
  var ends: [Int] = []
  /// For each cell, twice the input byte offset where it starts, plus 1 when it is quoted.
  var starts: [Int] = []
  /// The limit the record went over; from then on its bytes are not kept.
  var violation: LimitViolation?
  /// Where the current cell starts: in `bytes`, in the input, and its line.
  private var cellStart = 0
  private var cellOffset = 0
  private var cellLine = 1
  private let maxFieldBytes: Int
  private let maxColumns: Int
  private let maxRowBytes: Int

  init(limits: InputLimits) {
    maxFieldBytes = max(0, limits.maxFieldBytes)
    maxColumns = max(1, limits.maxColumns)
    maxRowBytes = max(0, limits.maxRowBytes)
    bytes.reserveCapacity(4096)
    ends.reserveCapacity(64)
  }

  /// Empties the record, keeping its storage.
  mutating func reset() {
    bytes.removeAll(keepingCapacity: true)
    ends.removeAll(keepingCapacity: true)
    starts.removeAll(keepingCapacity: true)
    violation = nil
  }

  /// Notes where the next cell starts (at the start of the record and after each delimiter).
  @inline(__always)
  mutating func beginCell(offset: Int, line: Int) {
    cellStart = bytes.count
    cellOffset = offset
    cellLine = line
  }

  /// Ends the current cell, unless the record is already over a limit or this cell is one too many.
  @inline(__always)
  mutating func endCell() {
    guard violation == nil else { return }
    guard ends.count < maxColumns else {
      violation = LimitViolation(kind: .columns, limit: maxColumns, column: ends.count, line: cellLine)
      return
    }
    ends.append(bytes.count)
  }

  /// Keeps `count` bytes from `start` as part of the current cell, unless that takes the cell or the
  /// record over a limit: then the record's bytes stop being kept.
  @inline(__always)
  mutating func append(_ start: UnsafePointer<UInt8>, count: Int) {
    guard count > 0, violation == nil, fitsLimits(adding: count) else { return }
    bytes.append(contentsOf: UnsafeBufferPointer(start: start, count: count))
  }

  mutating func append(byte: UInt8) {
    guard violation == nil, fitsLimits(adding: 1) else { return }
    bytes.append(byte)
  }

  /// Whether `count` more bytes keep the current cell and record within the limits; records the
  /// violation when not.
  @inline(__always)
  private mutating func fitsLimits(adding count: Int) -> Bool {
    if bytes.count - cellStart + count > maxFieldBytes {
      violation = LimitViolation(
        kind: .fieldBytes, limit: maxFieldBytes, column: ends.count, byteOffset: cellOffset, line: cellLine)
    } else if bytes.count + count > maxRowBytes {
      violation = LimitViolation(kind: .rowBytes, limit: maxRowBytes, column: ends.count)
    } else {
      return true
    }
    // Give back what the record held: a skipped record costs no memory.
    bytes.removeAll(keepingCapacity: bytes.capacity <= 1 << 20)
    return false
  }
}
