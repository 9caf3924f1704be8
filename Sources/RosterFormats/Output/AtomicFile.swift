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
    let fd = template.withUnsafeMutableBufferPointer { mkstemps($0.baseAddress!, 11) }
    guard fd >= 0 else {
      throw RosterError(
        .output, file: destination,
        "cannot write here: \(systemErrorText(errno)); check the directory exists and is writable")
    }
    fchmod(fd, 0o644)
    descriptor = fd
    temporaryPath = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    output = ByteOutput(descriptor: fd, displayName: destination)
    TemporaryFiles.register(temporaryPath)
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

  /// Installs SIGINT, SIGTERM and SIGHUP handlers that remove registered files and exit with 128 + signal,
  /// and ignores SIGXFSZ so that a file size limit is an ordinary write error.
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
        _exit(128 + received)
      }
    }
  }

  /// Runs `body` with SIGINT, SIGTERM and SIGHUP held back, so a file it creates and registers
  /// cannot be left behind by a signal that arrives in between; a held signal is handled after it.
  static func holdingSignals<T>(_ body: () throws(RosterError) -> T) throws(RosterError) -> T {
    var held = sigset_t()
    var previous = sigset_t()
    sigemptyset(&held)
    for signalNumber in [SIGINT, SIGTERM, SIGHUP] { sigaddset(&held, signalNumber) }
    sigprocmask(SIG_BLOCK, &held, &previous)
    defer { sigprocmask(SIG_SETMASK, &previous, nil) }
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
