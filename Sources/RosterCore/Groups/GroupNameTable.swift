/// Group slots by normalized name, keeping no names: an open-addressing table whose buckets hold 24
/// bits of the name's hash and the slot, and which asks its caller whether a slot has the name.
///
/// The directory keeps every group's name already (as written), so the table does not keep the
/// normalized name again: when a bucket's hash bits match, the caller folds the slot's name and
/// compares (`slot(hash:where:)`), and when the table grows it hashes each slot's name anew
/// (`insert(slot:hash:rehash:)`). A group costs 8 bytes a bucket, at most 3/4 full, where a record
/// of the normalized name cost 16 to 24 bytes more (and up to twice that while its arena doubled).
/// Hashes are seeded once per process, so an input cannot be made to put its names in one chain
/// without knowing the seed. Not thread-safe.
final class GroupNameTable {
  /// Per bucket: 24 bits of the name's hash (`tag(of:)`) above the slot + 1 (40 bits); 0 for an
  /// empty bucket. A power of two long, at most 3/4 full.
  private var buckets: UnsafeMutablePointer<UInt64>
  private var bucketCount = 16

  /// How many slots the table holds.
  private(set) var count = 0

  private static var slotBits: UInt64 { 40 }
  private static var slotMask: UInt64 { 1 << slotBits - 1 }
  /// The largest slot a bucket holds: a directory would need tens of terabytes for its other fields
  /// before it had this many groups.
  static var largestSlot: Int { 1 << 40 - 2 }

  init() {
    buckets = .allocate(capacity: bucketCount)
    buckets.initialize(repeating: 0, count: bucketCount)
  }

  deinit { buckets.deallocate() }

  /// The bits of `hash` a bucket keeps, in place: its top 24 (the bucket number comes from its low
  /// bits, so these still tell apart names that share a chain).
  @inline(__always)
  private static func tag(of hash: UInt32) -> UInt64 { UInt64(hash >> 8) << slotBits }

  /// The first slot stored under `hash` for which `matches` says yes (it is asked only about slots
  /// whose bucket keeps the same hash bits), if any.
  @inline(__always)
  func slot(hash: UInt32, where matches: (Int) -> Bool) -> Int? {
    let tag = Self.tag(of: hash)
    let mask = bucketCount - 1
    var bucket = Int(hash) & mask
    while true {
      let occupant = buckets[bucket]
      if occupant == 0 { return nil }
      if occupant & ~Self.slotMask == tag {
        let slot = Int(truncatingIfNeeded: occupant & Self.slotMask) - 1
        if matches(slot) { return slot }
      }
      bucket = (bucket + 1) & mask
    }
  }

  /// Stores `slot` (0 to `largestSlot`) under `hash`, the hash of its name, which no slot in the table
  /// may have yet (look it up first). `rehash` gives the hash of any slot the table holds, for when it
  /// grows.
  func insert(slot: Int, hash: UInt32, rehash: (Int) -> UInt32) {
    if (count + 1) * 4 > bucketCount * 3 { grow(rehash: rehash) }
    count += 1
    place(slot: slot, hash: hash)
  }

  /// Puts `slot` in the first free bucket from its hash on.
  private func place(slot: Int, hash: UInt32) {
    let mask = bucketCount - 1
    var bucket = Int(hash) & mask
    while buckets[bucket] != 0 { bucket = (bucket + 1) & mask }
    buckets[bucket] = Self.tag(of: hash) | (UInt64(truncatingIfNeeded: slot + 1) & Self.slotMask)
  }

  /// Doubles the buckets and places every slot again, hashing its name anew.
  private func grow(rehash: (Int) -> UInt32) {
    let old = buckets
    let oldCount = bucketCount
    bucketCount *= 2
    buckets = .allocate(capacity: bucketCount)
    buckets.initialize(repeating: 0, count: bucketCount)
    for bucket in 0..<oldCount where old[bucket] != 0 {
      let slot = Int(truncatingIfNeeded: old[bucket] & Self.slotMask) - 1
      place(slot: slot, hash: rehash(slot))
    }
    old.deallocate()
  }

  /// Whether the `count` bytes at `a` and `b` are the same, compared eight at a time.
  static func bytesEqual(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, count: Int) -> Bool {
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
