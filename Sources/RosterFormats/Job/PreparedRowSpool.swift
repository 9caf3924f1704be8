import Glibc
import RosterCore
import RosterXLSX

/// The first pass's prepared rows, kept on disk so the output pass replays them instead of reading,
/// mapping and validating the input again.
///
/// Each row is a record: a UInt32 length, the original row as read (`OriginalRow`, for `--rejects`
/// and the XLSX Issues sheet; nothing when the reader kept none), then a kind byte (0: a prepared
/// contact, 1: a row with problems, 2: a prepared contact for linking), the fingerprint-supplied
/// byte, then the contact (`ContactSpoolCodec`), the row's position and issue details, or (kind 2)
/// the position, type, id, name (a group's; empty for a person) and groups, and the output
/// rendered ahead (`RenderedParts`: the prefix length, the guarded cells, the length, the bytes). A
/// fault that ended the first pass is kept too, and thrown by the replay after the rows before it.
/// Beside the records, a second file keeps each row's group slots (`recordSlots`).
final class PreparedRowSpool {
  /// What a spooled accepted row keeps.
  enum Layout: Sendable {
    /// The whole contact, for any writer and for `--dedupe`.
    case contacts
    /// Only what the output pass's group linking and report read (type, id, name, groups), and the
    /// rest of the contact as `ahead` renders it (nothing without it). For runs without `--dedupe`
    /// that write JSON, CSV or nothing.
    case linking(ahead: AheadRendering?)
  }

  /// How the first pass renders a row's output: as `JSONContactWriter` or as `CSVContactWriter`
  /// would write it, but for the fields group linking decides.
  enum AheadRendering: Sendable {
    case json
    case csv(CSVContactWriter.Rendering)
    case xlsx(XLSXContactWriter.Rendering)
  }

  let layout: Layout
  private let file: SpoolFile
  /// Per spooled row, in the same order, the group slots the first pass looked up (`recordSlots`): a
  /// count byte (255: not kept, for a row naming over 254 groups), then each slot as a UInt32.
  private let slotFile: SpoolFile
  /// The fault that ended the first pass, if one did.
  private(set) var fault: RosterError?
  /// Rows spooled.
  private(set) var rows = 0

  init(layout: Layout = .contacts) throws(RosterError) {
    self.layout = layout
    file = try SpoolFile()
    slotFile = try SpoolFile()
  }

  /// Appends `prepared` to `record` as one spool record of `layout` (on any thread;
  /// `write(encoded:rows:)` adds the bytes to the spool). `rendering` is scratch space.
  static func encode(
    _ prepared: PreparedRow, layout: Layout, into record: inout SpoolRecordBytes, rendering: inout OutputBuffer
  ) {
    let start = record.count
    record.appendLittleEndian(UInt32(0))
    let row = prepared.row
    record.appendOriginal(row.original)
    if row.problems.isEmpty, case .linking(let ahead) = layout,
      let (prefixCount, guardedCells) = render(row.contact, ahead, into: &rendering)
    {
      record.append(2)
      record.append(prepared.fingerprintSupplied ? 1 : 0)
      let contact = row.contact
      // The replay reads a group's name, never a person's (`popHead(personNames: false)`).
      ContactSpoolCodec.appendHead(contact, at: row.position, to: &record, personNames: false)
      ContactSpoolCodec.appendGroups(contact.groups, to: &record)
      record.appendVarint(UInt64(prefixCount))
      record.appendVarint(UInt64(guardedCells))
      record.appendVarint(UInt64(rendering.count))
      record.append(UnsafeRawBufferPointer(start: rendering.base, count: rendering.count))
    } else if row.problems.isEmpty {
      record.append(0)
      record.append(prepared.fingerprintSupplied ? 1 : 0)
      ContactSpoolCodec.append(row.contact, at: row.position, to: &record)
    } else {
      record.append(1)
      record.append(0)
      record.appendLittleEndian(UInt64(row.position.index))
      record.appendLittleEndian(UInt64(row.position.line))
      record.appendLittleEndian(UInt32(row.problems.count))
      for detail in row.problems {
        record.appendOptionalString(detail.header)
        record.appendLengthPrefixed(detail.field)
        record.appendLengthPrefixed(detail.code.rawValue)
        record.appendLengthPrefixed(detail.message)
        record.appendOptionalString(detail.value)
      }
    }
    record.setLittleEndian(UInt32(record.count - start - 4), at: start)
  }

