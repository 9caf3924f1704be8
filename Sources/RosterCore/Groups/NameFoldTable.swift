/// Per-scalar results of the name key (`GroupDirectory.normalizedName`) and of `String.lowercased()`
/// for two-byte UTF-8 scalars, so names and emails in Latin, Greek, Cyrillic and Armenian script
/// normalize in a byte loop instead of the Unicode path (grapheme split, case mapping, NFC).
///
/// Every entry is made by the Unicode path itself, once, from the one scalar alone; a scalar is
/// folded by the table only when its result cannot depend on its neighbours:
/// - it is a letter, number, punctuation or symbol with canonical combining class 0 (not a mark,
///   control or format character), so it is a grapheme cluster of its own and NFC never reorders
///   or composes across it;
/// - its folded form begins with such a scalar (or ASCII that is not white space) and holds no
///   white space.
/// Both the Unicode path's case mapping and `String.lowercased()` map scalar by scalar, without
/// context, so a name made only of such scalars folds to the concatenation of their entries. Any
/// other scalar (a combining mark, a scalar of three or more UTF-8 bytes, ...) sends the whole name
/// back to the Unicode path, which stays the reference.
final class NameFoldTable: Sendable {
  /// The first scalar the table covers; below it is ASCII, folded in code.
  static let firstScalar: UInt32 = 0x80
  /// One past the last scalar the name table covers.
  static let nameScalarEnd: UInt32 = 0x590
  /// One past the last scalar the lowercase table covers: every two-byte UTF-8 scalar.
  static let lowercaseScalarEnd: UInt32 = 0x800

  /// An entry for a scalar the table does not fold: the whole text takes the Unicode path.
  static let unsupported: UInt32 = 0
  /// A name-table entry for a white space scalar (a word separator).
  static let whiteSpace: UInt32 = .max

  /// For each scalar from `firstScalar` to `nameScalarEnd`: `unsupported`, `whiteSpace`, or the
  /// offset of its folded UTF-8 in `bytes` shifted left by 8, or'ed with its length (1 to 255).
  let nameEntries: [UInt32]
  /// For each scalar from `firstScalar` to `lowercaseScalarEnd`: `unsupported` or its
  /// `String.lowercased()` UTF-8, encoded as in `nameEntries`.
  let lowercaseEntries: [UInt32]
  /// The folded forms, back to back.
  let bytes: [UInt8]
  /// The most UTF-8 bytes a name's fold can take per byte of the name.
  let nameExpansion: Int
  /// The most UTF-8 bytes a lowercased text can take per byte of the text.
  let lowercaseExpansion: Int

  /// The table, built on first use (a few milliseconds, once per process).
  static let shared = NameFoldTable()

  init() {
    var bytes: [UInt8] = []
    var nameExpansion = 1
    var lowercaseExpansion = 1
    /// Stores `folded` and returns its entry.
    func entry(for folded: String) -> UInt32 {
      let utf8 = Array(folded.utf8)
      let offset = bytes.count
      bytes += utf8
      return UInt32(offset) << 8 | UInt32(utf8.count)
    }
    var nameEntries = [UInt32](repeating: Self.unsupported, count: Int(Self.nameScalarEnd - Self.firstScalar))
    var lowercaseEntries = [UInt32](
      repeating: Self.unsupported, count: Int(Self.lowercaseScalarEnd - Self.firstScalar))
    for value in Self.firstScalar..<Self.lowercaseScalarEnd {
      guard let scalar = Unicode.Scalar(value) else { continue }
      let index = Int(value - Self.firstScalar)
      let lowercase = String(scalar).lowercased()
      if lowercase.utf8.count < 256 {
        lowercaseEntries[index] = entry(for: lowercase)
        lowercaseExpansion = max(lowercaseExpansion, (lowercase.utf8.count + 1) / 2)
      }
      guard value < Self.nameScalarEnd else { continue }
      if Character(scalar).isWhitespace {
        nameEntries[index] = Self.whiteSpace
        continue
      }
      guard Self.standsAlone(scalar) else { continue }
      let folded = GroupDirectory.unicodeNormalizedName(String(scalar))
      guard let first = folded.unicodeScalars.first, folded.utf8.count < 256,
        first.isASCII ? !Character(first).isWhitespace : Self.standsAlone(first),
        !folded.contains(where: \.isWhitespace)
      else { continue }
      nameEntries[index] = entry(for: folded)
      nameExpansion = max(nameExpansion, (folded.utf8.count + 1) / 2)
    }
    self.nameEntries = nameEntries
    self.lowercaseEntries = lowercaseEntries
    self.bytes = bytes
    self.nameExpansion = nameExpansion
    self.lowercaseExpansion = lowercaseExpansion
  }

