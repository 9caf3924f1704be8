public import RosterCore

/// Streams the decoded body of an RFC 2397 `data:` URL, such as a PackageX export
/// `data:text/csv;charset=utf-8;base64,bmFtZSxlbWFpbA0K...`.
///
/// The header (`data:[<mediatype>][;parameter=value]*[;base64],`) is read first, by `readHeader()` or
/// by the first `read(into:)`; then the body is decoded as it is read: base64 (white space and line
/// breaks ignored, `=` padding required on the last group) or percent-encoded (`%2C`). Nothing is
/// held beyond two fixed buffers, whatever the size of the input.
///
/// Errors name the byte offset (0-based, counted from the first byte of the input) of the problem.
///
/// ```swift
/// let body = DataURLSource(upstream: try InputFile(path: "export.txt"), displayName: "export.txt")
/// try body.readHeader()  // body.mediaType == "text/csv", body.parameters["charset"] == "utf-8"
/// let reader = CSVRecordReader(source: body, displayName: "export.txt")
/// ```
///
/// Complexity: O(n) in the input, constant memory.
public final class DataURLSource<Upstream: ByteSource>: ByteSource {
  /// PackageX's soft cap on the size of a data URL, in bytes.
  public static var defaultMaxEncodedBytes: Int { 7_500_000 }
  /// The longest header (`data:` up to the comma) accepted before giving up.
  public static var maxHeaderBytes: Int { 4096 }

  private static var bufferSize: Int { 1 << 16 }

  private enum Body {
    case base64
    case percent
  }

  private var upstream: Upstream
  /// The input's display name, for messages.
  public let displayName: String
  /// More encoded bytes than this (header included) stop the run.
  public let maxEncodedBytes: Int

  /// The media type, lowercased (`text/csv`); `text/plain` when the URL names none, as RFC 2397 says.
  public private(set) var mediaType = "text/plain"
  /// The media type's parameters (`charset` and others), keys lowercased, values percent-decoded.
  ///
  /// RFC 2397's implied `charset=US-ASCII` is not added: without a `charset`, detect the encoding
  /// (`TranscodingSource` with `.automatic`), since exports often hold UTF-8 without saying so.
  public private(set) var parameters: [String: String] = [:]
  /// Whether the body is base64 (`;base64`), rather than percent-encoded.
  public private(set) var isBase64 = false
  /// Bytes taken from the upstream so far, for progress.
  public private(set) var bytesRead = 0

  private let input: UnsafeMutablePointer<UInt8>
  private var inCursor = 0
  private var inEnd = 0
  /// The offset in the whole input of `input[0]`.
  private var inBase = 0
  private var upstreamEnded = false
  private var headerRead = false

  private let output: UnsafeMutablePointer<UInt8>
  private var outCursor = 0
  private var outEnd = 0
  private var finished = false

  // Base64 state: sextets of the current group, and where the group started.
  private var group: UInt32 = 0
  private var groupCount = 0
  private var groupStart = 0
  /// 0 while reading data; else how many `=` have been seen (1 or 2).
  private var padding = 0
  /// Whether the group before the padding was complete (then no more data may follow).
  private var paddingComplete = false
  // Percent state: 0 outside an escape, 1 after `%`, 2 after `%X`.
  private var escapeStep = 0
  private var escapeHigh: UInt8 = 0
  private var escapeStart = 0

  /// Wraps `upstream`, whose bytes must be a data URL (leading white space is skipped).
  public init(
    upstream: Upstream, displayName: String, maxEncodedBytes: Int = DataURLSource.defaultMaxEncodedBytes
  ) {
    self.upstream = upstream
    self.displayName = displayName
    self.maxEncodedBytes = maxEncodedBytes
    input = .allocate(capacity: Self.bufferSize)
    output = .allocate(capacity: Self.bufferSize)
  }

  deinit {
    input.deallocate()
    output.deallocate()
  }

  /// Whether `prefix` (the first bytes of an input) starts, after white space, with `data:` in any case.
  public static func looksLikeDataURL(_ prefix: [UInt8]) -> Bool {
    DataURLSyntax.looksLikeDataURL(prefix)
  }

  /// Throws the size-cap error when an input of `size` bytes is larger than `maxEncodedBytes`, so a
  /// caller that knows the size can refuse before writing anything.
  public static func checkSize(
    _ size: Int, maxEncodedBytes: Int = defaultMaxEncodedBytes, displayName: String
  ) throws(RosterError) {
    if size > maxEncodedBytes { throw capError(maxEncodedBytes, displayName: displayName) }
  }

  private static func capError(_ cap: Int, displayName: String) -> RosterError {
    RosterError(
      .input, file: displayName,
      "the data URL is larger than the \(cap)-byte limit (PackageX's soft cap is 7500000); "
        + "raise the limit with --max-data-url-bytes N")
  }

