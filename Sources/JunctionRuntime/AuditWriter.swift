import CoreMetrics
import JunctionCore
import JunctionStorage
import Logging
import ServiceLifecycle
import Synchronization

/// Writes the audit events of action calls off the request path: `record` queues an event and
/// returns at once; `run` stores what is queued in batches, one transaction each.
///
/// The queue holds at most `capacity` events. An event arriving when it is full is dropped and
/// counted (`junction_audit_events_dropped_total`), so a store that cannot keep up slows
/// nothing down and memory stays bounded. A batch whose write fails is retried with backoff
/// before it is given up (`junction_audit_events_failed_total`). On graceful shutdown `run`
/// writes everything still queued before it returns.
///
/// `flush()` waits until everything recorded so far is written: readers of the audit log call
/// it first, so a caller always sees its own calls. Writes are not cancelled with the task
/// that runs the writer. An event recorded after `run` has returned (by work that outlived the
/// server) is written on its own.
public final class AuditWriter: Service, Sendable {
    private struct State {
        /// Waiting events: those from `head` on (taken batches are skipped, not shifted out).
        var queue: [AuditEvent] = []
        var head = 0
        var waiting: Int { queue.count - head }
        /// The run loop, while it waits for events.
        var consumer: CheckedContinuation<Void, Never>?
        var stopping = false
        /// `run` has returned: nothing drains the queue any more.
        var stopped = false
        /// Events queued so far, and events written or given up so far.
        var queued = 0
        var done = 0
        var flushers: [(until: Int, continuation: CheckedContinuation<Void, Never>)] = []
        var dropped = 0
    }

    /// The most events waiting to be written.
    public let capacity: Int
    private let writeBatch: @Sendable ([AuditEvent]) async throws -> Void
    private let state = Mutex(State())
    private let written: Counter
    private let droppedCounter: Counter
    private let failed: Counter
    private let maxBatch = 2_000
    private let retryDelays: [Duration]

    /// Writes to `store` (`Store.recordAudits`).
    public convenience init(store: any Store, capacity: Int = 100_000, metrics: any MetricsFactory = NOOPMetricsHandler.instance) {
        self.init(capacity: capacity, metrics: metrics) { events in try await store.recordAudits(events) }
    }

    /// - Parameters:
    ///   - capacity: the most events waiting to be written.
    ///   - metrics: where the written, dropped and failed counts go.
    ///   - retryDelays: the pauses before each retry of a failed write.
    ///   - write: stores a batch in one transaction.
    public init(
        capacity: Int = 100_000, metrics: any MetricsFactory = NOOPMetricsHandler.instance,
        retryDelays: [Duration] = [.milliseconds(100), .seconds(1), .seconds(5)],
        write: @escaping @Sendable ([AuditEvent]) async throws -> Void
    ) {
        self.writeBatch = write
        self.capacity = capacity
        self.retryDelays = retryDelays
        written = Counter(label: "junction_audit_events_written_total", factory: metrics)
        droppedCounter = Counter(label: "junction_audit_events_dropped_total", factory: metrics)
        failed = Counter(label: "junction_audit_events_failed_total", factory: metrics)
    }

    /// Queues `event` for writing without waiting; drops it (counted) when the queue is full.
    public func record(_ event: AuditEvent) {
        enum Outcome { case queued(CheckedContinuation<Void, Never>?), dropped(Int), late }
        let outcome = state.withLock { state -> Outcome in
            if state.stopped { return .late }
            guard state.waiting < capacity else {
                state.dropped += 1
                return .dropped(state.dropped)
            }
            state.queue.append(event)
            state.queued += 1
            defer { state.consumer = nil }
            return .queued(state.consumer)
        }
        switch outcome {
        case .queued(let consumer):
            consumer?.resume()
        case .dropped(let total):
            droppedCounter.increment()
            if total == 1 || total.isMultiple(of: 10_000) {
                Self.logger.warning("Audit events dropped: the write queue is full", metadata: ["dropped_total": "\(total)"])
            }
        case .late:
            Task { await self.write([event]) }
        }
    }

    /// How many events were dropped because the queue was full.
    public var droppedCount: Int { state.withLock { $0.dropped } }

