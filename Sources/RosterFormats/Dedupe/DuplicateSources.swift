import RosterCore

/// Where one spooled duplicate source goes and where its bytes are.
struct SourceEntry {
  /// The row index of the first occurrence it merges into.
  var destination: UInt32
  var length: UInt32
  var offset: UInt64

  /// Destination first, then input order (sources are spooled in input order).
  static func precedes(_ a: SourceEntry, _ b: SourceEntry) -> Bool {
    a.destination != b.destination ? a.destination < b.destination : a.offset < b.offset
  }
}

/// The later duplicates that `--dedupe merge` found in the first pass, kept on disk until their
/// destination is written.
///
/// Each source (its validated contact and position, `ContactSpoolCodec`) goes to an unlinked
/// temporary file. Memory holds a 16-byte entry (destination row, length, offset) per source, sorted
/// by destination; every `runLimit` entries (32 MiB by default) the sorted entries spill to a run file
/// of their own, and the second pass merges the runs. A bit per row marks the sources.
final class DuplicateSourceSpool {
  fileprivate let records: SpoolFile
  private var written: UInt64 = 0
  fileprivate var pending: [SourceEntry] = []
  fileprivate var runs: [SpoolFile] = []
  private var scratch = SpoolRecordBytes()
  fileprivate var sourceRows: [UInt64] = []
  private let runLimit: Int
  /// Sources spooled.
  private(set) var count = 0

  init(runLimit: Int = 1 << 21) throws(RosterError) {
    records = try SpoolFile()
    self.runLimit = max(1, runLimit)
  }

  /// Spools `contact` (validated, with its identity), the row at `position`, as a source of `destination`.
  func append(_ contact: Contact, at position: RowPosition, destination: Int) throws(RosterError) {
    scratch.removeAll()
    ContactSpoolCodec.append(contact, at: position, to: &scratch)
    try records.output.write(scratch.bytes)
    pending.append(SourceEntry(destination: UInt32(destination), length: UInt32(scratch.count), offset: written))
    written += UInt64(scratch.count)
    count += 1
    let word = position.index >> 6
    if word >= sourceRows.count { sourceRows.append(contentsOf: repeatElement(0, count: word + 1 - sourceRows.count)) }
    sourceRows[word] |= 1 << UInt64(position.index & 63)
    if pending.count >= runLimit { try spillRun() }
  }

  /// Sorts the pending entries and writes them to a run file of their own.
  private func spillRun() throws(RosterError) {
    pending.sort(by: SourceEntry.precedes)
    let run = try SpoolFile()
    var bytes: [UInt8] = []
    bytes.reserveCapacity(pending.count * 16)
    for entry in pending {
      bytes.appendInteger(entry.destination)
      bytes.appendInteger(entry.length)
      bytes.appendInteger(entry.offset)
    }
    try bytes.withUnsafeBufferPointer { buffer throws(RosterError) in try run.output.write(buffer) }
    try run.output.flush()
    runs.append(run)
    pending.removeAll(keepingCapacity: true)
  }

  /// Readies the spool for the second pass: flushes the records and sorts what stays in memory.
  fileprivate func finishWriting() throws(RosterError) {
    try records.output.flush()
    pending.sort(by: SourceEntry.precedes)
  }
}

/// One sorted sequence of entries: a run file read through a buffer, or the entries left in memory.
private final class RunCursor {
  private let reader: SpoolReader?
  private let entries: [SourceEntry]
  private var next = 0
  private(set) var current: SourceEntry?

  init(run: SpoolFile) throws(RosterError) {
    reader = try SpoolReader(run)
    entries = []
    try advance()
  }

  init(entries: [SourceEntry]) {
    reader = nil
    self.entries = entries
    current = entries.first
    next = 1
  }

  func advance() throws(RosterError) {
    if let reader {
      guard let bytes = try reader.bytes(16) else {
        current = nil
        return
      }
      current = SourceEntry(
        destination: bytes.loadLittleEndian(UInt32.self, at: 0), length: bytes.loadLittleEndian(UInt32.self, at: 4),
        offset: bytes.loadLittleEndian(UInt64.self, at: 8))
    } else {
      current = next < entries.count ? entries[next] : nil
      next += 1
    }
  }
}

