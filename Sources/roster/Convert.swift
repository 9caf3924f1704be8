import ArgumentParser
import RosterFormats

/// `roster convert`: write accepted contacts in another format, and report every rejected row.
struct Convert: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Convert a contact list, validating every row.",
    discussion: """
      Accepted rows go to the output; rejected rows go to the report (standard error unless --report).
      The output file appears only when the run completes.

      Example:
        roster convert contacts.csv -o contacts.jsonl --report issues.json --report-format json
      """
  )

  @OptionGroup var options: RunOptions

  @Option(help: "The output format: jsonl, json, csv or xlsx (default: from the output's extension, else jsonl).")
  var to: OutputFormat?

  @Option(
    name: [.short, .customLong("output")],
    help: ArgumentHelp("The output file (default: standard output).", valueName: "path"))
  var output: String?

  @Flag(help: "In CSV output, write each metadata column of the input header as its own metadata.* column.")
  var flattenMetadata = false

  @Option(
    help:
      "In CSV output, prefix cells that begin with = + - @ tab or CR with ' so spreadsheets do not run them as formulas."
  )
  var formulaGuard: FormulaGuard = .on

  @Flag(help: "Exit with 1 when any row is rejected (the accepted rows are still written).")
  var strict = false

  func validate() throws {
    if to == nil, let output, output != "-", OutputFormat(pathExtensionOf: output) == nil {
      throw ValidationError("cannot tell the output format from \"\(output)\"; pass --to jsonl or --to json")
    }
    let format = to ?? output.flatMap { OutputFormat(pathExtensionOf: $0) } ?? .jsonl
    if format == .xlsx, output == nil || output == "-" {
      throw ValidationError("XLSX output needs a file: pass -o contacts.xlsx")
    }
    if output == nil || output == "-", options.report == "-" {
      throw ValidationError("the output already goes to standard output; give --report a file path")
    }
  }

  func run() throws {
    let format = to ?? output.flatMap { OutputFormat(pathExtensionOf: $0) } ?? .jsonl
    let destination: Destination = output.map { $0 == "-" ? .standardOutput : .file($0) } ?? .standardOutput
    let report: Destination = options.report.map { $0 == "-" ? .standardOutput : .file($0) } ?? .standardError
    var job = ConversionJob(
      input: options.input, output: (format, destination), report: (options.reportFormat, report),
      defaultRegion: options.defaultRegion)
    job.groups = options.groupOptions
    job.rejects = options.rejects
    job.inputOptions = options.inputOptions
    job.sheet = options.sheet
    job.dedupe = options.dedupeOptions
    if let threads = options.threads { job.threads = threads }
    job.flattenMetadata = flattenMetadata
    job.formulaGuard = formulaGuard
    let summary = try runWithProgress(job, quiet: options.quiet)
    if strict && summary.rejected > 0 { throw ExitCode(1) }
  }
}
