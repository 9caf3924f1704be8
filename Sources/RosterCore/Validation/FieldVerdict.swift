/// What a field validator concluded about one value.
public enum FieldVerdict: Hashable, Sendable {
  /// The value is acceptable; `normalized` is what the output carries (E.164 for phones, say).
  case valid(normalized: String)
  /// The value is rejected; `code` is stable, `message` is a plain sentence naming what to fix.
  case invalid(code: IssueCode, message: String)
}
