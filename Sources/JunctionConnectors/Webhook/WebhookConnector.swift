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
                "signature_tolerance_s", .integer, default: 300, range: 1...86_400,
                description: "How far a signature's timestamp may be from now, in seconds (inbound, sync)."),
            FieldSpec(
                "max_body_bytes", .integer, default: 10_485_760, range: 1...(256 << 20),
                description: "The largest request body accepted, files included (inbound, sync)."),
            FieldSpec(
                "sync_timeout_ms", .integer, default: 300_000, range: 1...3_600_000,
                description: "How long a sync request waits for its runs before answering 202 with their ids."),
            FieldSpec(
                "max_attempts", .integer, default: 8, range: 1...100,
                description: "Delivery attempts before a result is dead-lettered (outbound)."),
            FieldSpec(
                "retry_base_ms", .integer, default: 1000, range: 1...3_600_000,
                description: "The pause after the first failed delivery, doubled after each further one, up to an hour (outbound)."),
        ]
    )

    public init(configuration: ConnectorConfiguration, context: ConnectorContext) throws {
        _ = try WebhookSettings(options: configuration.options)
    }

    public static func check(connectionURL: String?, options: ConnectorOptions, services: ServiceValues) throws(JunctionError) {
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

    /// Reads `options` (checked, with defaults, by the spec); `invalid_input` for a short secret.
    public init(options: ConnectorOptions) throws(JunctionError) {
        secret = options["secret"]?.stringValue ?? ""
        guard secret.count >= Self.minimumSecretLength else {
            throw .invalidInput("The secret needs at least \(Self.minimumSecretLength) characters.", field: "options.secret")
        }
        signatureTolerance = try options.seconds("signature_tolerance_s")
        maxBodyBytes = try options.integer("max_body_bytes")
        syncTimeout = try options.milliseconds("sync_timeout_ms")
        maxAttempts = try options.integer("max_attempts")
        retryBase = try options.milliseconds("retry_base_ms")
    }
}
