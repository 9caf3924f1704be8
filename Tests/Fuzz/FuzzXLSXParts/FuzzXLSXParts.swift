import RosterFuzzHarness

/// Scratch files for this process.
nonisolated(unsafe) let scratch = FuzzScratch()

/// libFuzzer's entry point: `FuzzHarness` on one input (see `FuzzTarget.xlsxParts`).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzXLSXParts(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  FuzzHarness.fuzz(.xlsxParts, data, size, scratch: scratch)
}
