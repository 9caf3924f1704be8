import FuzzSupport
import RosterCore
import RosterFormats
import RosterYAML

/// libFuzzer entry point: CSV records, the header map and the row mapper (YAML metadata cells
/// included), over every delimiter and across buffer boundaries.
///
/// Control bytes: delimiter, chunk size. Errors thrown for bad input are expected; crashes,
/// hangs and unbounded memory are the bugs.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCSV(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  var input = FuzzInput(data, size)
  let delimiters: [UInt8] = [UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "\t")]
  let delimiter = delimiters[Int(input.takeByte()) % delimiters.count]
  let chunk = chunkSize(from: input.takeByte())
  let reader = CSVRecordReader(
    source: MemorySource(input.rest, chunkSize: chunk), displayName: "fuzz.csv", maxRecordBytes: 1 << 20,
    delimiter: delimiter)
  do {
    let (headers, _) = try reader.readHeader()
    guard let headerMap = try? HeaderMap(headers: headers) else { return 0 }
    var mapper = ContactMapper(headerMap: headerMap)
    mapper.documentDecoder = { text in try FlowYAMLDecoder.decode(text) }
    let rows = CSVRowReader(reader, mapper: mapper)
    var expectedIndex = 0
    while let row = try rows.next() {
      guard row.position.index == expectedIndex else {
        fuzzFailure("row index \(row.position.index), expected \(expectedIndex)")
      }
      expectedIndex += 1
      _ = row.original.displayValues
    }
  } catch {
    _ = error.description
  }
  return 0
}
