/// Int values by byte-string key, in compact storage: an open-addressing hash table whose keys live
/// back to back in one byte array.
///
/// An entry costs about 25 bytes plus its key's bytes, where a `[String: Int]` entry costs about 40
/// (more while it doubles) plus a heap string for a key over 15 bytes. Made for the group directory,
/// which keeps every group name an input writes. Keys are hashed with a seed drawn once per process,
/// so an input cannot be made to put its names in one chain without knowing the seed.
struct ByteKeyIndex {
  /// Entry number + 1 for each bucket, 0 for an empty one; a power of two long, at most 3/4 full.
  private var buckets: [UInt32] = []
  /// Per entry: its key's 32-bit hash (which also places it), where its key ends in `keyBytes`, and
  /// its value.
  private var hashes: [UInt32] = []
  private var keyEnds: [Int] = []
  private var values: [Int] = []
  private var keyBytes: [UInt8] = []

  /// How many keys the index holds.
  var count: Int { values.count }

  /// The value stored for `key`, if any.
  func value(for key: UnsafeBufferPointer<UInt8>) -> Int? {
    guard !buckets.isEmpty else { return nil }
    let hash = Self.hash(key)
    let mask = buckets.count - 1
    var bucket = Int(hash) & mask
    return keyBytes.withUnsafeBufferPointer { stored in
      while true {
        let occupant = buckets[bucket]
        if occupant == 0 { return nil }
        let entry = Int(occupant - 1)
        if hashes[entry] == hash {
          let start = entry == 0 ? 0 : keyEnds[entry - 1]
          let end = keyEnds[entry]
          if end - start == key.count
            && (key.isEmpty || Self.bytesEqual(stored.baseAddress! + start, key.baseAddress!, count: key.count))
          {
            return values[entry]
          }
        }
        bucket = (bucket + 1) & mask
      }
    }
  }

  /// The value stored for the UTF-8 of `key`, if any.
  func value(for key: String) -> Int? {
    var key = key
    return key.withUTF8 { value(for: $0) }
  }

  /// Stores `value` for `key`, which the index must not hold yet (look it up first).
  mutating func insert(_ key: UnsafeBufferPointer<UInt8>, value: Int) {
    if (count + 1) * 4 > buckets.count * 3 { grow() }
    let hash = Self.hash(key)
    keyBytes.append(contentsOf: key)
    keyEnds.append(keyBytes.count)
    hashes.append(hash)
    values.append(value)
    place(entry: values.count - 1, hash: hash)
  }

  /// Stores `value` for the UTF-8 of `key`, which the index must not hold yet.
  mutating func insert(_ key: String, value: Int) {
    var key = key
    key.withUTF8 { insert($0, value: value) }
  }

  /// Puts `entry` in the first free bucket from its hash on.
  private mutating func place(entry: Int, hash: UInt32) {
    let mask = buckets.count - 1
    var bucket = Int(hash) & mask
    while buckets[bucket] != 0 { bucket = (bucket + 1) & mask }
    buckets[bucket] = UInt32(truncatingIfNeeded: entry + 1)
  }

  /// Doubles the buckets (16 to start with) and places every entry again.
  private mutating func grow() {
    buckets = [UInt32](repeating: 0, count: max(16, buckets.count * 2))
    for entry in hashes.indices { place(entry: entry, hash: hashes[entry]) }
  }

  /// Whether the `count` bytes at `a` and `b` are the same, compared eight at a time.
  private static func bytesEqual(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, count: Int) -> Bool {
    let a = UnsafeRawPointer(a)
    let b = UnsafeRawPointer(b)
    var offset = 0
    while offset + 8 <= count {
      guard
        a.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
          == b.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
      else { return false }
      offset += 8
    }
    while offset < count {
      guard a.load(fromByteOffset: offset, as: UInt8.self) == b.load(fromByteOffset: offset, as: UInt8.self)
      else { return false }
      offset += 1
    }
    return true
  }

  /// Drawn once per process (see the type's note on crafted inputs).
  private static let seed = UInt64.random(in: .min ... .max)

  /// A seeded 32-bit hash of `key`: eight bytes at a time, each word folded in with a full-width
  /// multiply (as wyhash does).
  static func hash(_ key: UnsafeBufferPointer<UInt8>) -> UInt32 {
    var state = seed ^ (UInt64(key.count) &* 0x9E37_79B9_7F4A_7C15)
    if let base = key.baseAddress {
      let raw = UnsafeRawPointer(base)
      var offset = 0
      while offset + 8 <= key.count {
        state = fold(state ^ raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self), 0xBF58_476D_1CE4_E5B9)
        offset += 8
      }
      if offset < key.count {
        var tail: UInt64 = 0
        for index in offset..<key.count { tail |= UInt64(key[index]) << (8 * UInt64(index - offset)) }
        state = fold(state ^ tail, 0x94D0_49BB_1331_11EB)
      }
    }
    state = fold(state, 0xA076_1D64_78BD_642F)
    return UInt32(truncatingIfNeeded: state ^ state >> 32)
  }

  /// The high and low halves of the 128-bit product, xored.
  @inline(__always)
  private static func fold(_ value: UInt64, _ multiplier: UInt64) -> UInt64 {
    let product = value.multipliedFullWidth(by: multiplier)
    return product.high ^ product.low
  }
}
