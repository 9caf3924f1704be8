import RosterCore
import RosterFormats

/// A byte source that makes its bytes as they are read: `prefix`, then `count` copies of `fill`, then
/// `suffix`. It holds nothing but those, so a reader fed a gigabyte from it shows its own memory use.
struct GeneratedSource: ByteSource {
  let prefix: [UInt8]
  let fill: UInt8
  let count: Int
  let suffix: [UInt8]
  private var offset = 0

  init(prefix: [UInt8], fill: UInt8, count: Int, suffix: [UInt8]) {
    self.prefix = prefix
    self.fill = fill
    self.count = count
    self.suffix = suffix
  }

  mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws(RosterError) -> Int {
    let total = prefix.count + count + suffix.count
    var written = 0
    while written < buffer.count && offset < total {
      if offset < prefix.count {
        buffer[written] = prefix[offset]
        written += 1
        offset += 1
      } else if offset < prefix.count + count {
        let run = min(buffer.count - written, prefix.count + count - offset)
        UnsafeMutableRawBufferPointer(rebasing: buffer[written..<written + run]).initializeMemory(
          as: UInt8.self, repeating: fill)
        written += run
        offset += run
      } else {
        buffer[written] = suffix[offset - prefix.count - count]
        written += 1
        offset += 1
      }
    }
    return written
  }
}
