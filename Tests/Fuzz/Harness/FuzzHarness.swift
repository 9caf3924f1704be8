public import RosterCore
import RosterFormats
import RosterXLSXInput
import RosterYAML

#if canImport(Glibc)
  import Glibc
#endif

/// A broken promise found by a harness: the message names what was expected and what happened.
public struct FuzzFailure: Error, CustomStringConvertible {
  public var description: String
  init(_ description: String) { self.description = description }
}

/// What one fuzz target exercises; the raw value is its name in `scripts/fuzz` and `Fixtures/fuzz/`.
public enum FuzzTarget: String, CaseIterable, Sendable {
  case csv
  case json
  case dataURL = "data-url"
  case xlsx
  /// The XLSX reader on a valid ZIP assembled from the input's parts (sheet, shared strings, styles,
  /// workbook, relationships), so mutations reach the XML and cell rendering instead of failing CRCs.
  case xlsxParts = "xlsx-parts"
  case yaml
  case pipeline
}

/// The body of every fuzz target, shared by the libFuzzer executables (`Tests/Fuzz/Fuzz*`) and the
/// regression test that replays `Fixtures/fuzz/<target>/` in `swift test`.
///
/// Errors that readers throw for bad input are expected and ignored; a crash, a hang, unbounded
/// memory or a `FuzzFailure` (a broken invariant) is a bug.
public enum FuzzHarness {
  /// The scratch files the harnesses use.
  static let pipelineInputs = [".csv", ".json", ".jsonl", ".xlsx", ".txt"].map { "input\($0)" }
  static let scratchNames = pipelineInputs + ["workbook.xlsx", "contacts.jsonl", "report.jsonl", "rejects"]

  /// Runs `target`'s harness on `input`.
  public static func run(_ target: FuzzTarget, _ input: [UInt8], scratch: FuzzScratch) throws(FuzzFailure) {
    switch target {
    case .csv: try csv(input)
    case .json: try json(input)
    case .dataURL: try dataURL(input)
    case .xlsx: try xlsx(input, scratch: scratch)
    case .xlsxParts: try xlsx(StoredZip.workbook(fromParts: input), scratch: scratch)
    case .yaml: try yaml(input)
    case .pipeline: try pipeline(input, scratch: scratch)
    }
  }

  /// libFuzzer's callback body: runs `target` on `data` and aborts with the message on a failure,
  /// so libFuzzer saves the input as a crash.
  public static func fuzz(_ target: FuzzTarget, _ data: UnsafePointer<UInt8>?, _ size: Int, scratch: FuzzScratch)
    -> CInt
  {
    let input = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    do {
      try run(target, input, scratch: scratch)
    } catch {
      let line = Array("fuzz invariant failed (\(target.rawValue)): \(error)\n".utf8)
      _ = line.withUnsafeBytes { Glibc.write(2, $0.baseAddress, $0.count) }
      abort()
    }
    return 0
  }