  /// Renders `contact` into `rendering` (emptied first) as `ahead` says; returns the prefix length and
  /// the cells the formula guard prefixed, or `nil` when rendering failed (the row is then spooled
  /// whole, and its writer meets the failure in the output pass).
  private static func render(
    _ contact: Contact, _ ahead: AheadRendering?, into rendering: inout OutputBuffer
  ) -> (Int, Int)? {
    rendering.removeAll()
    switch ahead {
    case nil: return (0, 0)
    case .json: return (JSONContactWriter.render(contact, into: &rendering), 0)
    case .csv(let settings): return try? CSVContactWriter.render(contact, with: settings, into: &rendering)
    case .xlsx(let settings):
      let prefixCount = try? XLSXContactWriter.render(contact, with: settings) { piece in
        rendering.append(piece.assumingMemoryBound(to: UInt8.self))
      }
      return prefixCount.map { ($0, 0) }
    }
  }

  /// Adds `rows` records that `encode` wrote to `encoded`, in input order.
  func write(encoded: borrowing SpoolRecordBytes, rows: Int) throws(RosterError) {
    try file.output.write(encoded.bytes)
    self.rows += rows
  }

  /// Records the directory slots of the next row's group references, in their order, as the first
  /// pass found them (empty when it looked none up); the replay puts them in `GroupReference.slot`.
  /// Call once for every row the first pass takes, in order.
  func recordSlots(_ slots: [Int]) throws(RosterError) {
    try slotFile.output.append { out in
      guard slots.count < 255 else { return out.append(255) }
      out.append(UInt8(slots.count))
      for slot in slots {
        withUnsafeBytes(of: UInt32(truncatingIfNeeded: slot).littleEndian) {
          out.append($0.assumingMemoryBound(to: UInt8.self))
        }
      }
    }
  }

  /// Records the fault that ended the first pass.
  func end(with fault: RosterError) {
    self.fault = fault
  }

  /// Starts reading the rows back from the first; `inputBytes` is the input's size as the first pass
  /// read it, for progress.
  func replay(inputBytes: Int) throws(RosterError) -> Replay {
    try file.rewindForReading()
    try slotFile.rewindForReading()
    // The replay reads each file once, from its start: what it has read is not needed again.
    file.releasesReadBytes = true
    slotFile.releasesReadBytes = true
    return Replay(spool: self, inputBytes: inputBytes)
  }

  /// Reads the spooled rows back in order, as rows prepared already.
  final class Replay: UnmappedRowSource {
    private let spool: PreparedRowSpool
    private let inputBytes: Int
    private let records: SpoolReadBuffer
    private let slots: SpoolReadBuffer
    /// Rows read back so far.
    private(set) var rowsRead = 0

    fileprivate init(spool: PreparedRowSpool, inputBytes: Int) {
      self.spool = spool
      self.inputBytes = inputBytes
      records = SpoolReadBuffer(spool.file, capacity: 1 << 17)
      slots = SpoolReadBuffer(spool.slotFile, capacity: 1 << 17)
    }

    /// The input's bytes in the same proportion as the rows read back, for progress.
    var bytesRead: Int {
      spool.rows == 0 ? inputBytes : Int(Double(inputBytes) * Double(rowsRead) / Double(spool.rows))
    }

    func nextUnmapped() throws(RosterError) -> UnmappedRow? {
      // Not `map`: its closure borrows the row, and wrapping it would copy every string of it.
      guard let row = try next() else { return nil }
      return .prepared(consume row)
    }

    /// The next row, or `nil` after the last.
    /// - Throws: the first pass's fault after the rows before it; a read error of the spool.
    func next() throws(RosterError) -> PreparedRow? {
      guard try records.fill(4) else {
        // Every row has its slot record: one left over means the two files went out of step.
        guard try !slots.fill(1) else { throw Self.cutShort }
        if let fault = spool.fault { throw fault }
        return nil
      }
      let length = Int(records.uint32(at: 0))
      guard try records.fill(4 + length) else { throw Self.cutShort }
      var reader = SpoolBytes(records.bytes(at: 4, count: length))
      var row = try Self.decode(&reader)
      records.consume(4 + length)
      try takeSlots(into: &row)
      rowsRead += 1
      return row
    }

