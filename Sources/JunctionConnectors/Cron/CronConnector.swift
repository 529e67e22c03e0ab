import Foundation
import JunctionCore

/// `cron`: starts a run of every linked agent on a schedule, with the connector's `prompt` as
/// the run input. A tick is an event keyed by its time, so servers sharing a store fire it
/// once between them. Ticks missed while no server was running are not replayed one by one:
/// by default the latest fires once on recovery (`catch_up: once`), or none (`skip`). It has
/// no resources: it is an inbound source the runtime hosts, not an action.
public struct CronConnector: TriggerConnector, InboundSource {
    public static let spec = ConnectorSpec(
        type: "cron",
        displayName: "Schedule (cron)",
        description: "Starts agent runs on a cron schedule in a time zone, with a prompt as their input.",
        category: "triggers",
        capabilities: [.inbound],
        connectionURL: .none,
        fields: [
            FieldSpec(
                "schedule", .string, required: true, example: "0 2 * * *",
                description: "Five cron fields (minute hour day-of-month month day-of-week), or six with a leading second."),
            FieldSpec(
                "timezone", .string, default: "UTC", example: "Europe/Berlin",
                description: "The IANA time zone the schedule is read in."),
            FieldSpec("prompt", .string, example: "Summarise yesterday's tickets.", description: "Every run's input (none: null)."),
            FieldSpec(
                "catch_up", .string, default: "once", allowedValues: ["once", "skip"],
                description: "Ticks missed while no server ran: fire the latest once on recovery, or skip them."),
        ]
    )

    /// The connector's schedule and prompt.
    public let settings: CronSettings

    public init(configuration: ConnectorConfiguration, context: ConnectorContext) throws {
        settings = try CronSettings(options: configuration.options)
    }

    public static func check(connectionURL: String?, options: ConnectorOptions, services: ServiceValues) throws(JunctionError) {
        _ = try CronSettings(options: options)
    }

    /// Fires the latest missed tick once (with `catch_up: once`), then every tick as it comes.
    /// A server that falls behind (a slow store, a suspended process) goes on from now, in no burst.
    public func run(emitting events: InboundEvents) async throws {
        if settings.catchUp {
            let lastTick = try await events.latestEventTime() ?? .distantPast
            if let missed = settings.schedule.latestTick(after: max(lastTick, events.connectorChangedAt), before: Date()) {
                try await fire(missed, events)
            }
        }
        var after = Date()
        while let tick = settings.schedule.next(after: after) {
            try await Self.sleep(until: tick)
            try await fire(tick, events)
            after = max(tick, Date())
        }
    }

    private func fire(_ tick: Date, _ events: InboundEvents) async throws {
        try await events.emit(.init(input: settings.prompt, idempotencyKey: "tick:\(Timestamp.format(tick))"))
    }

    /// Sleeps until the wall clock reaches `date`, looking again at least every minute (the
    /// clock may be set, or the process suspended, meanwhile).
    static func sleep(until date: Date) async throws {
        while case let remaining = date.timeIntervalSinceNow, remaining > 0 {
            try await Task.sleep(for: .seconds(min(remaining, 60)))
        }
    }
}

/// A cron connector's options, read and checked.
public struct CronSettings: Sendable, Hashable {
    /// When it fires.
    public var schedule: CronSchedule
    /// The runs' input.
    public var prompt: JSONValue
    /// Whether the latest tick missed while down fires once on recovery.
    public var catchUp: Bool

    /// Reads `options`; `invalid_input` naming the option at fault.
    public init(options: ConnectorOptions) throws(JunctionError) {
        schedule = try CronSchedule(
            try options.string("schedule"), timeZone: try options.string("timezone"), field: "options.schedule",
            timeZoneField: "options.timezone")
        prompt = options["prompt"]?.stringValue.map(JSONValue.string) ?? .null
        catchUp = try options.string("catch_up") == "once"
    }
}
