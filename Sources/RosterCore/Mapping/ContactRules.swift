/// The rules every reader applies the same way, whatever the input format.
public enum ContactRules {
  /// The type a Type value names: blank or `person` is a person, `group` a group (any case, surrounding
  /// white space ignored); `nil` for anything else.
  public static func type(named value: String) -> ContactType? {
    switch value.trimmingASCIIWhitespace().lowercased() {
    case "", "person": .person
    case "group": .group
    default: nil
    }
  }

  /// The name a contact goes by: `name` when it is not blank, else first and last name joined by a
  /// space; `nil` when there is none.
  public static func name(_ name: String?, firstName: String?, lastName: String?) -> String? {
    if let name, !name.trimmingASCIIWhitespace().isEmpty { return name }
    let parts = [firstName, lastName].compactMap { $0?.trimmingASCIIWhitespace() }.filter { !$0.isEmpty }
    return parts.isEmpty ? nil : parts.joined(separator: " ")
  }
}