    /// Puts the row's slot record into its group references (when it has one slot per reference).
    private func takeSlots(into row: inout PreparedRow) throws(RosterError) {
      guard try slots.fill(1) else { throw Self.cutShort }
      let count = Int(slots.byte(at: 0))
      guard count != 255 else { return slots.consume(1) }
      guard try slots.fill(1 + 4 * count) else { throw Self.cutShort }
      if count > 0 && count == row.row.contact.groups.count {
        for index in 0..<count {
          row.row.contact.groups[index].slot = Int32(bitPattern: slots.uint32(at: 1 + 4 * index))
        }
      }
      slots.consume(1 + 4 * count)
    }

    private static var cutShort: RosterError {
      RosterError(.output, "a temporary file was cut short while it was read back")
    }

    /// The row at `reader`'s offset.
    /// - Throws: `cutShort` when the record ends early. (Not an optional: unwrapping one copies the row.)
    private static func decode(_ reader: inout SpoolBytes) throws(RosterError) -> PreparedRow {
      guard let original = reader.original(), let kind = reader.byte(), let supplied = reader.byte() else {
        throw cutShort
      }
      if kind == 2 {
        var contact = Contact()
        // Linking reads a group's name, never a person's.
        guard let position = ContactSpoolCodec.popHead(&reader, into: &contact, personNames: false),
          ContactSpoolCodec.popGroups(&reader, into: &contact), let prefixCount = reader.varint(),
          let guardedCells = reader.varint(), guardedCells <= UInt64(Int.max), let count = reader.varint(),
          prefixCount <= count, count <= UInt64(Int.max), let bytes = reader.bytes(Int(count))
        else { throw cutShort }
        return PreparedRow(
          row: SourceRow(
            position: position, contact: consume contact, problems: [], original: original.row(at: position)),
          fingerprintSupplied: supplied == 1,
          rendered: count == 0
            ? nil : RenderedParts(bytes: bytes, prefixCount: Int(prefixCount), guardedCells: Int(guardedCells)))
      }
      if kind == 0 {
        guard let (contact, position) = ContactSpoolCodec.decode(&reader) else { throw cutShort }
        return PreparedRow(
          row: SourceRow(position: position, contact: contact, problems: [], original: original.row(at: position)),
          fingerprintSupplied: supplied == 1)
      }
      guard let index = reader.uint64(), let line = reader.uint64(), let count = reader.uint32() else { throw cutShort }
      var problems: [IssueDetail] = []
      for _ in 0..<count {
        guard let header = reader.optionalString(), let field = reader.string(), let code = reader.string(),
          let message = reader.string(), let value = reader.optionalString()
        else { throw cutShort }
        problems.append(
          IssueDetail(header: header, field: field, code: IssueCode(rawValue: code), message: message, value: value))
      }
      let position = RowPosition(index: Int(index), line: Int(line))
      return PreparedRow(
        row: SourceRow(
          position: position, contact: Contact(), problems: problems, original: original.row(at: position)),
        fingerprintSupplied: false)
    }
  }
}

/// Reads a spool file back from its start through one buffer that grows to the largest record.
private final class SpoolReadBuffer {
  private let file: SpoolFile
  /// Bytes read from the file; `buffer[start..<end]` are not taken yet.
  private var buffer: UnsafeMutableRawBufferPointer
  private var start = 0
  private var end = 0
  private var atEnd = false

  init(_ file: SpoolFile, capacity: Int) {
    self.file = file
    buffer = .allocate(byteCount: capacity, alignment: 8)
  }

  deinit { buffer.deallocate() }

  /// Makes at least `count` bytes available; `false` when the file ends first.
  func fill(_ count: Int) throws(RosterError) -> Bool {
    while end - start < count {
      if atEnd { return false }
      if start > 0 {
        // Move what is left to the front, then read after it.
        if end > start { buffer.baseAddress!.copyMemory(from: buffer.baseAddress! + start, byteCount: end - start) }
        end -= start
        start = 0
      }
      if buffer.count - end < 1 << 16 {
        let larger = UnsafeMutableRawBufferPointer.allocate(
          byteCount: max(buffer.count * 2, count + (1 << 16)), alignment: 8)
        if end > 0 { larger.baseAddress!.copyMemory(from: buffer.baseAddress!, byteCount: end) }
        buffer.deallocate()
        buffer = larger
      }
      let read = try file.readNext(into: UnsafeMutableRawBufferPointer(rebasing: buffer[end...]))
      if read == 0 { atEnd = true } else { end += read }
    }
    return true
  }

  /// The byte at `offset` past the first not taken (made available by `fill`).
  func byte(at offset: Int) -> UInt8 { buffer[start + offset] }

