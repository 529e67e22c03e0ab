import JunctionCore

/// `cron`: starts a run of every linked agent on a schedule, with the connector's `prompt` as
/// the run input. Ticks missed while no server was running are not replayed one by one: by
/// default the latest fires once on recovery (`catch_up: once`), or none (`skip`). It has no
/// resources: the scheduler uses it, not the invoke path.
public struct CronConnector: TriggerConnector {
    public static let spec = ConnectorSpec(
        type: "cron",
        displayName: "Schedule (cron)",
        description: "Starts agent runs on a cron schedule in a time zone, with a prompt as their input.",
        category: "triggers",
        capabilities: [.inbound],
        connectionURL: .none,
        fields: [
            FieldSpec(
                "schedule", .string, required: true,
                description: "Five cron fields (minute hour day-of-month month day-of-week), or six with a leading second."),
            FieldSpec("timezone", .string, default: "UTC", description: "The IANA time zone the schedule is read in, e.g. Europe/Berlin."),
            FieldSpec("prompt", .string, description: "Every run's input (none: null)."),
            FieldSpec(
                "catch_up", .string, default: "once", allowedValues: ["once", "skip"],
                description: "Ticks missed while no server ran: fire the latest once on recovery, or skip them."),
        ]
    )

    public init() {}

    public static func check(connectionURL: String?, options: [String: JSONValue], services: ServiceValues) throws(JunctionError) {
        _ = try CronSettings(options: options)
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
    public init(options: [String: JSONValue]) throws(JunctionError) {
        guard let expression = options["schedule"]?.stringValue else {
            throw .invalidInput("A cron connector needs a schedule.", field: "options.schedule")
        }
        schedule = try CronSchedule(
            expression, timeZone: options["timezone"]?.stringValue ?? "UTC", field: "options.schedule",
            timeZoneField: "options.timezone")
        prompt = options["prompt"]?.stringValue.map(JSONValue.string) ?? .null
        catchUp = options["catch_up"]?.stringValue != "skip"
    }
}
