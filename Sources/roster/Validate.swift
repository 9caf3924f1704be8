import ArgumentParser
import RosterFormats

/// `roster validate`: check every row and report, writing no contacts.
struct Validate: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Check a contact list and report every rejected row; exit 1 if any.",
    discussion: """
      The report goes to standard output unless --report names a file.

      Example:
        roster validate contacts.csv --report-format github
      """
  )

  @OptionGroup var options: RunOptions

  func run() throws {
    let report: Destination = options.report.map { $0 == "-" ? .standardOutput : .file($0) } ?? .standardOutput
    var job = ConversionJob(
      input: options.input, output: nil, report: (options.reportFormat, report),
      defaultRegion: options.defaultRegion)
    job.groups = options.groupOptions
    job.rejects = options.rejects
    job.inputOptions = options.inputOptions
    job.sheet = options.sheet
    job.dedupe = options.dedupeOptions
    if let threads = options.threads { job.threads = threads }
    let summary = try runWithProgress(job, quiet: options.quiet)
    if summary.rejected > 0 { throw ExitCode(1) }
  }
}
