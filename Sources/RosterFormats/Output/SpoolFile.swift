internal import CFileSpace
import RosterCore

#if canImport(Glibc)
  import Glibc
#endif

/// An anonymous temporary file (already unlinked) that holds report sections until the end of the run,
/// so the report streams in constant memory whatever the number of rows.
final class SpoolFile {
  let output: ByteOutput
  private let descriptor: Int32

  init() throws(RosterError) {
    let directory = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
    var template = Array((directory + "/roster-spool-XXXXXX").utf8CString)
    let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
    guard fd >= 0 else {
      throw RosterError(.output, file: directory, "cannot create a temporary file: \(systemErrorText(errno))")
    }
    unlink(template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) })
    descriptor = fd
    output = ByteOutput(descriptor: fd, displayName: "temporary report spool")
  }

  deinit { close(descriptor) }

  /// Whether `readNext` gives the bytes it has read back to the system as it goes (see
  /// `releaseRead`): for a spool read once, from its start, after `rewindForReading`.
  var releasesReadBytes = false
  /// How far `readNext` has read since `rewindForReading`.
  private var readOffset = 0
  /// Bytes before this offset were given back (`releaseRead`).
  private var releasedOffset = 0
  /// Give read bytes back in steps of this many (a multiple of the page size).
  private static var releaseStep: Int { 8 << 20 }

  /// The descriptor, for reading the spool back as an input.
  var fileDescriptor: Int32 { descriptor }

  /// Flushes what was written and moves to the start, for `readChunk`.
  func rewindForReading() throws(RosterError) {
    try output.flush()
    guard lseek(descriptor, 0, SEEK_SET) == 0 else {
      throw RosterError(.output, "cannot read back a temporary file: \(systemErrorText(errno))")
    }
    readOffset = 0
    releasedOffset = 0
  }

  /// The next bytes after `rewindForReading`, empty at the end.
  func readChunk() throws(RosterError) -> [UInt8] {
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    let count = try chunk.withUnsafeMutableBufferPointer { bytes throws(RosterError) in
      try readNext(into: UnsafeMutableRawBufferPointer(bytes))
    }
    chunk.removeLast(chunk.count - count)
    return chunk
  }

  /// Reads the next bytes after `rewindForReading` into `buffer`; how many (0 at the end).
  func readNext(into buffer: UnsafeMutableRawBufferPointer) throws(RosterError) -> Int {
    while true {
      let count = Glibc.read(descriptor, buffer.baseAddress, buffer.count)
      if count < 0 && errno == EINTR { continue }
      guard count >= 0 else {
        throw RosterError(.output, "cannot read back a temporary file: \(systemErrorText(errno))")
      }
      readOffset += count
      if releasesReadBytes && readOffset - releasedOffset >= Self.releaseStep { releaseRead() }
      return count
    }
  }

  /// Frees the file's storage before the read position (a hole punched in the file, its size kept),
  /// so the pages the spool held in the page cache go back to the system while the run still writes
  /// its output, instead of at the end. A spool of the first pass's rows is about the size of the
  /// output: without this a run holds both at once. A file system that cannot punch holes keeps the
  /// bytes until the file is closed, as before: nothing depends on the call succeeding.
  private func releaseRead() {
    let end = readOffset & ~(Self.releaseStep - 1)
    guard end > releasedOffset else { return }
    if roster_punch_hole(descriptor, off_t(releasedOffset), off_t(end - releasedOffset)) == 0 {
      releasedOffset = end
    } else {
      releasesReadBytes = false
    }
  }

  /// The bytes in `range` of what was written (after a flush).
  func read(_ range: Range<Int>) throws(RosterError) -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: range.count)
    var done = 0
    while done < range.count {
      let count = bytes.withUnsafeMutableBytes {
        pread(descriptor, $0.baseAddress! + done, range.count - done, off_t(range.lowerBound + done))
      }
      if count < 0 && errno == EINTR { continue }
      guard count > 0 else {
        throw RosterError(.output, "cannot read back a temporary file: \(systemErrorText(errno))")
      }
      done += count
    }
    return bytes
  }

  /// Reads `buffer.count` bytes at `offset` into `buffer`, fewer only at the end of the file, without
  /// moving the position `readChunk` reads from; returns how many were read.
  func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) throws(RosterError) -> Int {
    var done = 0
    while done < buffer.count {
      let read = pread(descriptor, buffer.baseAddress! + done, buffer.count - done, off_t(offset + done))
      if read < 0 && errno == EINTR { continue }
      guard read >= 0 else {
        throw RosterError(.output, "cannot read back a temporary file: \(systemErrorText(errno))")
      }
      if read == 0 { break }
      done += read
    }
    return done
  }

  /// Copies everything written so far to `destination`.
  func copy(to destination: ByteOutput) throws(RosterError) {
    try output.flush()
    guard lseek(descriptor, 0, SEEK_SET) == 0 else {
      throw RosterError(.output, "cannot read back the report spool: \(systemErrorText(errno))")
    }
    let chunk = UnsafeMutablePointer<UInt8>.allocate(capacity: 1 << 16)
    defer { chunk.deallocate() }
    while true {
      let count = Glibc.read(descriptor, chunk, 1 << 16)
      if count < 0 && errno == EINTR { continue }
      guard count >= 0 else {
        throw RosterError(.output, "cannot read back the report spool: \(systemErrorText(errno))")
      }
      if count == 0 { return }
      try destination.write(UnsafeBufferPointer(start: chunk, count: count))
    }
  }
}
