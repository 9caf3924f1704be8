public import RosterCore
public import RosterHTTP
public import RosterXLSXInput

/// A byte source whose wrappers are chosen at run time, erased once (one dynamic call per 64 KiB read).
public final class ErasedSource: ByteSource {
  private var base: any ByteSource

  public init(_ base: any ByteSource) {
    self.base = base
  }

  public func read(into buffer: UnsafeMutableRawBufferPointer) throws(RosterError) -> Int {
    try base.read(into: buffer)
  }
}

/// Serves bytes already taken from `upstream` (to look at them) before the rest of it.
final class PrefixedSource: ByteSource {
  private let prefix: [UInt8]
  private var offset = 0
  private var upstream: any ByteSource

  init(prefix: [UInt8], upstream: any ByteSource) {
    self.prefix = prefix
    self.upstream = upstream
  }

  /// Takes bytes from `source` until it has `minimum` of them, or (with `untilLineBreak`) a line
  /// break, or 64 KiB, or the end: never waiting on a slow stream for more than it needs to look at.
  static func peek(_ source: inout any ByteSource, minimum: Int, untilLineBreak: Bool = false) throws(RosterError)
    -> [UInt8]
  {
    let count = 1 << 16
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: count, alignment: 1)
    defer { buffer.deallocate() }
    var filled = 0
    while filled < count {
      let read = try source.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[filled...]))
      if read == 0 { break }
      let newest = buffer[filled..<filled + read]
      filled += read
      if filled < minimum { continue }
      if !untilLineBreak || newest.contains(0x0A) || newest.contains(0x0D) { break }
    }
    return Array(buffer[..<filled])
  }

  func read(into buffer: UnsafeMutableRawBufferPointer) throws(RosterError) -> Int {
    guard offset < prefix.count else { return try upstream.read(into: buffer) }
    let count = min(buffer.count, prefix.count - offset)
    prefix.withUnsafeBytes { bytes in
      buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + count]))
    }
    offset += count
    return count
  }
}

/// How an input's bytes become UTF-8 text of a known format: a data URL is decoded, the text
/// transcoded, and the format and CSV delimiter sniffed where the options leave them open.
public struct InputChainOptions: Sendable {
  /// The format asked for (`--from`); `nil` decides by media type, extension, then content.
  public var format: InputFormat?
  public var encoding: TextEncodingSelection = .automatic
  /// The CSV delimiter (`--delimiter`); `nil` sniffs it from the header line.
  public var delimiter: UInt8?
  /// The soft cap on a data URL's encoded size (`--max-data-url-bytes`).
  public var maxDataURLBytes = 7_500_000
  /// The cell, column, row and nesting limits every reader applies (`--max-field-bytes`, ...).
  public var limits = InputLimits()
  /// The workbook's zip-bomb limits (`--max-xlsx-bytes`, `--max-xlsx-ratio`); its cell limits are `limits`.
  public var maxXLSXDecompressedBytes: UInt64 = 1 << 30
  public var maxXLSXRatio: UInt64 = 100
  /// Timeouts and the size cap for an `http://` or `https://` input.
  public var http = HTTPLimits()

  public init() {}

  /// The workbook limits these options describe.
  public var xlsxLimits: XLSXInputLimits {
    var limits = XLSXInputLimits(maxDecompressedBytes: maxXLSXDecompressedBytes, maxRatio: maxXLSXRatio)
    limits.rows = self.limits
    return limits
  }
}

/// One opened input: its decoded bytes, and what was found out about them.
public struct InputChain {
  /// The input's text as UTF-8; for a workbook, the workbook's bytes (decoded from a data URL if it
  /// was one, never transcoded).
  public let source: ErasedSource
  public let format: InputFormat
  public let delimiter: UInt8
  /// Things worth telling: a fallback from UTF-8, say.
  public let warnings: [RunWarning]
  /// Whether the bytes were decoded from a data URL (so a workbook is not the raw input itself).
  public let decodedDataURL: Bool

