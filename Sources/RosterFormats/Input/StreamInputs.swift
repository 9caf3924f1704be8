import RosterCore
import RosterHTTP

extension HTTPSource: ByteSource {}

extension SpoolFile {
  /// Copies all of `source` into this spool, for a reader that needs random access (a workbook that
  /// came on standard input, over HTTP or in a data URL).
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
