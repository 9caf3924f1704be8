public import RosterCore

/// A text encoding Roster can read.
public enum TextEncoding: String, Hashable, Sendable, CaseIterable {
  case utf8 = "UTF-8"
  case utf16LE = "UTF-16LE"
  case utf16BE = "UTF-16BE"
  /// Windows-1252 as the WHATWG Encoding Standard defines it (also what `ISO-8859-1` and `latin1`
  /// labels mean on the web).
  case windows1252 = "windows-1252"

  /// The encoding a charset label names (`utf-8`, `UTF-16LE`, `cp1252`, `latin1`…), or `nil`.
  ///
  /// `US-ASCII` gives `nil` on purpose: text labelled ASCII that is not is far more often UTF-8 than
  /// Windows-1252, so the caller should detect (`.automatic`).
  public init?(charsetName: String) {
    switch charsetName.lowercased().trimmingASCIISpaces {
    case "utf-8", "utf8", "unicode-1-1-utf-8": self = .utf8
    case "utf-16le", "utf-16": self = .utf16LE
    case "utf-16be": self = .utf16BE
    case "windows-1252", "cp1252", "x-cp1252", "iso-8859-1", "iso8859-1", "latin1", "l1",
      "cp819", "ibm819", "iso-ir-100":
      self = .windows1252
    default: return nil
    }
  }
}

/// Which encoding a `TranscodingSource` reads.
public enum TextEncodingSelection: Hashable, Sendable {
  /// A byte order mark decides; without one, UTF-16 when the first 64 KiB look like it (see
  /// `TranscodingSource.detect()`), else UTF-8 unless they are not valid UTF-8, and then Windows-1252.
  case automatic
  /// This encoding, whatever the input looks like (a matching byte order mark is dropped, except UTF-8's).
  case fixed(TextEncoding)
}

/// Turns UTF-16 or Windows-1252 text into UTF-8 as it is read, and passes UTF-8 through unchanged.
///
/// - UTF-8 bytes (with or without a byte order mark) are passed through untouched; readers downstream
///   report any invalid sequence where it is.
/// - UTF-16 (by byte order mark, or `.fixed`) is decoded, surrogate pairs included, even when a pair is
///   split across reads; an unpaired surrogate or an odd final byte throws, naming the byte offset.
/// - Windows-1252 maps all 256 bytes as the WHATWG table does (0x80 is €; the five bytes it leaves
///   undefined become U+0081, U+008D, U+008F, U+0090 and U+009D).
///
/// ```swift
/// let text = TranscodingSource(upstream: try InputFile(path: path), displayName: path)
/// if try text.detect() == .windows1252, text.fellBackFromUTF8 { /* warn */ }
/// let reader = CSVRecordReader(source: text, displayName: path)
/// ```
///
/// Complexity: O(n) in the input, constant memory (about 256 KiB of buffers).
public final class TranscodingSource<Upstream: ByteSource>: ByteSource {
  private static var bufferSize: Int { 1 << 16 }
  /// Windows-1252 needs up to 3 output bytes per input byte; UTF-16 up to 2.
  private static var outputCapacity: Int { 3 << 16 }

  private var upstream: Upstream
  /// The input's display name, for messages.
  public let displayName: String
  /// What the caller asked for.
  public let selection: TextEncodingSelection
  /// The encoding being read; `nil` until `detect()` or the first `read(into:)`.
  public private(set) var encoding: TextEncoding?
  /// Whether automatic detection chose Windows-1252 because the input is not valid UTF-8 (worth a warning).
  public private(set) var fellBackFromUTF8 = false
  /// Whether automatic detection chose UTF-16 without a byte order mark, from its zero bytes (worth a warning).
  public private(set) var guessedUTF16 = false
  /// Bytes taken from the upstream so far, for progress.
  public private(set) var bytesRead = 0

  private let input: UnsafeMutablePointer<UInt8>
  private var inCursor = 0
  private var inEnd = 0
  /// The offset in the whole input of `input[0]`.
  private var inBase = 0
  private var upstreamEnded = false

  private let output: UnsafeMutablePointer<UInt8>
  private var outCursor = 0
  private var outEnd = 0

  // UTF-16 state carried across chunks.
  private var pendingByte: UInt8?
  private var pendingHighSurrogate: UInt16?
  private var pendingHighSurrogateOffset = 0

  public init(upstream: Upstream, displayName: String, encoding: TextEncodingSelection = .automatic) {
    self.upstream = upstream
    self.displayName = displayName
    selection = encoding
    input = .allocate(capacity: Self.bufferSize)
    output = .allocate(capacity: Self.outputCapacity)
  }

  deinit {
    input.deallocate()
    output.deallocate()
  }

