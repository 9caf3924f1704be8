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

  /// Copies everything written so far to `destination`.
  func copy(to destination: ByteOutput) throws(RosterError) {
    try output.flush()
    guard lseek(descriptor, 0, SEEK_SET) == 0 else {
      throw RosterError(.output, "cannot read back the report spool: \(systemErrorText(errno))")
    }
    let chunk = UnsafeMutablePointer<UInt8>.allocate(capacity: 1 << 16)
    defer { chunk.deallocate() }
    while true {
      let count = read(descriptor, chunk, 1 << 16)
      if count < 0 && errno == EINTR { continue }
      guard count >= 0 else {
        throw RosterError(.output, "cannot read back the report spool: \(systemErrorText(errno))")
      }
      if count == 0 { return }
      try destination.write(UnsafeBufferPointer(start: chunk, count: count))
    }
  }
}
