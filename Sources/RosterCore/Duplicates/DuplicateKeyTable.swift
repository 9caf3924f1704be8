/// The first row of each distinct duplicate key: an open-addressing hash table of fixed-size entries.
///
/// A slot is 20 bytes (a 16-byte `DuplicateDigest` in two `UInt64` arrays and the row index + 1 as a
/// `UInt32`, 0 marking an empty slot), plus 16 more when `keepsIDs` (the first row's id as UUID bytes;
/// an id that is not a lowercase UUID goes to a side dictionary). Linear probing; the capacity doubles
/// when three quarters are used, so the table holds 1.33 to 2.67 slots per key: 27 to 53 bytes per
/// distinct key (36 to 107 with ids). Memory grows with the distinct keys, never with whole records.
public struct DuplicateKeyTable {
  private var highs: [UInt64]
  private var lows: [UInt64]
  private var rows: [UInt32]
  private var idHighs: [UInt64] = []
  private var idLows: [UInt64] = []
  private var otherIDs: [Int: String] = [:]
  /// Whether the first row's id is kept (merges that attribute group memberships need it).
  public let keepsIDs: Bool
  /// Distinct keys inserted.
  public private(set) var count = 0

  /// An empty table with room for `capacity` slots (rounded up to a power of two, at least 1,024).
  public init(keepsIDs: Bool = false, capacity: Int = 1024) {
    var size = 1024
    while size < capacity { size <<= 1 }
    self.keepsIDs = keepsIDs
    (highs, lows, rows) = ([], [], [])
    allocateSlots(size)
  }

  /// The bytes the table's slots take (what "bytes per distinct key" divides).
  public var byteCount: Int {
    rows.count * (keepsIDs ? 36 : 20) + otherIDs.count * 48
  }

  /// The first row that had `digest`, with its id when kept; or `nil` after recording `row` (and `id`)
  /// as the first.
  ///
  /// - Throws: `RosterError` when `row` does not fit the table's 32-bit row indexes (over 4,294,967,294 rows).
  public mutating func firstOccurrence(of digest: DuplicateDigest, row: Int, id: String = "") throws(RosterError)
    -> (row: Int, id: String?)?
  {
    guard row >= 0 && row < Int(UInt32.max) else {
      throw RosterError(.input, "more than \(UInt32.max - 1) rows: too many for --dedupe")
    }
    var slot = Int(truncatingIfNeeded: digest.low) & (rows.count - 1)
    while rows[slot] != 0 {
      if highs[slot] == digest.high && lows[slot] == digest.low {
        return (Int(rows[slot]) - 1, keepsIDs ? storedID(at: slot) : nil)
      }
      slot = (slot + 1) & (rows.count - 1)
    }
    highs[slot] = digest.high
    lows[slot] = digest.low
    rows[slot] = UInt32(row + 1)
    if keepsIDs { storeID(id, at: slot) }
    count += 1
    if count * 4 >= rows.count * 3 { grow() }
    return nil
  }

  private mutating func storeID(_ id: String, at slot: Int) {
    if let bytes = NameBasedUUID.bytes(ofText: id) {
      var high: UInt64 = 0
      var low: UInt64 = 0
      for index in 0..<8 {
        high = high << 8 | UInt64(bytes[index])
        low = low << 8 | UInt64(bytes[8 + index])
      }
      idHighs[slot] = high
      idLows[slot] = low
    } else {
      otherIDs[Int(rows[slot])] = id
    }
  }

  private func storedID(at slot: Int) -> String {
    if let other = otherIDs[Int(rows[slot])] { return other }
    var bytes: [UInt8] = []
    bytes.reserveCapacity(16)
    for shift in stride(from: 56, through: 0, by: -8) {
      bytes.append(UInt8(truncatingIfNeeded: idHighs[slot] >> UInt64(shift)))
    }
    for shift in stride(from: 56, through: 0, by: -8) {
      bytes.append(UInt8(truncatingIfNeeded: idLows[slot] >> UInt64(shift)))
    }
    return NameBasedUUID.text(of: bytes)
  }

  /// Replaces the slot arrays with `size` empty slots.
  private mutating func allocateSlots(_ size: Int) {
    highs = Array(repeating: 0, count: size)
    lows = Array(repeating: 0, count: size)
    rows = Array(repeating: 0, count: size)
    if keepsIDs {
      idHighs = Array(repeating: 0, count: size)
      idLows = Array(repeating: 0, count: size)
    }
  }

  /// Doubles the capacity and re-inserts every entry.
  private mutating func grow() {
    let oldHighs = highs
    let oldLows = lows
    let oldRows = rows
    let oldIDHighs = idHighs
    let oldIDLows = idLows
    let size = oldRows.count * 2
    allocateSlots(size)
    for old in oldRows.indices where oldRows[old] != 0 {
      var slot = Int(truncatingIfNeeded: oldLows[old]) & (size - 1)
      while rows[slot] != 0 { slot = (slot + 1) & (size - 1) }
      highs[slot] = oldHighs[old]
      lows[slot] = oldLows[old]
      rows[slot] = oldRows[old]
      if keepsIDs {
        idHighs[slot] = oldIDHighs[old]
        idLows[slot] = oldIDLows[old]
      }
    }
  }
}
