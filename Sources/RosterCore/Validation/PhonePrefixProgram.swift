/// A compiled prefix pattern from libphonenumber's metadata (international_prefix,
/// national_prefix_for_parsing), run with the same leftmost-first backtracking as Python's `re.match`.
///
/// These patterns carry capture groups and a transform rule (`9$1` in AR) and Python's choice among
/// alternatives decides what is stripped, so they are not turned into automata: the generator compiles
/// each into a few dozen instructions over digits, and this type runs them. Most numbers never get past
/// `firstDigits` (a GB number not starting 0 or 1 cannot match `0|180020`).
struct PhonePrefixProgram: Sendable {
  /// How many capture groups the pattern has (0 to 2).
  let groupCount: Int
  /// Bit `d` is set when a match can start with digit `d`.
  let firstDigits: UInt16
  /// Whether the pattern can match the empty string.
  let matchesEmpty: Bool
  /// Where the program's instructions start in the shared code (see `PhoneRegionMetadata.tables`).
  let codeStart: Int

  /// Where a match ended and what its groups captured (offsets into the slice; -1 when unset).
  struct Match {
    var end: Int
    var slots: SIMD4<Int8>

    /// The range group `group` (1 or 2) captured, or nil when it did not take part.
    func group(_ group: Int) -> Range<Int>? {
      let lower = Int(slots[2 * group - 2])
      let upper = Int(slots[2 * group - 1])
      guard lower >= 0, upper >= lower else { return nil }
      return lower..<upper
    }
  }

  private enum Opcode {
    static let match: UInt16 = 0
    static let digits: UInt16 = 1
    static let split: UInt16 = 2
    static let jump: UInt16 = 3
    static let save: UInt16 = 4
    static let endOfInput: UInt16 = 5
  }

  /// The first match at the start of `slice`, as Python's `re.match` finds it; nil when none. `code`
  /// holds every program's instructions.
  func match(_ slice: PhoneDigitSlice, code: [UInt16]) -> Match? {
    if !matchesEmpty {
      guard !slice.isEmpty, firstDigits & (1 &<< UInt16(slice[0])) != 0 else { return nil }
    }
    let length = min(slice.count, PhoneDigitString.capacity - slice.start)
    guard length < Int(Int8.max) else { return nil }
    var slots = SIMD4<Int8>(repeating: -1)
    return code.withUnsafeBufferPointer { code in
      guard let end = Self.run(code, pc: codeStart, position: 0, slice: slice, length: length, slots: &slots)
      else {
        return nil
      }
      return Match(end: end, slots: slots)
    }
  }

  /// Runs from `pc` at `position`; on success returns the end, with `slots` as the successful path left
  /// them; on failure `slots` may hold partial captures, which the caller restores.
  private static func run(
    _ code: UnsafeBufferPointer<UInt16>, pc start: Int, position: Int, slice: PhoneDigitSlice, length: Int,
    slots: inout SIMD4<Int8>
  ) -> Int? {
    var pc = start
    var position = position
    while true {
      switch code[pc] {
      case Opcode.match:
        return position
      case Opcode.digits:
        guard position < length, code[pc + 1] & (1 &<< UInt16(slice[position])) != 0 else { return nil }
        position += 1
        pc += 2
      case Opcode.split:
        let saved = slots
        if let end = run(code, pc: Int(code[pc + 1]), position: position, slice: slice, length: length, slots: &slots) {
          return end
        }
        slots = saved
        pc = Int(code[pc + 2])
      case Opcode.jump:
        pc = Int(code[pc + 1])
      case Opcode.save:
        slots[Int(code[pc + 1]) - 2] = Int8(position)
        pc += 2
      case Opcode.endOfInput:
        guard position == length else { return nil }
        pc += 1
      default:
        return nil
      }
    }
  }
}
