import Glibc
public import RosterCore

/// A row read, mapped, validated and identified, ready for `ContactPipeline.process(prepared:)`.
public struct PreparedRow {
  /// The row; its contact is validated and has its id when `row.problems` is empty.
  public var row: SourceRow
  /// Whether the row supplied its own fingerprint (what `RowPreparation.prepare` returned).
  public var fingerprintSupplied: Bool
  /// The contact's output rendered in the first pass, when the spool kept that instead of the
  /// contact (`PreparedRowSpool.Layout.linking`); the contact then holds only what linking needs.
  public var rendered: RenderedParts? = nil
}

/// Reads the rows of one pass and prepares them (`RowPreparation`), on worker threads when `threads`
/// is above 1, handing them back in input order.
///
/// With threads, one thread reads batches of rows ahead (a reader keeps its own position, so one
/// thread reads), the others and the caller map and validate batches as they come, and `next()`
/// returns them in order: the output is the same as with one thread. At most `4 * threads` batches of
/// `batchRows` rows are in flight, so memory stays bounded whatever the input's size. The reader is
/// the stream's own from `init` on: the caller must not touch it until `next()` has returned `nil`
/// (or thrown the reader's fault).
public final class PreparedRowStream {
  /// Rows per batch handed between threads.
  public static let batchRows = 128

  private let source: any UnmappedRowSource
  /// The reader, for its closing warnings; `nil` when replaying a spool.
  private let reader: (any ContactRowReader)?
  /// The replay `source` is, when it is one: on one thread its rows are taken as they are, not wrapped
  /// as unmapped rows and unwrapped again (which copies them).
  private let replay: PreparedRowSpool.Replay?
  private let preparation: RowPreparation
  /// Where the prepared rows are also kept, for a replay (the first pass of two).
  private let spool: PreparedRowSpool?
  private let coordinator: BatchCoordinator?
  private var threads: [pthread_t] = []
  // A stream is used from the one thread that calls `next()`, which touches these for every row: no
  // dynamic exclusivity checks.
  @exclusivity(unchecked) private var batch: RowBatch?
  @exclusivity(unchecked) private var finished = false
  @exclusivity(unchecked) private var encoded = SpoolRecordBytes()
  @exclusivity(unchecked) private var rendering = OutputBuffer(capacity: 4096)
  /// Bytes the reader had taken when the last batch returned was read, for progress.
  @exclusivity(unchecked) public private(set) var bytesRead = 0

