internal import CSHA1Hardware

/// SHA-1 (FIPS 180-4), used only to derive name-based UUIDs (RFC 9562 version 5), fingerprints and
/// duplicate digests, not for security.
///
/// A value is a running hash that lives on the stack: `append` bytes, then `finish`. Nothing is
/// allocated on the heap, so hashing a short key costs the compressions and little else. Blocks are
/// compressed by the CPU's SHA instructions when it has them (`CSHA1Hardware`), else in Swift.
struct SHA1: Sendable {
  /// Five 32-bit words: the state between blocks, and the digest (big-endian words) at the end.
  typealias Words = (UInt32, UInt32, UInt32, UInt32, UInt32)

  private var state: Words = (0x6745_2301, 0xEFCD_AB89, 0x98BA_DCFE, 0x1032_5476, 0xC3D2_E1F0)
  /// The 64-byte block being filled.
  private var block: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
  /// Bytes of `block` filled so far (0 to 63).
  private var blockCount = 0
  /// Bytes appended so far.
  private var messageLength: UInt64 = 0
  /// Whether blocks go to the CPU's SHA instructions; tests turn it off to check the Swift path.
  var usesHardware = SHA1.hardwareAvailable

  /// Whether this CPU has the SHA instructions `roster_sha1_compress_hardware` uses.
  static let hardwareAvailable = roster_sha1_hardware_available() == 1

  init() {}

  /// Hashes `byte` next.
  @inline(__always)
  mutating func append(_ byte: UInt8) {
    let at = blockCount
    withUnsafeMutableBytes(of: &block) { $0[at] = byte }
    messageLength &+= 1
    blockCount = at + 1
    if at == 63 { compressBlock() }
  }

  /// Hashes `bytes` next.
  mutating func append(_ bytes: UnsafeRawBufferPointer) {
    guard var source = bytes.baseAddress else { return }
    var remaining = bytes.count
    messageLength &+= UInt64(remaining)
    while remaining > 0 {
      let at = blockCount
      let take = min(64 - at, remaining)
      withUnsafeMutableBytes(of: &block) { ($0.baseAddress! + at).copyMemory(from: source, byteCount: take) }
      source += take
      remaining -= take
      blockCount = at + take
      if blockCount == 64 { compressBlock() }
    }
  }

  /// Hashes `bytes` next.
  mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
    append(UnsafeRawBufferPointer(bytes))
  }

  /// Hashes the UTF-8 of `text` next.
  mutating func append(utf8 text: String) {
    var text = text
    text.withUTF8 { append($0) }
  }

  /// The digest of everything appended: pads, compresses the last block(s) and returns the state.
  mutating func finish() -> Words {
    let bitLength = messageLength &* 8
    let at = blockCount
    withUnsafeMutableBytes(of: &block) { bytes in
      bytes[at] = 0x80
      for index in (at + 1)..<64 { bytes[index] = 0 }
    }
    if at >= 56 {
      compress()
      block = (0, 0, 0, 0, 0, 0, 0, 0)
    }
    block.7 = bitLength.bigEndian
    compress()
    blockCount = 0
    return state
  }

  /// The 20-byte digest of `message`.
  static func digest(_ message: [UInt8]) -> [UInt8] {
    var hasher = SHA1()
    message.withUnsafeBytes { hasher.append($0) }
    return bytes(of: hasher.finish())
  }

  /// The 20 bytes of a digest, in order.
  static func bytes(of digest: Words) -> [UInt8] {
    var bytes: [UInt8] = []
    bytes.reserveCapacity(20)
    for word in [digest.0, digest.1, digest.2, digest.3, digest.4] {
      bytes.append(UInt8(truncatingIfNeeded: word >> 24))
      bytes.append(UInt8(truncatingIfNeeded: word >> 16))
      bytes.append(UInt8(truncatingIfNeeded: word >> 8))
      bytes.append(UInt8(truncatingIfNeeded: word))
    }
    return bytes
  }

  private mutating func compressBlock() {
    compress()
    blockCount = 0
  }

  /// Compresses `block` into `state`.
  private mutating func compress() {
    if usesHardware {
      var words = block
      withUnsafeMutableBytes(of: &state) { state in
        withUnsafeBytes(of: &words) { block in
          roster_sha1_compress_hardware(
            state.baseAddress!.assumingMemoryBound(to: UInt32.self),
            block.baseAddress!.assumingMemoryBound(to: UInt8.self), 1)
        }
      }
      return
    }
    let previous = state
    state = withUnsafeBytes(of: &block) { Self.compress($0.baseAddress!, previous) }
  }

  /// One SHA-1 compression of the 64 bytes at `block` into `state`: plain loops over local words,
  /// the 80-word message schedule on the stack.
  private static func compress(_ block: UnsafeRawPointer, _ state: Words) -> Words {
    withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 80) { schedule -> Words in
      let words = schedule.baseAddress!
      for index in 0..<16 {
        words[index] = UInt32(bigEndian: block.loadUnaligned(fromByteOffset: 4 &* index, as: UInt32.self))
      }
      for index in 16..<80 {
        let mixed = words[index &- 3] ^ words[index &- 8] ^ words[index &- 14] ^ words[index &- 16]
        words[index] = mixed << 1 | mixed >> 31
      }
      var (a, b, c, d, e) = state
      for index in 0..<20 {
        let temp = (a << 5 | a >> 27) &+ ((b & c) | (~b & d)) &+ e &+ 0x5A82_7999 &+ words[index]
        (e, d, c, b, a) = (d, c, b << 30 | b >> 2, a, temp)
      }
      for index in 20..<40 {
        let temp = (a << 5 | a >> 27) &+ (b ^ c ^ d) &+ e &+ 0x6ED9_EBA1 &+ words[index]
        (e, d, c, b, a) = (d, c, b << 30 | b >> 2, a, temp)
      }
      for index in 40..<60 {
        let temp = (a << 5 | a >> 27) &+ ((b & c) | (b & d) | (c & d)) &+ e &+ 0x8F1B_BCDC &+ words[index]
        (e, d, c, b, a) = (d, c, b << 30 | b >> 2, a, temp)
      }
      for index in 60..<80 {
        let temp = (a << 5 | a >> 27) &+ (b ^ c ^ d) &+ e &+ 0xCA62_C1D6 &+ words[index]
        (e, d, c, b, a) = (d, c, b << 30 | b >> 2, a, temp)
      }
      return (state.0 &+ a, state.1 &+ b, state.2 &+ c, state.3 &+ d, state.4 &+ e)
    }
  }
}

