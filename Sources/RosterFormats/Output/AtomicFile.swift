public import RosterCore

#if canImport(Glibc)
  import Glibc
#endif

/// A destination file that appears only when complete: bytes go to a temporary file beside it,
/// which `commit` renames over the destination and `abandon` removes.
///
/// A run that fails or is interrupted (SIGINT, SIGTERM, SIGHUP) leaves the destination untouched and
/// no temporary file behind.
public final class AtomicFile {
  public let destination: String
  public let output: ByteOutput
  private let temporaryPath: String
  private let descriptor: Int32
  private var finished = false

  /// Creates the temporary file next to `destination`.
  ///
  /// - Throws: `RosterError` (output) when the directory cannot be written.
  public init(destination: String) throws(RosterError) {
    self.destination = destination
    let slash = destination.utf8.lastIndex(of: UInt8(ascii: "/"))
    let directory = slash.map { String(destination[...$0]) } ?? ""
    let base = slash.map { String(destination[destination.index(after: $0)...]) } ?? destination
    var template = Array((directory + "." + base + ".XXXXXX.roster-tmp").utf8CString)
    // Created and registered with signals held, so a signal cannot fall between the two.
    let (fd, path, failure) = TemporaryFiles.withSignalsHeld { () -> (Int32, String, Int32) in
      let fd = template.withUnsafeMutableBufferPointer { mkstemps($0.baseAddress!, 11) }
      guard fd >= 0 else { return (fd, "", errno) }
      let path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
      TemporaryFiles.register(path)
      return (fd, path, 0)
    }
    guard fd >= 0 else {
      throw RosterError(
        .output, file: destination,
        "cannot write here: \(systemErrorText(failure)); check the directory exists and is writable")
    }
    fchmod(fd, 0o644)
    descriptor = fd
    temporaryPath = path
    output = ByteOutput(descriptor: fd, displayName: destination)
  }

  deinit { abandon() }

  /// Flushes, syncs and renames the temporary file over the destination.
  public func commit() throws(RosterError) {
    guard !finished else { return }
    do {
      try output.flush()
    } catch {
      abandon()
      throw error
    }
    if fsync(descriptor) != 0 || close(descriptor) != 0 {
      let code = errno
      finished = true
      unlink(temporaryPath)
      TemporaryFiles.unregister(temporaryPath)
      throw RosterError(.output, file: destination, "write failed: \(systemErrorText(code))")
    }
    finished = true
    if rename(temporaryPath, destination) != 0 {
      let code = errno
      unlink(temporaryPath)
      TemporaryFiles.unregister(temporaryPath)
      throw RosterError(.output, file: destination, "cannot replace the file: \(systemErrorText(code))")
    }
    TemporaryFiles.unregister(temporaryPath)
  }

  /// Removes the temporary file; the destination is left as it was.
  public func abandon() {
    guard !finished else { return }
    finished = true
    close(descriptor)
    unlink(temporaryPath)
    TemporaryFiles.unregister(temporaryPath)
  }
}

/// Temporary paths to remove if a signal ends the process, kept in C memory a handler can read.
public enum TemporaryFiles {
  private static let capacity = 16
  nonisolated(unsafe) private static let slots = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>
    .allocate(capacity: capacity)
  nonisolated(unsafe) private static var installed = false

  /// Installs SIGINT, SIGTERM and SIGHUP handlers that remove registered files, say so on standard
  /// error and exit with code 2 (the run could not go on: one documented code for every stop, so a
  /// pipeline that checks for 2 sees Ctrl-C too); and ignores SIGXFSZ so that a file size limit is an
  /// ordinary write error.
  /// Call once, early, from the main thread.
  public static func installSignalHandlers() {
    guard !installed else { return }
    installed = true
    slots.initialize(repeating: nil, count: capacity)
    // A parent may start us with these signals blocked; they must reach the handler.
    var handled = sigset_t()
    sigemptyset(&handled)
    for signalNumber in [SIGINT, SIGTERM, SIGHUP] { sigaddset(&handled, signalNumber) }
    sigprocmask(SIG_UNBLOCK, &handled, nil)
    // Over a file size limit, let write(2) fail with EFBIG (reported, exit 2) instead of killing us.
    signal(SIGXFSZ, SIG_IGN)
    for signalNumber in [SIGINT, SIGTERM, SIGHUP] {
      signal(signalNumber) { received in
        for slot in 0..<TemporaryFiles.capacity {
          if let path = TemporaryFiles.slots[slot] { unlink(path) }
        }
        // Only async-signal-safe calls here: write(2) of constant text, then _exit.
        let message: StaticString =
          switch received {
          case SIGINT: "roster: interrupted (SIGINT); output files were left as they were\n"
          case SIGTERM: "roster: terminated (SIGTERM); output files were left as they were\n"
          default: "roster: hung up (SIGHUP); output files were left as they were\n"
          }
        _ = write(2, message.utf8Start, message.utf8CodeUnitCount)
        _exit(2)
      }
    }
  }

  /// Runs `body` with SIGINT, SIGTERM and SIGHUP held back on this thread (Roster runs on one), so a
  /// file that `body` creates and registers cannot be left behind by a signal arriving in between: a
  /// held signal is delivered when `body` returns, and its handler then removes the registered file.
  public static func withSignalsHeld<Result, Failure: Error>(_ body: () throws(Failure) -> Result) throws(Failure)
    -> Result
  {
    var held = sigset_t()
    sigemptyset(&held)
    for signalNumber in [SIGINT, SIGTERM, SIGHUP] { sigaddset(&held, signalNumber) }
    var previous = sigset_t()
    pthread_sigmask(SIG_BLOCK, &held, &previous)
    defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
    return try body()
  }

  static func register(_ path: String) {
    guard installed else { return }
    for slot in 0..<capacity where slots[slot] == nil {
      slots[slot] = strdup(path)
      return
    }
  }

  static func unregister(_ path: String) {
    guard installed else { return }
    for slot in 0..<capacity {
      if let stored = slots[slot], String(cString: stored) == path {
        slots[slot] = nil
        free(stored)
      }
    }
  }
}