  /// Opens `raw` (the input's bytes, named `displayName`, with `path` for its extension if any, and
  /// `size` when known, so an over-large data URL is refused before anything is read or written).
  ///
  /// `declared` is what the transport says the bytes are (an HTTP `Content-Type`): it decides the
  /// format after `--from` and before the extension, and its `charset` the encoding. A data URL's own
  /// media type replaces it.
  public static func open(
    _ raw: any ByteSource, displayName: String, path: String?, size: Int?, declared: MediaType? = nil,
    options: InputChainOptions
  ) throws(RosterError) -> InputChain {
    var current = raw
    var contentPrefix = try PrefixedSource.peek(&current, minimum: 16)
    current = PrefixedSource(prefix: contentPrefix, upstream: current)
    var mediaFormat = declared?.inputFormat
    var charset = declared?.charset
    var decodedDataURL = false
    if DataURLSource<ErasedSource>.looksLikeDataURL(contentPrefix) {
      if let size {
        try DataURLSource<ErasedSource>.checkSize(
          size, maxEncodedBytes: options.maxDataURLBytes, displayName: displayName)
      }
      let dataURL = DataURLSource(
        upstream: ErasedSource(current), displayName: displayName, maxEncodedBytes: options.maxDataURLBytes)
      try dataURL.readHeader()
      let type = MediaType(type: dataURL.mediaType, parameters: dataURL.parameters)
      mediaFormat = type.inputFormat
      charset = type.charset
      current = dataURL
      decodedDataURL = true
      contentPrefix = try PrefixedSource.peek(&current, minimum: 4)
      current = PrefixedSource(prefix: contentPrefix, upstream: current)
    }
    if options.format == nil, let unsupported = InputSniffing.unsupportedFormat(ofPrefix: contentPrefix) {
      throw RosterError(.input, file: displayName, "is \(unsupported). \(supportedFormatsSentence)")
    }
    let named = options.format ?? mediaFormat ?? path.flatMap(InputFormat.init(pathExtensionOf:))
    if InputSniffing.format(ofPrefix: contentPrefix) == .zip || named == .xlsx {
      // A workbook is read by random access: from its file, or from a copy of these bytes.
      return InputChain(
        source: ErasedSource(current), format: .xlsx, delimiter: UInt8(ascii: ","), warnings: [],
        decodedDataURL: decodedDataURL)
    }
    var selection = options.encoding
    if case .automatic = selection, let charset { selection = .fixed(charset) }
    let transcoder = TranscodingSource(upstream: ErasedSource(current), displayName: displayName, encoding: selection)
    var decoded: any ByteSource = transcoder
    let prefix = try PrefixedSource.peek(&decoded, minimum: 1, untilLineBreak: true)
    let source = ErasedSource(PrefixedSource(prefix: prefix, upstream: decoded))
    var warnings: [RunWarning] = []
    if transcoder.guessedUTF16, let encoding = transcoder.encoding {
      warnings.append(
        RunWarning(
          code: "input.utf16_without_bom",
          message:
            "the input has no byte order mark but its zero bytes say \(encoding.rawValue); it was read as such (pass --encoding to choose)"
        ))
    }
    if transcoder.fellBackFromUTF8 {
      warnings.append(
        RunWarning(
          code: "input.not_utf8",
          message: "the input is not valid UTF-8; it was read as Windows-1252 (pass --encoding to choose)"))
    }
    let format = named ?? sniffedFormat(prefix) ?? .csv
    if named == nil && format == .csv && InputSniffing.looksBinary(prefix) {
      throw RosterError(
        .input, file: displayName,
        "cannot tell what format this is: its first line holds binary data, not CSV text. \(supportedFormatsSentence)")
    }
    var headerLine = prefix[...]
    if headerLine.starts(with: [0xEF, 0xBB, 0xBF]) { headerLine = headerLine.dropFirst(3) }
    let delimiter = options.delimiter ?? InputSniffing.delimiter(ofHeaderLine: headerLine)
    return InputChain(
      source: source, format: format, delimiter: delimiter, warnings: warnings, decodedDataURL: decodedDataURL)
  }

  /// The formats Roster reads, for messages about an input it cannot read.
  static let supportedFormatsSentence =
    "Roster reads CSV (comma, semicolon or tab separated; UTF-8, UTF-16 or Windows-1252), JSON arrays, "
    + "JSON Lines, Airy contacts.import payloads, XLSX workbooks, and data: URLs holding any of them; "
    + "pass --from csv|json|jsonl|xlsx to name the format"

  private static func sniffedFormat(_ prefix: [UInt8]) -> InputFormat? {
    switch InputSniffing.format(ofPrefix: prefix) {
    case .json: .json
    case .jsonl: .jsonl
    case .csv: .csv
    case .dataURL, .zip, nil: nil
    }
  }
}