/// A name-based UUID (RFC 9562, version 5): the same namespace and name always give the same UUID.
public struct NameBasedUUID: Hashable, Sendable, CustomStringConvertible {
  public let bytes: [UInt8]

  /// `namespace` must be 16 bytes.
  public init(namespace: [UInt8], name: some Sequence<UInt8>) {
    var hasher = SHA1()
    namespace.withUnsafeBytes { hasher.append($0) }
    for byte in name { hasher.append(byte) }
    var digest = Array(SHA1.bytes(of: hasher.finish()).prefix(16))
    digest[6] = (digest[6] & 0x0F) | 0x50
    digest[8] = (digest[8] & 0x3F) | 0x80
    bytes = digest
  }

  /// Writes the 16 bytes of the UUID whose name's hash is `hasher` (namespace and name appended) to
  /// `bytes`: what `text(hashing:)` spells.
  static func writeBytes(hashing hasher: SHA1, to bytes: UnsafeMutableRawPointer) {
    var hasher = hasher
    let digest = hasher.finish()
    bytes.storeBytes(of: digest.0.bigEndian, toByteOffset: 0, as: UInt32.self)
    bytes.storeBytes(of: (digest.1 & ~0xF000 | 0x5000).bigEndian, toByteOffset: 4, as: UInt32.self)
    bytes.storeBytes(of: (digest.2 & ~0xC000_0000 | 0x8000_0000).bigEndian, toByteOffset: 8, as: UInt32.self)
    bytes.storeBytes(of: digest.3.bigEndian, toByteOffset: 12, as: UInt32.self)
  }

  /// Lowercase hex in the 8-4-4-4-12 form.
  public var description: String { Self.text(of: bytes) }

  /// The 8-4-4-4-12 text of the UUID whose name's hash is `hasher` (namespace and name appended),
  /// written straight into the string: no byte arrays in between.
  static func text(hashing hasher: SHA1) -> String {
    var hasher = hasher
    let digest = hasher.finish()
    // The first 16 digest bytes with version 5 (byte 6) and the RFC 9562 variant (byte 8).
    let time = digest.1 & ~0xF000 | 0x5000
    let clock = digest.2 & ~0xC000_0000 | 0x8000_0000
    return String(unsafeUninitializedCapacity: 36) { out in
      writeText(digest.0, time, clock, digest.3, to: UnsafeMutableRawPointer(out.baseAddress!))
      return 36
    }
  }

