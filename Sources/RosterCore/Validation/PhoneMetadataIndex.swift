/// A set of national-number lengths (0 to 31) as a bit mask.
struct PhoneLengthSet: Hashable, Sendable {
  var bits: UInt32 = 0

  init(_ lengths: some Sequence<Int>) {
    for length in lengths where (0..<32).contains(length) { bits |= 1 &<< UInt32(length) }
  }

  func contains(_ length: Int) -> Bool {
    (0..<32).contains(length) && bits & (1 &<< UInt32(length)) != 0
  }

  var isEmpty: Bool { bits == 0 }
  var minimum: Int { bits.trailingZeroBitCount }
  var maximum: Int { 31 - bits.leadingZeroBitCount }

  /// The lengths as a message says them: `10`, `8 to 10`, `7, 9 or 10`, `5 to 10 or 12`.
  var phrase: String {
    var runs: [String] = []
    var length = 0
    while length < 32 {
      guard contains(length) else {
        length += 1
        continue
      }
      var end = length
      while contains(end + 1) { end += 1 }
      switch end - length {
      case 0: runs.append("\(length)")
      case 1: runs += ["\(length)", "\(end)"]
      default: runs.append("\(length) to \(end)")
      }
      length = end + 1
    }
    guard let last = runs.popLast() else { return "none" }
    return runs.isEmpty ? last : runs.joined(separator: ", ") + " or " + last
  }
}

/// What `_test_number_length` in libphonenumber answers for a national number and a region.
enum PhoneLengthCheck {
  case possible, possibleLocalOnly, tooShort, tooLong, invalidLength
}

/// Lookup tables over `PhoneRegionMetadata`, decoded once on first use.
///
/// National-number patterns are deterministic automata over the ten digits: one per region for its
/// general pattern, and one per calling code accepting exactly the numbers `is_valid_number` accepts (the
/// generator folds in the number types, their lengths and, for shared calling codes, libphonenumber's
/// choice of region). Checking a number is a walk of at most 17 table lookups.
final class PhoneMetadataIndex: Sendable {
  static let shared = PhoneMetadataIndex(rows: PhoneRegionMetadata.all, tables: PhoneRegionMetadata.tables)

  /// What parsing needs about one region (or one non-geographic calling code).
  struct Region: Sendable {
    /// `GB`, or `001` for a non-geographic calling code.
    var code: String
    var callingCode: Int
    /// Slot in `callingCodes`.
    var callingCodeSlot: Int
    var possibleLengths: PhoneLengthSet
    var localOnlyLengths: PhoneLengthSet
    /// Start state of the general pattern's automaton.
    var generalPattern: UInt16
    /// Index in `programs`, or -1.
    var internationalPrefix: Int
    /// Index in `programs`, or -1.
    var nationalPrefix: Int
    /// The national prefix transform rule.
    var transform: PhonePrefixTransform
  }

  /// What validation needs about one calling code, merged over the regions that share it.
  struct CallingCode: Sendable {
    var code: Int
    /// `+44`: how every E.164 number with this code starts.
    var e164Prefix: String
    /// The name messages use: the main region (`GB` for +44, `US` for +1), or `+800` when non-geographic.
    var name: String
    /// Whether more than one region uses the code.
    var isShared: Bool
    /// The national-number lengths possible in at least one region with this code.
    var possibleLengths: PhoneLengthSet
    /// Row in `regions` of the main region, whose metadata parsing uses.
    var mainRegion: Int
    /// Start state of the automaton of valid national numbers.
    var validNumbers: UInt16
  }

  let regions: [Region]
  let callingCodes: [CallingCode]
  /// Slot in `callingCodes` by calling code (0 to 999); -1 when there is none.
  private let slotByCallingCode: [Int16]
  /// Index in `regions` by region (`AA` is 0, `ZZ` is 675); -1 when unknown.
  private let regionByKey: [Int16]
  /// Ten next states per state; state 0 is dead.
  private let transitions: [UInt16]
  /// Bit per state: whether it accepts.
  private let accepting: [UInt8]
  let programs: [PhonePrefixProgram]
  /// The instructions of every program, one after the other.
  private let programCode: [UInt16]