  /// The number of CPUs online (at least 1): the default for `threads`.
  public static var availableProcessors: Int {
    max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN)))
  }

  /// Starts reading `rows`; `threads` 1 does all the work on the caller's thread, in `next()`. Each
  /// row prepared is also added to `spool` when one is given (encoded on the preparing threads).
  public convenience init(_ rows: any ContactRowReader, preparation: RowPreparation, threads: Int) {
    self.init(rows, preparation: preparation, threads: threads, spool: nil)
  }

  convenience init(_ rows: any ContactRowReader, preparation: RowPreparation, threads: Int, spool: PreparedRowSpool?) {
    self.init(
      source: rows, reader: rows, preparation: preparation, threads: threads, workers: threads - 1, spool: spool)
  }

  /// Replays the rows a first pass spooled (prepared already): with threads, one thread reads them
  /// back while the caller takes them.
  convenience init(replaying replay: PreparedRowSpool.Replay, preparation: RowPreparation, threads: Int) {
    self.init(source: replay, reader: nil, preparation: preparation, threads: threads, workers: 0, spool: nil)
  }

  private init(
    source: any UnmappedRowSource, reader: (any ContactRowReader)?, preparation: RowPreparation, threads: Int,
    workers: Int, spool: PreparedRowSpool?
  ) {
    self.source = source
    self.reader = reader
    replay = source as? PreparedRowSpool.Replay
    self.preparation = preparation
    self.spool = spool
    guard threads > 1 else {
      coordinator = nil
      return
    }
    let coordinator = BatchCoordinator(maxInFlight: 4 * threads, spoolLayout: spool?.layout)
    self.coordinator = coordinator
    // Signals stay with the calling thread: the workers start with them blocked, so a signal's clean-up
    // never runs beside a temporary file being created (see `TemporaryFiles`).
    TemporaryFiles.withSignalsHeld {
      let box = UncheckedBox(source)
      self.threads.append(Self.spawn { coordinator.produce(from: box.value) })
      for _ in 0..<workers {
        self.threads.append(Self.spawn { coordinator.prepareUntilDone(with: preparation) })
      }
    }
  }

  deinit {
    rendering.deallocate()
    // Stopped early (the caller threw): the threads stop at their next batch. The preparing threads
    // only wait on the coordinator, so they are joined; the reading thread may be blocked in a read (a
    // terminal, a stalled download), so it gets a few seconds and is otherwise left to end by itself.
    if let coordinator, !finished {
      coordinator.cancel()
      for thread in threads.dropFirst() { pthread_join(thread, nil) }
      if let reader = threads.first {
        if coordinator.waitForReaderToStop(seconds: 5) { pthread_join(reader, nil) } else { pthread_detach(reader) }
      }
    }
  }

  /// The next row in input order, or `nil` at the end.
  /// - Throws: the reader's fault, after every row before it was returned; a spool write error.
  public func next() throws(RosterError) -> PreparedRow? {
    guard let coordinator else {
      if let replay {
        let row = try replay.next()
        bytesRead = replay.bytesRead
        return row
      }
      guard let raw = try source.nextUnmapped() else { return nil }
      bytesRead = source.bytesRead
      let row = RowBatch.prepare(consume raw, with: preparation)
      if let spool {
        encoded.removeAll()
        PreparedRowSpool.encode(row, layout: spool.layout, into: &encoded, rendering: &rendering)
        try spool.write(encoded: encoded, rows: 1)
      }
      return row
    }
    while true {
      if let batch, !batch.rows.isEmpty { return batch.takeNext() }
      if let batch, batch.isLast {
        if !finished {
          finished = true
          for thread in threads { pthread_join(thread, nil) }
        }
        if let fault = batch.fault { throw fault }
        return nil
      }
      // The spent batch goes back to the reading thread, to be filled again.
      if let spent = batch { coordinator.recycle(spent) }
      batch = nil
      let next = coordinator.takeInOrder(preparing: preparation)
      bytesRead = next.bytesRead
      batch = next
      if let spool { try spool.write(encoded: next.encoded, rows: next.rows.count) }
    }
  }

  /// Warnings the reader gives once every row was read (only after `next()` returned `nil`).
  public var closingWarnings: [RunWarning] { reader?.closingWarnings ?? [] }

  private static func spawn(_ body: @escaping () -> Void) -> pthread_t {
    let context = Unmanaged.passRetained(UncheckedBox(body)).toOpaque()
    var thread = pthread_t()
    let status = pthread_create(
      &thread, nil,
      { context in
        let body = Unmanaged<UncheckedBox<() -> Void>>.fromOpaque(context!).takeRetainedValue()
        body.value()
        return nil
      }, context)
    precondition(status == 0, "pthread_create failed: \(status)")
    return thread
  }
}

/// A value handed to exactly one other thread, which alone uses it from then on.
final class UncheckedBox<Value>: @unchecked Sendable {
  let value: Value
  init(_ value: Value) { self.value = value }
}

/// Rows read together, handed from thread to thread as one piece (only one thread holds it at a time).
final class RowBatch: @unchecked Sendable {
  // One thread holds a batch at a time (the coordinator's lock hands it on), and these are touched for
  // every row: no dynamic exclusivity checks (about 1,400 instructions a row with two threads).
  @exclusivity(unchecked) var sequence = 0
  /// The rows as read (filled by the reading thread).
  @exclusivity(unchecked) var unmapped: [UnmappedRow] = []
  /// The rows mapped and prepared, last row first (filled by `prepare`, taken by `takeNext`).
  @exclusivity(unchecked) var rows: [PreparedRow] = []
  /// The prepared rows as spool records, when the stream keeps a spool.
  @exclusivity(unchecked) var encoded = SpoolRecordBytes(capacity: 1 << 16)
  /// Scratch space for rendering a row's output into its spool record.
  @exclusivity(unchecked) private var rendering = OutputBuffer(capacity: 4096)
  /// The reader's fault after these rows, if it had one.
  var fault: RosterError?
  /// Whether no batch follows this one.
  var isLast = false
  var bytesRead = 0

  init() {
    unmapped.reserveCapacity(PreparedRowStream.batchRows)
    rows.reserveCapacity(PreparedRowStream.batchRows)
  }

  deinit { rendering.deallocate() }

  /// Empties the batch for reuse, keeping its storage.
  func reset(sequence: Int) {
    self.sequence = sequence
    rows.removeAll(keepingCapacity: true)
    unmapped.removeAll(keepingCapacity: true)
    fault = nil
    isLast = false
    bytesRead = 0
  }

  /// Moves the next row, in input order, out of the batch (no copy of its storage): `prepare` leaves
  /// `rows` reversed, so this is `removeLast()`, which leaves nothing behind to make or destroy.
  func takeNext() -> PreparedRow { rows.removeLast() }