  /// CSV records, the header map and the row mapper (YAML metadata cells included), over every
  /// delimiter and across buffer boundaries. Control bytes: delimiter, chunk size.
  static func csv(_ bytes: [UInt8]) throws(FuzzFailure) {
    var input = FuzzInput(bytes)
    let delimiters: [UInt8] = [UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "\t")]
    let delimiter = delimiters[Int(input.takeByte()) % delimiters.count]
    let chunk = chunkSize(from: input.takeByte())
    let reader = CSVRecordReader(
      source: MemorySource(input.rest, chunkSize: chunk), displayName: "fuzz.csv", delimiter: delimiter)
    var expectedIndex = 0
    do {
      let (headers, _) = try reader.readHeader()
      guard let headerMap = try? HeaderMap(headers: headers) else { return }
      var mapper = ContactMapper(headerMap: headerMap)
      mapper.documentDecoder = { text in try FlowYAMLDecoder.decode(text) }
      let rows = CSVRowReader(reader, mapper: mapper)
      while let row = try rows.next() {
        guard row.position.index == expectedIndex else {
          throw FuzzFailure("row index \(row.position.index), expected \(expectedIndex)")
        }
        expectedIndex += 1
        _ = row.original.displayValues
      }
    } catch let failure as FuzzFailure {
      throw failure
    } catch {
      _ = "\(error)"
    }
  }

  /// The JSON contact reader in every layout (array or Airy payload, JSON Lines, automatic), across
  /// buffer boundaries. Control bytes: layout, chunk size.
  static func json(_ bytes: [UInt8]) throws(FuzzFailure) {
    var input = FuzzInput(bytes)
    let layouts: [JSONInputLayout] = [.automatic, .array, .lines]
    let layout = layouts[Int(input.takeByte()) % layouts.count]
    let chunk = chunkSize(from: input.takeByte())
    let document = input.rest
    let reader = JSONContactReader(
      source: MemorySource(document, chunkSize: chunk), displayName: "fuzz.json", layout: layout)
    var expectedIndex = 0
    do {
      while let row = try reader.next() {
        guard row.position.index == expectedIndex else {
          throw FuzzFailure("element index \(row.position.index), expected \(expectedIndex)")
        }
        guard row.byteOffset >= 0, row.byteOffset + row.raw.count <= document.count else {
          throw FuzzFailure(
            "element at byte \(row.byteOffset) (\(row.raw.count) bytes) is outside the \(document.count)-byte input")
        }
        expectedIndex += 1
      }
    } catch let failure as FuzzFailure {
      throw failure
    } catch {
      _ = "\(error)"
    }
    _ = reader.unknownKeys
  }

  /// The `data:` URL decoder (header, base64 and percent decoding), across buffer boundaries; it
  /// must never yield more bytes than it was given. Control bytes: chunk size, decoded read size.
  static func dataURL(_ bytes: [UInt8]) throws(FuzzFailure) {
    var input = FuzzInput(bytes)
    let chunk = chunkSize(from: input.takeByte())
    let readSize = [1 << 16, 1, 3, 4096][Int(input.takeByte()) % 4]
    let encoded = input.rest
    let source = DataURLSource(
      upstream: MemorySource(encoded, chunkSize: chunk), displayName: "<data URL>", maxEncodedBytes: 1 << 20)
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: readSize, alignment: 1)
    defer { buffer.deallocate() }
    var decoded = 0
    do {
      while true {
        let count = try source.read(into: buffer)
        guard count >= 0, count <= readSize else {
          throw FuzzFailure("read returned \(count) for a \(readSize)-byte buffer")
        }
        if count == 0 { break }
        decoded += count
        guard decoded <= encoded.count else {
          throw FuzzFailure("decoded \(decoded) bytes from a \(encoded.count)-byte data URL")
        }
      }
    } catch let failure as FuzzFailure {
      throw failure
    } catch {
      _ = "\(error)"
    }
    _ = (source.mediaType, source.parameters, source.isBase64)
  }

  /// The XLSX reader (ZIP directory, inflate, workbook parts, shared strings, styles, sheet XML,
  /// cell rendering) under its default limits; the whole input is the file.
  static func xlsx(_ bytes: [UInt8], scratch: FuzzScratch) throws(FuzzFailure) {
    let path = try scratch.write("workbook.xlsx", bytes)
    do {
      let reader = try XLSXRowReader(path: path, displayName: "fuzz.xlsx")
      var lastLine = try reader.readHeader().line
      while let row = try reader.next() {
        guard row.line > lastLine else { throw FuzzFailure("row on line \(row.line) after line \(lastLine)") }
        lastLine = row.line
      }
    } catch let failure as FuzzFailure {
      throw failure
    } catch {
      _ = "\(error)"
    }
  }

  /// The flow-YAML metadata decoder over libyaml, and the round trip decode, encode, decode, which
  /// must give the same fields back.
  static func yaml(_ bytes: [UInt8]) throws(FuzzFailure) {
    let text = String(decoding: bytes, as: UTF8.self)
    let fields: NestedFields
    do {
      fields = try FlowYAMLDecoder.decode(text)
    } catch {
      _ = "\(error)"
      return
    }
    let written: String
    do {
      written = try FlowYAMLEncoder().encode(fields)
    } catch {
      throw FuzzFailure("decoded fields do not encode: \(fields): \(error)")
    }
    let again: NestedFields
    do {
      again = try FlowYAMLDecoder.decode(written)
    } catch {
      throw FuzzFailure("encoded fields do not decode: \(written): \(error)")
    }
    guard again == fields else {
      throw FuzzFailure("round trip changed the fields: \(fields) -> \(written) -> \(again)")
    }
  }

  /// A whole conversion (input sniffing and transcoding, any reader, mapping, validation, groups,
  /// JSONL output, JSONL report) on the input as a file. Control bytes: the file's extension, the
  /// default region, the unknown-group policy. Checks the accounting promise (`checkAccounting`).
  static func pipeline(_ bytes: [UInt8], scratch: FuzzScratch) throws(FuzzFailure) {
    var input = FuzzInput(bytes)
    let inputName = pipelineInputs[Int(input.takeByte()) % pipelineInputs.count]
    let region = [nil, "GB", "US", "DE"][Int(input.takeByte()) % 4]
    let policy = UnknownGroupPolicy.allCases[Int(input.takeByte()) % UnknownGroupPolicy.allCases.count]
    let inputPath = try scratch.write(inputName, input.rest)
    scratch.remove("contacts.jsonl")
    scratch.remove("report.jsonl")
    scratch.remove("rejects")
    var job = ConversionJob(
      input: inputPath, output: (.jsonl, .file(scratch.path("contacts.jsonl"))),
      report: (.jsonl, .file(scratch.path("report.jsonl"))), defaultRegion: region)
    job.groups.unknownGroups = policy
    job.rejects = scratch.path("rejects")
    let summary: RunSummary
    do {
      summary = try job.run()
    } catch {
      _ = error.description
      return
    }
    try checkAccounting(summary, report: scratch.read("report.jsonl"), contacts: scratch.read("contacts.jsonl"))
    // A `.txt` input's format is sniffed from its content; the others follow the extension.
    switch inputName {
    case "input.csv", "input.xlsx": try checkCSVRejects(scratch.read("rejects"), rejected: summary.rejected)
    case "input.json", "input.jsonl": try checkJSONRejects(scratch.read("rejects"), rejected: summary.rejected)
    default: break
    }
  }

  /// The rejects file of a CSV or XLSX input reads back as CSV: a header, then one complete record
  /// per rejected row, each ending with the `roster_errors` cell.
  static func checkCSVRejects(_ rejects: [UInt8], rejected: Int) throws(FuzzFailure) {
    let reader = CSVRecordReader(source: MemorySource(rejects), displayName: "rejects.csv")
    var records = 0
    do {
      let header = try reader.readHeader().headers
      guard header.last == RejectedRowsWriter.errorsHeader else {
        throw FuzzFailure("the rejects header ends with \(header.last ?? "nothing"), not roster_errors")
      }
      while let record = try reader.next() {
        guard record.unterminatedQuoteLine == nil, record.count >= 2, !record.isEmpty(at: record.count - 1) else {
          throw FuzzFailure("rejects record \(records) does not read back: \(record.lossyStrings)")
        }
        records += 1
      }
    } catch let failure as FuzzFailure {
      throw failure
    } catch {
      throw FuzzFailure("the rejects file does not read back as CSV: \(error)")
    }
    guard records == rejected else {
      throw FuzzFailure("the rejects file has \(records) rows for \(rejected) rejected")
    }
  }

  /// The rejects file of a JSON input is JSON Lines: one line per rejected element, each an object
  /// that ends with its `roster_errors`.
  static func checkJSONRejects(_ rejects: [UInt8], rejected: Int) throws(FuzzFailure) {
    let lines = rejects.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
    guard rejects.isEmpty || rejects.last == UInt8(ascii: "\n") else {
      throw FuzzFailure("the rejects file does not end with a line break")
    }
    guard lines.count - 1 == rejected || (rejects.isEmpty && rejected == 0) else {
      throw FuzzFailure("the rejects file has \(max(0, lines.count - 1)) lines for \(rejected) rejected elements")
    }
    for line in lines.dropLast() {
      guard line.first == UInt8(ascii: "{"), line.last == UInt8(ascii: "}"),
        line.contains(#""roster_errors":["#.utf8)
      else {
        throw FuzzFailure("a rejects line is not one object with its errors: \(String(decoding: line, as: UTF8.self))")
      }
    }
  }

  /// Every input row is accepted or rejected, the report names each rejected row exactly once (and
  /// no row past the end), and the output holds one line per accepted contact and created group.
  public static func checkAccounting(_ summary: RunSummary, report: [UInt8], contacts: [UInt8]) throws(FuzzFailure) {
    guard summary.rows == summary.accepted + summary.rejected else {
      throw FuzzFailure(
        "the summary counts \(summary.rows) rows but \(summary.accepted) accepted + \(summary.rejected) rejected")
    }
    let issuePrefix = Array(#"{"kind":"issue","index":"#.utf8)
    var rejectedIndices = Set<Int>()
    var issueLines = 0
    var summaryLines = 0
    for line in report.split(separator: UInt8(ascii: "\n")) {
      if line.starts(with: issuePrefix) {
        issueLines += 1
        let digits = line.dropFirst(issuePrefix.count).prefix { $0 >= 0x30 && $0 <= 0x39 }
        guard let index = Int(String(decoding: digits, as: UTF8.self)) else {
          throw FuzzFailure("a report issue has no index: \(String(decoding: line, as: UTF8.self))")
        }
        guard index < summary.rows else { throw FuzzFailure("the report names row \(index) of \(summary.rows)") }
        rejectedIndices.insert(index)
      } else if line.starts(with: #"{"kind":"summary","#.utf8) {
        summaryLines += 1
      }
    }
    guard summaryLines == 1 else { throw FuzzFailure("the report has \(summaryLines) summary lines") }
    guard issueLines == summary.rejected, rejectedIndices.count == summary.rejected else {
      throw FuzzFailure(
        "the summary rejects \(summary.rejected) rows; the report has \(issueLines) issues for \(rejectedIndices.count) rows"
      )
    }
    let written = contacts.count { $0 == UInt8(ascii: "\n") }
    guard written == summary.accepted + summary.createdGroups else {
      throw FuzzFailure(
        "the output has \(written) contacts for \(summary.accepted) accepted rows and \(summary.createdGroups) created groups"
      )
    }
  }
}
