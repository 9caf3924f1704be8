import FuzzSupport
import RosterCore
import RosterFormats

/// libFuzzer entry point: the JSON contact reader in every layout (array or Airy payload, JSON
/// Lines, automatic), across buffer boundaries.
///
/// Control bytes: layout, chunk size. Errors thrown for bad input are expected; crashes, hangs and
/// unbounded memory are the bugs.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  var input = FuzzInput(data, size)
  let layouts: [JSONInputLayout] = [.automatic, .array, .lines]
  let layout = layouts[Int(input.takeByte()) % layouts.count]
  let chunk = chunkSize(from: input.takeByte())
  let document = input.rest
  let reader = JSONContactReader(
    source: MemorySource(document, chunkSize: chunk), displayName: "fuzz.json", layout: layout,
    maxElementBytes: 1 << 20)
  var expectedIndex = 0
  do {
    while let row = try reader.next() {
      guard row.position.index == expectedIndex else {
        fuzzFailure("element index \(row.position.index), expected \(expectedIndex)")
      }
      guard row.byteOffset >= 0, row.byteOffset + row.raw.count <= document.count else {
        fuzzFailure("element at byte \(row.byteOffset) (\(row.raw.count) bytes) is outside the \(document.count)-byte input")
      }
      expectedIndex += 1
    }
  } catch {
    _ = error.description
  }
  _ = reader.unknownKeys
  return 0
}