  /// Decides the encoding (reading up to the first 64 KiB), if not done yet, and returns it.
  ///
  /// Without a byte order mark, the first 64 KiB are read as UTF-16 when at least a quarter of their
  /// 16-bit units have a zero high byte (ASCII, as every CSV's delimiters and line breaks are), at
  /// most a sixteenth as many have a zero low byte, and they hold no unpaired surrogate: text in
  /// UTF-8 or Windows-1252 has no zero bytes at all.
  @discardableResult
  public func detect() throws(RosterError) -> TextEncoding {
    if let encoding { return encoding }
    // Fill the first buffer completely so the decision sees the whole 64 KiB (or the whole input).
    while !upstreamEnded && inEnd < Self.bufferSize {
      let count = try upstream.read(
        into: UnsafeMutableRawBufferPointer(start: input + inEnd, count: Self.bufferSize - inEnd))
      if count == 0 { upstreamEnded = true }
      inEnd += count
      bytesRead += count
    }
    let prefix = UnsafeBufferPointer(start: input, count: inEnd)
    let bom = Self.byteOrderMark(prefix)
    let chosen: TextEncoding
    switch selection {
    case .fixed(let fixed):
      chosen = fixed
      if let bom, bom.encoding == fixed, fixed != .utf8 { inCursor = bom.length }
    case .automatic:
      if let bom {
        chosen = bom.encoding
        if bom.encoding != .utf8 { inCursor = bom.length }
      } else if let utf16 = Self.bomlessUTF16(prefix, complete: upstreamEnded) {
        chosen = utf16
        guessedUTF16 = true
      } else if UTF8Validation.firstInvalidOffset(in: prefix, allowingTruncatedEnd: !upstreamEnded) == nil {
        chosen = .utf8
      } else {
        chosen = .windows1252
        fellBackFromUTF8 = true
      }
    }
    encoding = chosen
    return chosen
  }

  public func read(into buffer: UnsafeMutableRawBufferPointer) throws(RosterError) -> Int {
    let encoding = try detect()
    while outCursor == outEnd {
      if inCursor == inEnd {
        try refill()
        if inCursor == inEnd {
          try finish()
          return 0
        }
      }
      outCursor = 0
      switch encoding {
      case .utf8:
        // Hand the input bytes straight over.
        let count = min(buffer.count, inEnd - inCursor)
        buffer.baseAddress?.copyMemory(from: input + inCursor, byteCount: count)
        inCursor += count
        return count
      case .windows1252: outEnd = decodeWindows1252()
      case .utf16LE: outEnd = try decodeUTF16(bigEndian: false)
      case .utf16BE: outEnd = try decodeUTF16(bigEndian: true)
      }
    }
    let count = min(buffer.count, outEnd - outCursor)
    buffer.baseAddress?.copyMemory(from: output + outCursor, byteCount: count)
    outCursor += count
    return count
  }

  private func decodeWindows1252() -> Int {
    var out = 0
    for index in inCursor..<inEnd {
      let byte = input[index]
      if byte < 0x80 {
        output[out] = byte
        out += 1
      } else {
        let scalar = byte < 0xA0 ? Windows1252.high[Int(byte - 0x80)] : UInt16(byte)
        out += Self.encodeUTF8(UInt32(scalar), at: output + out)
      }
    }
    inCursor = inEnd
    return out
  }

  private func decodeUTF16(bigEndian: Bool) throws(RosterError) -> Int {
    var out = 0
    var cursor = inCursor
    while true {
      let unit: UInt16
      let unitOffset: Int
      if let first = pendingByte {
        guard cursor < inEnd else { break }
        let second = input[cursor]
        unit = bigEndian ? UInt16(first) << 8 | UInt16(second) : UInt16(second) << 8 | UInt16(first)
        unitOffset = inBase + cursor - 1
        pendingByte = nil
        cursor += 1
      } else if inEnd - cursor >= 2 {
        let first = input[cursor]
        let second = input[cursor + 1]
        unit = bigEndian ? UInt16(first) << 8 | UInt16(second) : UInt16(second) << 8 | UInt16(first)
        unitOffset = inBase + cursor
        cursor += 2
      } else {
        if cursor < inEnd {
          pendingByte = input[cursor]
          cursor += 1
        }
        break
      }
      if let high = pendingHighSurrogate {
        guard (0xDC00...0xDFFF).contains(unit) else {
          throw unpairedSurrogate(high, at: pendingHighSurrogateOffset)
        }
        pendingHighSurrogate = nil
        let scalar = 0x10000 + (UInt32(high - 0xD800) << 10 | UInt32(unit - 0xDC00))
        out += Self.encodeUTF8(scalar, at: output + out)
      } else if (0xD800...0xDBFF).contains(unit) {
        pendingHighSurrogate = unit
        pendingHighSurrogateOffset = unitOffset
      } else if (0xDC00...0xDFFF).contains(unit) {
        throw unpairedSurrogate(unit, at: unitOffset)
      } else {
        out += Self.encodeUTF8(UInt32(unit), at: output + out)
      }
    }
    inCursor = cursor
    return out
  }

