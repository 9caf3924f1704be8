/// Group slots by normalized name, keeping no names: an open-addressing table whose buckets hold a
/// few bits of the name's hash and the slot, and which asks its caller whether a slot has the name.
///
/// The directory keeps every group's name already (as written), so the table does not keep the
/// normalized name again: when a bucket's hash bits match, the caller folds the slot's name and
/// compares (`slot(hash:where:)`), and when the table grows it hashes each slot's name anew
/// (`insert(slot:hash:rehash:)`). A bucket is 5 bytes (a 7-bit tag with a bit for "taken", and the
/// slot as a UInt32), at most 7/8 full, as in SwissTable: a probe reads one tag byte (64 to a cache
/// line) and looks at a slot only when the tag matches (1 time in 128 by chance), so longer chains
/// cost little. The table is split by the hash's top bits into `partCount` parts that grow one at a
/// time, so growing holds one part twice, not the whole table. A slot too large for a UInt32 (four
/// billion groups) goes to `overflow` instead. Hashes are seeded once per process, so an input
/// cannot be made to put its names in one chain without knowing the seed. Not thread-safe.
final class GroupNameTable {
  /// One part of the table: `capacity` buckets (a power of two), `count` of them taken (at most 7/8).
  private struct Part {
    /// Per bucket: 0 when empty, else `tag(of:)` of the name's hash.
    var tags: UnsafeMutablePointer<UInt8>
    /// Per taken bucket: the slot.
    var slots: UnsafeMutablePointer<UInt32>
    var capacity: Int
    var count = 0

    init(capacity: Int) {
      self.capacity = capacity
      tags = .allocate(capacity: capacity)
      tags.initialize(repeating: 0, count: capacity)
      slots = .allocate(capacity: capacity)
    }

    func deallocate() {
      tags.deallocate()
      slots.deallocate()
    }
  }

  private static var partBits: UInt64 { 6 }
  static var partCount: Int { 1 << partBits }
  private let parts: UnsafeMutablePointer<Part>
  /// Slots past `UInt32.max - 1`, by hash (never reached in practice: the directory would hold
  /// over 100 GB first).
  private var overflow: [UInt64: [Int]] = [:]

  /// How many slots the table holds.
  private(set) var count = 0

  init() {
    parts = .allocate(capacity: Self.partCount)
    for part in 0..<Self.partCount { (parts + part).initialize(to: Part(capacity: 8)) }
  }

  deinit {
    for part in 0..<Self.partCount { parts[part].deallocate() }
    parts.deallocate()
  }

  /// The part for `hash`: its top bits.
  @inline(__always)
  private static func part(of hash: UInt64) -> Int { Int(truncatingIfNeeded: hash >> (64 - partBits)) }

  /// A bucket's tag for `hash`: 7 bits from below the part's (the bucket number comes from the low
  /// bits, so these still tell apart names that share a chain), with the top bit set.
  @inline(__always)
  private static func tag(of hash: UInt64) -> UInt8 { UInt8(truncatingIfNeeded: hash >> (57 - partBits)) | 0x80 }

  /// The first slot stored under `hash` for which `matches` says yes (it is asked only about slots
  /// whose bucket keeps the same hash bits), if any.
  @inline(__always)
  func slot(hash: UInt64, where matches: (Int) -> Bool) -> Int? {
    let part = parts[Self.part(of: hash)]
    let tag = Self.tag(of: hash)
    let mask = part.capacity - 1
    var bucket = Int(truncatingIfNeeded: hash) & mask
    while true {
      let occupant = part.tags[bucket]
      if occupant == 0 { break }
      if occupant == tag {
        let slot = Int(part.slots[bucket])
        if matches(slot) { return slot }
      }
      bucket = (bucket + 1) & mask
    }
    guard !overflow.isEmpty, let candidates = overflow[hash] else { return nil }
    return candidates.first(where: matches)
  }

  /// Stores `slot` (0 or more) under `hash`, the hash of its name, which no slot in the table may
  /// have yet (look it up first). `rehash` gives the hash of any slot the table holds, for when a part
  /// grows.
  func insert(slot: Int, hash: UInt64, rehash: (Int) -> UInt64) {
    count += 1
    guard slot < Int(UInt32.max) else { return overflow[hash, default: []].append(slot) }
    let number = Self.part(of: hash)
    if (parts[number].count + 1) * 8 > parts[number].capacity * 7 { grow(number, rehash: rehash) }
    Self.place(UInt32(slot), tag: Self.tag(of: hash), bucket: Int(truncatingIfNeeded: hash), in: &parts[number])
    parts[number].count += 1
  }

  /// Puts `slot` in the first free bucket of `part` from `bucket` (not yet masked) on.
  @inline(__always)
  private static func place(_ slot: UInt32, tag: UInt8, bucket: Int, in part: inout Part) {
    let mask = part.capacity - 1
    var bucket = bucket & mask
    while part.tags[bucket] != 0 { bucket = (bucket + 1) & mask }
    part.tags[bucket] = tag
    part.slots[bucket] = slot
  }

  /// Doubles part `number` and places its slots again, hashing their names anew.
  private func grow(_ number: Int, rehash: (Int) -> UInt64) {
    let old = parts[number]
    var grown = Part(capacity: old.capacity * 2)
    grown.count = old.count
    for bucket in 0..<old.capacity where old.tags[bucket] != 0 {
      let slot = old.slots[bucket]
      let hash = rehash(Int(slot))
      Self.place(slot, tag: Self.tag(of: hash), bucket: Int(truncatingIfNeeded: hash), in: &grown)
    }
    old.deallocate()
    parts[number] = grown
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

  /// A seeded 64-bit hash of `key`: eight bytes at a time, each word folded in with a full-width
  /// multiply (as wyhash does).
  static func hash(_ key: UnsafeBufferPointer<UInt8>) -> UInt64 {
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
    return fold(state, 0xA076_1D64_78BD_642F)
  }

  /// The high and low halves of the 128-bit product, xored.
  @inline(__always)
  private static func fold(_ value: UInt64, _ multiplier: UInt64) -> UInt64 {
    let product = value.multipliedFullWidth(by: multiplier)
    return product.high ^ product.low
  }
}
