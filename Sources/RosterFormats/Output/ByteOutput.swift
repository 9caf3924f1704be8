public import RosterCore

#if canImport(Glibc)
  import Glibc
#endif

/// A buffered writer to a file descriptor: bytes gather in one reused 64 KiB buffer.
///
/// Writers that put out many small pieces per row (a JSON object) gather them with `append`, in one
/// access to the buffer for the whole row.
public final class ByteOutput {
  /// The name used in messages.
  public let displayName: String
  private let descriptor: Int32
  // Written for every value of every row, from one thread at a time: no dynamic exclusivity checks.
  @exclusivity(unchecked) private var pending: OutputBuffer
  /// Bytes gathered before a write to the descriptor; never reached in memory.
  private let flushThreshold: Int

  /// Writes to `descriptor`, which the caller keeps open until after `flush`.
  public init(descriptor: Int32, displayName: String) {
    self.descriptor = descriptor
    self.displayName = displayName
    flushThreshold = 1 << 16
    pending = OutputBuffer(capacity: flushThreshold + 4096)
  }

  /// Gathers bytes in memory (for small pieces such as one JSON object) until `takeBytes`.
  public init(inMemory displayName: String) {
    descriptor = -1
    self.displayName = displayName
    flushThreshold = Int.max
    pending = OutputBuffer(capacity: 256)
  }

  deinit { pending.deallocate() }

  /// The bytes gathered in memory, leaving the output empty.
  public func takeBytes() -> [UInt8] {
    defer { pending.removeAll() }
    return pending.bytes
  }

  public static func standardOutput() -> ByteOutput { ByteOutput(descriptor: 1, displayName: "<stdout>") }
  public static func standardError() -> ByteOutput { ByteOutput(descriptor: 2, displayName: "<stderr>") }

  /// Appends through `body`, which gets the buffer for as long as it runs (one exclusive access for
  /// all its pieces), then flushes when the buffer is past the threshold.
  @inline(__always)
  func append(_ body: (inout OutputBuffer) -> Void) throws(RosterError) {
    body(&pending)
    if pending.count >= flushThreshold { try flush() }
  }

  @inline(__always)
  public func write(byte: UInt8) throws(RosterError) {
    try append { $0.append(byte) }
  }

  @inline(__always)
  public func write(_ bytes: UnsafeBufferPointer<UInt8>) throws(RosterError) {
    // A block of at least half a buffer goes to the descriptor from where it is (after what is
    // buffered): copying it into the buffer first would only move it once more. (An output in memory
    // has no threshold: everything is buffered.)
    guard bytes.count >= flushThreshold >> 1 else { return try append { $0.append(bytes) } }
    try writeUnbuffered(bytes)
  }

  /// `write` for a large block: what is buffered, then the block itself.
  private func writeUnbuffered(_ bytes: UnsafeBufferPointer<UInt8>) throws(RosterError) {
    try flush()
    guard let start = bytes.baseAddress else { return }
    try writeAll(start, count: bytes.count)
  }

  public func write(_ text: String) throws(RosterError) {
    try append { $0.append(text) }
  }

  /// Appends `text` as a JSON string literal, quotes included.
  public func writeJSONString(_ text: String) throws(RosterError) {
    try append { $0.appendJSONString(text) }
  }

  /// Appends `strings` as a JSON array of string literals.
  public func writeJSONArray(_ strings: some Sequence<String>) throws(RosterError) {
    try append { out in
      out.append(UInt8(ascii: "["))
      var first = true
      for string in strings {
        if !first { out.append(UInt8(ascii: ",")) }
        first = false
        out.appendJSONString(string)
      }
      out.append(UInt8(ascii: "]"))
    }
  }

  /// Appends `,"key":"value"` when there is a value (keys are written as given, unescaped).
  public func writeJSONMember(_ key: StaticString, _ value: String?) throws(RosterError) {
    guard let value else { return }
    try append { $0.appendJSONMember(key, value) }
  }

  /// Writes everything buffered.
  ///
  /// - Throws: `RosterError` (output) when the system refuses the write (a full disk, a closed pipe).
  public func flush() throws(RosterError) {
    guard descriptor >= 0 else { return }
    defer { pending.removeAll() }
    try writeAll(pending.base, count: pending.count)
  }

  /// Writes `count` bytes from `base` to the descriptor, however many calls it takes.
  private func writeAll(_ base: UnsafePointer<UInt8>, count total: Int) throws(RosterError) {
    var offset = 0
    while offset < total {
      let written = Glibc.write(descriptor, base + offset, total - offset)
      if written < 0 {
        if errno == EINTR { continue }
        throw RosterError(.output, file: displayName, "write failed: \(systemErrorText(errno))")
      }
      offset += written
    }
  }
}

/// The bytes a `ByteOutput` has gathered: a growable buffer that the writers fill without a check per
/// byte. Its memory belongs to the one `ByteOutput` that holds it (`deallocate`).
struct OutputBuffer {
  private(set) var base: UnsafeMutablePointer<UInt8>
  private(set) var count = 0
  private var capacity: Int

  init(capacity: Int) {
    self.capacity = max(capacity, 16)
    base = .allocate(capacity: self.capacity)
  }

  /// A copy of the bytes.
  var bytes: [UInt8] { Array(UnsafeBufferPointer(start: base, count: count)) }

  mutating func removeAll() { count = 0 }

  func deallocate() { base.deallocate() }

  /// Makes room for `extra` more bytes.
  @inline(__always)
  mutating func reserve(_ extra: Int) {
    if count + extra > capacity { grow(toHold: count + extra) }
  }

