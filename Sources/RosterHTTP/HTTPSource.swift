import CCurl
public import RosterCore

#if canImport(Glibc)
  import Glibc
#endif

/// The body of an `http://` or `https://` URL, pulled as it is read (libcurl's multi interface).
///
/// `open` sends the request and runs the transfer until the final response's headers are in
/// (redirects followed, at most 5), so `status`, `contentType` and `contentLength` are known before
/// any body byte is read; a status other than 2xx, or a Content-Length over the byte limit, is an
/// error there. Then each `read(into:)` runs the transfer only until some bytes are buffered.
/// libcurl's write callback copies into one bounded buffer and pauses the transfer when it is full
/// (TCP flow control then holds the server back), so memory stays the same whatever the body's size.
///
/// Only http and https are spoken (redirects to other schemes fail); TLS certificates are verified
/// against the system CA store; the User-Agent is `roster/<version>`.
///
/// ```swift
/// let body = try HTTPSource.open(url: "https://example.com/contacts.csv", limits: HTTPLimits(),
///                                userAgent: "roster/0.1.0")
/// // body.contentType == "text/csv; charset=utf-8"
/// while try body.read(into: buffer) > 0 { ... }
/// ```
///
/// Every failure is a `RosterError(.input)` naming the URL: a non-2xx status, DNS or connection
/// failure, TLS failure, a timeout or the byte limit (naming the flag that changes it), a body cut short.
public final class HTTPSource {
  /// The URL as given, credentials removed, for messages.
  public let displayName: String
  /// The limits this transfer runs under.
  public let limits: HTTPLimits
  /// The final response's status code (after redirects).
  public private(set) var status = 0
  /// The final response's `Content-Type` header, if it had one.
  public private(set) var contentType: String?
  /// The final response's `Content-Length`, if it had one.
  public private(set) var contentLength: Int?
  /// The URL the body came from, after redirects.
  public private(set) var finalURL: String
  /// Body bytes received from the server so far.
  public private(set) var bytesReceived = 0

  /// The buffer's usual size; a single callback chunk larger than it (libcurl sends at most 16 KiB)
  /// grows it to that chunk.
  static var bufferCapacity: Int { 1 << 18 }

  private let multi: UnsafeMutableRawPointer
  private let easy: UnsafeMutableRawPointer
  private let errorText: UnsafeMutablePointer<CChar>
  private var buffer: UnsafeMutableRawPointer
  /// The buffer's size now (see `bufferCapacity`).
  private(set) var capacity: Int
  private var start = 0
  private var end = 0
  private var paused = false
  /// How often the buffer filled and the transfer paused (tests check that backpressure happens).
  private(set) var pauses = 0
  private var added = false
  private var headersDone = false
  private var transferDone = false
  /// An error raised inside a callback (the byte limit, a refused status), thrown by the caller.
  private var failure: RosterError?
  /// How libcurl said the transfer ended, once it has.
  private var completion = CURLE_OK
  /// The error that ended the transfer, thrown again by every later read.
  private var terminalError: RosterError?
  /// Counts header lines and body chunks, so a wait can tell whether anything arrived.
  private var activity = 0
  private let startTime: Double
  // The header block being received: its status line, whether it has a Location, its fields.
  private var blockStatusLine = ""
  private var blockHasLocation = false
  private var blockContentType: String?
  private var blockContentLength: Int?

  private static let globalSetup: Bool = roster_curl_global_init() == CURLE_OK

  private init(url: String, limits: HTTPLimits) throws(RosterError) {
    displayName = Self.displayName(of: url)
    guard Self.globalSetup, let multi = curl_multi_init() else {
      throw RosterError(.input, file: Self.displayName(of: url), "cannot start libcurl")
    }
    guard let easy = curl_easy_init() else {
      curl_multi_cleanup(multi)
      throw RosterError(.input, file: Self.displayName(of: url), "cannot start libcurl")
    }
    self.multi = multi
    self.easy = easy
    self.limits = limits
    finalURL = url
    errorText = .allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
    errorText.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
    capacity = Self.bufferCapacity
    buffer = .allocate(byteCount: capacity, alignment: 16)
    startTime = Self.now()
  }

  deinit {
    if added { curl_multi_remove_handle(multi, easy) }
    curl_easy_cleanup(easy)
    curl_multi_cleanup(multi)
    errorText.deallocate()
    buffer.deallocate()
  }

