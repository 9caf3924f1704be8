import FuzzSupport
import RosterCore
import RosterYAML

/// Writes the decoded mappings back out, for the round-trip check.
nonisolated(unsafe) let encoder = FlowYAMLEncoder()

/// libFuzzer entry point: the flow-YAML metadata decoder over libyaml, and the round trip
/// decode, encode, decode (which must give the same fields back).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzYAML(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  let text = String(decoding: FuzzInput(data, size).all, as: UTF8.self)
  let fields: NestedFields
  do {
    fields = try FlowYAMLDecoder.decode(text)
  } catch {
    _ = error.description
    return 0
  }
  let written: String
  do {
    written = try encoder.encode(fields)
  } catch {
    fuzzFailure("decoded fields do not encode: \(error)")
  }
  do {
    let again = try FlowYAMLDecoder.decode(written)
    guard again == fields else { fuzzFailure("round trip changed the fields: \(fields) -> \(written) -> \(again)") }
  } catch {
    fuzzFailure("encoded fields do not decode: \(written): \(error)")
  }
  return 0
}
