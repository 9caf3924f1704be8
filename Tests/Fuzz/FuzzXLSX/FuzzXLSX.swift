import FuzzSupport
import RosterCore
import RosterXLSXInput

/// The workbook path, rewritten for every input (the reader needs random access to a file).
nonisolated(unsafe) let workbook = FuzzScratchFile(name: "input.xlsx")

/// libFuzzer entry point: the XLSX reader (ZIP directory, inflate, workbook parts, shared strings,
/// styles, sheet XML, cell rendering) under its default limits.
///
/// The whole input is the file. Errors thrown for bad input are expected; crashes, hangs and
/// unbounded memory are the bugs.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzXLSX(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  workbook.write(FuzzInput(data, size).all)
  do {
    let reader = try XLSXRowReader(path: workbook.path, displayName: "fuzz.xlsx")
    var (headers, lastLine) = try reader.readHeader()
    _ = headers.count
    while let row = try reader.next() {
      guard row.line > lastLine else { fuzzFailure("row on line \(row.line) after line \(lastLine)") }
      lastLine = row.line
      headers = row.cells
    }
  } catch {
    _ = error.description
  }
  return 0
}
