#if canImport(Glibc)
  import Glibc
#endif

/// The fuzzer's input split into a few leading control bytes (options) and the rest (the document).
///
/// Control bytes let one target try every layout, chunk size and delimiter without a corpus per
/// option; a short input reads zeros for the options it lacks.
public struct FuzzInput {
  private let bytes: UnsafeBufferPointer<UInt8>
  private var cursor = 0

  /// Wraps libFuzzer's `data` and `size`.
  public init(_ data: UnsafePointer<UInt8>?, _ size: Int) {
    bytes = UnsafeBufferPointer(start: data, count: data == nil ? 0 : size)
  }

  /// The next control byte, or 0 when the input is used up.
  public mutating func takeByte() -> UInt8 {
    guard cursor < bytes.count else { return 0 }
    defer { cursor += 1 }
    return bytes[cursor]
  }

  /// Everything not taken as a control byte.
  public var rest: [UInt8] { Array(bytes[cursor...]) }

  /// The whole input, control bytes included.
  public var all: [UInt8] { Array(bytes) }
}

/// Stops the fuzzer with `message`: libFuzzer then saves the input that led here as a crash.
public func fuzzFailure(_ message: String) -> Never {
  let line = Array("fuzz invariant failed: \(message)\n".utf8)
  _ = line.withUnsafeBytes { Glibc.write(2, $0.baseAddress, $0.count) }
  abort()
}

/// A file in the temporary directory that one fuzz process rewrites for every input (for readers
/// that need a path). The name holds the process id so parallel runs do not collide.
public final class FuzzScratchFile {
  /// The file's path.
  public let path: String

  /// A scratch path named `roster-fuzz-<pid>-<name>` in `$TMPDIR` (or /tmp).
  public init(name: String) {
    let directory = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
    path = "\(directory)/roster-fuzz-\(getpid())-\(name)"
  }

  /// Replaces the file's contents with `bytes`.
  public func write(_ bytes: [UInt8]) {
    let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
    guard descriptor >= 0 else { fuzzFailure("cannot write \(path): errno \(errno)") }
    defer { close(descriptor) }
    var offset = 0
    while offset < bytes.count {
      let written = bytes.withUnsafeBytes { all in
        Glibc.write(descriptor, all.baseAddress! + offset, all.count - offset)
      }
      guard written > 0 else { fuzzFailure("cannot write \(path): errno \(errno)") }
      offset += written
    }
  }

  /// The file's contents (for outputs a run wrote).
  public func read() -> [UInt8] {
    let descriptor = open(path, O_RDONLY | O_CLOEXEC)
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

  /// Deletes the file if it exists.
  public func remove() { unlink(path) }
}

/// A chunk size for `MemorySource` from one control byte: whole input, or small reads that cut
/// tokens and records across buffer boundaries.
public func chunkSize(from control: UInt8) -> Int {
  switch control % 4 {
  case 0: .max
  case 1: 1
  case 2: 7
  default: 64
  }
}
