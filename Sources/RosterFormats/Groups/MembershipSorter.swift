import RosterCore

/// Sorts member entries by group slot in bounded memory, keeping the order they were added in within a
/// slot: an external merge sort.
///
/// Entries gather in memory up to `runBudget` bytes (the entries plus 12 bytes each for the sort);
/// a full buffer is sorted and written as a run to an unlinked temporary file. `forEachSorted` merges
/// the runs, at most `fanIn` at a time (each read through its own buffer of `runBudget / fanIn`, at
/// most 16 KiB), so memory stays near `runBudget` whatever the number of memberships. When everything
/// fits in one buffer, nothing touches the disk.
///
/// A run record is the slot (UInt32), the entry length (UInt32), then the entry.
final class MembershipSorter {
  /// Entries of the run being gathered, back to back; entry `i` starts at `entryStarts[i]`.
  // Touched for every entry, and only from the one thread that owns the sorter: no dynamic
  // exclusivity checks.
  @exclusivity(unchecked) private var entries: [UInt8] = []
  @exclusivity(unchecked) private var entryStarts: [UInt32] = []
  /// `slot << 32 | i` for entry `i`: sorting these sorts by slot, then by arrival.
  @exclusivity(unchecked) private var keys: [UInt64] = []
  private let entryCapacity: Int
  private let recordCapacity: Int
  private let fanIn: Int
  private let readBufferSize: Int
  private var runFile: SpoolFile?
  /// Byte ranges of the runs in `runFile`, in arrival order.
  private var runs: [Range<Int>] = []
  private var runFileSize = 0

  /// - Parameters:
  ///   - runBudget: the bytes one in-memory run may use (at least 4 KiB are used).
  ///   - fanIn: how many runs one merge reads at once (at least 2).
  init(runBudget: Int = 8 << 20, fanIn: Int = 64) {
    let budget = max(runBudget, 4096)
    self.fanIn = max(2, fanIn)
    // Entries of 17 bytes (flags and a UUID) cost 29 bytes with their key and start: share it so.
    entryCapacity = budget / 8 * 5
    recordCapacity = max(1, budget / 8 * 3 / 12)
    readBufferSize = max(64, min(budget / self.fanIn, Self.largestReadBuffer))
  }

  /// The most a run's read buffer takes during a merge: a merge of 64 runs then holds 1 MiB, not the
  /// whole budget (a merge holds as many buffers as runs, so a larger input would otherwise peak
  /// higher than a smaller one). The runs come from the page cache; the cost is four times as many
  /// reads as with 64 KiB, not timed on their own.
  private static var largestReadBuffer: Int { 16 << 10 }

  /// Adds `entry` for the group in `slot`.
  func append(slot: Int, entry: ArraySlice<UInt8>) throws(RosterError) {
    try entry.withUnsafeBufferPointer { bytes throws(RosterError) in
      try append(slot: slot, entry: UnsafeRawBufferPointer(bytes))
    }
  }

  /// Adds `entry` (copied) for the group in `slot`.
  func append(slot: Int, entry: UnsafeRawBufferPointer) throws(RosterError) {
    if keys.count == recordCapacity || (!keys.isEmpty && entries.count + entry.count > entryCapacity) {
      try spillRun()
    }
    if keys.isEmpty && entries.capacity == 0 {
      entries.reserveCapacity(entryCapacity)
      entryStarts.reserveCapacity(recordCapacity)
      keys.reserveCapacity(recordCapacity)
    }
    keys.append(UInt64(UInt32(slot)) << 32 | UInt64(keys.count))
    entryStarts.append(UInt32(entries.count))
    entries.append(contentsOf: entry.assumingMemoryBound(to: UInt8.self))
  }

  /// Sorts the gathered entries and appends them to the run file as one run.
  private func spillRun() throws(RosterError) {
    let file: SpoolFile
    if let runFile {
      file = runFile
    } else {
      file = try SpoolFile()
      runFile = file
    }
    let start = runFileSize
    try forEachGathered { slot, entry throws(RosterError) in try writeRecord(slot: slot, entry: entry, to: file.output)
    }
    runs.append(start..<runFileSize)
    keys.removeAll(keepingCapacity: true)
    entryStarts.removeAll(keepingCapacity: true)
    entries.removeAll(keepingCapacity: true)
  }

  /// Sorts the gathered entries and calls `body` with each, by slot, then in the order they came.
  private func forEachGathered(_ body: (Int, UnsafeRawBufferPointer) throws(RosterError) -> Void) throws(RosterError) {
    keys.sort()
    try entries.withUnsafeBufferPointer { bytes throws(RosterError) in
      let all = UnsafeRawBufferPointer(bytes)
      for key in keys {
        let record = Int(key & 0xFFFF_FFFF)
        let end = record + 1 < entryStarts.count ? Int(entryStarts[record + 1]) : all.count
        try body(Int(key >> 32), UnsafeRawBufferPointer(rebasing: all[Int(entryStarts[record])..<end]))
      }
    }
  }

  private func writeRecord(slot: Int, entry: UnsafeRawBufferPointer, to output: ByteOutput) throws(RosterError) {
    // The slot and the entry's length, little-endian, in one 8-byte header.
    var header = (UInt64(UInt32(entry.count)) << 32 | UInt64(UInt32(slot))).littleEndian
    try withUnsafeBytes(of: &header) { bytes throws(RosterError) in
      try output.write(bytes.assumingMemoryBound(to: UInt8.self))
    }
    try output.write(entry.assumingMemoryBound(to: UInt8.self))
    runFileSize += 8 + entry.count
  }