  /// Reads and parses the header, up to and including the comma; does nothing the second time.
  ///
  /// - Throws: `RosterError(.input)` when the input does not start with `data:`, has no comma within
  ///   `maxHeaderBytes`, or its header is malformed.
  public func readHeader() throws(RosterError) {
    guard !headerRead else { return }
    headerRead = true
    var header: [UInt8] = []
    var skippingSpace = true
    while true {
      guard let byte = try nextInputByte() else {
        throw inputError(
          header.isEmpty ? "is empty: expected a data URL" : "the data URL has no ',' ending its header")
      }
      if skippingSpace && DataURLSyntax.isWhiteSpace(byte) { continue }
      skippingSpace = false
      if byte == UInt8(ascii: ",") { break }
      header.append(byte)
      if header.count > Self.maxHeaderBytes {
        throw inputError("the data URL header has no ',' within its first \(Self.maxHeaderBytes) bytes")
      }
    }
    guard Self.looksLikeDataURL(header) else {
      throw inputError("does not start with 'data:'; expected a data URL")
    }
    try parseHeader(header.dropFirst(5))
  }

  private func parseHeader(_ header: ArraySlice<UInt8>) throws(RosterError) {
    var parts = header.split(separator: UInt8(ascii: ";"), omittingEmptySubsequences: false)
    if let last = parts.last, parts.count > 1, String(decoding: last, as: UTF8.self).lowercased() == "base64" {
      isBase64 = true
      parts.removeLast()
    }
    let type = String(decoding: parts.first ?? [], as: UTF8.self).lowercased()
    if !type.isEmpty {
      guard type.contains("/") else {
        throw inputError("the data URL's media type '\(type)' is not of the form type/subtype")
      }
      mediaType = type
    }
    for part in parts.dropFirst() where !part.isEmpty {
      guard let equals = part.firstIndex(of: UInt8(ascii: "=")) else {
        let text = String(decoding: part, as: UTF8.self)
        throw inputError("the data URL parameter '\(text)' has no '=' (only ';base64' may stand alone, last)")
      }
      let key = String(decoding: part[part.startIndex..<equals], as: UTF8.self).lowercased()
      let value = Self.percentDecoded(part[(equals + 1)...])
      parameters[key] = value
    }
  }

