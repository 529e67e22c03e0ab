/// The pauses between attempts of work retried over a long time (outbound deliveries):
/// exponential from `base`, doubling after each failure up to `maximum`, each pause spread by
/// up to `jitter` of itself either way, so that deliveries that failed together (a receiver's
/// outage) are not all retried in the same second.
public struct BackoffSchedule: Sendable, Hashable {
    /// The pause after the first failed attempt.
    public var base: Duration
    /// The longest pause.
    public var maximum: Duration
    /// How far a pause may be spread, as a share of it (0.2: ±20 %).
    public var jitter: Double

    public init(base: Duration, maximum: Duration, jitter: Double = 0.2) {
        self.base = base
        self.maximum = max(maximum, base)
        self.jitter = min(max(jitter, 0), 1)
    }

    /// The pause after the `attempt`-th failed attempt (1 for the first) before its spread.
    public func nominalPause(afterAttempt attempt: Int) -> Duration {
        let doublings = min(max(attempt - 1, 0), 40)
        let seconds = min(base.timeInterval * Double(UInt64(1) << doublings), maximum.timeInterval)
        return .seconds(seconds)
    }

    /// The pause after the `attempt`-th failed attempt, spread by `spread` in `-1...1` (0: none).
    public func pause(afterAttempt attempt: Int, spread: Double) -> Duration {
        nominalPause(afterAttempt: attempt) * (1 + jitter * min(max(spread, -1), 1))
    }

    /// The pause after the `attempt`-th failed attempt, spread at random.
    public func pause(afterAttempt attempt: Int) -> Duration {
        pause(afterAttempt: attempt, spread: .random(in: -1...1))
    }

    /// How long `attempts` attempts take from the first to the last, pauses unspread.
    public func span(ofAttempts attempts: Int) -> Duration {
        (1..<max(attempts, 1)).reduce(Duration.zero) { $0 + nominalPause(afterAttempt: $1) }
    }
}
