/// Int values by byte-string key, in compact storage: an open-addressing hash table over one byte
/// arena that holds each entry's value, key length and key bytes together.
///
/// An entry costs about 20 to 30 bytes plus its key's bytes, where a `[String: Int]` entry costs about
/// 40 (more while it doubles) plus a heap string for a key over 15 bytes. Made for the group
/// directory, which keeps every group name an input writes and looks names up for every group a row
/// names. Keys are hashed with a seed drawn once per process, so an input cannot be made to put its
/// names in one chain without knowing the seed.
///
/// A class over raw buffers, not a struct of arrays: a look-up retains nothing and checks no bounds.
/// It reads the key's bucket, which keeps 24 bits of the key's hash, and, when those match, the
/// entry's record: two cache misses at most for a short key, where separate arrays of hashes, key
/// ends, values and bytes cost four or five. Not thread-safe.
final class ByteKeyIndex {
  /// Per bucket: 24 bits of the key's hash (`tag(of:)`) above its record's arena offset + 1 (40
  /// bits); 0 for an empty bucket. A power of two long, at most 3/4 full.
  private var buckets: UnsafeMutablePointer<UInt64>
  private var bucketCount = 16
  /// The entries' records back to back, each on an 8-byte boundary: a word holding the value (low 40
  /// bits) and the key's length (high 24 bits), then the key's bytes. A key of `longKey` bytes or more,
  /// or a value outside 0 to `largestValue`, takes the long form: the length field says `longKey`, and
  /// two words follow with the key's length and the value.
  private var arena: UnsafeMutableRawPointer
  private var arenaCount = 0
  private var arenaCapacity = 512

  /// How many keys the index holds.
  private(set) var count = 0

  private static var offsetBits: UInt64 { 40 }
  private static var offsetMask: UInt64 { 1 << offsetBits - 1 }
  /// The largest value a record's header holds (its low 40 bits), far above any group count; any
  /// other value takes the long form.
  static var largestValue: Int { 1 << 40 - 1 }
  /// A key this long or longer takes the long form (the header's 24 length bits say so).
  private static var longKey: Int { 1 << 24 - 1 }

  /// The key and value of the record at `record`.
  @inline(__always)
  private static func entry(at record: UnsafeRawPointer) -> (key: UnsafeBufferPointer<UInt8>, value: Int) {
    let header = record.load(as: UInt64.self)
    let length = Int(truncatingIfNeeded: header >> 40)
    guard length == longKey else {
      let key = UnsafeBufferPointer(start: (record + 8).assumingMemoryBound(to: UInt8.self), count: length)
      return (key, Int(truncatingIfNeeded: header & UInt64(largestValue)))
    }
    let key = UnsafeBufferPointer(
      start: (record + 24).assumingMemoryBound(to: UInt8.self), count: record.load(fromByteOffset: 8, as: Int.self))
    return (key, record.load(fromByteOffset: 16, as: Int.self))
  }

  init() {
    buckets = .allocate(capacity: bucketCount)
    buckets.initialize(repeating: 0, count: bucketCount)
    arena = .allocate(byteCount: arenaCapacity, alignment: 8)
  }

  deinit {
    buckets.deallocate()
    arena.deallocate()
  }

  /// The bits of `hash` a bucket keeps, in place: its top 24 (the bucket number comes from its low
  /// bits, so these still tell apart keys that share a chain).
  @inline(__always)
  private static func tag(of hash: UInt32) -> UInt64 { UInt64(hash >> 8) << offsetBits }

  /// The value stored for `key`, if any.
  func value(for key: UnsafeBufferPointer<UInt8>) -> Int? {
    let hash = Self.hash(key)
    let tag = Self.tag(of: hash)
    let mask = bucketCount - 1
    var bucket = Int(hash) & mask
    while true {
      let occupant = buckets[bucket]
      if occupant == 0 { return nil }
      if occupant & ~Self.offsetMask == tag {
        let entry = Self.entry(at: arena + Int(truncatingIfNeeded: occupant & Self.offsetMask) - 1)
        if entry.key.count == key.count
          && (key.isEmpty || Self.bytesEqual(entry.key.baseAddress!, key.baseAddress!, count: key.count))
        {
          return entry.value
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
    // Records start on 8-byte boundaries, so their words load aligned.
    let isLong = key.count >= Self.longKey || value < 0 || value > Self.largestValue
    let headerSize = isLong ? 24 : 8
    let recordSize = (headerSize + key.count + 7) & ~7
    if (count + 1) * 4 > bucketCount * 3 { growBuckets() }
    if arenaCount + recordSize > arenaCapacity {
      let capacity = max(2 * arenaCapacity, arenaCount + recordSize)
      let larger = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 8)
      larger.copyMemory(from: arena, byteCount: arenaCount)
      arena.deallocate()
      arena = larger
      arenaCapacity = capacity
    }
    let offset = arenaCount
    if isLong {
      arena.storeBytes(of: UInt64(Self.longKey) << 40, toByteOffset: offset, as: UInt64.self)
      arena.storeBytes(of: key.count, toByteOffset: offset + 8, as: Int.self)
      arena.storeBytes(of: value, toByteOffset: offset + 16, as: Int.self)
    } else {
      arena.storeBytes(of: UInt64(value) | UInt64(key.count) << 40, toByteOffset: offset, as: UInt64.self)
    }
    if let base = key.baseAddress { (arena + offset + headerSize).copyMemory(from: base, byteCount: key.count) }
    arenaCount += recordSize
    count += 1
    place(offset: offset, hash: Self.hash(key))
  }

  /// Stores `value` for the UTF-8 of `key`, which the index must not hold yet.
  func insert(_ key: String, value: Int) {
    var key = key
    key.withUTF8 { insert($0, value: value) }
  }

  /// Puts the record at `offset`, whose key hashes to `hash`, in the first free bucket from its hash
  /// on.
  private func place(offset: Int, hash: UInt32) {
    let mask = bucketCount - 1
    var bucket = Int(hash) & mask
    while buckets[bucket] != 0 { bucket = (bucket + 1) & mask }
    buckets[bucket] = Self.tag(of: hash) | UInt64(offset + 1)
  }

  /// Doubles the buckets and places every entry again, hashing its key from the arena.
  private func growBuckets() {
    let old = buckets
    let oldCount = bucketCount
    bucketCount *= 2
    buckets = .allocate(capacity: bucketCount)
    buckets.initialize(repeating: 0, count: bucketCount)
    for bucket in 0..<oldCount where old[bucket] != 0 {
      let offset = Int(truncatingIfNeeded: old[bucket] & Self.offsetMask) - 1
      place(offset: offset, hash: Self.hash(Self.entry(at: arena + offset).key))
    }
    old.deallocate()
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
