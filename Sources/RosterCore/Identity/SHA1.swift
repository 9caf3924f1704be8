/// SHA-1 (FIPS 180-4), used only to derive name-based UUIDs (RFC 9562 version 5), not for security.
enum SHA1 {
  /// The 20-byte digest of `message`.
  static func digest(_ message: [UInt8]) -> [UInt8] {
    var padded = message
    padded.append(0x80)
    while padded.count % 64 != 56 { padded.append(0) }
    let bitLength = UInt64(message.count) &* 8
    for shift in stride(from: 56, through: 0, by: -8) {
      padded.append(UInt8(truncatingIfNeeded: bitLength >> UInt64(shift)))
    }
    var state: (UInt32, UInt32, UInt32, UInt32, UInt32) =
      (0x6745_2301, 0xEFCD_AB89, 0x98BA_DCFE, 0x1032_5476, 0xC3D2_E1F0)
    withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 80) { words in
      padded.withUnsafeBufferPointer { bytes in
        for blockStart in stride(from: 0, to: bytes.count, by: 64) {
          compress(bytes.baseAddress! + blockStart, words.baseAddress!, &state)
        }
      }
    }
    var digest: [UInt8] = []
    digest.reserveCapacity(20)
    for word in [state.0, state.1, state.2, state.3, state.4] {
      for shift in stride(from: 24, through: 0, by: -8) {
        digest.append(UInt8(truncatingIfNeeded: word >> UInt32(shift)))
      }
    }
    return digest
  }

  private static func compress(
    _ block: UnsafePointer<UInt8>, _ words: UnsafeMutablePointer<UInt32>,
    _ state: inout (UInt32, UInt32, UInt32, UInt32, UInt32)
  ) {
    for i in 0..<16 {
      words[i] =
        UInt32(block[4 * i]) << 24 | UInt32(block[4 * i + 1]) << 16
        | UInt32(block[4 * i + 2]) << 8 | UInt32(block[4 * i + 3])
    }
    for i in 16..<80 {
      let mixed = words[i - 3] ^ words[i - 8] ^ words[i - 14] ^ words[i - 16]
      words[i] = mixed << 1 | mixed >> 31
    }
    var (a, b, c, d, e) = state
    for i in 0..<80 {
      let f: UInt32
      let k: UInt32
      switch i {
      case 0..<20: (f, k) = ((b & c) | (~b & d), 0x5A82_7999)
      case 20..<40: (f, k) = (b ^ c ^ d, 0x6ED9_EBA1)
      case 40..<60: (f, k) = ((b & c) | (b & d) | (c & d), 0x8F1B_BCDC)
      default: (f, k) = (b ^ c ^ d, 0xCA62_C1D6)
      }
      let temp = (a << 5 | a >> 27) &+ f &+ e &+ k &+ words[i]
      e = d
      d = c
      c = b << 30 | b >> 2
      b = a
      a = temp
    }
    state = (state.0 &+ a, state.1 &+ b, state.2 &+ c, state.3 &+ d, state.4 &+ e)
  }
}

/// A name-based UUID (RFC 9562, version 5): the same namespace and name always give the same UUID.
public struct NameBasedUUID: Hashable, Sendable, CustomStringConvertible {
  public let bytes: [UInt8]

  /// `namespace` must be 16 bytes.
  public init(namespace: [UInt8], name: some Sequence<UInt8>) {
    var digest = Array(SHA1.digest(namespace + Array(name)).prefix(16))
    digest[6] = (digest[6] & 0x0F) | 0x50
    digest[8] = (digest[8] & 0x3F) | 0x80
    bytes = digest
  }

  /// Lowercase hex in the 8-4-4-4-12 form.
  public var description: String { Self.text(of: bytes) }

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

  private static func text(ofRaw bytes: UnsafeRawBufferPointer) -> String {
    String(unsafeUninitializedCapacity: 36) { out in
      let hex: StaticString = "0123456789abcdef"
      let digits = hex.utf8Start
      var position = 0
      for index in 0..<16 {
        if index == 4 || index == 6 || index == 8 || index == 10 {
          out[position] = UInt8(ascii: "-")
          position += 1
        }
        let byte = bytes[index]
        out[position] = digits[Int(byte >> 4)]
        out[position + 1] = digits[Int(byte & 0x0F)]
        position += 2
      }
      return 36
    }
  }

  /// The 16 bytes of a UUID written in the lowercase 8-4-4-4-12 form, or `nil` for any other text
  /// (so `text(of:)` gives back exactly `text`).
  public static func bytes(ofText text: String) -> [UInt8]? {
    var text = text
    return text.withUTF8 { utf8 -> [UInt8]? in
      guard utf8.count == 36 else { return nil }
      var bytes = [UInt8](repeating: 0, count: 16)
      var written = 0
      var index = 0
      // Hex digits in pairs; a dash after the 4th, 6th, 8th and 10th byte (text offsets 8, 13, 18, 23).
      while index < 36 {
        if index == 8 || index == 13 || index == 18 || index == 23 {
          guard utf8[index] == UInt8(ascii: "-") else { return nil }
          index += 1
          continue
        }
        guard let high = lowercaseHexValue(utf8[index]), let low = lowercaseHexValue(utf8[index + 1]) else {
          return nil
        }
        bytes[written] = high << 4 | low
        written += 1
        index += 2
      }
      return bytes
    }
  }

  /// The value of a digit `0`-`9` or `a`-`f`, or `nil`.
  private static func lowercaseHexValue(_ character: UInt8) -> UInt8? {
    switch character {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): character - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): character - UInt8(ascii: "a") + 10
    default: nil
    }
  }

  /// RFC 9562's DNS namespace, 6ba7b810-9dad-11d1-80b4-00c04fd430c8.
  public static let dnsNamespace: [UInt8] = [
    0x6b, 0xa7, 0xb8, 0x10, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8,
  ]
}
