import RosterCore

/// A sheet as the workbook lists it.
struct SheetInfo {
  var name: String
  /// The part's path inside the archive, or nil when the relationship is missing.
  var path: String?
  var isWorksheet: Bool
}

/// Everything read before the first row: the sheet list, the date system, the styles and shared strings.
struct WorkbookParts {
  var sheets: [SheetInfo] = []
  var date1904 = false
  var sharedStringsPath: String?
  var stylesPath: String?

  /// Reads `_rels/.rels`, the workbook and its relationships.
  static func read(_ zip: ZipFile, budget: DecompressionBudget) throws(RosterError) -> WorkbookParts {
    var workbookPath = "xl/workbook.xml"
    if zip.entry("_rels/.rels") != nil {
      for rel in try relationships(zip, "_rels/.rels", budget: budget)
      where rel.type.hasSuffix("/officeDocument") {
        workbookPath = resolve(rel.target, from: "")
      }
    }
    guard zip.entry(workbookPath) != nil else {
      throw zip.fail("not an XLSX workbook: the archive has no \(workbookPath)")
    }
    var parts = WorkbookParts()
    var sheetIDs: [(name: String, id: String?)] = []
    let xml = try tokenizer(zip, workbookPath, budget: budget)
    while try xml.next() != .end_of_file {
      guard xml.kind == .start else { continue }
      if xml.nameIs("workbookPr") {
        let value = try xml.attribute("date1904")
        parts.date1904 = value == "1" || value == "true"
      } else if xml.nameIs("sheet") {
        guard let name = try xml.attribute("name") else { throw xml.malformed("a sheet without a name") }
        sheetIDs.append((name, try xml.attribute("id")))
      }
    }
    let directory = workbookPath.split(separator: "/").dropLast().joined(separator: "/")
    let relsPath =
      (directory.isEmpty ? "" : directory + "/") + "_rels/"
      + String(workbookPath.split(separator: "/").last ?? "") + ".rels"
    var targets: [String: (type: String, path: String)] = [:]
    if zip.entry(relsPath) != nil {
      for rel in try relationships(zip, relsPath, budget: budget) {
        let path = resolve(rel.target, from: directory)
        targets[rel.id] = (rel.type, path)
        if rel.type.hasSuffix("/sharedStrings") { parts.sharedStringsPath = path }
        if rel.type.hasSuffix("/styles") { parts.stylesPath = path }
      }
    }
    for (index, sheet) in sheetIDs.enumerated() {
      if let id = sheet.id, let target = targets[id] {
        parts.sheets.append(
          SheetInfo(name: sheet.name, path: target.path, isWorksheet: target.type.hasSuffix("/worksheet")))
      } else {
        // Without relationships, fall back to the conventional name.
        let guess = "xl/worksheets/sheet\(index + 1).xml"
        parts.sheets.append(SheetInfo(name: sheet.name, path: zip.entry(guess) != nil ? guess : nil, isWorksheet: true))
      }
    }
    if parts.sharedStringsPath == nil, zip.entry("xl/sharedStrings.xml") != nil {
      parts.sharedStringsPath = "xl/sharedStrings.xml"
    }
    if parts.stylesPath == nil, zip.entry("xl/styles.xml") != nil { parts.stylesPath = "xl/styles.xml" }
    return parts
  }

  static func tokenizer(_ zip: ZipFile, _ path: String, budget: DecompressionBudget) throws(RosterError)
    -> XMLTokenizer
  {
    guard let entry = zip.entry(path) else { throw zip.fail("malformed XLSX: the archive has no \(path)") }
    let reader = try ZipEntryReader(file: zip, entry: entry, budget: budget)
    return XMLTokenizer(
      source: reader, part: path, displayName: zip.displayName, maxTokenBytes: budget.limits.maxTokenBytes,
      maxTextBytes: budget.limits.rows.maxFieldBytes)
  }

  private static func relationships(_ zip: ZipFile, _ path: String, budget: DecompressionBudget) throws(RosterError)
    -> [(id: String, type: String, target: String)]
  {
    var result: [(id: String, type: String, target: String)] = []
    let xml = try tokenizer(zip, path, budget: budget)
    while try xml.next() != .end_of_file {
      guard xml.kind == .start, xml.nameIs("Relationship") else { continue }
      if try xml.attribute("TargetMode") == "External" { continue }
      result.append((try xml.attribute("Id") ?? "", try xml.attribute("Type") ?? "", try xml.attribute("Target") ?? ""))
    }
    return result
  }