  /// Calls `body` with every entry added, by slot and, within a slot, in the order they were added.
  /// The entry's bytes are valid only during the call. Call it once, after the last `append`.
  func forEachSorted(_ body: (Int, UnsafeRawBufferPointer) throws(RosterError) -> Void) throws(RosterError) {
    try finishGathering()
    guard let runFile else { return try forEachGathered(body) }
    while runs.count > fanIn {
      // Merge the oldest runs into one at the end, so runs stay in arrival order.
      let group = Array(runs.prefix(fanIn))
      runs.removeFirst(fanIn)
      let start = runFileSize
      try merge(group, in: runFile) { slot, entry throws(RosterError) in
        try writeRecord(slot: slot, entry: entry, to: runFile.output)
      }
      try runFile.output.flush()
      runs.insert(start..<runFileSize, at: 0)
    }
    try merge(runs, in: runFile, body)
  }

  /// Ends gathering: once some run is on disk, writes the entries gathered since as the last run and
  /// frees the gathering buffers (about `runBudget`). `forEachSorted` calls it; call it earlier to free
  /// them sooner. No entry may be added after it.
  func finishGathering() throws(RosterError) {
    guard let runFile, entries.capacity > 0 else { return }
    if !keys.isEmpty { try spillRun() }
    entries = []
    entryStarts = []
    keys = []
    try runFile.output.flush()
  }

  /// Merges sorted runs (given in arrival order) by slot; equal slots come in run order.
  private func merge(
    _ runs: [Range<Int>], in file: SpoolFile, _ body: (Int, UnsafeRawBufferPointer) throws(RosterError) -> Void
  ) throws(RosterError) {
    var opened: [RunCursor] = []
    for run in runs {
      let cursor = RunCursor(file: file, range: run, bufferSize: readBufferSize)
      if try cursor.advance() { opened.append(cursor) }
    }
    // Constant from here on, and the heap goes to `siftDown` inout: the helpers capture no variable,
    // so no access to one is checked at run time.
    let cursors = opened
    // A binary min-heap of cursor numbers by (slot, run).
    var heap = Array(cursors.indices)
    func precedes(_ a: Int, _ b: Int) -> Bool {
      let slotA = cursors[a].slot
      let slotB = cursors[b].slot
      return slotA != slotB ? slotA < slotB : a < b
    }
    func siftDown(_ heap: inout [Int], _ start: Int) {
      var parent = start
      while true {
        let left = 2 * parent + 1
        guard left < heap.count else { return }
        var least = left
        if left + 1 < heap.count && precedes(heap[left + 1], heap[left]) { least = left + 1 }
        guard precedes(heap[least], heap[parent]) else { return }
        heap.swapAt(parent, least)
        parent = least
      }
    }
    for start in stride(from: heap.count / 2 - 1, through: 0, by: -1) { siftDown(&heap, start) }
    while let top = heap.first {
      let cursor = cursors[top]
      try body(cursor.slot, cursor.entry)
      if try !cursor.advance() {
        heap[0] = heap[heap.count - 1]
        heap.removeLast()
      }
      if !heap.isEmpty { siftDown(&heap, 0) }
    }
  }
}

/// Reads one sorted run back, record by record, through a buffer of its own.
private final class RunCursor {
  private let file: SpoolFile
  private var next: Int
  private let end: Int
  private let bufferSize: Int
  /// Bytes read from the run; `buffer[cursor..<filled]` are not consumed yet.
  @exclusivity(unchecked) private var buffer: UnsafeMutableRawBufferPointer
  private var cursor = 0
  private var filled = 0
  /// The current record, after `advance` returned `true`.
  private(set) var slot = 0
  /// The current record's entry: valid until the next `advance`.
  private(set) var entry = UnsafeRawBufferPointer(start: nil, count: 0)

  init(file: SpoolFile, range: Range<Int>, bufferSize: Int) {
    self.file = file
    next = range.lowerBound
    end = range.upperBound
    self.bufferSize = bufferSize
    buffer = .allocate(byteCount: max(bufferSize, 64), alignment: 8)
  }

  deinit { buffer.deallocate() }

  /// Makes `count` bytes available at `cursor`; `false` when the run has fewer left.
  private func ensure(_ count: Int) throws(RosterError) -> Bool {
    if filled - cursor >= count { return true }
    let kept = filled - cursor
    let wanted = min(max(count, bufferSize) - kept, end - next)
    guard kept + wanted >= count else { return false }
    if kept + wanted > buffer.count {
      let larger = UnsafeMutableRawBufferPointer.allocate(byteCount: kept + wanted, alignment: 8)
      larger.baseAddress!.copyMemory(from: buffer.baseAddress! + cursor, byteCount: kept)
      buffer.deallocate()
      buffer = larger
    } else if kept > 0 {
      buffer.baseAddress!.copyMemory(from: buffer.baseAddress! + cursor, byteCount: kept)
    }
    cursor = 0
    filled = kept
    let read = try file.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[kept..<kept + wanted]), at: next)
    guard read == wanted else { throw SpoolReader.truncated }
    filled += wanted
    next += wanted
    return true
  }

  /// Moves to the next record; `false` at the end of the run.
  func advance() throws(RosterError) -> Bool {
    guard try ensure(8) else {
      if filled > cursor { throw SpoolReader.truncated }
      return false
    }
    let head = UInt64(littleEndian: buffer.loadUnaligned(fromByteOffset: cursor, as: UInt64.self))
    slot = Int(head & 0xFFFF_FFFF)
    let length = Int(head >> 32)
    cursor += 8
    guard try ensure(length) else { throw SpoolReader.truncated }
    entry = UnsafeRawBufferPointer(rebasing: buffer[cursor..<cursor + length])
    cursor += length
    return true
  }
}
