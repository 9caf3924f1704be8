import RosterCore
import RosterHTTP

extension HTTPSource: ByteSource {}

/// Copies every byte read from a stream that cannot be read twice (standard input, an HTTP body) to
/// an unlinked temporary file, so a second pass reads the copy instead.
///
/// A failure of the stream (a timeout, a body cut short) is remembered: the copy read back ends with
/// the same error, so a first pass that stopped quietly at it cannot make the second pass look complete.
final class SpoolingSource: ByteSource {
  private var upstream: any ByteSource
  /// Where the bytes go; nil once copying is turned off (the stream is copied elsewhere in full).
  var spool: SpoolFile?
  private var failure: RosterError?

  init(upstream: any ByteSource, spool: SpoolFile) {
    self.upstream = upstream
    self.spool = spool
  }

  func read(into buffer: UnsafeMutableRawBufferPointer) throws(RosterError) -> Int {
    let count: Int
    do {
      count = try upstream.read(into: buffer)
    } catch {
      failure = error
      throw error
    }
    if let spool, count > 0 {
      try spool.output.write(
        UnsafeBufferPointer(start: buffer.baseAddress?.assumingMemoryBound(to: UInt8.self), count: count))
    }
    return count
  }

  /// The copied bytes from the start, under `displayName`, ending with the stream's failure if it failed.
  func replay(displayName: String) throws(RosterError) -> any ByteSource {
    guard let spool else { throw RosterError(.usage, file: displayName, "the input was not copied") }
    return ReplayedSource(base: try InputFile(spool: spool, displayName: displayName), failure: failure)
  }
}

/// A spooled copy read back, throwing at its end the error that cut the original stream short.
private final class ReplayedSource: ByteSource {
  private let base: InputFile
  private let failure: RosterError?

  init(base: InputFile, failure: RosterError?) {
    self.base = base
    self.failure = failure
  }

  func read(into buffer: UnsafeMutableRawBufferPointer) throws(RosterError) -> Int {
    let count = try base.read(into: buffer)
    if count == 0, let failure { throw failure }
    return count
  }
}

extension SpoolFile {
  /// Copies all of `source` into this spool, for a reader that needs random access (a workbook).
  func fill(from source: some ByteSource) throws(RosterError) {
    var source = source
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 16)
    defer { buffer.deallocate() }
    while true {
      let count = try source.read(into: buffer)
      if count == 0 { break }
      try output.write(
        UnsafeBufferPointer(start: buffer.baseAddress?.assumingMemoryBound(to: UInt8.self), count: count))
    }
    try output.flush()
  }
}
