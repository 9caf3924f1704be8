public import RosterCore

#if canImport(Glibc)
  import Glibc
#endif

/// A buffered writer to a file descriptor: bytes gather in one reused 64 KiB buffer.
public final class ByteOutput {
  /// The name used in messages.
  public let displayName: String
  private let descriptor: Int32
  private var pending: [UInt8] = []
  /// Bytes gathered before a write to the descriptor; never reached in memory.
  private let flushThreshold: Int

  /// Writes to `descriptor`, which the caller keeps open until after `flush`.
  public init(descriptor: Int32, displayName: String) {
    self.descriptor = descriptor
    self.displayName = displayName
    flushThreshold = 1 << 16
    pending.reserveCapacity(flushThreshold + 4096)
  }

  /// Gathers bytes in memory (for small pieces such as one JSON object) until `takeBytes`.
  public init(inMemory displayName: String) {
    descriptor = -1
    self.displayName = displayName
    flushThreshold = Int.max
  }

  /// The bytes gathered in memory, leaving the output empty.
  public func takeBytes() -> [UInt8] {
    defer { pending.removeAll(keepingCapacity: true) }
    return pending
  }

  public static func standardOutput() -> ByteOutput { ByteOutput(descriptor: 1, displayName: "<stdout>") }
  public static func standardError() -> ByteOutput { ByteOutput(descriptor: 2, displayName: "<stderr>") }

  @inline(__always)
  public func write(byte: UInt8) throws(RosterError) {
    pending.append(byte)
    if pending.count >= flushThreshold { try flush() }
  }

  public func write(_ bytes: UnsafeBufferPointer<UInt8>) throws(RosterError) {
    pending.append(contentsOf: bytes)
    if pending.count >= flushThreshold { try flush() }
  }

  public func write(_ text: String) throws(RosterError) {
    pending.append(contentsOf: text.utf8)
    if pending.count >= flushThreshold { try flush() }
  }

  /// Appends `text` as a JSON string literal, quotes included.
  public func writeJSONString(_ text: String) throws(RosterError) {
    // One exclusive access to the buffer for the whole string, not one per byte.
    var out: [UInt8] = []
    swap(&out, &pending)
    out.append(UInt8(ascii: "\""))
    var text = text
    text.withUTF8 { utf8 in
      var runStart = 0
      for index in 0..<utf8.count {
        let byte = utf8[index]
        guard byte < 0x20 || byte == 0x22 || byte == 0x5C else { continue }
        out.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<index]))
        runStart = index + 1
        out.append(UInt8(ascii: "\\"))
        switch byte {
        case 0x22: out.append(0x22)
        case 0x5C: out.append(0x5C)
        case 0x0A: out.append(UInt8(ascii: "n"))
        case 0x0D: out.append(UInt8(ascii: "r"))
        case 0x09: out.append(UInt8(ascii: "t"))
        case 0x08: out.append(UInt8(ascii: "b"))
        case 0x0C: out.append(UInt8(ascii: "f"))
        default:
          let hex: StaticString = "0123456789abcdef"
          out.append(contentsOf: [UInt8(ascii: "u"), 0x30, 0x30])
          out.append(hex.utf8Start[Int(byte >> 4)])
          out.append(hex.utf8Start[Int(byte & 0xF)])
        }
      }
      out.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart...]))
    }
    out.append(UInt8(ascii: "\""))
    swap(&out, &pending)
    if pending.count >= flushThreshold { try flush() }
  }

  /// Appends `strings` as a JSON array of string literals.
  public func writeJSONArray(_ strings: some Sequence<String>) throws(RosterError) {
    try write(byte: UInt8(ascii: "["))
    var first = true
    for string in strings {
      if !first { try write(byte: UInt8(ascii: ",")) }
      first = false
      try writeJSONString(string)
    }
    try write(byte: UInt8(ascii: "]"))
  }

  /// Appends `,"key":"value"` when there is a value (keys are written as given, unescaped).
  public func writeJSONMember(_ key: StaticString, _ value: String?) throws(RosterError) {
    guard let value else { return }
    try write(byte: UInt8(ascii: ","))
    try write(byte: UInt8(ascii: "\""))
    try write(UnsafeBufferPointer(start: key.utf8Start, count: key.utf8CodeUnitCount))
    try write("\":")
    try writeJSONString(value)
  }

  /// Writes everything buffered.
  ///
  /// - Throws: `RosterError` (output) when the system refuses the write (a full disk, a closed pipe).
  public func flush() throws(RosterError) {
    guard descriptor >= 0 else { return }
    var offset = 0
    let total = pending.count
    var failure: Int32 = 0
    pending.withUnsafeBytes { bytes in
      while offset < total {
        let written = Glibc.write(descriptor, bytes.baseAddress! + offset, total - offset)
        if written < 0 {
          if errno == EINTR { continue }
          failure = errno
          return
        }
        offset += written
      }
    }
    pending.removeAll(keepingCapacity: true)
    if failure != 0 {
      throw RosterError(.output, file: displayName, "write failed: \(systemErrorText(failure))")
    }
  }
}