  private static func percentDecoded(_ bytes: ArraySlice<UInt8>) -> String {
    var result: [UInt8] = []
    var index = bytes.startIndex
    while index < bytes.endIndex {
      if bytes[index] == UInt8(ascii: "%"), index + 2 < bytes.endIndex,
        let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2])
      {
        result.append(high << 4 | low)
        index += 3
      } else {
        result.append(bytes[index])
        index += 1
      }
    }
    return String(decoding: result, as: UTF8.self)
  }

  public func read(into buffer: UnsafeMutableRawBufferPointer) throws(RosterError) -> Int {
    try readHeader()
    while outCursor == outEnd {
      if finished { return 0 }
      try decodeNextChunk()
    }
    let count = min(buffer.count, outEnd - outCursor)
    buffer.baseAddress?.copyMemory(from: output + outCursor, byteCount: count)
    outCursor += count
    return count
  }

  /// Decodes what is left of the input buffer (refilling it first when empty) into `output`.
  private func decodeNextChunk() throws(RosterError) {
    outCursor = 0
    outEnd = 0
    if inCursor == inEnd {
      try refill()
      if inCursor == inEnd {
        try finish()
        finished = true
        return
      }
    }
    if isBase64 { try decodeBase64() } else { try decodePercent() }
  }

  private func decodeBase64() throws(RosterError) {
    var out = 0
    var cursor = inCursor
    while cursor < inEnd {
      let byte = input[cursor]
      let value = DataURLSyntax.base64Values[Int(byte)]
      if value < 64 {
        if padding > 0 {
          throw inputError(
            "base64 data continues after its '=' padding at byte offset \(inBase + cursor); "
              + "a data URL holds one base64 text")
        }
        if groupCount == 0 { groupStart = inBase + cursor }
        group = group << 6 | UInt32(value)
        groupCount += 1
        if groupCount == 4 {
          output[out] = UInt8(truncatingIfNeeded: group >> 16)
          output[out + 1] = UInt8(truncatingIfNeeded: group >> 8)
          output[out + 2] = UInt8(truncatingIfNeeded: group)
          out += 3
          group = 0
          groupCount = 0
        }
      } else if value == Self.paddingValue {
        if padding == 0 {
          guard groupCount >= 2 else {
            throw inputError(
              "misplaced base64 padding '=' at byte offset \(inBase + cursor): a group needs 2 characters before it")
          }
          // Emit the 1 or 2 bytes of the short group.
          let bits = group << (6 * UInt32(4 - groupCount))
          output[out] = UInt8(truncatingIfNeeded: bits >> 16)
          out += 1
          if groupCount == 3 {
            output[out] = UInt8(truncatingIfNeeded: bits >> 8)
            out += 1
          }
          padding = 1
          paddingComplete = groupCount == 3
        } else {
          guard !paddingComplete && padding == 1 else {
            throw inputError("too much base64 padding '=' at byte offset \(inBase + cursor)")
          }
          padding = 2
          paddingComplete = true
        }
        groupCount = 0
        group = 0
      } else if value != Self.spaceValue {
        throw inputError(
          "invalid base64 character \(Self.describe(byte)) at byte offset \(inBase + cursor)")
      }
      cursor += 1
    }
    inCursor = cursor
    outEnd = out
  }

  private func decodePercent() throws(RosterError) {
    var out = 0
    var cursor = inCursor
    while cursor < inEnd {
      let byte = input[cursor]
      switch escapeStep {
      case 0:
        if byte == UInt8(ascii: "%") {
          escapeStep = 1
          escapeStart = inBase + cursor
        } else {
          output[out] = byte
          out += 1
        }
      default:
        guard let digit = Self.hexValue(byte) else {
          throw inputError(
            "invalid percent escape at byte offset \(escapeStart): '%' must be followed by two hex digits "
              + "(write a literal '%' as %25)")
        }
        if escapeStep == 1 {
          escapeHigh = digit
          escapeStep = 2
        } else {
          output[out] = escapeHigh << 4 | digit
          out += 1
          escapeStep = 0
        }
      }
      cursor += 1
    }
    inCursor = cursor
    outEnd = out
  }

  /// Checks the state at the end of the input.
  private func finish() throws(RosterError) {
    if isBase64 {
      if groupCount > 0 {
        throw inputError(
          "the base64 data is truncated: its last group, at byte offset \(groupStart), has \(groupCount) "
            + "character\(groupCount == 1 ? "" : "s") and no '=' padding (expected 4); was the data URL cut short?")
      }
      if padding == 1 && !paddingComplete {
        throw inputError("the base64 data is truncated: its final '==' padding is missing a '='")
      }
    } else if escapeStep != 0 {
      throw inputError("the data URL ends inside the percent escape at byte offset \(escapeStart)")
    }
  }

  private func nextInputByte() throws(RosterError) -> UInt8? {
    if inCursor == inEnd {
      try refill()
      if inCursor == inEnd { return nil }
    }
    defer { inCursor += 1 }
    return input[inCursor]
  }

  private func refill() throws(RosterError) {
    guard !upstreamEnded else { return }
    inBase += inEnd
    inCursor = 0
    inEnd = 0
    let count = try upstream.read(into: UnsafeMutableRawBufferPointer(start: input, count: Self.bufferSize))
    if count == 0 {
      upstreamEnded = true
      return
    }
    inEnd = count
    bytesRead += count
    if bytesRead > maxEncodedBytes { throw Self.capError(maxEncodedBytes, displayName: displayName) }
  }

  private func inputError(_ message: String) -> RosterError {
    RosterError(.input, file: displayName, message)
  }

  // MARK: - Tables

  private static var paddingValue: UInt8 { 0xFE }
  private static var spaceValue: UInt8 { 0xFD }
  private static var invalidValue: UInt8 { 0xFF }

  private static func hexValue(_ byte: UInt8) -> UInt8? {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
    default: nil
    }
  }

  private static func describe(_ byte: UInt8) -> String {
    (0x21..<0x7F).contains(byte)
      ? "'\(Character(Unicode.Scalar(byte)))' (0x\(String(byte, radix: 16, uppercase: true)))"
      : "byte 0x\(String(byte, radix: 16, uppercase: true))"
  }
}

/// The parts of data URL syntax that do not depend on the upstream type.
enum DataURLSyntax {
  /// Whether `prefix` starts, after white space, with `data:` in any case.
  static func looksLikeDataURL(_ prefix: [UInt8]) -> Bool {
    var index = 0
    while index < prefix.count && isWhiteSpace(prefix[index]) { index += 1 }
    let scheme = Array("data:".utf8)
    guard prefix.count - index >= scheme.count else { return false }
    for (offset, expected) in scheme.enumerated() where lowercased(prefix[index + offset]) != expected {
      return false
    }
    return true
  }

  static func isWhiteSpace(_ byte: UInt8) -> Bool {
    byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
  }

  private static func lowercased(_ byte: UInt8) -> UInt8 {
    (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte + 32 : byte
  }

  /// Each byte's sextet (0–63), or `paddingValue`, `spaceValue` or `invalidValue`.
  static let base64Values: [UInt8] = {
    var table = [UInt8](repeating: 0xFF, count: 256)
    for (index, byte) in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8.enumerated() {
      table[Int(byte)] = UInt8(index)
    }
    table[Int(UInt8(ascii: "="))] = 0xFE
    for byte in [0x20, 0x09, 0x0A, 0x0D, 0x0C] { table[byte] = 0xFD }
    return table
  }()

}
