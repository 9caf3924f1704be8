import RosterFuzzHarness

/// Scratch files for this process.
nonisolated(unsafe) let scratch = FuzzScratch()

/// libFuzzer's entry point: `FuzzHarness` on one input (see `FuzzTarget.dataURL`).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDataURL(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  FuzzHarness.fuzz(.dataURL, data, size, scratch: scratch)
}