    /// Returns once every event recorded before the call has been written (or given up); at
    /// once when the writer has stopped.
    public func flush() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let ready = state.withLock { state in
                guard state.done < state.queued, !state.stopped else { return true }
                state.flushers.append((state.queued, continuation))
                return false
            }
            if ready { continuation.resume() }
        }
    }

    /// Writes queued events until graceful shutdown, cancellation or `finish()`, then writes
    /// what is left and returns.
    public func run() async throws {
        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                while let batch = await nextBatch() {
                    // Its own task: a cancelled run still writes (and retries) what it took.
                    await Task { await self.write(batch) }.value
                    let flushed = state.withLock { state in
                        state.done += batch.count
                        let done = state.done
                        let (ready, waiting) = state.flushers.partitioned { $0.until <= done }
                        state.flushers = waiting
                        return ready.map(\.continuation)
                    }
                    for flusher in flushed { flusher.resume() }
                }
                // Stopped (by `nextBatch`): no flusher is added any more.
                let flushers = state.withLock { state in
                    defer { state.flushers = [] }
                    return state.flushers.map(\.continuation)
                }
                for flusher in flushers { flusher.resume() }
            } onGracefulShutdown: {
                self.finish()
            }
        } onCancel: {
            self.finish()
        }
    }

    /// Lets `run` return once everything queued so far is written.
    public func finish() {
        let consumer = state.withLock { state in
            state.stopping = true
            defer { state.consumer = nil }
            return state.consumer
        }
        consumer?.resume()
    }

    /// The next events to write, waiting for some; `nil` once stopping with nothing left, when
    /// the writer is marked stopped in the same step (a later `record` then writes on its own
    /// instead of queueing where nothing would take it).
    private func nextBatch() async -> [AuditEvent]? {
        while true {
            enum Next { case batch([AuditEvent]), stop, wait }
            let next = state.withLock { state -> Next in
                if state.waiting > 0 {
                    let end = min(state.queue.count, state.head + maxBatch)
                    let batch = Array(state.queue[state.head..<end])
                    state.head = end
                    if state.head == state.queue.count {
                        state.queue.removeAll(keepingCapacity: state.queue.count <= 4 * maxBatch)
                        state.head = 0
                    } else if state.head > 4 * maxBatch, state.head > state.queue.count / 2 {
                        // Under steady load the queue never empties: drop the taken part now
                        // and then (amortised, never per batch).
                        state.queue.removeFirst(state.head)
                        state.head = 0
                    }
                    return .batch(batch)
                }
                guard state.stopping else { return .wait }
                state.stopped = true
                return .stop
            }
            switch next {
            case .batch(let batch): return batch
            case .stop: return nil
            case .wait:
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    let ready = state.withLock { state in
                        guard state.waiting == 0, !state.stopping else { return true }
                        state.consumer = continuation
                        return false
                    }
                    if ready { continuation.resume() }
                }
            }
        }
    }

    private func write(_ batch: [AuditEvent]) async {
        var attempt = 0
        while true {
            do {
                try await writeBatch(batch)
                written.increment(by: batch.count)
                return
            } catch {
                guard attempt < retryDelays.count else {
                    Self.logger.error(
                        "Audit events could not be written and are lost",
                        metadata: ["events": "\(batch.count)", "error": "\(error)"])
                    failed.increment(by: batch.count)
                    return
                }
                Self.logger.warning(
                    "Writing audit events failed; retrying",
                    metadata: ["events": "\(batch.count)", "attempt": "\(attempt + 1)", "error": "\(error)"])
                // While stopping, short pauses: the server's shutdown waits for this.
                let stopping = state.withLock { $0.stopping }
                try? await Task.sleep(for: stopping ? min(retryDelays[attempt], .milliseconds(100)) : retryDelays[attempt])
                attempt += 1
            }
        }
    }

    private static let logger = Logger(label: "junction.audit")
}

extension Array {
    /// The elements that satisfy `belongs`, and the others, each in order.
    fileprivate func partitioned(by belongs: (Element) -> Bool) -> (matching: [Element], rest: [Element]) {
        var matching: [Element] = []
        var rest: [Element] = []
        for element in self {
            if belongs(element) { matching.append(element) } else { rest.append(element) }
        }
        return (matching, rest)
    }
}
