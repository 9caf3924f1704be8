public import RosterCore

/// Bounds that keep a hostile or broken workbook from exhausting memory, disk or time.
///
/// Every archive limit, when exceeded, stops the read with `RosterError(.input)` naming the part and
/// the limit; the cell limits in `rows` make a row over them a skipped row (`XLSXRowReader`).
public struct XLSXInputLimits: Sendable, Hashable {
  /// Total bytes inflated from all parts of the archive (workbook, styles, shared strings, the sheet).
  public var maxDecompressedBytes: UInt64
  /// Largest inflated-to-compressed ratio a part may reach once `ratioGraceBytes` have been inflated.
  public var maxRatio: UInt64
  /// Inflated bytes of a part before `maxRatio` is enforced (small parts compress very well).
  public var ratioGraceBytes: UInt64
  /// Most entries the central directory may list.
  public var maxEntries: Int
  /// Longest single XML tag (element name plus attributes).
  public var maxTokenBytes: Int
  /// The cell limits: `maxFieldBytes` per cell (and shared string), `maxColumns` per row (a non-empty
  /// cell further right goes over it), `maxRowBytes` for one row's cells.
  public var rows = InputLimits()

  /// - Parameters:
  ///   - maxDecompressedBytes: default 1 GiB.
  ///   - maxRatio: default 100 (100:1).
  ///   - ratioGraceBytes: default 1 MiB.
  ///   - maxEntries: default 10,000.
  ///   - maxTokenBytes: default 1 MiB.
  public init(
    maxDecompressedBytes: UInt64 = 1 << 30, maxRatio: UInt64 = 100, ratioGraceBytes: UInt64 = 1 << 20,
    maxEntries: Int = 10_000, maxTokenBytes: Int = 1 << 20
  ) {
    self.maxDecompressedBytes = maxDecompressedBytes
    self.maxRatio = maxRatio
    self.ratioGraceBytes = ratioGraceBytes
    self.maxEntries = maxEntries
    self.maxTokenBytes = maxTokenBytes
  }
}
