/// Roster's version, as `roster --version` prints it and the HTTP User-Agent (`roster/<version>`) sends it.
public enum RosterVersion {
  public static let current = "0.1.0"
}
