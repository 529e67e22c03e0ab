import Foundation
import JunctionCore
import JunctionStorage
import Logging
import ServiceLifecycle
import Synchronization

/// The worker pool: each worker claims the oldest queued run with a lease, keeps the lease
/// alive while it executes the run's agent, and records the result. At start-up runs whose
/// lease expired (their server died) are queued again, so no accepted run is lost; a worker
/// that dies mid-run costs one lease period, after which another worker takes the run.
public final class RunWorkers: Service, Sendable {
    /// How the pool runs.
    public struct Configuration: Sendable {
        /// Runs executed at once. Default 4.
        public var workers = 4
        /// How long a claim holds without renewal; renewed every third of it. Default 30 s.
        public var lease: Duration = .seconds(30)
        /// How often idle workers look for runs queued elsewhere. Default 1 s.
        public var idlePoll: Duration = .seconds(1)
        /// Attempts before a run whose workers keep dying fails as abandoned. Default 3.
        public var maximumAttempts = 3

        public init() {}
    }

    private let store: any Store
    private let runners: [AgentDefinition.Kind: any AgentRunning]
    private let configuration: Configuration
    private let logger = Logger(label: "junction.runs")
    private let wakeUps: AsyncStream<Void>
    private let wakeUp: AsyncStream<Void>.Continuation
    private let identity = "worker-\(Identifier.make("w").suffix(8))"

    public init(store: any Store, runners: [AgentDefinition.Kind: any AgentRunning], configuration: Configuration = Configuration()) {
        self.store = store
        self.runners = runners
        self.configuration = configuration
        (wakeUps, wakeUp) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Tells idle workers that runs were queued.
    public func wake() {
        wakeUp.yield()
    }

    public func run() async throws {
        let requeued = try await store.requeueExpiredRuns(now: Timestamp.now())
        if requeued > 0 { logger.notice("Re-queued runs whose server stopped", metadata: ["runs": "\(requeued)"]) }
        let signal = WakeSignal()
        let forwarding = Task { [wakeUps] in
            for await _ in wakeUps { signal.fire() }
        }
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                for index in 0..<self.configuration.workers {
                    group.addTask { await self.work(name: "\(self.identity)-\(index)", signal: signal) }
                }
            }
        }
        forwarding.cancel()
    }

    private func work(name: String, signal: WakeSignal) async {
        while !Task.isCancelled {
            do {
                let now = Timestamp.now()
                if let run = try await store.claimRun(
                    worker: name, now: now, leaseUntil: now.addingTimeInterval(configuration.lease.seconds),
                    maximumAttempts: configuration.maximumAttempts)
                {
                    await execute(run, worker: name)
                    continue
                }
            } catch {
                logger.error("Claiming a run failed", metadata: ["error": "\(error)"])
            }
            await signal.wait(upTo: configuration.idlePoll)
        }
    }

    private func execute(_ run: Run, worker: String) async {
        let heartbeat = Task {
            while !Task.isCancelled {
                try await Task.sleep(for: configuration.lease / 3)
                let kept = try await store.renewLease(
                    runID: run.id, worker: worker, until: Timestamp.now().addingTimeInterval(configuration.lease.seconds))
                if !kept { return }
            }
        }
        defer { heartbeat.cancel() }
        let result: RunResult
        if let agent = try? await store.agent(tenantID: run.tenantID, name: run.agent) {
            if let runner = runners[agent.definition.kind] {
                result = await runner.execute(run, agent: agent.definition)
            } else {
                result = RunResult(outcome: .failed(Run.Failure(
                    code: "unavailable", message: "This server cannot run \(agent.definition.kind.rawValue) agents.")), trace: [])
            }
        } else {
            result = RunResult(outcome: .failed(Run.Failure(code: "not_found", message: "Agent '\(run.agent)' no longer exists.")), trace: [])
        }
        heartbeat.cancel()
        do {
            let recorded = try await store.finishRun(
                runID: run.id, worker: worker, outcome: result.outcome, trace: result.trace, usage: result.usage, at: Timestamp.now())
            if !recorded { logger.warning("A run was taken over before it finished", metadata: ["run.id": "\(run.id)"]) }
        } catch {
            // The lease runs out and another worker runs it again.
            logger.error("Recording a run's result failed", metadata: ["run.id": "\(run.id)", "error": "\(error)"])
        }
    }
}

/// Wakes every waiting worker at once, or lets each give up after a while.
private final class WakeSignal: Sendable {
    private struct Waiters {
        var waiting: [Int: CheckedContinuation<Void, Never>] = [:]
        var cancelled: Set<Int> = []
        var next = 0
    }

    private let state = Mutex(Waiters())

    func fire() {
        let woken = state.withLock { state in
            defer { state.waiting = [:] }
            return state.waiting.values
        }
        for waiter in woken { waiter.resume() }
    }

    /// Returns after `limit`, or sooner once `fire` is called.
    func wait(upTo limit: Duration) async {
        let id = state.withLock { state in
            state.next += 1
            return state.next
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await withTaskCancellationHandler {
                    await withCheckedContinuation { continuation in
                        let cancelled = self.state.withLock { state in
                            if state.cancelled.remove(id) != nil { return true }
                            state.waiting[id] = continuation
                            return false
                        }
                        if cancelled { continuation.resume() }
                    }
                } onCancel: {
                    let waiter = self.state.withLock { state -> CheckedContinuation<Void, Never>? in
                        if let waiter = state.waiting.removeValue(forKey: id) { return waiter }
                        state.cancelled.insert(id)
                        return nil
                    }
                    waiter?.resume()
                }
            }
            group.addTask { try? await Task.sleep(for: limit) }
            await group.next()
            group.cancelAll()
        }
        // A wake that came first left nothing behind; a late cancellation mark is dropped.
        state.withLock { _ = $0.cancelled.remove(id) }
    }
}

extension Duration {
    /// The duration in seconds, for `Date` arithmetic.
    var seconds: TimeInterval {
        let (whole, fraction) = components
        return TimeInterval(whole) + TimeInterval(fraction) / 1e18
    }
}
