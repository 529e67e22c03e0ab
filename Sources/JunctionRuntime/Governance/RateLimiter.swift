import JunctionCore
import Metrics
import Synchronization

/// Enforces tenants' rate limits and concurrency caps (`Policy.limits`) for every surface
/// alike: token buckets per second and per minute, and a most calls in flight, per tenant and
/// per connector. A call takes a token from each bucket that applies, all at once under one
/// lock, so limits are exact however many callers race; over a limit it waits up to the
/// limit's `queue` (a token reserved ahead, or a slot handed over in arrival order), else it is
/// refused with `rate_limited` and `retry_after_ms`.
public final class RateLimiter: Sendable {
    fileprivate struct Key: Hashable {
        var tenantID: String
        /// Empty for the tenant-wide limit.
        var connector: String
    }

    private struct Bucket {
        var tokens: Double
        let capacity: Double
        /// Tokens per second.
        let rate: Double
        var refilled: ContinuousClock.Instant

        init(capacity: Double, rate: Double, now: ContinuousClock.Instant) {
            tokens = capacity
            self.capacity = capacity
            self.rate = rate
            refilled = now
        }

        mutating func refill(_ now: ContinuousClock.Instant) {
            let elapsed = (now - refilled).seconds
            if elapsed > 0 {
                tokens = min(capacity, tokens + elapsed * rate)
                refilled = now
            }
        }

        /// How long until one token is there.
        var wait: Duration { tokens >= 1 ? .zero : .seconds((1 - tokens) / rate) }
    }

    private struct Entry {
        let limit: RateLimit
        var second: Bucket?
        var minute: Bucket?
        var inFlight = 0
        /// Calls waiting for a slot, oldest first.
        var waiters: [(id: Int, continuation: CheckedContinuation<Bool, Never>)] = []

        init(_ limit: RateLimit, now: ContinuousClock.Instant) {
            self.limit = limit
            second = limit.perSecond.map { Bucket(capacity: limit.perSecondCapacity!, rate: $0, now: now) }
            minute = limit.perMinute.map { Bucket(capacity: $0, rate: $0 / 60, now: now) }
        }
    }

    private struct State {
        var entries: [Key: Entry] = [:]
        var nextWaiter = 0
        /// Waiters whose wait ended (time up, cancelled) before they began it.
        var withdrawn: Set<Int> = []
    }

    /// The slots a call holds; give them back with `release(_:)`.
    public struct Permit: Sendable {
        fileprivate var keys: [Key] = []
        /// Holds nothing.
        public static let none = Permit()
    }

    private let state = Mutex(State())
    private let refusals: Counter
    private let waits: Counter

    /// Counts refusals (`junction_rate_limited_total`) and calls that waited their turn
    /// (`junction_rate_limit_waits_total`).
    public init(metrics: any MetricsFactory = NOOPMetricsHandler.instance) {
        refusals = Counter(label: "junction_rate_limited_total", factory: metrics)
        waits = Counter(label: "junction_rate_limit_waits_total", factory: metrics)
    }

    /// Admits a call of `tenantID` to `connector` under `limits` (the tenant's policy limits),
    /// waiting its turn if a limit allows, or throws `rate_limited`.
    public func admit(tenantID: String, connector: String, limits: [RateLimit]) async throws -> Permit {
        var applicable: [(Key, RateLimit)] = []
        for limit in limits {
            if let name = limit.connector {
                if name.rawValue == connector { applicable.append((Key(tenantID: tenantID, connector: connector), limit)) }
            } else {
                applicable.append((Key(tenantID: tenantID, connector: ""), limit))
            }
        }
        guard !applicable.isEmpty else { return .none }
        do {
            return try await admit(applicable)
        } catch let error as JunctionError where error.code == .rateLimited {
            refusals.increment()
            throw error
        }
    }