/// `--dedupe merge`, second pass: merges each destination's spooled sources into it when it is
/// written, and tells which rows are sources (counted as merged, not written).
final class MergePlan: DuplicateHandler {
  private let spool: DuplicateSourceSpool
  private let directory: GroupDirectory
  private var cursors: [RunCursor] = []
  private let history = ByteOutput(inMemory: "merge history")

  init(spool: DuplicateSourceSpool, directory: GroupDirectory) throws(RosterError) {
    try spool.finishWriting()
    self.spool = spool
    self.directory = directory
    for run in spool.runs { cursors.append(try RunCursor(run: run)) }
    cursors.append(RunCursor(entries: spool.pending))
    spool.pending = []
  }

  /// Whether the row at `index` merges into an earlier one.
  func isSource(_ index: Int) -> Bool {
    let word = index >> 6
    return word < spool.sourceRows.count && spool.sourceRows[word] & (1 << UInt64(index & 63)) != 0
  }

  /// The cursor whose current entry comes first, if any is left.
  private func firstCursor() -> RunCursor? {
    var best: RunCursor?
    for cursor in cursors {
      guard let entry = cursor.current else { continue }
      if let current = best?.current, !SourceEntry.precedes(entry, current) { continue }
      best = cursor
    }
    return best
  }

  static let changedInput = RosterError(
    .input, "the input changed between the two passes of --dedupe merge; run again on a file that stays put")

  func handle(
    _ contact: inout Contact, at position: RowPosition, fingerprintSupplied: Bool, problems: inout [IssueDetail],
    warnings: inout [RunWarning], merges: inout [MergeRecord]
  ) throws {
    while let cursor = firstCursor(), let entry = cursor.current, Int(entry.destination) <= position.index {
      guard Int(entry.destination) == position.index else { throw Self.changedInput }
      try cursor.advance()
      let bytes = try spool.records.read(Int(entry.offset)..<Int(entry.offset) + Int(entry.length))
      var cursorBytes = bytes[...]
      guard let (source, sourcePosition) = ContactSpoolCodec.decode(&cursorBytes) else { throw SpoolReader.truncated }
      let conflicts = ContactMerge.merge(source, into: &contact)
      contact.mergeHistory.append(try historyText(of: source, at: sourcePosition))
      merges.append(MergeRecord(source: sourcePosition, destination: position, conflicts: conflicts))
      if !conflicts.isEmpty {
        let fields = conflicts.joined(separator: ", ")
        warnings.append(
          RunWarning(
            code: "merge.conflict",
            message:
              "row \(sourcePosition.index) (line \(sourcePosition.line)) merged into row \(position.index) (line \(position.line)) with different values for \(fields): row \(position.index) keeps its own; row \(sourcePosition.index)'s are in its merge_history",
            position: sourcePosition))
      }
    }
  }

  /// Throws when some sources found no destination (the input changed between passes).
  func finish() throws(RosterError) {
    if firstCursor() != nil { throw Self.changedInput }
  }

  /// The source as Roster would have written it, with its `index` and `line` first, on one line.
  private func historyText(of source: Contact, at position: RowPosition) throws(RosterError) -> String {
    var written = source
    written.groups = source.groups.compactMap { reference in
      guard !reference.name.isEmpty else { return reference }  // an id, from Roster's own JSON
      guard let slot = directory.existingSlot(named: reference.name), directory.accepts(slot) else { return nil }
      var resolved = reference
      resolved.id = directory.id(of: slot)
      return resolved
    }
    try JSONContactWriter.writeObject(written, to: history)
    // The object's own `{` gives way to the position.
    let object = history.takeBytes().dropFirst()
    return "{\"index\":\(position.index),\"line\":\(position.line)," + String(decoding: object, as: UTF8.self)
  }
}
