import CZlib

/// Builds an XLSX file (a ZIP archive of stored entries) from XML parts, for the `xlsx-parts` target.
public enum StoredZip {
  /// The parts in the order the fuzz input gives them, separated by 0xFF bytes (never in UTF-8).
  static let partPaths = [
    "xl/worksheets/sheet1.xml", "xl/sharedStrings.xml", "xl/styles.xml", "xl/workbook.xml",
    "xl/_rels/workbook.xml.rels",
  ]
  /// A workbook part naming one sheet, used when the input gives none: the reader then finds
  /// `xl/worksheets/sheet1.xml` by its conventional name.
  static let defaultWorkbook = Array(
    #"<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheets><sheet name="Sheet1" sheetId="1"/></sheets></workbook>"#
      .utf8)

  /// An archive holding each part of `input` (split at 0xFF) at its path in `partPaths`; parts past
  /// the input's end are left out, except the workbook, which gets `defaultWorkbook`.
  public static func workbook(fromParts input: [UInt8]) -> [UInt8] {
    let parts = input.split(separator: 0xFF, maxSplits: partPaths.count - 1, omittingEmptySubsequences: false)
    var entries: [(path: String, data: [UInt8])] = []
    for (index, path) in partPaths.enumerated() {
      if index < parts.count {
        entries.append((path, Array(parts[index])))
      } else if path == "xl/workbook.xml" {
        entries.append((path, defaultWorkbook))
      }
    }
    return archive(entries)
  }

  /// A ZIP archive of `entries`, stored without compression.
  static func archive(_ entries: [(path: String, data: [UInt8])]) -> [UInt8] {
    var out: [UInt8] = []
    var directory: [UInt8] = []
    for entry in entries {
      let name = Array(entry.path.utf8)
      let crc = entry.data.withUnsafeBufferPointer { bytes in
        UInt32(truncatingIfNeeded: crc32(0, bytes.baseAddress, uInt(bytes.count)))
      }
      let offset = UInt32(out.count)
      // Local file header: version 2.0, no flags, stored, no date.
      append32(0x0403_4b50, to: &out)
      for field: UInt16 in [20, 0, 0, 0, 0] { append16(field, to: &out) }
      append32(crc, to: &out)
      append32(UInt32(entry.data.count), to: &out)
      append32(UInt32(entry.data.count), to: &out)
      append16(UInt16(name.count), to: &out)
      append16(0, to: &out)
      out += name
      out += entry.data
      // Central directory header for the same entry.
      append32(0x0201_4b50, to: &directory)
      for field: UInt16 in [20, 20, 0, 0, 0, 0] { append16(field, to: &directory) }
      append32(crc, to: &directory)
      append32(UInt32(entry.data.count), to: &directory)
      append32(UInt32(entry.data.count), to: &directory)
      for field: UInt16 in [UInt16(name.count), 0, 0, 0, 0] { append16(field, to: &directory) }
      append32(0, to: &directory)
      append32(offset, to: &directory)
      directory += name
    }
    let directoryOffset = UInt32(out.count)
    out += directory
    // End of central directory.
    append32(0x0605_4b50, to: &out)
    for field: UInt16 in [0, 0, UInt16(entries.count), UInt16(entries.count)] { append16(field, to: &out) }
    append32(UInt32(directory.count), to: &out)
    append32(directoryOffset, to: &out)
    append16(0, to: &out)
    return out
  }

  private static func append16(_ value: UInt16, to bytes: inout [UInt8]) {
    bytes += [UInt8(truncatingIfNeeded: value), UInt8(truncatingIfNeeded: value >> 8)]
  }

  private static func append32(_ value: UInt32, to bytes: inout [UInt8]) {
    append16(UInt16(truncatingIfNeeded: value), to: &bytes)
    append16(UInt16(truncatingIfNeeded: value >> 16), to: &bytes)
  }
}