    private func admit(_ applicable: [(Key, RateLimit)]) async throws -> Permit {
        let start = ContinuousClock.now
        let queue = applicable.map(\.1.queue).min()!
        // Tokens: reserved from every bucket at once, or none.
        let wait = try state.withLock { state throws(JunctionError) -> Duration in
            var wait = Duration.zero
            var blocking: RateLimit?
            for (key, limit) in applicable {
                var entry = state.entries[key] ?? Entry(limit, now: start)
                if entry.limit != limit {
                    // The policy changed: fresh buckets, but the calls in flight and waiting stay counted.
                    var fresh = Entry(limit, now: start)
                    fresh.inFlight = entry.inFlight
                    fresh.waiters = entry.waiters
                    entry = fresh
                }
                entry.second?.refill(start)
                entry.minute?.refill(start)
                for bucketWait in [entry.second?.wait, entry.minute?.wait].compactMap({ $0 }) where bucketWait > wait {
                    wait = bucketWait
                    blocking = limit
                }
                state.entries[key] = entry
            }
            if wait > queue {
                throw Self.refusal(blocking!, retryAfter: wait)
            }
            for (key, _) in applicable {
                state.entries[key]?.second?.tokens -= 1
                state.entries[key]?.minute?.tokens -= 1
            }
            return wait
        }
        if wait > .zero {
            waits.increment()
            try await Task.sleep(for: wait)
        }
        // Slots: taken one limit after another, in a fixed order, waiting out the rest of the queue time.
        var permit = Permit()
        do {
            for (key, limit) in applicable {
                guard let maximum = limit.maxInFlight else { continue }
                guard try await take(key, maximum: maximum, waitingUpTo: queue - (ContinuousClock.now - start)) else {
                    throw Self.refusal(limit, retryAfter: .milliseconds(100))
                }
                permit.keys.append(key)
            }
        } catch {
            release(permit)
            throw error
        }
        return permit
    }

    /// Gives back the slots of a call.
    public func release(_ permit: Permit) {
        for key in permit.keys {
            let next = state.withLock { state -> CheckedContinuation<Bool, Never>? in
                guard state.entries[key] != nil else { return nil }
                if !state.entries[key]!.waiters.isEmpty {
                    // The slot passes to the oldest waiter: in flight stays the same.
                    return state.entries[key]!.waiters.removeFirst().continuation
                }
                state.entries[key]!.inFlight -= 1
                return nil
            }
            next?.resume(returning: true)
        }
    }

    /// Takes a slot of `key`, waiting up to `timeout` for one; whether it got one.
    private func take(_ key: Key, maximum: Int, waitingUpTo timeout: Duration) async throws -> Bool {
        let free = state.withLock { state -> Bool? in
            if state.entries[key]!.inFlight < maximum {
                state.entries[key]!.inFlight += 1
                return true
            }
            return timeout > .zero ? nil : false
        }
        if let free { return free }
        waits.increment()
        let id = state.withLock { state in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        let expiry = Task {
            try await Task.sleep(for: timeout)
            self.withdraw(id, key: key)
        }
        defer { expiry.cancel() }
        let granted = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                enum Registration { case waiting, taken, withdrawn }
                let registration = state.withLock { state -> Registration in
                    if state.withdrawn.remove(id) != nil { return .withdrawn }
                    // A slot may have come free since the first look.
                    if state.entries[key]!.inFlight < maximum {
                        state.entries[key]!.inFlight += 1
                        return .taken
                    }
                    state.entries[key]!.waiters.append((id, continuation))
                    return .waiting
                }
                switch registration {
                case .waiting: break
                case .taken: continuation.resume(returning: true)
                case .withdrawn: continuation.resume(returning: false)
                }
            }
        } onCancel: {
            self.withdraw(id, key: key)
        }
        _ = state.withLock { $0.withdrawn.remove(id) }
        return granted
    }

    /// Ends the wait of waiter `id` with a refusal; if it is not waiting (yet), remembers that
    /// it must not.
    private func withdraw(_ id: Int, key: Key) {
        let continuation = state.withLock { state -> CheckedContinuation<Bool, Never>? in
            guard let index = state.entries[key]?.waiters.firstIndex(where: { $0.id == id }) else {
                state.withdrawn.insert(id)
                return nil
            }
            return state.entries[key]!.waiters.remove(at: index).continuation
        }
        continuation?.resume(returning: false)
    }

    private static func refusal(_ limit: RateLimit, retryAfter: Duration) -> JunctionError {
        let milliseconds = max(1, Int((retryAfter.seconds * 1000).rounded(.up)))
        let whose = limit.connector.map { "connector '\($0)'" } ?? "this tenant"
        var error = JunctionError(
            .rateLimited, "The rate limit of \(whose) is reached: retry in \(milliseconds) ms.", retryable: true,
            details: ["retry_after_ms": .integer(milliseconds), "limit": .string(limit.connector.map { "connector:\($0)" } ?? "tenant")])
        error.retryAfter = .milliseconds(milliseconds)
        return error
    }
}

extension Duration {
    /// The duration in seconds, fractional.
    fileprivate var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