  /// What a moved-out row leaves behind (it allocates nothing).
  private static var emptyRow: SourceRow {
    SourceRow(position: RowPosition(index: 0, line: 0), contact: Contact(), problems: [], original: .notKept)
  }

  /// Maps and prepares the rows read into `rows`, and encodes them for a spool of `spoolLayout`, if any.
  func prepare(with preparation: RowPreparation, spoolLayout: PreparedRowSpool.Layout?) {
    encoded.removeAll()
    // The rows as read stay in `unmapped` until the reading thread refills the batch, so the thread
    // that allocated them frees them (a free from another thread contends for the allocator's lock).
    for index in unmapped.indices {
      if case .prepared = unmapped[index] {
        // Replayed rows are prepared already: moved, not copied (no retain of every string).
        var taken = UnmappedRow.mapped(Self.emptyRow)
        swap(&taken, &unmapped[index])
        if case .prepared(let row) = consume taken { rows.append(row) }
        continue
      }
      // Only the record and the mapping are copied out of `unmapped` (two references), never a row.
      let mapped: SourceRow
      switch unmapped[index] {
      case .csv(let record, let mapping): mapped = mapping.row(from: record)
      case .mapped(let row): mapped = row
      case .prepared(let prepared): mapped = prepared.row
      }
      let row = Self.prepare(mapped: mapped, with: preparation)
      if let spoolLayout {
        PreparedRowSpool.encode(row, layout: spoolLayout, into: &encoded, rendering: &rendering)
      }
      rows.append(consume row)
    }
    // For `takeNext()`: taking each row from the front would leave an empty row in its place.
    rows.reverseByMoving()
  }

  /// `raw` mapped and prepared (a replayed row is prepared already).
  static func prepare(_ raw: consuming UnmappedRow, with preparation: RowPreparation) -> PreparedRow {
    // Switching on the consumed row moves its payload out: no copy of a row's strings.
    switch consume raw {
    case .prepared(let row): return row
    case .csv(let record, let mapping): return prepare(mapped: mapping.row(from: record), with: preparation)
    case .mapped(let row): return prepare(mapped: row, with: preparation)
    }
  }

  /// A mapped row validated and identified.
  static func prepare(mapped: consuming SourceRow, with preparation: RowPreparation) -> PreparedRow {
    var row = PreparedRow(row: mapped, fingerprintSupplied: false)
    row.fingerprintSupplied = preparation.prepare(&row.row.contact, problems: &row.row.problems)
    return row
  }
}

/// The queues between the reading thread, the preparing threads and the consumer, under one lock.
final class BatchCoordinator: @unchecked Sendable {
  private let lock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
  /// Signalled when the consumer takes a batch (room for the reading thread).
  private let roomFreed = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
  /// Signalled when a batch is read (work for the preparing threads), and at the end.
  private let workAdded = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
  /// Signalled when a batch is read or prepared (the consumer takes the one or helps with the other).
  private let consumerNeeded = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
  private let maxInFlight: Int
  /// How preparing a batch also encodes it for the spool, if it does.
  private let spoolLayout: PreparedRowSpool.Layout?
  /// Read and waiting to be prepared, oldest first (from `unpreparedHead`).
  private var unprepared: [RowBatch] = []
  private var unpreparedHead = 0
  /// Prepared, by sequence number, waiting for their turn.
  private var ready: [Int: RowBatch] = [:]
  /// Emptied batches, for the reading thread to fill again.
  private var spares: [RowBatch] = []
  private var produced = 0
  private var consumed = 0
  private var readingDone = false
  private var cancelled = false
  /// Set when the reading thread has returned.
  private var readerStopped = false

  init(maxInFlight: Int, spoolLayout: PreparedRowSpool.Layout?) {
    self.maxInFlight = maxInFlight
    self.spoolLayout = spoolLayout
    pthread_mutex_init(lock, nil)
    for condition in [roomFreed, workAdded, consumerNeeded] { pthread_cond_init(condition, nil) }
  }

  deinit {
    for condition in [roomFreed, workAdded, consumerNeeded] {
      pthread_cond_destroy(condition)
      condition.deallocate()
    }
    pthread_mutex_destroy(lock)
    lock.deallocate()
  }

