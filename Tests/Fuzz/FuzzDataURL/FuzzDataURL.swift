import FuzzSupport
import RosterCore
import RosterFormats

/// libFuzzer entry point: the `data:` URL decoder (header, base64 and percent decoding), across
/// buffer boundaries.
///
/// Control bytes: chunk size of the encoded input, size of each decoded read. Checks that decoding
/// never yields more bytes than it was given. Errors thrown for bad input are expected.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDataURL(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  var input = FuzzInput(data, size)
  let chunk = chunkSize(from: input.takeByte())
  let readSize = [1 << 16, 1, 3, 4096][Int(input.takeByte()) % 4]
  let encoded = input.rest
  let source = DataURLSource(
    upstream: MemorySource(encoded, chunkSize: chunk), displayName: "<data URL>", maxEncodedBytes: 1 << 20)
  let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: readSize, alignment: 1)
  defer { buffer.deallocate() }
  var decoded = 0
  do {
    while true {
      let count = try source.read(into: buffer)
      guard count >= 0, count <= readSize else { fuzzFailure("read returned \(count) for a \(readSize)-byte buffer") }
      if count == 0 { break }
      decoded += count
      guard decoded <= encoded.count else {
        fuzzFailure("decoded \(decoded) bytes from a \(encoded.count)-byte data URL")
      }
    }
  } catch {
    _ = error.description
  }
  _ = (source.mediaType, source.parameters, source.isBase64)
  return 0
}
