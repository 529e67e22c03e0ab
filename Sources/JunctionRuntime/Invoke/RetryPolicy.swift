import JunctionCore

/// When and how long to wait before retrying a failed call: only retryable failures, only
/// reads or keyed writes, exponential backoff with full jitter, `Retry-After` honoured up to a cap.
public struct RetryPolicy: Sendable {
    /// The first backoff's upper bound. Default 100 ms.
    public var baseDelay: Duration
    /// The largest backoff. Default 5 s.
    public var maxDelay: Duration
    /// The longest `Retry-After` honoured. Default 30 s.
    public var maxRetryAfter: Duration

    public init(baseDelay: Duration = .milliseconds(100), maxDelay: Duration = .seconds(5), maxRetryAfter: Duration = .seconds(30)) {
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.maxRetryAfter = maxRetryAfter
    }

    /// Whether a call that failed with `error` after `attempt` attempts (1-based) may run again.
    ///
    /// A `Retry-After` longer than `maxRetryAfter` ends the call (as `rate_limited`) rather than
    /// retrying early into certain refusal.
    public func shouldRetry(_ error: JunctionError, attempt: Int, maxRetries: Int, kind: Resource.Kind, idempotencyKey: String?) -> Bool {
        error.retryable && attempt <= maxRetries && (kind == .read || idempotencyKey != nil)
            && (error.retryAfter ?? .zero) <= maxRetryAfter
    }

    /// The wait before attempt `attempt + 1`: the upstream's `Retry-After` (capped), or a random
    /// duration between zero and `min(maxDelay, baseDelay × 2^(attempt-1))`.
    public func delay(after error: JunctionError, attempt: Int) -> Duration {
        if let retryAfter = error.retryAfter {
            return min(retryAfter, maxRetryAfter)
        }
        return .nanoseconds(Int64.random(in: 0...Self.nanoseconds(ceiling(attempt: attempt))))
    }

    /// The upper bound of the backoff after `attempt` attempts.
    public func ceiling(attempt: Int) -> Duration {
        let factor = 1 << min(max(attempt - 1, 0), 20)
        return min(maxDelay, baseDelay * factor)
    }

    private static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
