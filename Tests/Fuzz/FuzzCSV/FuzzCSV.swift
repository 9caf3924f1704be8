import RosterFuzzHarness

/// Scratch files for this process.
nonisolated(unsafe) let scratch = FuzzScratch()

/// libFuzzer's entry point: `FuzzHarness` on one input (see `FuzzTarget.csv`).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCSV(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  FuzzHarness.fuzz(.csv, data, size, scratch: scratch)
}