  private func finish() throws(RosterError) {
    if let high = pendingHighSurrogate {
      throw unpairedSurrogate(high, at: pendingHighSurrogateOffset)
    }
    if pendingByte != nil {
      throw RosterError(
        .input, file: displayName,
        "the UTF-16 text ends in the middle of a character at byte offset \(inBase + inEnd - 1) "
          + "(an odd number of bytes); was the file cut short?")
    }
  }

  private func unpairedSurrogate(_ unit: UInt16, at offset: Int) -> RosterError {
    RosterError(
      .input, file: displayName,
      "invalid UTF-16: unpaired surrogate 0x\(String(unit, radix: 16, uppercase: true)) at byte offset \(offset)")
  }

  private func refill() throws(RosterError) {
    guard !upstreamEnded else { return }
    inBase += inEnd
    inCursor = 0
    inEnd = 0
    let count = try upstream.read(into: UnsafeMutableRawBufferPointer(start: input, count: Self.bufferSize))
    if count == 0 { upstreamEnded = true }
    inEnd = count
    bytesRead += count
  }

  // MARK: - Encoding helpers

  private static func byteOrderMark(_ bytes: UnsafeBufferPointer<UInt8>) -> (encoding: TextEncoding, length: Int)? {
    if bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF { return (.utf8, 3) }
    if bytes.count >= 2 && bytes[0] == 0xFF && bytes[1] == 0xFE { return (.utf16LE, 2) }
    if bytes.count >= 2 && bytes[0] == 0xFE && bytes[1] == 0xFF { return (.utf16BE, 2) }
    return nil
  }

  /// The UTF-16 byte order that `bytes` (the start of an input without a byte order mark) are written
  /// in, or `nil` when they do not look like UTF-16 (see `detect()`).
  static func bomlessUTF16(_ bytes: UnsafeBufferPointer<UInt8>, complete: Bool) -> TextEncoding? {
    let units = bytes.count / 2
    guard units >= 2, !complete || bytes.count % 2 == 0 else { return nil }
    var zeroEven = 0
    var zeroOdd = 0
    for index in 0..<units {
      if bytes[2 * index] == 0 { zeroEven += 1 }
      if bytes[2 * index + 1] == 0 { zeroOdd += 1 }
    }
    let encoding: TextEncoding
    // Some non-ASCII units have a zero low byte too (U+4E00, half of a surrogate pair): allow a few.
    if zeroOdd * 4 >= units && zeroEven * 16 <= zeroOdd {
      encoding = .utf16LE
    } else if zeroEven * 4 >= units && zeroOdd * 16 <= zeroEven {
      encoding = .utf16BE
    } else {
      return nil
    }
    // Surrogates must pair up; a high surrogate cut off by the end of the window is fine.
    var expectingLow = false
    for index in 0..<units {
      let first = UInt16(bytes[2 * index])
      let second = UInt16(bytes[2 * index + 1])
      let unit = encoding == .utf16LE ? second << 8 | first : first << 8 | second
      let isLow = (0xDC00...0xDFFF).contains(unit)
      if expectingLow != isLow { return nil }
      expectingLow = (0xD800...0xDBFF).contains(unit)
    }
    return encoding
  }

  /// Writes `scalar` as UTF-8 at `destination`; returns the byte count.
  private static func encodeUTF8(_ scalar: UInt32, at destination: UnsafeMutablePointer<UInt8>) -> Int {
    switch scalar {
    case 0..<0x80:
      destination[0] = UInt8(scalar)
      return 1
    case 0x80..<0x800:
      destination[0] = UInt8(0xC0 | scalar >> 6)
      destination[1] = UInt8(0x80 | scalar & 0x3F)
      return 2
    case 0x800..<0x10000:
      destination[0] = UInt8(0xE0 | scalar >> 12)
      destination[1] = UInt8(0x80 | scalar >> 6 & 0x3F)
      destination[2] = UInt8(0x80 | scalar & 0x3F)
      return 3
    default:
      destination[0] = UInt8(0xF0 | scalar >> 18)
      destination[1] = UInt8(0x80 | scalar >> 12 & 0x3F)
      destination[2] = UInt8(0x80 | scalar >> 6 & 0x3F)
      destination[3] = UInt8(0x80 | scalar & 0x3F)
      return 4
    }
  }

}

extension String {
  fileprivate var trimmingASCIISpaces: Substring {
    let trimmed = drop { $0 == " " || $0 == "\t" }
    return trimmed.prefix(trimmed.count - trimmed.reversed().prefix { $0 == " " || $0 == "\t" }.count)
  }
}

/// The WHATWG Windows-1252 table.
enum Windows1252 {
  /// WHATWG index-windows-1252 for 0x80–0x9F (0xA0–0xFF are U+00A0–U+00FF).
  static let high: [UInt16] = [
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
    0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
  ]
}
