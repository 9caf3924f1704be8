#if canImport(Glibc)
  import Glibc
#endif

/// The fuzzer's input split into a few leading control bytes (options) and the rest (the document).
///
/// Control bytes let one target try every layout, chunk size and delimiter without a corpus per
/// option; a short input reads zeros for the options it lacks.
struct FuzzInput {
  private let bytes: [UInt8]
  private var cursor = 0

  init(_ bytes: [UInt8]) { self.bytes = bytes }

  /// The next control byte, or 0 when the input is used up.
  mutating func takeByte() -> UInt8 {
    guard cursor < bytes.count else { return 0 }
    defer { cursor += 1 }
    return bytes[cursor]
  }

  /// Everything not taken as a control byte.
  var rest: [UInt8] { Array(bytes[cursor...]) }
}

/// Files in the temporary directory that a harness rewrites for every input (for readers and jobs
/// that need paths). Names hold the process id and a random tag, so parallel runs never collide.
public final class FuzzScratch {
  private let prefix: String

  /// Scratch files named `roster-fuzz-<pid>-<tag>-*` in `$TMPDIR` (or /tmp).
  public init() {
    let directory = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
    prefix = "\(directory)/roster-fuzz-\(getpid())-\(UInt32.random(in: 0...UInt32.max))-"
  }

  /// The path of the scratch file called `name`.
  func path(_ name: String) -> String { prefix + name }

  /// Replaces the contents of the scratch file `name` with `bytes`; returns its path.
  func write(_ name: String, _ bytes: [UInt8]) throws(FuzzFailure) -> String {
    let path = path(name)
    let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
    guard descriptor >= 0 else { throw FuzzFailure("cannot write \(path): errno \(errno)") }
    defer { close(descriptor) }
    var offset = 0
    while offset < bytes.count {
      let written = bytes.withUnsafeBytes { all in
        Glibc.write(descriptor, all.baseAddress! + offset, all.count - offset)
      }
      guard written > 0 else { throw FuzzFailure("cannot write \(path): errno \(errno)") }
      offset += written
    }
    return path
  }

  /// The contents of the scratch file `name` (empty when missing).
  func read(_ name: String) -> [UInt8] {
    let descriptor = open(path(name), O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else { return [] }
    defer { close(descriptor) }
    var result: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
      let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
      if count <= 0 { return result }
      result += chunk[0..<count]
    }
  }

  /// Deletes the scratch file `name` if it exists.
  func remove(_ name: String) { unlink(path(name)) }

  /// Deletes every scratch file a harness may have made.
  public func removeAll() {
    for name in FuzzHarness.scratchNames { remove(name) }
  }
}

/// A chunk size for `MemorySource` from one control byte: whole input, or small reads that cut
/// tokens and records across buffer boundaries.
func chunkSize(from control: UInt8) -> Int {
  switch control % 4 {
  case 0: .max
  case 1: 1
  case 2: 7
  default: 64
  }
}