  /// The little-endian UInt32 at `offset` past the first byte not taken.
  func uint32(at offset: Int) -> UInt32 {
    UInt32(littleEndian: buffer.loadUnaligned(fromByteOffset: start + offset, as: UInt32.self))
  }

  /// `count` bytes from `offset` past the first not taken, valid until the next `fill`.
  func bytes(at offset: Int, count: Int) -> UnsafeRawBufferPointer {
    UnsafeRawBufferPointer(rebasing: buffer[start + offset..<start + offset + count])
  }

  /// Takes `count` bytes.
  func consume(_ count: Int) { start += count }
}

extension SpoolRecordBytes {
  /// A presence byte, then the string when there is one.
  fileprivate mutating func appendOptionalString(_ text: String?) {
    if let text {
      append(1)
      appendLengthPrefixed(text)
    } else {
      append(0)
    }
  }
}

/// An original row as spooled; the CSV record's position is the row's own, filled in when read back.
enum SpooledOriginal {
  case notKept
  case omitted
  case csv(bytes: [UInt8], ends: [Int], cellStarts: [Int], unterminatedQuoteLine: Int?)
  case json([UInt8])
  case cells([String])

  func row(at position: RowPosition) -> OriginalRow {
    switch self {
    case .notKept: .notKept
    case .omitted: .omitted
    case .csv(let bytes, let ends, let cellStarts, let unterminatedQuoteLine):
      .csv(
        CSVRecord(
          bytes: bytes, ends: ends, position: position, unterminatedQuoteLine: unterminatedQuoteLine,
          limitViolation: nil, cellStarts: cellStarts))
    case .json(let bytes): .json(bytes)
    case .cells(let cells): .cells(cells)
    }
  }
}

extension SpoolRecordBytes {
  /// A kind byte (0 not kept, 1 omitted, 2 CSV, 3 JSON, 4 cells), then its contents.
  fileprivate mutating func appendOriginal(_ original: OriginalRow) {
    switch original {
    case .notKept: append(0)
    case .omitted: append(1)
    case .csv(let record):
      append(2)
      appendLittleEndian(UInt64(record.unterminatedQuoteLine ?? 0))
      appendLittleEndian(UInt32(record.ends.count))
      for end in record.ends { appendLittleEndian(UInt32(end)) }
      appendLittleEndian(UInt32(record.cellStarts.count))
      for start in record.cellStarts { appendLittleEndian(UInt64(start)) }
      appendLittleEndian(UInt32(record.bytes.count))
      record.bytes.withUnsafeBytes { append($0) }
    case .json(let bytes):
      append(3)
      appendLittleEndian(UInt32(bytes.count))
      bytes.withUnsafeBytes { append($0) }
    case .cells(let cells):
      append(4)
      appendLittleEndian(UInt32(cells.count))
      for cell in cells { appendLengthPrefixed(cell) }
    }
  }
}

extension SpoolBytes {
  /// What `appendOriginal` wrote, or `nil` when cut short.
  fileprivate mutating func original() -> SpooledOriginal? {
    guard let kind = byte() else { return nil }
    switch kind {
    case 0: return .notKept
    case 1: return .omitted
    case 2:
      guard let quoteLine = uint64(), let count = uint32() else { return nil }
      var ends: [Int] = []
      ends.reserveCapacity(Int(min(count, 1 << 16)))
      for _ in 0..<count {
        guard let end = uint32() else { return nil }
        ends.append(Int(end))
      }
      guard let startCount = uint32() else { return nil }
      var cellStarts: [Int] = []
      cellStarts.reserveCapacity(Int(min(startCount, 1 << 16)))
      for _ in 0..<startCount {
        guard let start = uint64() else { return nil }
        cellStarts.append(Int(start))
      }
      guard let length = uint32(), let bytes = bytes(Int(length)) else { return nil }
      return .csv(
        bytes: bytes, ends: ends, cellStarts: cellStarts, unterminatedQuoteLine: quoteLine == 0 ? nil : Int(quoteLine))
    case 3:
      guard let length = uint32(), let bytes = bytes(Int(length)) else { return nil }
      return .json(bytes)
    case 4:
      guard let count = uint32() else { return nil }
      var cells: [String] = []
      for _ in 0..<count {
        guard let cell = string() else { return nil }
        cells.append(cell)
      }
      return .cells(cells)
    default: return nil
    }
  }
}
