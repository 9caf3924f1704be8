public import RosterCore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Something that fills a buffer with the next bytes of an input, like `read(2)`.
public protocol ByteSource {
  /// Reads up to `buffer.count` bytes; returns 0 only at the end of the input.
  mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws(RosterError) -> Int
}

/// An input file (or standard input) read through its file descriptor, never loaded whole.
public final class InputFile: ByteSource {
  /// The name used in messages: the path, or `<stdin>`.
  public let displayName: String
  /// The size in bytes when known (a regular file), for progress.
  public let size: Int?
  private let descriptor: Int32
  private let ownsDescriptor: Bool
  private let keepAlive: AnyObject?

  /// Opens `path` for reading; `-` means standard input.
  public init(path: String) throws(RosterError) {
    keepAlive = nil
    if path == "-" {
      displayName = "<stdin>"
      descriptor = 0
      ownsDescriptor = false
    } else {
      displayName = path
      let fd = open(path, O_RDONLY | O_CLOEXEC)
      guard fd >= 0 else {
        throw RosterError(.input, file: path, "cannot open: \(systemErrorText(errno))")
      }
      descriptor = fd
      ownsDescriptor = true
    }
    var info = stat()
    if fstat(descriptor, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG {
      size = Int(info.st_size)
    } else if fstat(descriptor, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR {
      if ownsDescriptor { close(descriptor) }
      throw RosterError(.input, file: path, "is a directory, not a file")
    } else {
      size = nil
    }
  }

  /// Reads back what a spool holds, under the original input's name.
  init(spool: SpoolFile, displayName: String) throws(RosterError) {
    try spool.rewindForReading()
    self.displayName = displayName
    descriptor = spool.fileDescriptor
    ownsDescriptor = false
    size = nil
    keepAlive = spool
  }

  deinit {
    if ownsDescriptor { close(descriptor) }
  }

  public func read(into buffer: UnsafeMutableRawBufferPointer) throws(RosterError) -> Int {
    while true {
      let count = Glibc.read(descriptor, buffer.baseAddress, buffer.count)
      if count >= 0 { return count }
      if errno == EINTR { continue }
      throw RosterError(.input, file: displayName, "read failed: \(systemErrorText(errno))")
    }
  }
}

/// A byte source over bytes in memory (tests, small inputs).
///
/// `chunkSize` caps each read, to exercise readers across buffer boundaries.
public struct MemorySource: ByteSource {
  private let bytes: [UInt8]
  private let chunkSize: Int
  private var offset = 0

  public init(_ bytes: some Sequence<UInt8>, chunkSize: Int = .max) {
    self.bytes = Array(bytes)
    self.chunkSize = max(1, chunkSize)
  }

  public mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws(RosterError) -> Int {
    let count = min(buffer.count, bytes.count - offset, chunkSize)
    bytes.withUnsafeBytes { all in
      buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: all[offset..<offset + count]))
    }
    offset += count
    return count
  }
}

/// `strerror` as a Swift string.
func systemErrorText(_ code: Int32) -> String {
  String(cString: strerror(code))
}
