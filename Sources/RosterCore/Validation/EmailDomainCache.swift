import Synchronization

/// The outcomes of internationalised email domains already validated, by their bytes as written.
///
/// Working out such a domain (UTS #46 mapping, NFC, IDNA 2008 rules, Punycode) costs about 17,000
/// instructions, and a contact list names the same few domains over and over: a look-up costs a few
/// hundred. The outcome depends only on the domain's bytes, so a cached one is the one the validator
/// would give. Safe to share between threads (a `Mutex` guards the table, never held while a domain
/// is worked out); it keeps at most `capacity` domains, so memory stays bounded whatever the input.
final class EmailDomainCache: Sendable {
  /// How many distinct domains are kept; later ones are worked out every time.
  static var capacity: Int { 4096 }

  private let outcomes = Mutex<[[UInt8]: EmailValidator.DomainOutcome]>([:])

  /// The outcome for `domain`: the cached one, else `work()`'s, which is kept while there is room.
  func outcome(
    of domain: UnsafeBufferPointer<UInt8>, _ work: () -> EmailValidator.DomainOutcome
  ) -> EmailValidator.DomainOutcome {
    let key = Array(domain)
    if let known = outcomes.withLock({ $0[key] }) { return known }
    let outcome = work()
    outcomes.withLock { table in
      if table.count < Self.capacity { table[key] = outcome }
    }
    return outcome
  }
}
