import RosterCore

#if canImport(Glibc)
  import Glibc
#endif

/// Measures validator throughput on one core over a file of inputs.
///
///     roster-bench phone INPUTS.tsv [SECONDS]   # lines: value, optionally TAB and a default region
///     roster-bench email INPUTS.txt [SECONDS]   # lines: one address each
///     roster-bench dedupe-table KEYS            # the duplicate table's bytes per distinct key
///
/// Prints validations per second and how many inputs were valid, so two runs can be compared.
@main
struct RosterBench {
  static func main() {
    let arguments = CommandLine.arguments
    if arguments.count == 3, arguments[1] == "dedupe-table", let keys = Int(arguments[2]), keys > 0 {
      benchDedupeTable(keys: keys)
      return
    }
    guard arguments.count >= 3, let lines = readLines(arguments[2]) else {
      writeError("usage: roster-bench phone|email INPUTS [SECONDS], or roster-bench dedupe-table KEYS\n")
      exit(2)
    }
    let seconds = max(0.1, arguments.count > 3 ? Double(arguments[3]) ?? 2 : 2)
    switch arguments[1] {
    case "phone": benchPhones(lines, seconds: seconds)
    case "email": benchEmails(lines, seconds: seconds)
    default:
      writeError("roster-bench: unknown benchmark \(arguments[1])\n")
      exit(2)
    }
  }

  /// Inserts `keys` distinct email keys into a `DuplicateKeyTable` as `--dedupe` does (digest, then
  /// table) and prints the table's bytes per distinct key and the insertion rate.
  static func benchDedupeTable(keys: Int) {
    var table = DuplicateKeyTable()
    var contact = Contact()
    contact.name = "Person"
    var clock = timespec()
    clock_gettime(CLOCK_MONOTONIC, &clock)
    let start = Double(clock.tv_sec) + Double(clock.tv_nsec) / 1e9
    for row in 0..<keys {
      contact.email = "person.\(row)@example.com"
      guard let digest = DedupeKey.email.digest(of: contact) else { continue }
      do {
        _ = try table.firstOccurrence(of: digest, row: row)
      } catch {
        writeError("roster-bench: \(error)\n")
        exit(1)
      }
    }
    clock_gettime(CLOCK_MONOTONIC, &clock)
    let elapsed = Double(clock.tv_sec) + Double(clock.tv_nsec) / 1e9 - start
    let perKey = Double(table.byteCount) / Double(table.count)
    print(
      "dedupe-table: \(table.count) distinct keys, \(table.byteCount) table bytes, "
        + "\((perKey * 10).rounded() / 10) bytes per key, \(Int(Double(keys) / elapsed)) keys/s")
  }

  static func benchPhones(_ lines: [String], seconds: Double) {
    var validators: [String: PhoneNumberValidator] = [:]
    var work: [(PhoneNumberValidator, String)] = []
    for line in lines {
      let parts = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
      let region = parts.count > 1 && !parts[1].isEmpty ? parts[1] : nil
      let key = region ?? ""
      if validators[key] == nil { validators[key] = PhoneNumberValidator(defaultRegion: region) }
      guard let validator = validators[key] else { continue }
      work.append((validator, parts[0]))
    }
    report("phone", count: work.count, seconds: seconds) { index in
      let (validator, input) = work[index]
      if case .valid = validator.validate(input) { return true }
      return false
    }
  }

  static func benchEmails(_ lines: [String], seconds: Double) {
    let validator = EmailValidator()
    report("email", count: lines.count, seconds: seconds) { index in
      if case .valid = validator.validate(lines[index]) { return true }
      return false
    }
  }

  /// Runs `validate` over the inputs round-robin for about `seconds`, then prints the rate.
  static func report(_ name: String, count: Int, seconds: Double, _ validate: (Int) -> Bool) {
    guard count > 0 else { return }
    var valid = 0
    for index in 0..<count where validate(index) { valid += 1 }
    var done = 0
    let start = now()
    var elapsed = 0.0
    while elapsed < seconds {
      for index in 0..<count { _ = validate(index) }
      done += count
      elapsed = now() - start
    }
    let rate = Double(done) / elapsed
    print("\(name): \(Int(rate)) validations/s (\(count) inputs, \(valid) valid, \(done) validations in \(elapsed) s)")
  }

  static func readLines(_ path: String) -> [String]? {
    guard let file = fopen(path, "r") else { return nil }
    defer { fclose(file) }
    var lines: [String] = []
    var buffer: UnsafeMutablePointer<CChar>?
    var capacity = 0
    while getline(&buffer, &capacity, file) > 0 {
      if let buffer {
        var line = String(cString: buffer)
        while line.hasSuffix("\n") || line.hasSuffix("\r") { line.removeLast() }
        if !line.isEmpty { lines.append(line) }
      }
    }
    free(buffer)
    return lines
  }

  static func now() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
  }

  static func writeError(_ text: String) {
    var text = text
    text.withUTF8 { bytes in _ = write(2, bytes.baseAddress, bytes.count) }
  }
}
