import ArgumentParser
import RosterCore
import RosterFormats

#if canImport(Glibc)
  import Glibc
#endif

/// The `roster` command: convert and validate contact lists.
@main
struct Roster: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "roster",
    abstract: "Move contact lists between systems, validating every row and reporting every rejection.",
    discussion: """
      Exit codes: 0 every row accepted; 1 some rows rejected (always for validate, for convert only \
      with --strict); 2 unusable arguments or input.
      """,
    version: RosterVersion.current,
    subcommands: [Convert.self, Validate.self]
  )

  /// Parses, runs, and exits with Roster's documented codes (argument errors exit 2, not 64).
  static func main() {
    TemporaryFiles.installSignalHandlers()
    do {
      var command = try parseAsRoot()
      try command.run()
    } catch let error as RosterError {
      writeStandardError("roster: \(error)\n")
      Glibc.exit(2)
    } catch let error as ExitCode {
      Glibc.exit(error.rawValue)
    } catch {
      let code = exitCode(for: error)
      if code == .success {
        print(fullMessage(for: error))
        Glibc.exit(0)
      }
      writeStandardError(fullMessage(for: error) + "\n")
      Glibc.exit(2)
    }
    Glibc.exit(0)
  }
}

/// Writes `text` to standard error, unbuffered.
func writeStandardError(_ text: String) {
  var text = text
  text.withUTF8 { bytes in _ = write(2, bytes.baseAddress, bytes.count) }
}
