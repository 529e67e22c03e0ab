import Foundation
import JunctionConnectors
import JunctionCore
import JunctionStorage
import Logging
import ServiceLifecycle

/// Fires enabled `cron` connectors: at each tick, one run per linked agent with the connector's
/// prompt as input. A tick is an event keyed by its time, so servers sharing a store fire it
/// once between them. A server that falls behind (or was down) does not replay the ticks it
/// missed one by one: it fires the latest once (`catch_up: once`) or none (`skip`).
public final class CronScheduler: Service, Sendable {
    /// How the scheduler runs.
    public struct Configuration: Sendable {
        /// How often the cron connectors are read again (new, changed, disabled) when no change
        /// is announced. Default 5 s.
        public var reloadInterval: Duration = .seconds(5)

        public init() {}
    }

    /// One connector being scheduled.
    struct Entry: Sendable {
        var connector: ConnectorRecord
        var settings: CronSettings
        /// The next tick to fire.
        var next: Date?
    }

    private let store: any Store
    private let connectors: ConnectorService
    private let triggers: TriggerService
    private let configuration: Configuration
    private let changes: ChangeFeed?
    private let wake = WakeSignal()
    private let logger = Logger(label: "junction.cron")

    /// - Parameter changes: announces connector changes made through this server, read at once.
    public init(
        store: any Store, connectors: ConnectorService, triggers: TriggerService, changes: ChangeFeed? = nil,
        configuration: Configuration = Configuration()
    ) {
        self.changes = changes
        self.store = store
        self.connectors = connectors
        self.triggers = triggers
        self.configuration = configuration
    }

    public func run() async throws {
        let listener = Task { [changes, wake] in
            guard let changes else { return }
            for await _ in changes.subscribe() { wake.fire() }
        }
        defer { listener.cancel() }
        await cancelWhenGracefulShutdown {
            var entries: [String: Entry] = [:]
            var reloadAt = ContinuousClock.now
            var seen = self.wake.generation
            while !Task.isCancelled {
                if ContinuousClock.now >= reloadAt || self.wake.generation != seen {
                    seen = self.wake.generation
                    entries = await self.reload(entries)
                    reloadAt = ContinuousClock.now + self.configuration.reloadInterval
                }
                let now = Date()
                for (id, entry) in entries {
                    guard let tick = entry.next, tick <= now else { continue }
                    await self.fire(entry, tick: tick)
                    // Fallen behind (a slow store, a suspended process): on to the next tick from now, no burst.
                    entries[id]?.next = entry.settings.schedule.next(after: max(tick, now))
                }
                let soonest = entries.values.compactMap(\.next).min().map { $0.timeIntervalSinceNow } ?? .infinity
                let untilReload = (reloadAt - ContinuousClock.now) / .seconds(1)
                let pause = max(0.005, min(soonest, untilReload))
                await self.wake.wait(since: seen, upTo: .seconds(pause))
            }
        }
    }

    /// The enabled cron connectors, keeping the schedule of those unchanged since `entries`.
    private func reload(_ entries: [String: Entry]) async -> [String: Entry] {
        let records: [ConnectorRecord]
        do {
            records = try await store.connectors(ConnectorQuery(tenantID: nil, type: CronConnector.spec.type, enabled: true))
        } catch {
            logger.error("Reading the cron connectors failed", metadata: ["error": "\(error)"])
            return entries
        }
        var reloaded: [String: Entry] = [:]
        for record in records {
            if let known = entries[record.id], known.connector.updatedAt == record.updatedAt {
                reloaded[record.id] = known
                continue
            }
            do {
                let settings = try CronSettings(options: try connectors.options(of: record))
                let entry = Entry(connector: record, settings: settings, next: settings.schedule.next(after: Date()))
                // Catching up is for a server starting (or a connector appearing), not for a change.
                if entries[record.id] == nil, let missed = try await missedTick(of: entry) { await fire(entry, tick: missed) }
                reloaded[record.id] = entry
            } catch {
                logger.error(
                    "A cron connector cannot be scheduled",
                    metadata: ["tenant.id": "\(record.tenantID)", "connector.name": "\(record.name)", "error": "\(error)"])
            }
        }
        return reloaded
    }

    /// The latest tick before now that has not fired, when the connector catches up: one after
    /// its last tick and after its last change (a connector disabled for a while does not catch
    /// up the ticks it was disabled for).
    private func missedTick(of entry: Entry) async throws -> Date? {
        guard entry.settings.catchUp else { return nil }
        let lastTick = try await store.latestEventTime(connectorID: entry.connector.id) ?? .distantPast
        return Self.latestTick(of: entry.settings.schedule, after: max(lastTick, entry.connector.updatedAt), before: Date())
    }

    /// The last time `schedule` fires after `start` and at or before `end`, if any. Looks back
    /// from `end` in widening windows, so a frequent schedule missed for long costs little.
    static func latestTick(of schedule: CronSchedule, after start: Date, before end: Date) -> Date? {
        for window: TimeInterval in [60, 3600, 86_400, 32 * 86_400, 366 * 86_400, 9 * 366 * 86_400] {
            var cursor = max(start, end.addingTimeInterval(-window))
            var latest: Date?
            while let tick = schedule.next(after: cursor), tick <= end {
                latest = tick
                cursor = tick
            }
            if latest != nil || cursor == start { return latest }
        }
        return nil
    }

    private func fire(_ entry: Entry, tick: Date) async {
        let connector = entry.connector
        do {
            let accepted = try await triggers.accept(TriggerEvent(
                tenantID: connector.tenantID, connectorID: connector.id, connector: connector.name, kind: "cron",
                input: entry.settings.prompt, idempotencyKey: "tick:\(Timestamp.format(tick))"))
            if !accepted.repeated {
                logger.debug("Cron tick", metadata: ["connector.name": "\(connector.name)", "runs": "\(accepted.runs.count)"])
            }
        } catch {
            logger.error("A cron tick could not start its runs", metadata: ["connector.name": "\(connector.name)", "error": "\(error)"])
        }
    }
}
