import Foundation
import JunctionCore
import JunctionStorage
import Logging
import ServiceLifecycle
import Synchronization

/// The worker pool: each worker claims the oldest queued run with a lease, keeps the lease
/// alive while it executes the run's agent, and records the result.
///
/// No accepted run is lost and none runs twice at once:
/// - at start-up, runs whose lease expired (their server died) are queued again;
/// - a worker that loses its lease (it could not renew it in time) stops its run, since
///   another worker may already have taken it;
/// - at graceful shutdown workers take no new runs and finish the ones they have within
///   `shutdownGrace`; runs still going then are stopped and handed back to the queue
///   without counting the attempt.
public final class RunWorkers: Service, Sendable {
    /// How the pool runs.
    public struct Configuration: Sendable {
        /// Runs executed at once. Default 4.
        public var workers = 4
        /// How long a claim holds without renewal; renewed every third of it. Default 30 s.
        public var lease: Duration = .seconds(30)
        /// How often idle workers look for runs queued by another process. Default 1 s.
        public var idlePoll: Duration = .seconds(1)
        /// Attempts before a run whose workers keep dying fails as abandoned. Default 3.
        public var maximumAttempts = 3
        /// How long runs in progress may take to finish once the server is stopping. Default 30 s.
        public var shutdownGrace: Duration = .seconds(30)

        public init() {}
    }

    private let store: any Store
    private let runners: [AgentDefinition.Kind: any AgentRunning]
    private let configuration: Configuration
    private let logger = Logger(label: "junction.runs")
    /// Wakes idle workers: runs were queued (or an approval a run waited for was decided).
    private let signal: WakeSignal
    /// Fires whenever a run's result is recorded.
    public let runsFinished: WakeSignal
    private let stopping = Mutex(false)
    private let identity = "worker-\(Identifier.make("w").suffix(8))"

    /// - Parameters:
    ///   - runsFinished: fired whenever a run's result is recorded (sync webhooks and
    ///     outbound deliveries wait on it).
    ///   - wakeUps: fired when runs may be waiting to be claimed (besides `wake()`).
    public init(
        store: any Store, runners: [AgentDefinition.Kind: any AgentRunning], configuration: Configuration = Configuration(),
        runsFinished: WakeSignal = WakeSignal(), wakeUps: WakeSignal = WakeSignal()
    ) {
        self.runsFinished = runsFinished
        signal = wakeUps
        self.store = store
        self.runners = runners
        self.configuration = configuration
    }

    /// Whether this pool can run agents of `kind`.
    public func runs(_ kind: AgentDefinition.Kind) -> Bool {
        runners[kind] != nil
    }

    /// Tells idle workers that runs were queued.
    public func wake() {
        signal.fire()
    }

