import RosterCore
import Testing

@testable import RosterFormats

/// Gives `bytes`, then fails with `error` (a connection that drops).
private struct FailingSource: ByteSource {
  var bytes: MemorySource
  let error: RosterError

  mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws(RosterError) -> Int {
    let count = try bytes.read(into: buffer)
    if count == 0 { throw error }
    return count
  }
}

/// Reads `source` to its end or its error: the bytes, and the error if any.
private func drain(_ source: inout some ByteSource) -> ([UInt8], RosterError?) {
  var bytes: [UInt8] = []
  let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 5, alignment: 1)
  defer { buffer.deallocate() }
  do {
    while true {
      let count = try source.read(into: buffer)
      if count == 0 { return (bytes, nil) }
      bytes += buffer[..<count]
    }
  } catch {
    return (bytes, error)
  }
}

@Suite("Spooled streams and media types")
struct SpoolingSourceTests {
  @Test func theCopyReadsBackTheSameBytesAndTheSameFailure() throws {
    let text = Array("Name,Groups\nAda,Team\n".utf8)
    let cut = RosterError(.input, file: "http://x/y.csv", "the body was cut short after 22 bytes")
    var spooling = SpoolingSource(
      upstream: FailingSource(bytes: MemorySource(text, chunkSize: 3), error: cut), spool: try SpoolFile())
    let first = drain(&spooling)
    #expect(first.0 == text)
    #expect(first.1 == cut)
    var again = try spooling.replay(displayName: "http://x/y.csv")
    let second = drain(&again)
    #expect(second.0 == text)
    #expect(second.1 == cut)

    var complete = SpoolingSource(upstream: MemorySource(text), spool: try SpoolFile())
    #expect(drain(&complete).1 == nil)
    var copy = try complete.replay(displayName: "<stdin>")
    let read = drain(&copy)
    #expect(read.0 == text)
    #expect(read.1 == nil)
  }

  @Test(arguments: [
    ("text/csv; charset=windows-1252", InputFormat.csv, TextEncoding?.some(.windows1252)),
    ("TEXT/CSV;Charset=\"UTF-16LE\"", .csv, .utf16LE),
    ("application/x-ndjson", .jsonl, nil),
    ("application/json; charset=utf-8", .json, .utf8),
    ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", .xlsx, nil),
  ])
  func contentTypesNameAFormatAndACharset(header: String, format: InputFormat, charset: TextEncoding?) throws {
    let type = try #require(MediaType(contentType: header))
    #expect(type.inputFormat == format)
    #expect(type.charset == charset)
  }

  @Test func typesThatNameNoFormatLeaveItToTheExtension() {
    #expect(MediaType(contentType: "text/plain")?.inputFormat == nil)
    #expect(MediaType(contentType: "application/vnd.ms-excel")?.inputFormat == nil)
    #expect(MediaType(contentType: "nonsense") == nil)
  }
}