  /// Writes the 36-byte 8-4-4-4-12 text of the UUID whose 16 bytes are the big-endian `words`.
  @inline(__always)
  private static func writeText(
    _ word0: UInt32, _ word1: UInt32, _ word2: UInt32, _ word3: UInt32, to text: UnsafeMutableRawPointer
  ) {
    let dash = UInt8(ascii: "-")
    text.storeBytes(of: hexDigits(of: word0).bigEndian, toByteOffset: 0, as: UInt64.self)
    text.storeBytes(of: dash, toByteOffset: 8, as: UInt8.self)
    let digits1 = hexDigits(of: word1)
    text.storeBytes(of: UInt32(truncatingIfNeeded: digits1 >> 32).bigEndian, toByteOffset: 9, as: UInt32.self)
    text.storeBytes(of: dash, toByteOffset: 13, as: UInt8.self)
    text.storeBytes(of: UInt32(truncatingIfNeeded: digits1).bigEndian, toByteOffset: 14, as: UInt32.self)
    text.storeBytes(of: dash, toByteOffset: 18, as: UInt8.self)
    let digits2 = hexDigits(of: word2)
    text.storeBytes(of: UInt32(truncatingIfNeeded: digits2 >> 32).bigEndian, toByteOffset: 19, as: UInt32.self)
    text.storeBytes(of: dash, toByteOffset: 23, as: UInt8.self)
    text.storeBytes(of: UInt32(truncatingIfNeeded: digits2).bigEndian, toByteOffset: 24, as: UInt32.self)
    text.storeBytes(of: hexDigits(of: word3).bigEndian, toByteOffset: 28, as: UInt64.self)
  }

  /// The eight lowercase hex digits of `word` as the bytes of a UInt64, the first digit in the most
  /// significant byte (store its `bigEndian` to put them in order): each nibble moved to a byte of its
  /// own, then turned into `0`-`9` or `a`-`f` in all eight bytes at once.
  @inline(__always)
  static func hexDigits(of word: UInt32) -> UInt64 {
    var nibbles = UInt64(word)
    nibbles = (nibbles & 0xFFFF_0000) << 16 | (nibbles & 0xFFFF)
    nibbles = (nibbles & 0x0000_FF00_0000_FF00) << 8 | (nibbles & 0x0000_00FF_0000_00FF)
    nibbles = (nibbles & 0x00F0_00F0_00F0_00F0) << 4 | (nibbles & 0x000F_000F_000F_000F)
    // 1 in each byte whose nibble is 10 or more (adding 6 carries it into bit 4).
    let letters = ((nibbles &+ 0x0606_0606_0606_0606) >> 4) & 0x0101_0101_0101_0101
    return nibbles &+ 0x3030_3030_3030_3030 &+ letters &* UInt64(UInt8(ascii: "a") - UInt8(ascii: "9") - 1)
  }

  /// The lowercase 8-4-4-4-12 form of 16 UUID bytes (no allocation beyond the string).
  /// Concrete, not generic, so callers in other modules need no runtime metadata lookups.
  public static func text(of bytes: ArraySlice<UInt8>) -> String {
    guard bytes.count == 16 else {
      // Callers pass 16 bytes; anything else is cut or zero-padded to 16 rather than read past its end.
      let padded = Array(bytes.prefix(16)) + Array(repeating: 0, count: max(0, 16 - bytes.count))
      return padded.withUnsafeBytes { text(ofRaw: $0) }
    }
    return bytes.withUnsafeBytes { text(ofRaw: $0) }
  }

  /// The lowercase 8-4-4-4-12 form of 16 UUID bytes.
  public static func text(of bytes: [UInt8]) -> String {
    text(of: bytes[...])
  }