    public func run() async throws {
        let requeued = try await store.requeueExpiredRuns(now: Timestamp.now())
        if requeued > 0 { logger.notice("Re-queued runs whose server stopped", metadata: ["runs": "\(requeued)"]) }
        let pool = Task {
            await withDiscardingTaskGroup { group in
                for index in 0..<self.configuration.workers {
                    group.addTask { await self.work(name: "\(self.identity)-\(index)") }
                }
            }
        }
        let grace = configuration.shutdownGrace
        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                await pool.value
            } onGracefulShutdown: {
                self.stopping.withLock { $0 = true }
                self.signal.fire()
                Task {
                    try? await Task.sleep(for: grace)
                    pool.cancel()
                }
            }
        } onCancel: {
            pool.cancel()
        }
    }

    private var isStopping: Bool { stopping.withLock { $0 } }

    private func work(name: String) async {
        while !Task.isCancelled, !isStopping {
            let seen = signal.generation
            do {
                let now = Timestamp.now()
                if let run = try await store.claimRun(
                    worker: name, now: now, leaseUntil: now.addingTimeInterval(configuration.lease.timeInterval),
                    maximumAttempts: configuration.maximumAttempts)
                {
                    await execute(run, worker: name)
                    continue
                }
            } catch {
                logger.error("Claiming a run failed", metadata: ["error": "\(error)"])
            }
            await signal.wait(since: seen, upTo: configuration.idlePoll)
        }
    }

    /// What became of a run's execution.
    private enum Ending {
        case finished(RunResult)
        /// The lease was lost: another worker may run it; record nothing.
        case leaseLost
        /// The pool is stopping: hand the run back without counting the attempt.
        case interrupted
        /// The agent could not be read: leave the lease to run out, so the run is tried again
        /// later and, if reading keeps failing, counted towards being abandoned (handing it back
        /// at once would spin on it).
        case deferred
    }

    private func execute(_ run: Run, worker: String) async {
        let ending = await withTaskGroup(of: Ending?.self) { group in
            group.addTask { await self.outcome(of: run) }
            group.addTask { await self.keepLease(of: run, worker: worker) ? nil : .leaseLost }
            var ending: Ending = .interrupted
            for await result in group {
                guard let result else { continue }
                ending = result
                break
            }
            group.cancelAll()
            return ending
        }
        // Recording must not be cut short by the pool's cancellation: it runs on its own task.
        await Task {
            switch ending {
            case .finished(let result):
                await self.record(result, of: run, worker: worker)
            case .interrupted:
                _ = try? await self.store.releaseRun(runID: run.id, worker: worker)
            case .deferred:
                break
            case .leaseLost:
                self.logger.warning("A run's lease was lost; another worker takes it over", metadata: ["run.id": "\(run.id)"])
            }
        }.value
    }

    /// Runs the agent; `interrupted` when cancelled, `deferred` when the agent could not be read.
    private func outcome(of run: Run) async -> Ending {
        let agent: Agent?
        do {
            agent = try await store.agent(tenantID: run.tenantID, name: run.agent)
        } catch {
            logger.error("Reading a run's agent failed", metadata: ["run.id": "\(run.id)", "error": "\(error)"])
            return Task.isCancelled ? .interrupted : .deferred
        }
        guard let agent else {
            return .finished(RunResult(
                outcome: .failed(Run.Failure(code: .notFound, message: "Agent '\(run.agent)' no longer exists.")), trace: []))
        }
        guard let runner = runners[agent.definition.kind] else {
            return .finished(RunResult(
                outcome: .failed(Run.Failure(
                    code: .unavailable, message: "This server cannot run \(agent.definition.kind.rawValue) agents.")),
                trace: []))
        }
        let result = await runner.execute(run, agent: agent.definition)
        return Task.isCancelled ? .interrupted : .finished(result)
    }

    /// Renews the lease every third of its length until cancelled; `false` once it is lost
    /// (taken by another worker, or not renewed before it ran out).
    private func keepLease(of run: Run, worker: String) async -> Bool {
        var heldUntil = ContinuousClock.now + configuration.lease
        while !Task.isCancelled {
            try? await Task.sleep(for: configuration.lease / 3)
            if Task.isCancelled { return true }
            do {
                guard try await store.renewLease(
                    runID: run.id, worker: worker, until: Timestamp.now().addingTimeInterval(configuration.lease.timeInterval))
                else { return false }
                heldUntil = ContinuousClock.now + configuration.lease
            } catch {
                logger.warning("Renewing a run's lease failed", metadata: ["run.id": "\(run.id)", "error": "\(error)"])
                if ContinuousClock.now >= heldUntil { return false }
            }
        }
        return true
    }

    /// Stores the result, retrying briefly: a result not stored means the run executes again
    /// once its lease expires.
    private func record(_ result: RunResult, of run: Run, worker: String) async {
        for attempt in 1...5 {
            do {
                let recorded = try await store.finishRun(
                    runID: run.id, worker: worker, outcome: result.outcome, trace: result.trace, usage: result.usage,
                    at: Timestamp.now())
                if recorded {
                    runsFinished.fire()
                } else {
                    logger.warning("A run was taken over before it finished", metadata: ["run.id": "\(run.id)"])
                }
                return
            } catch {
                logger.error("Recording a run's result failed", metadata: ["run.id": "\(run.id)", "error": "\(error)"])
                try? await Task.sleep(for: .milliseconds(200 * attempt))
            }
        }
    }
}