  /// Whether `scalar` (a two-byte UTF-8 scalar) is a letter, number, punctuation or symbol with
  /// combining class 0 that forms a grapheme cluster of its own between letters and after a space.
  private static func standsAlone(_ scalar: Unicode.Scalar) -> Bool {
    guard scalar.value >= firstScalar, scalar.value < nameScalarEnd,
      scalar.properties.canonicalCombiningClass == .notReordered
    else { return false }
    switch scalar.properties.generalCategory {
    case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter, .decimalNumber,
      .letterNumber, .otherNumber, .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
      .initialPunctuation, .finalPunctuation, .otherPunctuation, .mathSymbol, .currencySymbol, .modifierSymbol,
      .otherSymbol:
      let text = String(scalar)
      return ("a" + text + "a").count == 3 && (" " + text + " ").count == 3
    default:
      return false
    }
  }

  /// Writes `GroupDirectory.normalizedName` of the UTF-8 `name` to `output` (room for
  /// `name.count * nameExpansion` bytes) and returns its length, or returns `nil` when `name` has a
  /// scalar the table does not fold.
  func foldName(_ name: UnsafeBufferPointer<UInt8>, into output: UnsafeMutablePointer<UInt8>) -> Int? {
    nameEntries.withUnsafeBufferPointer { entries in
      bytes.withUnsafeBufferPointer { folded in
        var count = 0
        var pendingSpace = false
        var index = 0
        let end = name.count
        while index < end {
          let byte = name[index]
          if byte < 0x80 {
            index += 1
            Self.foldASCII(byte, into: output, count: &count, pendingSpace: &pendingSpace)
            continue
          }
          guard let scalar = Self.twoByteScalar(name, at: index), scalar < Self.nameScalarEnd else { return nil }
          index += 2
          let entry = entries[Int(scalar - Self.firstScalar)]
          if entry == Self.unsupported { return nil }
          if entry == Self.whiteSpace {
            pendingSpace = count != 0
            continue
          }
          if pendingSpace {
            output[count] = 0x20
            count += 1
            pendingSpace = false
          }
          count += Self.copy(entry, from: folded, to: output + count)
        }
        return count
      }
    }
  }

  /// Folds one ASCII byte of a name as the name key does: white space (what `Character.isWhitespace`
  /// says of ASCII: tab, LF, VT, FF, CR and space) becomes one space between words and nothing at the
  /// ends, A to Z become lowercase. `pendingSpace` carries a space not written yet.
  @inline(__always)
  static func foldASCII(
    _ byte: UInt8, into output: UnsafeMutablePointer<UInt8>, count: inout Int, pendingSpace: inout Bool
  ) {
    if byte == 0x20 || (0x09...0x0D).contains(byte) {
      pendingSpace = count != 0
      return
    }
    if pendingSpace {
      output[count] = 0x20
      count += 1
      pendingSpace = false
    }
    output[count] = (0x41...0x5A).contains(byte) ? byte | 0x20 : byte
    count += 1
  }

  /// Writes `String.lowercased()` of the UTF-8 `text` to `output` (room for
  /// `text.count * lowercaseExpansion` bytes) and returns its length, or returns `nil` when `text`
  /// has a scalar of three or more UTF-8 bytes.
  func lowercase(_ text: UnsafeBufferPointer<UInt8>, into output: UnsafeMutablePointer<UInt8>) -> Int? {
    lowercaseEntries.withUnsafeBufferPointer { entries in
      bytes.withUnsafeBufferPointer { folded in
        var count = 0
        var index = 0
        let end = text.count
        while index < end {
          let byte = text[index]
          if byte < 0x80 {
            output[count] = (0x41...0x5A).contains(byte) ? byte | 0x20 : byte
            count += 1
            index += 1
            continue
          }
          guard let scalar = Self.twoByteScalar(text, at: index) else { return nil }
          index += 2
          let entry = entries[Int(scalar - Self.firstScalar)]
          if entry == Self.unsupported { return nil }
          count += Self.copy(entry, from: folded, to: output + count)
        }
        return count
      }
    }
  }

  /// The scalar of the two-byte UTF-8 sequence at `index`, or `nil` for any other sequence.
  @inline(__always)
  private static func twoByteScalar(_ utf8: UnsafeBufferPointer<UInt8>, at index: Int) -> UInt32? {
    let lead = utf8[index]
    guard lead >= 0xC2, lead < 0xE0, index + 1 < utf8.count else { return nil }
    let trail = utf8[index + 1]
    guard trail & 0xC0 == 0x80 else { return nil }
    return UInt32(lead & 0x1F) << 6 | UInt32(trail & 0x3F)
  }

  /// Copies the folded bytes `entry` names to `output` and returns how many.
  @inline(__always)
  private static func copy(
    _ entry: UInt32, from folded: UnsafeBufferPointer<UInt8>, to output: UnsafeMutablePointer<UInt8>
  ) -> Int {
    let offset = Int(entry >> 8)
    let length = Int(entry & 0xFF)
    for position in 0..<length { output[position] = folded[offset + position] }
    return length
  }
}
