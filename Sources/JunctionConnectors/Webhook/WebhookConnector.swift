import JunctionCore

/// `webhook`: in `inbound` and `sync` mode, `POST /hooks/{connector_id}` starts a run of every
/// linked agent (`inbound` answers with the run ids at once, `sync` waits for the result); in
/// `outbound` mode, the results of linked agents' runs are POSTed, signed, to `connection_url`.
/// It has no resources: the trigger and delivery machinery use it, not the invoke path.
public struct WebhookConnector: TriggerConnector {
    public static let spec = ConnectorSpec(
        type: "webhook",
        displayName: "Webhook",
        description: "Starts agent runs from HTTP requests (inbound, sync) or sends run results to a URL (outbound).",
        category: "triggers",
        capabilities: [.inbound, .outbound],
        connectionURL: .optional,
        urlSchemes: ["http", "https"],
        modes: ["inbound", "sync", "outbound"],
        urlModes: ["outbound"],
        fields: [
            FieldSpec(
                "secret", .string, secret: true, generated: true,
                description: "The shared secret: callers send it as X-Junction-Secret or sign with it (X-Junction-Signature); "
                    + "outbound deliveries are signed with it. Generated when not given, shown once."),
            FieldSpec(
                "signature_tolerance_s", .integer, default: 300,
                description: "How far a signature's timestamp may be from now, in seconds (inbound, sync)."),
            FieldSpec(
                "max_body_bytes", .integer, default: 10_485_760,
                description: "The largest request body accepted, files included (inbound, sync)."),
            FieldSpec(
                "sync_timeout_ms", .integer, default: 300_000,
                description: "How long a sync request waits for its runs before answering 202 with their ids."),
            FieldSpec(
                "max_attempts", .integer, default: 8,
                description: "Delivery attempts before a result is dead-lettered (outbound)."),
            FieldSpec(
                "retry_base_ms", .integer, default: 1000,
                description: "The pause after the first failed delivery, doubled after each further one, up to an hour (outbound)."),
        ]
    )

    public init() {}

    public static func check(connectionURL: String?, options: [String: JSONValue], services: ServiceValues) throws(JunctionError) {
        _ = try WebhookSettings(options: options)
    }
}

/// A webhook connector's options, read and checked.
public struct WebhookSettings: Sendable {
    /// The shared secret.
    public var secret: String
    /// How far a signature's timestamp may be from now.
    public var signatureTolerance: Duration
    /// The largest request body accepted.
    public var maxBodyBytes: Int
    /// How long a sync request waits for its runs.
    public var syncTimeout: Duration
    /// Delivery attempts before a result is dead (outbound).
    public var maxAttempts: Int
    /// The pause after the first failed delivery, doubled after each further one (outbound).
    public var retryBase: Duration

    /// The shortest secret accepted from a caller.
    public static let minimumSecretLength = 16

    /// Reads `options` (defaults applied by the spec); `invalid_input` naming the option out of range.
    public init(options: [String: JSONValue]) throws(JunctionError) {
        secret = options["secret"]?.stringValue ?? ""
        guard secret.count >= Self.minimumSecretLength else {
            throw .invalidInput("The secret needs at least \(Self.minimumSecretLength) characters.", field: "options.secret")
        }
        signatureTolerance = .seconds(try Self.integer(options, "signature_tolerance_s", 300, in: 1...86_400))
        maxBodyBytes = try Self.integer(options, "max_body_bytes", 10_485_760, in: 1...(256 << 20))
        syncTimeout = .milliseconds(try Self.integer(options, "sync_timeout_ms", 300_000, in: 1...3_600_000))
        maxAttempts = try Self.integer(options, "max_attempts", 8, in: 1...100)
        retryBase = .milliseconds(try Self.integer(options, "retry_base_ms", 1000, in: 1...3_600_000))
    }

    private static func integer(
        _ options: [String: JSONValue], _ name: String, _ fallback: Int, in range: ClosedRange<Int>
    ) throws(JunctionError) -> Int {
        let value = options[name]?.intValue ?? fallback
        guard range.contains(value) else {
            throw .invalidInput("Must be from \(range.lowerBound) to \(range.upperBound).", field: "options.\(name)")
        }
        return value
    }
}