  /// Sends the request for `url` and waits for the final response's headers.
  ///
  /// - Throws: `RosterError(.input)` naming the URL when it cannot be fetched, the status is not 2xx,
  ///   or the Content-Length is over `limits.maxDownloadBytes`.
  public static func open(url: String, limits: HTTPLimits, userAgent: String) throws(RosterError) -> HTTPSource {
    let source = try HTTPSource(url: url, limits: limits)
    try source.configure(url: url, userAgent: userAgent)
    try source.drive { source.headersDone }
    return source
  }

  private func configure(url: String, userAgent: String) throws(RosterError) {
    let context = Unmanaged.passUnretained(self).toOpaque()
    var codes: [CURLcode] = [
      roster_curl_setopt_string(easy, CURLOPT_URL, url),
      roster_curl_setopt_string(easy, CURLOPT_PROTOCOLS_STR, "http,https"),
      roster_curl_setopt_string(easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https"),
      roster_curl_setopt_long(easy, CURLOPT_FOLLOWLOCATION, 1),
      roster_curl_setopt_long(easy, CURLOPT_MAXREDIRS, 5),
      roster_curl_setopt_long(easy, CURLOPT_SSL_VERIFYPEER, 1),
      roster_curl_setopt_long(easy, CURLOPT_SSL_VERIFYHOST, 2),
      roster_curl_setopt_long(easy, CURLOPT_NOSIGNAL, 1),
      roster_curl_setopt_long(easy, CURLOPT_SUPPRESS_CONNECT_HEADERS, 1),
      roster_curl_setopt_long(easy, CURLOPT_CONNECTTIMEOUT_MS, Self.milliseconds(limits.connectTimeout)),
      roster_curl_setopt_string(easy, CURLOPT_USERAGENT, userAgent),
      roster_curl_setopt_pointer(easy, CURLOPT_ERRORBUFFER, errorText),
      roster_curl_setopt_write_callback(easy, CURLOPT_WRITEFUNCTION) { data, size, count, context in
        guard let data, let context else { return 0 }
        return Unmanaged<HTTPSource>.fromOpaque(context).takeUnretainedValue().receiveBody(data, size * count)
      },
      roster_curl_setopt_pointer(easy, CURLOPT_WRITEDATA, context),
      roster_curl_setopt_write_callback(easy, CURLOPT_HEADERFUNCTION) { data, size, count, context in
        guard let data, let context else { return 0 }
        return Unmanaged<HTTPSource>.fromOpaque(context).takeUnretainedValue().receiveHeader(data, size * count)
      },
      roster_curl_setopt_pointer(easy, CURLOPT_HEADERDATA, context),
    ]
    codes.removeAll { $0 == CURLE_OK }
    if let code = codes.first {
      throw RosterError(.input, file: displayName, "cannot set up the request: \(Self.text(of: code))")
    }
    let added = curl_multi_add_handle(multi, easy)
    guard added == CURLM_OK else {
      throw RosterError(
        .input, file: displayName, "cannot start the request: \(String(cString: curl_multi_strerror(added)))")
    }
    self.added = true
  }

  /// Reads up to `target.count` body bytes; returns 0 only at the end of a complete body.
  ///
  /// - Throws: the transfer's failure (a timeout, the byte limit, a body cut short), and again on
  ///   every later call.
  public func read(into target: UnsafeMutableRawBufferPointer) throws(RosterError) -> Int {
    if let terminalError { throw terminalError }
    if start == end {
      if transferDone {
        try finishTransfer()
        return 0
      }
      start = 0
      end = 0
      if paused {
        paused = false
        // libcurl may hand over the bytes it held back from inside this call.
        let code = roster_curl_unpause(easy)
        if let failure { throw fail(failure) }
        guard code == CURLE_OK else { throw fail(transferError(code)) }
      }
      if start == end { try drive { self.start != self.end } }
      if start == end { return 0 }
    }
    let count = min(target.count, end - start)
    target.baseAddress?.copyMemory(from: buffer + start, byteCount: count)
    start += count
    return count
  }

  /// Runs the transfer until `ready()` or its end, polling the connection; enforces the read timeout
  /// and the whole-transfer deadline.
  private func drive(until ready: () -> Bool) throws(RosterError) {
    var waitingSince = Self.now()
    var seen = activity
    while !ready() && !transferDone {
      var running: Int32 = 0
      let code = curl_multi_perform(multi, &running)
      if let failure { throw fail(failure) }
      guard code == CURLM_OK else {
        throw fail(
          RosterError(.input, file: displayName, "transfer failed: \(String(cString: curl_multi_strerror(code)))"))
      }
      collectCompletion()
      // Bytes already received are handed out before a failure at the end of the body is thrown.
      if ready() { return }
      if transferDone {
        try finishTransfer()
        return
      }
      let now = Self.now()
      if activity != seen {
        seen = activity
        waitingSince = now
      }
      let deadline = startTime + limits.maxDownloadSeconds
      if now >= deadline {
        throw fail(
          RosterError(
            .input, file: displayName,
            "the download took longer than the \(Self.seconds(limits.maxDownloadSeconds)) limit "
              + "(\(bytesReceived) bytes received); raise it with --max-download-seconds SECONDS"))
      }
      if now - waitingSince >= limits.readTimeout && isConnected {
        throw fail(
          RosterError(
            .input, file: displayName,
            "no data from the server for \(Self.seconds(limits.readTimeout)) "
              + "(\(bytesReceived) bytes received); raise the limit with --read-timeout SECONDS"))
      }
      let wait = min(1.0, deadline - now, max(0.001, waitingSince + limits.readTimeout - now))
      curl_multi_poll(multi, nil, 0, Int32(max(1, wait * 1000)), nil)
    }
  }

  /// Whether the connection is up and the request sent (the read timeout runs only then; before it,
  /// the connect timeout does).
  private var isConnected: Bool {
    var pretransfer: curl_off_t = 0
    return roster_curl_getinfo_off_t(easy, CURLINFO_PRETRANSFER_TIME_T, &pretransfer) == CURLE_OK && pretransfer > 0
  }

  private func collectCompletion() {
    var queued: Int32 = 0
    while let message = curl_multi_info_read(multi, &queued) {
      if message.pointee.msg == CURLMSG_DONE {
        transferDone = true
        completion = message.pointee.data.result
      }
    }
  }

  /// Checks how a finished transfer ended.
  private func finishTransfer() throws(RosterError) {
    if let failure { throw fail(failure) }
    if completion != CURLE_OK { throw fail(transferError(completion)) }
    if !headersDone {
      throw fail(RosterError(.input, file: displayName, "the server sent no response"))
    }
    if let contentLength, bytesReceived < contentLength {
      throw fail(
        RosterError(
          .input, file: displayName,
          "the body was cut short: \(bytesReceived) of \(contentLength) bytes (Content-Length) arrived"))
    }
  }

  /// Records `error` as the end of the transfer and returns it, to throw.
  private func fail(_ error: RosterError) -> RosterError {
    terminalError = error
    return error
  }

  // MARK: - Callbacks (called by libcurl from inside `curl_multi_perform` or the unpause)

  private func receiveBody(_ data: UnsafeMutablePointer<CChar>, _ count: Int) -> Int {
    if !headersDone { endHeaderBlock() }
    if failure != nil { return 0 }
    if bytesReceived + count > limits.maxDownloadBytes {
      failure = RosterError(
        .input, file: displayName,
        "the download passed the \(limits.maxDownloadBytes)-byte limit; "
          + "raise it with --max-download-bytes BYTES")
      return 0
    }
    if capacity - end < count && start > 0 {
      (buffer).copyMemory(from: buffer + start, byteCount: end - start)
      end -= start
      start = 0
    }
    if capacity - end < count {
      if end > start {
        paused = true
        pauses += 1
        return roster_curl_writefunc_pause()
      }
      buffer.deallocate()
      capacity = count
      buffer = .allocate(byteCount: capacity, alignment: 16)
      start = 0
      end = 0
    }
    (buffer + end).copyMemory(from: data, byteCount: count)
    end += count
    bytesReceived += count
    activity += 1
    return count
  }

  private func receiveHeader(_ data: UnsafeMutablePointer<CChar>, _ count: Int) -> Int {
    activity += 1
    if headersDone { return count }  // trailers
    let line = String(decoding: UnsafeRawBufferPointer(start: data, count: count), as: UTF8.self)
    let trimmed = line.trimmingLineEnd()
    if trimmed.isEmpty {
      endHeaderBlock()
      return failure == nil ? count : 0
    }
    if trimmed.hasPrefix("HTTP/") {
      blockStatusLine = trimmed
      blockHasLocation = false
      blockContentType = nil
      blockContentLength = nil
      return count
    }
    guard let colon = trimmed.firstIndex(of: ":") else { return count }
    let name = trimmed[..<colon].lowercased()
    let value = trimmed[trimmed.index(after: colon)...].trimmingSpaces()
    switch name {
    case "location": blockHasLocation = true
    case "content-type": blockContentType = value
    case "content-length": blockContentLength = Int(value)
    default: break
    }
    return count
  }

  /// The blank line after a header block: an interim (1xx) or followed redirect (3xx with a Location)
  /// block is skipped; otherwise these are the final headers, checked here.
  private func endHeaderBlock() {
    var code = 0
    _ = roster_curl_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &code)
    if (100..<200).contains(code) { return }
    if (300..<400).contains(code) && blockHasLocation { return }
    headersDone = true
    status = code
    contentType = blockContentType
    contentLength = blockContentLength
    var url: UnsafePointer<CChar>?
    if roster_curl_getinfo_string(easy, CURLINFO_EFFECTIVE_URL, &url) == CURLE_OK, let url {
      finalURL = String(cString: url)
    }
    guard (200..<300).contains(code) else {
      let redirected = finalURL == displayName ? "" : " (redirected to \(Self.displayName(of: finalURL)))"
      failure = RosterError(
        .input, file: displayName,
        "the server answered \(Self.statusText(blockStatusLine, code: code))\(redirected); expected 200 OK")
      return
    }
    if let length = blockContentLength, length > limits.maxDownloadBytes {
      failure = RosterError(
        .input, file: displayName,
        "the response is \(length) bytes (Content-Length), over the \(limits.maxDownloadBytes)-byte limit; "
          + "raise it with --max-download-bytes BYTES")
    }
  }

