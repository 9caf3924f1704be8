/// The limits on one HTTP download; each one has a command-line flag, named in the error it causes.
public struct HTTPLimits: Sendable, Hashable {
  /// Seconds to connect (TCP and TLS), per connection (`--connect-timeout`).
  public var connectTimeout: Double = 10
  /// Seconds without a byte from the server while Roster waits for one (`--read-timeout`).
  public var readTimeout: Double = 30
  /// Seconds for the whole transfer, redirects included (`--max-download-seconds`).
  public var maxDownloadSeconds: Double = 600
  /// Bytes of response body accepted (`--max-download-bytes`); a larger Content-Length is refused
  /// before the body is read.
  public var maxDownloadBytes: Int = 268_435_456

  public init() {}
}
