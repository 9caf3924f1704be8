public import ArgumentParser
import RosterCore
import RosterFormats

#if canImport(Glibc)
  import Glibc
#endif

extension ReportFormat: ExpressibleByArgument {}
extension OutputFormat: ExpressibleByArgument {}

/// The input formats Roster reads.
enum InputFormat: String, CaseIterable, ExpressibleByArgument {
  case csv
}

/// Options shared by `convert` and `validate`.
struct RunOptions: ParsableArguments {
  @Argument(help: "The input file; - or nothing reads standard input.")
  var input: String = "-"

  @Option(help: "The input format.")
  var from: InputFormat = .csv

  @Option(help: ArgumentHelp("Write the per-row issue report to this file (- for standard output).", valueName: "path"))
  var report: String?

  @Option(help: "The report layout: json, jsonl, text or github.")
  var reportFormat: ReportFormat = .text

  @Option(
    help: ArgumentHelp("Region for phone numbers written without a country code (ISO 3166 alpha-2).", valueName: "CC"))
  var defaultRegion: String?

  @Flag(help: "Show no progress and no summary on standard error.")
  var quiet = false
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
    let name = job.input == "-" ? "<stdin>" : job.input
    writeStandardError("roster: \(name): \(IssueReportWriter.summaryText(summary))\n")
  }
  return summary
}