  // MARK: - Messages

  /// A libcurl result as Roster's message: what failed, libcurl's own detail, and what to do.
  private func transferError(_ code: CURLcode) -> RosterError {
    let detail = errorText.pointee != 0 ? String(cString: errorText) : Self.text(of: code)
    let message: String
    switch code {
    case CURLE_UNSUPPORTED_PROTOCOL:
      message = "only http and https URLs are read (and followed in redirects): \(detail)"
    case CURLE_URL_MALFORMAT:
      message = "not a valid URL: \(detail)"
    case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY:
      message = "cannot resolve the host name: \(detail)"
    case CURLE_COULDNT_CONNECT:
      message = "cannot connect: \(detail)"
    case CURLE_OPERATION_TIMEDOUT:
      message =
        "no connection within \(Self.seconds(limits.connectTimeout)): \(detail); "
        + "raise the limit with --connect-timeout SECONDS"
    case CURLE_PEER_FAILED_VERIFICATION:
      message =
        "TLS certificate verification failed: \(detail) (certificates are checked against the system CA "
        + "store; a private CA must be installed there)"
    case CURLE_SSL_CONNECT_ERROR, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER, CURLE_SSL_CACERT_BADFILE:
      message = "TLS connection failed: \(detail)"
    case CURLE_TOO_MANY_REDIRECTS:
      message = "more than 5 redirects: \(detail)"
    case CURLE_PARTIAL_FILE, CURLE_RECV_ERROR, CURLE_GOT_NOTHING:
      message = "the body was cut short after \(bytesReceived) bytes: \(detail)"
    default:
      message = "the download failed: \(detail) (libcurl error \(code.rawValue))"
    }
    return RosterError(.input, file: displayName, message)
  }

