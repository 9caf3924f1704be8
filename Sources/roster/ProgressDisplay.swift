import RosterFormats

#if canImport(Glibc)
  import Glibc
#endif

/// Rows, rows/s and percent of bytes read, redrawn in place on standard error at most twice a second.
final class ProgressDisplay {
  private let enabled: Bool
  private var start = ProgressDisplay.now()
  private var pass = 1
  private var lastDraw = 0.0
  private var drawn = false

  init(enabled: Bool) { self.enabled = enabled }

  func update(_ progress: JobProgress) {
    guard enabled else { return }
    let now = Self.now()
    if progress.pass != pass {
      pass = progress.pass
      start = now
    }
    guard now - lastDraw >= 0.5 else { return }
    lastDraw = now
    let rate = Int(Double(progress.rows) / max(now - start, 0.001))
    let pass = progress.passes > 1 ? "pass \(progress.pass) of \(progress.passes): " : ""
    var line = "\r\(pass)\(progress.rows) rows, \(rate) rows/s"
    if let total = progress.totalBytes, total > 0 {
      line += ", \(min(100, progress.bytesRead * 100 / total))%"
    }
    writeStandardError(line + "\u{1B}[K")
    drawn = true
  }

  func clear() {
    if drawn { writeStandardError("\r\u{1B}[K") }
  }

  private static func now() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
  }
}
