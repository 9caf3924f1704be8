public import ArgumentParser
public import RosterCore
import RosterFormats

#if canImport(Glibc)
  import Glibc
#endif

extension ReportFormat: ExpressibleByArgument {}
extension UnknownGroupPolicy: ExpressibleByArgument {}
extension OutputFormat: ExpressibleByArgument {}
extension FormulaGuard: ExpressibleByArgument {}

extension InputFormat: ExpressibleByArgument {}
extension DedupeMode: ExpressibleByArgument {}
extension DedupeKey: ExpressibleByArgument {}

/// Options shared by `convert` and `validate`.
struct RunOptions: ParsableArguments {
  @Argument(help: "The input: a file, a data: URL, an http(s) URL; - or nothing reads standard input.")
  var input: String = "-"

  @Option(
    help:
      "The input format: csv, json, jsonl or xlsx (default: a data URL's media type or the HTTP Content-Type, the extension, else the content)."
  )
  var from: InputFormat?

  @Option(
    help:
      "The input's text encoding: utf-8, utf-16le, utf-16be or windows-1252 (default: BOM, else UTF-8 with a warned fallback to Windows-1252)."
  )
  var encoding: String?

  @Option(
    help: ArgumentHelp("The CSV delimiter: , ; or tab (default: sniffed from the header line).", valueName: "char"))
  var delimiter: String?

  @Option(help: "The worksheet to read from an XLSX input (default: the first).")
  var sheet: String?

  @Option(help: ArgumentHelp("The largest data URL accepted, in encoded bytes.", valueName: "bytes"))
  var maxDataURLBytes: Int = 7_500_000

  @Option(
    help: ArgumentHelp(
      "The longest CSV cell, JSON string or XLSX cell; a row with a longer one is skipped and reported.",
      valueName: "bytes"))
  var maxFieldBytes: Int = InputLimits().maxFieldBytes

  @Option(
    help: ArgumentHelp(
      "The most cells in a CSV or XLSX row, the header included; a wider row is skipped and reported.",
      valueName: "count"))
  var maxColumns: Int = InputLimits().maxColumns

  @Option(
    help: ArgumentHelp(
      "The longest CSV record, JSON element or XLSX row; a longer one is skipped and reported.", valueName: "bytes"))
  var maxRowBytes: Int = InputLimits().maxRowBytes

  @Option(
    help: ArgumentHelp(
      "The deepest nesting of objects and arrays in one JSON contact (also dotted headers and YAML metadata cells), at most \(InputLimits.largestJSONDepth).",
      valueName: "levels"))
  var maxJSONDepth: Int = InputLimits().maxJSONDepth

  @Option(
    help: ArgumentHelp(
      "The most bytes an XLSX workbook may inflate to, all parts together (zip bombs).", valueName: "bytes"))
  var maxXLSXBytes: UInt64 = 1 << 30

  @Option(
    help: ArgumentHelp(
      "The highest inflated-to-compressed ratio of an XLSX part, after its first MiB (zip bombs).", valueName: "ratio"))
  var maxXLSXRatio: UInt64 = 100

  @Option(help: ArgumentHelp("Seconds to connect to an http(s) INPUT's server.", valueName: "seconds"))
  var connectTimeout: Double = 10

  @Option(
    help: ArgumentHelp("Seconds without a byte from an http(s) INPUT's server before giving up.", valueName: "seconds"))
  var readTimeout: Double = 30

  @Option(help: ArgumentHelp("Seconds for a whole http(s) download.", valueName: "seconds"))
  var maxDownloadSeconds: Double = 600

  @Option(
    help: ArgumentHelp(
      "The largest http(s) response body accepted, in bytes (268435456 is 256 MiB).", valueName: "bytes"))
  var maxDownloadBytes: Int = 268_435_456

  @Option(help: ArgumentHelp("Write the per-row issue report to this file (- for standard output).", valueName: "path"))
  var report: String?

  @Option(
    help: ArgumentHelp(
      "Write the rejected rows, as read, with the input's header and a roster_errors column, to fix and import again.",
      valueName: "path"))
  var rejects: String?

  @Option(help: "The report layout: json, jsonl, text or github.")
  var reportFormat: ReportFormat = .text

  @Option(
    help: ArgumentHelp("Region for phone numbers written without a country code (ISO 3166 alpha-2).", valueName: "CC"))
  var defaultRegion: String?

  @Option(help: ArgumentHelp("The character between group names in a Groups cell.", valueName: "char"))
  var groupSeparator: String = ";"

  @Option(help: "Group names no group row defines: warn (drop the membership), reject (the row) or create (the group).")
  var unknownGroups: UnknownGroupPolicy = .warn

  @Flag(help: "Add each member's id, name and email to group records (referenced_contacts).")
  var referencedContacts = false

  @Option(
    help:
      "Duplicates within the input: off, report (reject later duplicates) or merge (merge them into the first, kept in merge_history)."
  )
  var dedupe: DedupeMode = .off

