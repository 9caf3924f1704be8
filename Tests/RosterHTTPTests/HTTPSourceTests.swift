import Foundation
import RosterCore
import RosterTestSupport
import Testing

@testable import RosterHTTP

/// Reads all of `source` through a buffer of `chunk` bytes.
private func readAll(_ source: HTTPSource, chunk: Int = 1 << 16) throws(RosterError) -> [UInt8] {
  var bytes: [UInt8] = []
  let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk, alignment: 1)
  defer { buffer.deallocate() }
  while true {
    let count = try source.read(into: buffer)
    if count == 0 { return bytes }
    bytes += buffer[..<count]
  }
}

/// Limits short enough for tests.
private func limits(read: Double = 5, bytes: Int = 1 << 20) -> HTTPLimits {
  var limits = HTTPLimits()
  limits.connectTimeout = 5
  limits.readTimeout = read
  limits.maxDownloadSeconds = 60
  limits.maxDownloadBytes = bytes
  return limits
}

/// The error `body` throws, or nil.
private func error(_ body: () throws -> Void) -> RosterError? {
  do {
    try body()
    return nil
  } catch let error as RosterError {
    return error
  } catch {
    Issue.record("not a RosterError: \(error)")
    return nil
  }
}

@Suite("HTTPSource over a loopback server")
struct HTTPSourceTests {
  let inputs = TestSupport.fixtures.appendingPathComponent("inputs")

  @Test func readsTheBodyWithItsHeadersKnownFirst() throws {
    let server = try HTTPFixtureServer(root: inputs)
    defer { server.stop() }
    let expected = try Array(Data(contentsOf: inputs.appendingPathComponent("semicolon.csv")))
    let source = try HTTPSource.open(
      url: server.url("/typed/semicolon.csv"), limits: limits(), userAgent: "roster/test")
    #expect(source.status == 200)
    #expect(source.contentType == "text/csv; charset=utf-8")
    #expect(source.contentLength == expected.count)
    #expect(try readAll(source, chunk: 7) == expected)
    let untyped = try HTTPSource.open(url: server.url("/untyped/semicolon.csv"), limits: limits(), userAgent: "r")
    #expect(untyped.contentType == nil)
    #expect(try readAll(untyped) == expected)
    let chunked = try HTTPSource.open(url: server.url("/chunked/semicolon.csv"), limits: limits(), userAgent: "r")
    #expect(chunked.contentLength == nil)
    #expect(try readAll(chunked) == expected)
  }

  @Test func sendsItsUserAgent() throws {
    let server = try HTTPFixtureServer(root: inputs)
    defer { server.stop() }
    let source = try HTTPSource.open(url: server.url("/user-agent"), limits: limits(), userAgent: "roster/9.9.9")
    #expect(try readAll(source) == Array("roster/9.9.9\n".utf8))
  }

  @Test func followsRedirectsUpToFive() throws {
    let server = try HTTPFixtureServer(root: inputs)
    defer { server.stop() }
    let five = try HTTPSource.open(url: server.url("/redirect/4/semicolon.csv"), limits: limits(), userAgent: "r")
    #expect(five.finalURL == server.url("/typed/semicolon.csv"))
    #expect(try readAll(five).count > 100)
    let six = error {
      _ = try HTTPSource.open(url: server.url("/redirect/5/semicolon.csv"), limits: limits(), userAgent: "r")
    }
    #expect(six?.message.hasPrefix("more than 5 redirects") == true)
    let file = error {
      _ = try HTTPSource.open(url: server.url("/redirect-to?url=file:///etc/passwd"), limits: limits(), userAgent: "r")
    }
    #expect(file?.message.hasPrefix("only http and https URLs are read") == true)
  }

  @Test func aStatusOtherThan2xxIsAnErrorNamingIt() throws {
    let server = try HTTPFixtureServer(root: inputs)
    defer { server.stop() }
    let url = server.url("/status/404")
    let failure = error { _ = try HTTPSource.open(url: url, limits: limits(), userAgent: "r") }
    #expect(failure?.code == .input)
    #expect(failure?.file == url)
    #expect(failure?.message == "the server answered 404 Not Found; expected 200 OK")
    let redirected = error {
      _ = try HTTPSource.open(url: server.url("/redirect/1/missing.csv"), limits: limits(), userAgent: "r")
    }
    #expect(redirected?.message.contains("404 Not Found (redirected to \(server.url("/typed/missing.csv")))") == true)
  }

  @Test func limitsStopTheTransferNamingTheirFlag() throws {
    let server = try HTTPFixtureServer(root: inputs)
    defer { server.stop() }
    let started = Date()
    let stalled = try HTTPSource.open(url: server.url("/stall"), limits: limits(read: 1), userAgent: "r")
    let stall = error { _ = try readAll(stalled) }
    #expect(stall?.message.contains("no data from the server for 1 s") == true)
    #expect(stall?.message.contains("--read-timeout") == true)
    #expect(Date().timeIntervalSince(started) < 10)
    // The error stays: a later read cannot look like the end of the body.
    #expect(error { _ = try readAll(stalled) } == stall)

    let endless = try HTTPSource.open(url: server.url("/endless"), limits: limits(bytes: 300_000), userAgent: "r")
    let over = error { _ = try readAll(endless) }
    #expect(over?.message == "the download passed the 300000-byte limit; raise it with --max-download-bytes BYTES")
    #expect(endless.bytesReceived <= 300_000)

    let huge = error { _ = try HTTPSource.open(url: server.url("/huge-length"), limits: limits(), userAgent: "r") }
    #expect(
      huge?.message.hasPrefix("the response is 1000000000000 bytes (Content-Length), over the 1048576-byte limit")
        == true)

    let truncated = try HTTPSource.open(url: server.url("/truncated"), limits: limits(), userAgent: "r")
    let cut = error { _ = try readAll(truncated) }
    #expect(cut?.message.hasPrefix("the body was cut short after 106 bytes") == true, "\(String(describing: cut))")
  }

  @Test func memoryStaysBoundedWhenTheReaderIsSlowerThanTheServer() throws {
    let directory = try TestSupport.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    var big = Data("Name,Email\n".utf8)
    big.append(Data(String(repeating: "Ada Lovelace,ada@example.com\n", count: 200_000).utf8))
    try big.write(to: directory.appendingPathComponent("big.csv"))
    let server = try HTTPFixtureServer(root: directory)
    defer { server.stop() }
    let source = try HTTPSource.open(
      url: server.url("/untyped/big.csv"), limits: limits(bytes: 1 << 30), userAgent: "r")
    let body = try readAll(source, chunk: 1000)
    #expect(body == Array(big))
    #expect(source.capacity == HTTPSource.bufferCapacity)
    #expect(source.pauses > 0)
  }

  @Test func aRefusedConnectionIsAClearError() throws {
    // A port that was just free: bind, note it, close.
    let server = try HTTPFixtureServer(root: inputs)
    let url = server.url("/typed/semicolon.csv")
    server.stop()
    let failure = error { _ = try HTTPSource.open(url: url, limits: limits(), userAgent: "r") }
    #expect(failure?.message.hasPrefix("cannot connect: ") == true, "\(String(describing: failure))")
  }

  @Test func credentialsNeverAppearInMessages() {
    #expect(HTTPSource.displayName(of: "https://user:secret@example.com/a@b.csv") == "https://example.com/a@b.csv")
    #expect(HTTPSource.displayName(of: "http://example.com/x") == "http://example.com/x")
  }
}