  private static func text(of code: CURLcode) -> String {
    String(cString: curl_easy_strerror(code))
  }

  /// `404 Not Found`, from the status line when it has a reason phrase (HTTP/2 has none).
  private static func statusText(_ statusLine: String, code: Int) -> String {
    let parts = statusLine.split(separator: " ", maxSplits: 2)
    if parts.count == 3, parts[1] == "\(code)" { return "\(code) \(parts[2])" }
    return "HTTP status \(code)"
  }

  /// `url` without the user name and password it may carry (they must not appear in messages).
  public static func displayName(of url: String) -> String {
    guard let scheme = url.firstRange(of: "://") else { return url }
    let rest = url[scheme.upperBound...]
    let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
    guard let at = rest[..<authorityEnd].lastIndex(of: "@") else { return url }
    return String(url[..<scheme.upperBound]) + String(rest[rest.index(after: at)...])
  }

  private static func seconds(_ value: Double) -> String {
    value == value.rounded() ? "\(Int(value)) s" : "\(value) s"
  }

  private static func milliseconds(_ seconds: Double) -> Int {
    Int(min(max(seconds * 1000, 1), Double(Int32.max)))
  }

  private static func now() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
  }
}

extension String {
  /// The string without its trailing CR and LF.
  fileprivate func trimmingLineEnd() -> String {
    var text = Substring(self)
    while let last = text.last, last == "\r" || last == "\n" || last == "\r\n" { text = text.dropLast() }
    return String(text)
  }
}

extension Substring {
  /// The text without leading and trailing spaces and tabs.
  fileprivate func trimmingSpaces() -> String {
    var text = self
    while let first = text.first, first == " " || first == "\t" { text = text.dropFirst() }
    while let last = text.last, last == " " || last == "\t" { text = text.dropLast() }
    return String(text)
  }
}