  init(rows: [PhoneRegionMetadata], tables: StaticString) {
    let bytes = tables.withUTF8Buffer { Self.decodeBase64($0) }
    var reader = WordReader(bytes: bytes)
    let stateCount = reader.next()
    let automatonCount = reader.next()
    let starts = reader.next(automatonCount)
    transitions = reader.next(stateCount * 10)
    var programs: [PhonePrefixProgram] = []
    var programCode: [UInt16] = []
    for _ in 0..<reader.next() {
      let groups = reader.next()
      let first = reader.next()
      let length = reader.next()
      programs.append(
        PhonePrefixProgram(
          groupCount: groups, firstDigits: UInt16(first & 0x3FF), matchesEmpty: first & 0x8000 != 0,
          codeStart: programCode.count))
      // Jump targets are relative to the program's start.
      let start = UInt16(programCode.count)
      var code = reader.next(length)
      var pc = 0
      while pc < code.count {
        switch code[pc] {
        case 1, 4: pc += 2
        case 2:
          code[pc + 1] += start
          code[pc + 2] += start
          pc += 3
        case 3:
          code[pc + 1] += start
          pc += 2
        default: pc += 1
        }
      }
      programCode += code
    }
    self.programs = programs
    self.programCode = programCode
    var codeTriples: [(code: Int, mainRow: Int, valid: UInt16)] = []
    for _ in 0..<reader.next() {
      codeTriples.append((reader.next(), reader.next(), UInt16(reader.next())))
    }
    accepting = Array(bytes[reader.offset..<min(bytes.count, reader.offset + (stateCount + 7) / 8)])

    var slots = [Int16](repeating: -1, count: 1000)
    var codes: [CallingCode] = []
    for triple in codeTriples {
      slots[triple.code] = Int16(codes.count)
      let prefix = "+\(triple.code)"
      let main = rows[triple.mainRow]
      codes.append(
        CallingCode(
          code: triple.code, e164Prefix: prefix, name: main.region == "001" ? prefix : main.region,
          isShared: false, possibleLengths: PhoneLengthSet([]), mainRegion: triple.mainRow,
          validNumbers: triple.valid))
    }
    var keys = [Int16](repeating: -1, count: 26 * 26)
    var regions: [Region] = []
    var regionsPerCode = [Int](repeating: 0, count: 1000)
    for (index, row) in rows.enumerated() {
      let slot = Int(slots[row.callingCode])
      let lengths = PhoneLengthSet(row.possibleLengths)
      codes[slot].possibleLengths.bits |= lengths.bits
      regionsPerCode[row.callingCode] += 1
      if let key = Self.regionKey(row.region) { keys[key] = Int16(index) }
      regions.append(
        Region(
          code: row.region, callingCode: row.callingCode, callingCodeSlot: slot, possibleLengths: lengths,
          localOnlyLengths: PhoneLengthSet(row.localOnlyLengths),
          generalPattern: UInt16(starts[row.generalPattern]), internationalPrefix: row.internationalPrefixProgram,
          nationalPrefix: row.nationalPrefixProgram, transform: PhonePrefixTransform(row.nationalPrefixTransform)))
    }
    for slot in codes.indices { codes[slot].isShared = regionsPerCode[codes[slot].code] > 1 }
    self.regions = regions
    self.callingCodes = codes
    self.slotByCallingCode = slots
    self.regionByKey = keys
  }

  /// The row in `regions` for an ISO 3166 alpha-2 region code in any case; nil for anything else, `001`
  /// included.
  func region(forCode code: String) -> Int? {
    guard let key = Self.regionKey(code), regionByKey[key] >= 0 else { return nil }
    return Int(regionByKey[key])
  }

  /// The calling code that `digits` begin with and how many digits it has, as libphonenumber's
  /// `_extract_country_code` finds it: none starts with 0; the shortest known prefix of 1 to 3 digits.
  func callingCode(at digits: PhoneDigitSlice) -> (slot: Int, length: Int)? {
    guard !digits.isEmpty, digits[0] != 0 else { return nil }
    var code = 0
    for length in 1...3 where length <= digits.count {
      code = code * 10 + Int(digits[length - 1])
      if slotByCallingCode[code] >= 0 { return (Int(slotByCallingCode[code]), length) }
    }
    return nil
  }

  /// The first match of program `program` at the start of `digits`, as Python's `re.match` finds it.
  func match(program: Int, _ digits: PhoneDigitSlice) -> PhonePrefixProgram.Match? {
    programs[program].match(digits, code: programCode)
  }

  // MARK: Automata

  /// The state after reading `digits` from `start`, or 0 (dead) as soon as no accepted string can follow;
  /// `consumed` is how many digits were read before the walk died (all of them when it did not).
  func walk(_ start: UInt16, _ digits: PhoneDigitSlice) -> (state: UInt16, consumed: Int) {
    transitions.withUnsafeBufferPointer { table in
      var state = Int(start)
      var offset = 0
      while offset < digits.count {
        let next = Int(table[state &* 10 &+ Int(digits[offset])])
        if next == 0 { return (0, offset) }
        state = next
        offset += 1
      }
      return (UInt16(state), offset)
    }
  }