  /// The reading thread: reads batches until the end, a fault, or `cancel()`.
  func produce(from rows: any UnmappedRowSource) {
    defer {
      pthread_mutex_lock(lock)
      readerStopped = true
      pthread_cond_broadcast(roomFreed)
      pthread_mutex_unlock(lock)
    }
    var sequence = 0
    while true {
      pthread_mutex_lock(lock)
      while !cancelled && produced - consumed >= maxInFlight { pthread_cond_wait(roomFreed, lock) }
      let stop = cancelled
      pthread_mutex_unlock(lock)
      if stop { return }
      let batch = takeSpare()
      batch.reset(sequence: sequence)
      sequence += 1
      do {
        while batch.unmapped.count < PreparedRowStream.batchRows {
          guard let row = try rows.nextUnmapped() else {
            batch.isLast = true
            break
          }
          // Moved in: a plain `append(row)` copied the row (retaining every string of a replayed one)
          // and destroyed the original.
          batch.unmapped.append(consume row)
        }
      } catch {
        batch.fault = error
        batch.isLast = true
      }
      batch.bytesRead = rows.bytesRead
      pthread_mutex_lock(lock)
      unprepared.append(batch)
      produced += 1
      if batch.isLast {
        readingDone = true
        pthread_cond_broadcast(workAdded)
      } else {
        pthread_cond_signal(workAdded)
      }
      pthread_cond_signal(consumerNeeded)
      pthread_mutex_unlock(lock)
      if batch.isLast { return }
    }
  }

  /// A preparing thread: prepares batches until reading is done and none is left, or `cancel()`.
  func prepareUntilDone(with preparation: RowPreparation) {
    pthread_mutex_lock(lock)
    while true {
      if cancelled { break }
      if let batch = takeUnprepared() {
        pthread_mutex_unlock(lock)
        batch.prepare(with: preparation, spoolLayout: spoolLayout)
        pthread_mutex_lock(lock)
        ready[batch.sequence] = batch
        pthread_cond_signal(consumerNeeded)
        continue
      }
      if readingDone { break }
      pthread_cond_wait(workAdded, lock)
    }
    pthread_mutex_unlock(lock)
  }

  /// The consumer: the next batch in input order, prepared; while it is not ready, the caller
  /// prepares waiting batches itself.
  func takeInOrder(preparing preparation: RowPreparation) -> RowBatch {
    pthread_mutex_lock(lock)
    defer { pthread_mutex_unlock(lock) }
    while true {
      if let batch = ready.removeValue(forKey: consumed) {
        consumed += 1
        pthread_cond_signal(roomFreed)
        return batch
      }
      if let batch = takeUnprepared() {
        pthread_mutex_unlock(lock)
        batch.prepare(with: preparation, spoolLayout: spoolLayout)
        pthread_mutex_lock(lock)
        ready[batch.sequence] = batch
        continue
      }
      pthread_cond_wait(consumerNeeded, lock)
    }
  }

  /// Gives a batch the consumer has emptied back to the reading thread.
  func recycle(_ batch: RowBatch) {
    pthread_mutex_lock(lock)
    spares.append(batch)
    pthread_mutex_unlock(lock)
  }

  /// A batch to fill: a recycled one when there is one.
  private func takeSpare() -> RowBatch {
    pthread_mutex_lock(lock)
    defer { pthread_mutex_unlock(lock) }
    return spares.popLast() ?? RowBatch()
  }

  /// Waits until the reading thread has returned, at most `seconds`; whether it has.
  func waitForReaderToStop(seconds: Int) -> Bool {
    var deadline = timespec()
    clock_gettime(CLOCK_REALTIME, &deadline)
    deadline.tv_sec += seconds
    pthread_mutex_lock(lock)
    defer { pthread_mutex_unlock(lock) }
    while !readerStopped {
      if pthread_cond_timedwait(roomFreed, lock, &deadline) == ETIMEDOUT { return readerStopped }
    }
    return true
  }

  /// Stops the other threads at their next batch.
  func cancel() {
    pthread_mutex_lock(lock)
    cancelled = true
    for condition in [roomFreed, workAdded, consumerNeeded] { pthread_cond_broadcast(condition) }
    pthread_mutex_unlock(lock)
  }

  /// The oldest batch waiting to be prepared (the lock held).
  private func takeUnprepared() -> RowBatch? {
    guard unpreparedHead < unprepared.count else { return nil }
    let batch = unprepared[unpreparedHead]
    unpreparedHead += 1
    if unpreparedHead == unprepared.count || unpreparedHead >= 64 {
      unprepared.removeFirst(unpreparedHead)
      unpreparedHead = 0
    }
    return batch
  }
}

extension Array {
  /// Reverses the elements by moving their bytes, where `reverse()` (through `swapAt`) copies each
  /// element it swaps, retaining and releasing every reference in it: for a batch of rows, every
  /// string of every row.
  mutating func reverseByMoving() {
    withUnsafeMutableBufferPointer { elements in
      guard var low = elements.baseAddress, elements.count > 1 else { return }
      var high = low + (elements.count - 1)
      while low < high {
        let element = low.move()
        low.moveInitialize(from: high, count: 1)
        high.initialize(to: element)
        low += 1
        high -= 1
      }
    }
  }
}
