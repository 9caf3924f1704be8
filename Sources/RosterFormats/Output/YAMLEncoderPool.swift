import Glibc
import RosterCore
import RosterYAML

/// YAML encoders lent to one thread at a time, so rows rendered ahead on any preparing thread can
/// make their YAML cells (a `FlowYAMLEncoder` keeps libyaml state and must not be shared).
///
/// A call takes an idle encoder (or makes one) and gives it back: the pool holds at most as many
/// encoders as threads ever encoded at once.
final class YAMLEncoderPool: @unchecked Sendable {
  private let lock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
  /// Idle encoders; touched only under `lock`.
  private var idle: [FlowYAMLEncoder] = []

  init() { pthread_mutex_init(lock, nil) }

  deinit {
    pthread_mutex_destroy(lock)
    lock.deallocate()
  }

  /// `FlowYAMLEncoder.encode(_:)` on an encoder no other thread is using.
  func encode(_ fields: NestedFields) throws(FlowYAMLError) -> String {
    pthread_mutex_lock(lock)
    let encoder = idle.popLast() ?? FlowYAMLEncoder()
    pthread_mutex_unlock(lock)
    defer {
      pthread_mutex_lock(lock)
      idle.append(encoder)
      pthread_mutex_unlock(lock)
    }
    return try encoder.encode(fields)
  }
}