  @Option(
    help: ArgumentHelp(
      "What makes two rows one contact: fingerprint, email (case-insensitive), phone (E.164) or email,phone.",
      valueName: "key"))
  var dedupeKey: DedupeKey = .fingerprint

  @Option(
    help: ArgumentHelp(
      "Threads to read and validate with: 1 does everything on one core (default: the CPUs available, at most \(ConversionJob.defaultThreadCap)).",
      valueName: "count"))
  var threads: Int?

  @Flag(help: "Show no progress and no summary on standard error.")
  var quiet = false

  func validate() throws {
    if let encoding, TextEncoding(charsetName: encoding) == nil {
      throw ValidationError("--encoding \(encoding): use utf-8, utf-16le, utf-16be or windows-1252")
    }
    if let delimiter, ![",", ";", "tab", "\t"].contains(delimiter) {
      throw ValidationError("--delimiter \(delimiter): use , ; or tab")
    }
    guard maxDataURLBytes > 0 else { throw ValidationError("--max-data-url-bytes must be positive") }
    guard maxFieldBytes > 0 else { throw ValidationError("--max-field-bytes must be positive") }
    guard maxColumns > 0 else { throw ValidationError("--max-columns must be positive") }
    guard maxRowBytes > 0 else { throw ValidationError("--max-row-bytes must be positive") }
    guard (1...InputLimits.largestJSONDepth).contains(maxJSONDepth) else {
      throw ValidationError(
        "--max-json-depth must be between 1 and \(InputLimits.largestJSONDepth) (deeper trees are not written safely)")
    }
    guard maxXLSXBytes > 0 else { throw ValidationError("--max-xlsx-bytes must be positive") }
    guard maxXLSXRatio > 0 else { throw ValidationError("--max-xlsx-ratio must be positive") }
    for (flag, value) in [
      ("--connect-timeout", connectTimeout), ("--read-timeout", readTimeout),
      ("--max-download-seconds", maxDownloadSeconds),
    ] where !(value > 0 && value.isFinite) {
      throw ValidationError("\(flag) must be a positive number of seconds")
    }
    if let threads, !(1...256).contains(threads) {
      throw ValidationError("--threads must be between 1 and 256")
    }
    guard maxDownloadBytes > 0 else { throw ValidationError("--max-download-bytes must be positive") }
    guard groupSeparator.utf8.count == 1, let byte = groupSeparator.utf8.first, byte >= 0x20,
      byte != UInt8(ascii: "\""),
      byte < 0x7F
    else {
      throw ValidationError("--group-separator takes one printable ASCII character other than a double quote")
    }
  }

  /// The input options these flags describe.
  var inputOptions: InputChainOptions {
    var options = InputChainOptions()
    options.format = from
    if let encoding, let named = TextEncoding(charsetName: encoding) { options.encoding = .fixed(named) }
    switch delimiter {
    case ",": options.delimiter = UInt8(ascii: ",")
    case ";": options.delimiter = UInt8(ascii: ";")
    case "tab", "\t": options.delimiter = 0x09
    default: break
    }
    options.maxDataURLBytes = maxDataURLBytes
    options.limits.maxFieldBytes = maxFieldBytes
    options.limits.maxColumns = maxColumns
    options.limits.maxRowBytes = maxRowBytes
    options.limits.maxJSONDepth = maxJSONDepth
    options.maxXLSXDecompressedBytes = maxXLSXBytes
    options.maxXLSXRatio = maxXLSXRatio
    options.http.connectTimeout = connectTimeout
    options.http.readTimeout = readTimeout
    options.http.maxDownloadSeconds = maxDownloadSeconds
    options.http.maxDownloadBytes = maxDownloadBytes
    return options
  }

  /// The duplicate options these flags describe.
  var dedupeOptions: DedupeOptions {
    var options = DedupeOptions()
    options.mode = dedupe
    options.key = dedupeKey
    return options
  }

  /// The group options these flags describe.
  var groupOptions: GroupOptions {
    var options = GroupOptions()
    options.separator = groupSeparator.utf8.first ?? UInt8(ascii: ";")
    options.unknownGroups = unknownGroups
    options.referencedContacts = referencedContacts
    return options
  }
}

/// Runs `job`, showing progress on a terminal, and prints the summary line unless quiet.
///
/// The summary goes to standard error when the report goes to a file (on a standard stream the
/// report ends with its own summary).
func runWithProgress(_ job: ConversionJob, quiet: Bool) throws -> RunSummary {
  let display = ProgressDisplay(enabled: !quiet && isatty(2) == 1)
  let summary = try job.run(progressEvery: 8192) { display.update($0) }
  display.clear()
  if !quiet, case .file = job.report.destination {
    let name = ConversionJob.displayName(ofInput: job.input)
    writeStandardError("roster: \(name): \(IssueReportWriter.summaryText(summary))\n")
  }
  return summary
}