  private mutating func grow(toHold needed: Int) {
    var newCapacity = capacity * 2
    while newCapacity < needed { newCapacity *= 2 }
    let newBase = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
    newBase.update(from: base, count: count)
    base.deallocate()
    base = newBase
    capacity = newCapacity
  }

  @inline(__always)
  mutating func append(_ byte: UInt8) {
    reserve(1)
    base[count] = byte
    count += 1
  }

  @inline(__always)
  mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
    guard let source = bytes.baseAddress, bytes.count > 0 else { return }
    reserve(bytes.count)
    (base + count).update(from: source, count: bytes.count)
    count += bytes.count
  }

  @inline(__always)
  mutating func append(_ text: StaticString) {
    append(UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
  }

  mutating func append(_ text: String) {
    Self.withUTF8(of: text) { append($0) }
  }

  /// Appends `,"key":"value"` (the key as given, unescaped).
  mutating func appendJSONMember(_ key: StaticString, _ value: String) {
    append(UInt8(ascii: ","))
    append(UInt8(ascii: "\""))
    append(key)
    append(UInt8(ascii: "\""))
    append(UInt8(ascii: ":"))
    appendJSONString(value)
  }

  /// Appends `text` as a JSON string literal, quotes included: `"`, `\` and control characters are
  /// escaped (`\n`, `\u001f`), everything else is copied as it is.
  mutating func appendJSONString(_ text: String) {
    Self.withUTF8(of: text) { appendJSONString(utf8: $0) }
  }

  /// Appends `text` as an RFC 4180 field: in quotes, with its quotes doubled, when it holds a comma, a
  /// quote, CR or LF, or starts or ends with a space; as it is otherwise.
  mutating func appendCSVField(_ text: String) {
    Self.withUTF8(of: text) { appendCSVField(utf8: $0) }
  }

  mutating func appendCSVField(utf8: UnsafeBufferPointer<UInt8>) {
    var needsQuotes = utf8.first == 0x20 || utf8.last == 0x20
    var quotes = 0
    for byte in utf8 {
      if byte == 0x22 {
        quotes += 1
        needsQuotes = true
      } else if byte == 0x2C || byte == 0x0A || byte == 0x0D {
        needsQuotes = true
      }
    }
    guard needsQuotes else { return append(utf8) }
    reserve(utf8.count + quotes + 2)
    base[count] = 0x22
    count += 1
    for byte in utf8 {
      base[count] = byte
      count += 1
      if byte == 0x22 {
        base[count] = 0x22
        count += 1
      }
    }
    base[count] = 0x22
    count += 1
  }

  private mutating func appendJSONString(utf8: UnsafeBufferPointer<UInt8>) {
    let length = utf8.count
    reserve(length + 2)
    base[count] = UInt8(ascii: "\"")
    count += 1
    var runStart = 0
    var index = Self.firstEscaped(in: utf8, from: 0)
    while index < length {
      let byte = utf8[index]
      append(UnsafeBufferPointer(rebasing: utf8[runStart..<index]))
      index += 1
      runStart = index
      // Room for this escape and the rest of the string with its closing quote.
      reserve(6 + length - index + 1)
      base[count] = UInt8(ascii: "\\")
      count += 1
      switch byte {
      case 0x22, 0x5C:
        base[count] = byte
      case 0x0A: base[count] = UInt8(ascii: "n")
      case 0x0D: base[count] = UInt8(ascii: "r")
      case 0x09: base[count] = UInt8(ascii: "t")
      case 0x08: base[count] = UInt8(ascii: "b")
      case 0x0C: base[count] = UInt8(ascii: "f")
      default:
        let hex: StaticString = "0123456789abcdef"
        base[count] = UInt8(ascii: "u")
        base[count + 1] = 0x30
        base[count + 2] = 0x30
        base[count + 3] = hex.utf8Start[Int(byte >> 4)]
        base[count + 4] = hex.utf8Start[Int(byte & 0xF)]
        count += 4
      }
      count += 1
      index = Self.firstEscaped(in: utf8, from: index)
    }
    let rest = length - runStart
    if rest > 0 {
      (base + count).update(from: utf8.baseAddress! + runStart, count: rest)
      count += rest
    }
    base[count] = UInt8(ascii: "\"")
    count += 1
  }

  /// The index of the first byte from `start` that a JSON string must escape (`"`, `\`, or below
  /// 0x20), or `bytes.count`. Eight bytes at a time while none of them is one.
  @inline(__always)
  private static func firstEscaped(in bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
    let count = bytes.count
    var index = start
    guard let base = bytes.baseAddress else { return count }
    let ones: UInt64 = 0x0101_0101_0101_0101
    let highs: UInt64 = 0x8080_8080_8080_8080
    while index + 8 <= count {
      let word = UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)
      // A byte below 0x20, or equal to 0x22 or 0x5C (equal: zero after the exclusive or), sets its
      // high bit here; a word without any of them leaves every high bit clear.
      let quotes = word ^ (ones &* 0x22)
      let backslashes = word ^ (ones &* 0x5C)
      let below = (word &- ones &* 0x20) | (quotes &- ones) | (backslashes &- ones)
      if below & ~word & highs != 0 { break }
      index += 8
    }
    while index < count {
      let byte = bytes[index]
      if byte < 0x20 || byte == 0x22 || byte == 0x5C { return index }
      index += 1
    }
    return count
  }

  /// Runs `body` on the UTF-8 of `text`, without copying it when the string is stored as UTF-8.
  @inline(__always)
  private static func withUTF8(of text: String, _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
    if text.utf8.withContiguousStorageIfAvailable(body) == nil {
      var copy = text
      copy.withUTF8(body)
    }
  }
}
