import Glibc
public import RosterCore

/// Runs another writer's `write` calls on a thread of its own, in the order they were made, so encoding
/// and writing the output overlap with linking and reporting on the caller's thread.
///
/// Contacts are handed over in batches of `batchSize`; at most `maxBatches` wait, so memory stays
/// bounded. A failure of the base writer (a full disk) is thrown by a later `write`, by `drain()` or
/// by `finish()`: the run still fails, only a few batches later. Dropped before `finish()` (the run
/// failed elsewhere), it writes what it was given and then stops. Use `drain()` before reading the base
/// writer's state, and `finish()` once at the end (it finishes the base writer on the caller's thread).
public final class BackgroundContactWriter<Base: ContactWriter>: ContactWriter {
  private static var batchSize: Int { 128 }
  private static var maxBatches: Int { 8 }

  private let state: State
  /// Contacts not handed over yet, with their rendered parts if any.
  private var pending: [(Contact, RenderedParts?)] = []
  private var thread = pthread_t()
  private var running = true

  /// The thread's side: the base writer and the queue, under one lock.
  private final class State: @unchecked Sendable {
    let lock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    let changed = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    // Written to by the writing thread alone while it runs, and read by the caller only after it has
    // waited for the thread (`drain`, `finish`): no dynamic exclusivity checks, one a contact.
    @exclusivity(unchecked) var base: Base
    var queue: [[(Contact, RenderedParts?)]] = []
    /// Whether the thread is writing a batch it took off the queue.
    var busy = false
    var stopping = false
    var failure: (any Error)?

    init(base: Base) {
      self.base = base
      pthread_mutex_init(lock, nil)
      pthread_cond_init(changed, nil)
    }

    deinit {
      pthread_cond_destroy(changed)
      pthread_mutex_destroy(lock)
      changed.deallocate()
      lock.deallocate()
    }

    /// The writing thread: writes batches until `stopping` and the queue is empty.
    func run() {
      pthread_mutex_lock(lock)
      while true {
        if var batch = queue.first {
          queue.removeFirst()
          busy = true
          pthread_mutex_unlock(lock)
          var failed: (any Error)?
          if failure == nil {
            do {
              // Each contact is moved out (reversed, then taken from the end): a `for` loop copied
              // every contact, retaining every string of it, and the batch released them again.
              batch.reverseByMoving()
              while let (contact, rendered) = batch.popLast() { try base.write(contact, rendered: rendered) }
            } catch {
              failed = error
            }
          }
          pthread_mutex_lock(lock)
          if let failed { failure = failed }
          busy = false
          pthread_cond_broadcast(changed)
          continue
        }
        if stopping { break }
        pthread_cond_wait(changed, lock)
      }
      pthread_mutex_unlock(lock)
    }
  }

  /// Starts the writing thread (with the run's signals blocked in it, as `PreparedRowStream` does).
  public init(_ base: Base) {
    state = State(base: base)
    pending.reserveCapacity(Self.batchSize)
    let state = state
    let context = Unmanaged.passRetained(UncheckedBox({ state.run() })).toOpaque()
    TemporaryFiles.withSignalsHeld {
      let status = pthread_create(
        &thread, nil,
        { context in
          let body = Unmanaged<UncheckedBox<() -> Void>>.fromOpaque(context!).takeRetainedValue()
          body.value()
          return nil
        }, context)
      precondition(status == 0, "pthread_create failed: \(status)")
    }
  }

  deinit {
    guard running else { return }
    // Stopped early (the run failed elsewhere): what was given is still written, as one thread would
    // have written it before the fault (a standard output keeps the rows before it), then the thread
    // ends. Writing to a pipe nobody reads blocks here as it would block the single-threaded writer.
    pthread_mutex_lock(state.lock)
    if !pending.isEmpty { state.queue.append(pending) }
    state.stopping = true
    pthread_cond_broadcast(state.changed)
    pthread_mutex_unlock(state.lock)
    pthread_join(thread, nil)
  }

  public func write(_ contact: consuming Contact) throws {
    try write(contact, rendered: nil)
  }

  public func write(_ contact: consuming Contact, rendered: RenderedParts?) throws {
    pending.append((consume contact, rendered))
    if pending.count >= Self.batchSize { try handOver(waitingUntilWritten: false) }
  }

  /// Waits until every contact given so far is written; returns the base writer, for its counts.
  /// - Throws: the base writer's failure, if it had one.
  public func drain() throws -> Base {
    try handOver(waitingUntilWritten: true)
    pthread_mutex_lock(state.lock)
    defer { pthread_mutex_unlock(state.lock) }
    return state.base
  }

  public func finish() throws {
    try handOver(waitingUntilWritten: true)
    pthread_mutex_lock(state.lock)
    state.stopping = true
    pthread_cond_broadcast(state.changed)
    pthread_mutex_unlock(state.lock)
    pthread_join(thread, nil)
    running = false
    try state.base.finish()
  }

  /// Queues the pending contacts (waiting while the queue is full); with `waitingUntilWritten`, waits
  /// until the thread has written everything. Throws the base writer's failure.
  private func handOver(waitingUntilWritten: Bool) throws {
    pthread_mutex_lock(state.lock)
    defer { pthread_mutex_unlock(state.lock) }
    while state.failure == nil && state.queue.count >= Self.maxBatches { pthread_cond_wait(state.changed, state.lock) }
    if let failure = state.failure { throw failure }
    if !pending.isEmpty {
      state.queue.append(pending)
      pending = []
      pending.reserveCapacity(Self.batchSize)
      pthread_cond_broadcast(state.changed)
    }
    if waitingUntilWritten {
      while state.failure == nil && (!state.queue.isEmpty || state.busy) {
        pthread_cond_wait(state.changed, state.lock)
      }
      if let failure = state.failure { throw failure }
    }
  }
}
