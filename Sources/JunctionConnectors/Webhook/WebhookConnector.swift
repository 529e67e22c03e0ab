import Foundation
import HTTPTypes
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
                "max_attempts", .integer, default: 17, range: 1...100,
                description: "Delivery attempts before a result is dead-lettered (outbound); with the default pauses "
                    + "17 attempts span about 26 hours."),
            FieldSpec(
                "retry_base_ms", .integer, default: 10_000, range: 1...3_600_000,
                description: "The pause after the first failed delivery, doubled after each further one up to retry_max_ms, "
                    + "each spread by up to 20 % either way (outbound)."),
            FieldSpec(
                "retry_max_ms", .integer, default: 14_400_000, range: 1...86_400_000,
                description: "The longest pause between delivery attempts (outbound)."),
        ]
    )

    private let settings: WebhookSettings
    private let mode: String?
    /// Where outbound deliveries go, and how they are sent (outbound mode).
    private let destination: (url: String, sender: HTTPSender, timeout: Duration, context: String)?

    public init(configuration: ConnectorConfiguration, context: ConnectorContext) throws {
        settings = try WebhookSettings(options: configuration.options)
        mode = configuration.mode
        if Self.spec.deliversResults(inMode: configuration.mode), let url = configuration.connectionURL {
            guard let clients = context.services[HTTPClientsKey.self] else {
                throw JunctionError.internal("Outbound webhooks need the shared HTTP clients.")
            }
            let addressGuard = context.services[AddressGuardKey.self] ?? AddressGuard(policy: NetworkPolicy())
            destination = (
                url, HTTPSender(clients: clients, addressGuard: addressGuard), configuration.timeout,
                "outbound connector '\(configuration.name)'")
        } else {
            destination = nil
        }
    }

    public static func check(connectionURL: String?, options: ConnectorOptions, services: ServiceValues) throws(JunctionError) {
        _ = try WebhookSettings(options: options)
    }
}

extension WebhookConnector: RequestReceiving {
    public var maxBodyBytes: Int { settings.maxBodyBytes }

    public var resultWait: Duration? { mode == "sync" ? settings.syncTimeout : nil }

    /// A signed request's signature must be fresh; an unsigned one must carry the secret.
    public func admit(_ headers: HTTPFields, now: Date) throws(JunctionError) {
        if let header = headers[Self.signatureHeader] {
            try WebhookSignature.Signature(parsing: header).checkFresh(now: now, tolerance: settings.signatureTolerance)
            return
        }
        guard let secret = headers[Self.secretHeader] else {
            throw JunctionError(
                .unauthorized, "Send the connector's secret as \(WebhookSignature.secretHeader), or sign the request with it "
                    + "as \(WebhookSignature.signatureHeader).")
        }
        guard WebhookSignature.secretMatches(secret, settings.secret) else {
            throw JunctionError(.unauthorized, "The secret does not match.", field: WebhookSignature.secretHeader)
        }
    }

    /// The body as the runs' input. A signed request's signature must match the body; a replay
    /// of it (within the tolerance) is a repeat, as if it had an idempotency key.
    public func event(headers: HTTPFields, body: [UInt8], now: Date) throws(JunctionError) -> InboundEvents.Event {
        var key: String?
        if let header = headers[Self.signatureHeader] {
            let signature = try WebhookSignature.verify(header, body: body, secret: settings.secret, now: now, tolerance: settings.signatureTolerance)
            key = "sig:" + signature.fingerprint
        }
        return InboundEvents.Event(input: try RequestInput.parse(body, contentType: headers[.contentType]), idempotencyKey: key)
    }

    static let signatureHeader = HTTPField.Name(WebhookSignature.signatureHeader)!
    static let secretHeader = HTTPField.Name(WebhookSignature.secretHeader)!
}

extension WebhookConnector: OutboundDelivering {
    public var deliveryAttempts: Int { settings.maxAttempts }

    /// `retry_base_ms`, doubled after each further failure up to `retry_max_ms`, spread ±20 %.
    public func retryDelay(afterAttempt attempt: Int) -> Duration {
        settings.retries.pause(afterAttempt: attempt)
    }

    /// POSTs the payload as JSON, signed (`X-Junction-Signature`), with the delivery's id as
    /// `X-Junction-Delivery` and `Idempotency-Key` (a receiver tells a repeat by it). Anything
    /// but a 2xx answer fails the attempt.
    public func deliver(_ payload: JSONValue, call: CallContext) async throws {
        guard let destination else {
            throw JunctionError.invalidInput("Only an outbound webhook with a connection_url delivers results.", field: "mode")
        }
        let body = Array(try JSONCoding.encode(payload))
        var headers = [
            ("Content-Type", "application/json"),
            (WebhookSignature.signatureHeader, WebhookSignature.sign(body, secret: settings.secret, timestamp: Int(Date().timeIntervalSince1970))),
        ]
        if let id = call.idempotencyKey { headers += [("X-Junction-Delivery", id), ("Idempotency-Key", id)] }
        let timeout = min(destination.timeout, max(call.deadline - .now, .zero))
        let answer = try await destination.sender.post(
            destination.url, headers: headers, body: body, timeout: timeout, context: destination.context)
        guard answer.isSuccess else {
            throw JunctionError(.upstreamError, "HTTP \(answer.status): \(String(decoding: answer.body.prefix(300), as: UTF8.self))")
        }
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
    /// The pauses between delivery attempts (outbound).
    public var retries: BackoffSchedule

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
        retries = BackoffSchedule(base: try options.milliseconds("retry_base_ms"), maximum: try options.milliseconds("retry_max_ms"))
    }
}