  func accepts(_ state: UInt16) -> Bool {
    accepting[Int(state) >> 3] & (1 &<< (state & 7)) != 0
  }

  /// Whether the automaton starting at `start` accepts the whole of `digits`.
  func matches(_ start: UInt16, _ digits: PhoneDigitSlice) -> Bool {
    guard digits.count <= 17, digits.end <= PhoneDigitString.capacity else { return false }
    let (state, consumed) = walk(start, digits)
    return consumed == digits.count && state != 0 && accepts(state)
  }

  /// How many more digits after `state` lead to acceptance (bit n set for n more digits), up to 17.
  func completions(from state: UInt16) -> PhoneLengthSet {
    var result = PhoneLengthSet([])
    var frontier: Set<UInt16> = [state]
    for extra in 0...17 {
      var next: Set<UInt16> = []
      for current in frontier where current != 0 {
        if accepts(current) { result.bits |= 1 &<< UInt32(extra) }
        for digit in 0..<10 { next.insert(transitions[Int(current) * 10 + digit]) }
      }
      next.remove(0)
      if next.isEmpty { break }
      frontier = next
    }
    return result
  }

  // MARK: Decoding

  /// Little-endian 16-bit words from the decoded tables.
  private struct WordReader {
    let bytes: [UInt8]
    var offset = 0

    mutating func next() -> Int {
      defer { offset += 2 }
      guard offset + 1 < bytes.count else { return 0 }
      return Int(bytes[offset]) | Int(bytes[offset + 1]) << 8
    }

    mutating func next(_ count: Int) -> [UInt16] {
      (0..<count).map { _ in UInt16(next()) }
    }
  }

  /// Decodes base64, skipping line breaks and spaces (the generated literal is wrapped).
  private static func decodeBase64(_ text: UnsafeBufferPointer<UInt8>) -> [UInt8] {
    var output: [UInt8] = []
    output.reserveCapacity(text.count / 4 * 3)
    var accumulator: UInt32 = 0
    var bits = 0
    for byte in text {
      let value: UInt8
      switch byte {
      case UInt8(ascii: "A")...UInt8(ascii: "Z"): value = byte - UInt8(ascii: "A")
      case UInt8(ascii: "a")...UInt8(ascii: "z"): value = byte - UInt8(ascii: "a") + 26
      case UInt8(ascii: "0")...UInt8(ascii: "9"): value = byte - UInt8(ascii: "0") + 52
      case UInt8(ascii: "+"): value = 62
      case UInt8(ascii: "/"): value = 63
      default: continue  // `=` padding, line breaks, indentation
      }
      accumulator = accumulator << 6 | UInt32(value)
      bits += 6
      if bits >= 8 {
        bits -= 8
        output.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
      }
    }
    return output
  }

  /// `AA` is 0, `ZZ` is 675, for two ASCII letters in any case; nil otherwise.
  private static func regionKey(_ code: String) -> Int? {
    var key = 0
    var count = 0
    for byte in code.utf8 {
      count += 1
      guard count <= 2 else { return nil }
      let upper = byte & 0xDF  // ASCII lower case to upper case; other bytes stay out of range.
      guard (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(upper), byte & 0x80 == 0 else { return nil }
      key = key * 26 + Int(upper - UInt8(ascii: "A"))
    }
    return count == 2 ? key : nil
  }
}

/// A national prefix transform rule (`9$1`, `0549$1`, `$2`) packed into one word, so a region's facts
/// copy without reference counting: up to 15 tokens of 4 bits, each a digit (0 to 9) or a group
/// (10 + n for `$n`).
struct PhonePrefixTransform: Sendable {
  private var tokens: UInt64 = 0
  /// How many tokens; 0 when the region has no rule.
  private(set) var count = 0

  init(_ rule: String) {
    var afterDollar = false
    for byte in rule.utf8 where count < 15 {
      if byte == UInt8(ascii: "$") {
        afterDollar = true
        continue
      }
      let value = UInt64(byte &- UInt8(ascii: "0")) + (afterDollar ? 10 : 0)
      tokens |= value << (4 * UInt64(count))
      count += 1
      afterDollar = false
    }
  }

  var isEmpty: Bool { count == 0 }

  /// Token `index`: a digit value, or 10 + n for group n.
  subscript(index: Int) -> Int { Int((tokens >> (4 * UInt64(index))) & 0xF) }
}
