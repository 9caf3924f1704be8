/// Int values by byte-string key, in compact storage: an open-addressing hash table whose keys live
/// back to back in one byte buffer.
///
/// An entry costs about 30 bytes plus its key's bytes, where a `[String: Int]` entry costs about 40
/// (more while it doubles) plus a heap string for a key over 15 bytes. Made for the group directory,
/// which keeps every group name an input writes and looks names up for every group a row names. Keys
/// are hashed with a seed drawn once per process, so an input cannot be made to put its names in one
/// chain without knowing the seed.
///
/// A class over raw buffers, not a struct of arrays: a look-up retains nothing and checks no bounds,
/// and it touches at most three cache lines when the key is there (its bucket, its entry, its bytes)
/// and usually one when it is not (each bucket keeps its key's hash). Not thread-safe.
final class ByteKeyIndex {
  /// Per bucket: the key's 32-bit hash in the high half, its entry number + 1 in the low half; 0 for
  /// an empty bucket. A power of two long, at most 3/4 full.
  private var buckets: UnsafeMutablePointer<UInt64>
  private var bucketCount = 16
  /// Per entry, two words: where its key ends in `keyBytes`, then its value.
  private var entries: UnsafeMutablePointer<Int>
  private var entryCapacity = 16
  private var keyBytes: UnsafeMutablePointer<UInt8>
  private var keyByteCount = 0
  private var keyByteCapacity = 256

  /// How many keys the index holds.
  private(set) var count = 0

  init() {
    buckets = .allocate(capacity: bucketCount)
    buckets.initialize(repeating: 0, count: bucketCount)
    entries = .allocate(capacity: 2 * entryCapacity)
    keyBytes = .allocate(capacity: keyByteCapacity)
  }

  deinit {
    buckets.deallocate()
    entries.deallocate()
    keyBytes.deallocate()
  }

  /// The value stored for `key`, if any.
  func value(for key: UnsafeBufferPointer<UInt8>) -> Int? {
    let hash = Self.hash(key)
    let tag = UInt64(hash) << 32
    let mask = bucketCount - 1
    var bucket = Int(hash) & mask
    while true {
      let occupant = buckets[bucket]
      if occupant == 0 { return nil }
      if occupant & 0xFFFF_FFFF_0000_0000 == tag {
        let entry = Int(truncatingIfNeeded: occupant & 0xFFFF_FFFF) - 1
        let start = entry == 0 ? 0 : entries[2 * entry - 2]
        if entries[2 * entry] - start == key.count
          && (key.isEmpty || Self.bytesEqual(keyBytes + start, key.baseAddress!, count: key.count))
        {
          return entries[2 * entry + 1]
        }
      }
      bucket = (bucket + 1) & mask
    }
  }

  /// The value stored for the UTF-8 of `key`, if any.
  func value(for key: String) -> Int? {
    var key = key
    return key.withUTF8 { value(for: $0) }
  }

  /// Stores `value` for `key`, which the index must not hold yet (look it up first).
  func insert(_ key: UnsafeBufferPointer<UInt8>, value: Int) {
    precondition(count < Int(UInt32.max) - 1, "ByteKeyIndex holds at most 2^32 - 2 keys")
    if (count + 1) * 4 > bucketCount * 3 { growBuckets() }
    if count == entryCapacity {
      entries = Self.grown(entries, count: 2 * count, to: 4 * entryCapacity)
      entryCapacity *= 2
    }
    if keyByteCount + key.count > keyByteCapacity {
      let capacity = max(2 * keyByteCapacity, keyByteCount + key.count)
      keyBytes = Self.grown(keyBytes, count: keyByteCount, to: capacity)
      keyByteCapacity = capacity
    }
    if let base = key.baseAddress { (keyBytes + keyByteCount).update(from: base, count: key.count) }
    keyByteCount += key.count
    entries[2 * count] = keyByteCount
    entries[2 * count + 1] = value
    count += 1
    place(UInt64(Self.hash(key)) << 32 | UInt64(count))
  }

  /// Stores `value` for the UTF-8 of `key`, which the index must not hold yet.
  func insert(_ key: String, value: Int) {
    var key = key
    key.withUTF8 { insert($0, value: value) }
  }

  /// Puts `occupant` (hash and entry number + 1) in the first free bucket from its hash on.
  private func place(_ occupant: UInt64) {
    let mask = bucketCount - 1
    var bucket = Int(truncatingIfNeeded: occupant >> 32) & mask
    while buckets[bucket] != 0 { bucket = (bucket + 1) & mask }
    buckets[bucket] = occupant
  }

  /// Doubles the buckets and places every entry again (each bucket keeps its key's hash).
  private func growBuckets() {
    let old = buckets
    let oldCount = bucketCount
    bucketCount *= 2
    buckets = .allocate(capacity: bucketCount)
    buckets.initialize(repeating: 0, count: bucketCount)
    for bucket in 0..<oldCount where old[bucket] != 0 { place(old[bucket]) }
    old.deallocate()
  }

  /// A buffer of `capacity` elements holding the first `count` of `buffer`, which is freed.
  private static func grown<Element>(
    _ buffer: UnsafeMutablePointer<Element>, count: Int, to capacity: Int
  ) -> UnsafeMutablePointer<Element> {
    let larger = UnsafeMutablePointer<Element>.allocate(capacity: capacity)
    larger.moveInitialize(from: buffer, count: count)
    buffer.deallocate()
    return larger
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