  /// A relationship target made into an archive path: absolute (`/xl/...`) or relative to `directory`.
  static func resolve(_ target: String, from directory: String) -> String {
    var components: [Substring] = []
    let full =
      target.hasPrefix("/") ? String(target.dropFirst()) : (directory.isEmpty ? target : directory + "/" + target)
    for part in full.split(separator: "/") {
      if part == "." || part.isEmpty { continue }
      if part == ".." {
        _ = components.popLast()
      } else {
        components.append(part)
      }
    }
    return components.joined(separator: "/")
  }

  /// Each cell style's number display (`cellXfs` order), from `styles.xml`.
  static func styles(_ zip: ZipFile, _ path: String, budget: DecompressionBudget) throws(RosterError) -> [NumberDisplay]
  {
    var custom: [Int: NumberDisplay] = [:]
    var displays: [NumberDisplay] = []
    var inCellXfs = false
    let xml = try tokenizer(zip, path, budget: budget)
    while try xml.next() != .end_of_file {
      if xml.kind == .end, xml.nameIs("cellXfs") { inCellXfs = false }
      guard xml.kind == .start else { continue }
      if xml.nameIs("numFmt") {
        if let id = try xml.integerAttribute("numFmtId"), let code = try xml.attribute("formatCode") {
          custom[id] = CellRendering.display(formatCode: code)
        }
      } else if xml.nameIs("cellXfs") {
        inCellXfs = !xml.selfClosing
      } else if inCellXfs, xml.nameIs("xf") {
        let id = try xml.integerAttribute("numFmtId") ?? 0
        displays.append(custom[id] ?? CellRendering.builtinDisplay(id))
      }
    }
    return displays
  }
}

/// The shared-string table, kept as one UTF-8 byte store and an offset per string.
///
/// A string longer than the cell limit (`InputLimits.maxFieldBytes`) is not kept: it is stored empty
/// and listed in `oversized`, so the rows that use it are skipped as over the limit.
struct SharedStrings {
  private var storage: [UInt8] = []
  private var offsets: [Int] = [0]
  /// The indexes of strings over the cell limit.
  private(set) var oversized: Set<Int> = []

  var count: Int { offsets.count - 1 }

  subscript(index: Int) -> String? {
    guard index >= 0, index < count else { return nil }
    return storage.withUnsafeBufferPointer { buffer in
      String(decoding: UnsafeBufferPointer(rebasing: buffer[offsets[index]..<offsets[index + 1]]), as: UTF8.self)
    }
  }

  /// Reads `sharedStrings.xml`: each `<si>`'s `<t>` texts (rich-text runs joined, phonetic runs left out).
  static func read(_ zip: ZipFile, _ path: String, budget: DecompressionBudget) throws(RosterError) -> SharedStrings {
    var table = SharedStrings()
    var current: [UInt8] = []
    var inItem = false
    var inText = false
    var phoneticDepth = 0
    var overflowed = false
    let maxBytes = budget.limits.rows.maxFieldBytes
    let xml = try tokenizer(zip, path, budget: budget)
    while try xml.next() != .end_of_file {
      switch xml.kind {
      case .start:
        if xml.nameIs("si") {
          inItem = true
          overflowed = false
          current.removeAll(keepingCapacity: true)
          if xml.selfClosing {
            table.offsets.append(table.storage.count)
            inItem = false
          }
        } else if xml.nameIs("rPh") {
          if !xml.selfClosing { phoneticDepth += 1 }
        } else if xml.nameIs("t") {
          inText = !xml.selfClosing
        }
      case .end:
        if xml.nameIs("si") {
          if overflowed {
            table.oversized.insert(table.count)
          } else {
            table.storage.append(contentsOf: CellRendering.decodeEscapes(current).utf8)
          }
          table.offsets.append(table.storage.count)
          inItem = false
        } else if xml.nameIs("rPh") {
          phoneticDepth -= 1
        } else if xml.nameIs("t") {
          inText = false
        }
      case .text:
        if inItem, inText, phoneticDepth == 0, !overflowed {
          if xml.textOverflowed || current.count + xml.text.count > maxBytes {
            overflowed = true
            current.removeAll()
          } else {
            current.append(contentsOf: xml.text)
          }
        }
      case .end_of_file: break
      }
    }
    return table
  }

  private static func tokenizer(_ zip: ZipFile, _ path: String, budget: DecompressionBudget) throws(RosterError)
    -> XMLTokenizer
  {
    try WorkbookParts.tokenizer(zip, path, budget: budget)
  }
}