  /// The lowercase 8-4-4-4-12 form of the 16 bytes at the start of `bytes` (at least 16).
  public static func text(ofRaw bytes: UnsafeRawBufferPointer) -> String {
    String(unsafeUninitializedCapacity: 36) { out in
      func word(_ offset: Int) -> UInt32 {
        UInt32(bigEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
      }
      writeText(word(0), word(4), word(8), word(12), to: UnsafeMutableRawPointer(out.baseAddress!))
      return 36
    }
  }

  /// The 16 bytes of a UUID written in the lowercase 8-4-4-4-12 form, or `nil` for any other text
  /// (so `text(of:)` gives back exactly `text`).
  public static func bytes(ofText text: String) -> [UInt8]? {
    var text = text
    return text.withUTF8 { utf8 -> [UInt8]? in
      var bytes = [UInt8](repeating: 0, count: 16)
      let parsed = bytes.withUnsafeMutableBytes { parse(utf8, into: $0.baseAddress!) }
      return parsed ? bytes : nil
    }
  }

  /// Writes the 16 bytes of the UUID `utf8` spells (lowercase 8-4-4-4-12) to `bytes`; `false`, with
  /// `bytes` partly written, for any other text. No allocation.
  public static func parse(_ utf8: UnsafeBufferPointer<UInt8>, into bytes: UnsafeMutableRawPointer) -> Bool {
    guard utf8.count == 36, let text = UnsafeRawPointer(utf8.baseAddress) else { return false }
    let dash = UInt8(ascii: "-")
    guard text.load(fromByteOffset: 8, as: UInt8.self) == dash, text.load(fromByteOffset: 13, as: UInt8.self) == dash,
      text.load(fromByteOffset: 18, as: UInt8.self) == dash, text.load(fromByteOffset: 23, as: UInt8.self) == dash
    else { return false }
    func chars(_ offset: Int) -> UInt64 {
      UInt64(littleEndian: text.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }
    func halves(_ first: Int, _ second: Int) -> UInt64 {
      UInt64(UInt32(littleEndian: text.loadUnaligned(fromByteOffset: first, as: UInt32.self)))
        | UInt64(UInt32(littleEndian: text.loadUnaligned(fromByteOffset: second, as: UInt32.self))) << 32
    }
    // The 32 digits, eight at a time: 0-7, 9-12 with 14-17, 19-22 with 24-27, 28-35.
    guard let word0 = hexValue(ofDigits: chars(0)), let word1 = hexValue(ofDigits: halves(9, 14)),
      let word2 = hexValue(ofDigits: halves(19, 24)), let word3 = hexValue(ofDigits: chars(28))
    else { return false }
    bytes.storeBytes(of: word0.bigEndian, toByteOffset: 0, as: UInt32.self)
    bytes.storeBytes(of: word1.bigEndian, toByteOffset: 4, as: UInt32.self)
    bytes.storeBytes(of: word2.bigEndian, toByteOffset: 8, as: UInt32.self)
    bytes.storeBytes(of: word3.bigEndian, toByteOffset: 12, as: UInt32.self)
    return true
  }

  /// The 32-bit value of eight lowercase hex digits, the first in the lowest byte of `digits`; `nil`
  /// unless every byte is `0`-`9` or `a`-`f`. All eight bytes are checked and converted at once.
  @inline(__always)
  static func hexValue(ofDigits digits: UInt64) -> UInt32? {
    let ones: UInt64 = 0x0101_0101_0101_0101
    let highs: UInt64 = 0x8080_8080_8080_8080
    guard digits & highs == 0 else { return nil }
    // For bytes below 0x80, adding 0x80 - low sets the high bit when the byte is at least `low`, and
    // adding 0x7F - high sets it when the byte is above `high`; no addition carries into the next byte.
    let digitRange = (digits &+ ones &* (0x80 - 0x30)) & ~(digits &+ ones &* (0x7F - 0x39))
    let letterRange = (digits &+ ones &* (0x80 - 0x61)) & ~(digits &+ ones &* (0x7F - 0x66))
    guard (digitRange | letterRange) & highs == highs else { return nil }
    // A digit's value is its low nibble; a letter's (bit 6 set) its low nibble plus 9.
    let nibbles = (digits & 0x0F0F_0F0F_0F0F_0F0F) &+ ((digits >> 6) & ones) &* 9
    // Byte 2i becomes digit 2i's nibble over digit 2i+1's, then the four bytes close up, in text order.
    var packed = ((nibbles << 4) | (nibbles >> 8)) & 0x00FF_00FF_00FF_00FF
    packed = (packed | packed >> 8) & 0x0000_FFFF_0000_FFFF
    packed = (packed | packed >> 16) & 0xFFFF_FFFF
    // The first digit pair is the most significant byte of the value.
    return UInt32(truncatingIfNeeded: packed).byteSwapped
  }

  /// RFC 9562's DNS namespace, 6ba7b810-9dad-11d1-80b4-00c04fd430c8.
  public static let dnsNamespace: [UInt8] = [
    0x6b, 0xa7, 0xb8, 0x10, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8,
  ]
}
