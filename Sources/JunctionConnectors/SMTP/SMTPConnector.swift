import Foundation
import JunctionCore
import NIOSSL

extension ConnectorSpec {
    /// `smtp`: sends e-mail through an SMTP server.
    public static let smtp = ConnectorSpec(
        type: "smtp",
        displayName: "E-mail (SMTP)",
        description: "Sends e-mail through the SMTP server at connection_url: smtp://host:587 with STARTTLS (required unless options.starttls is false) or smtps://host:465 with TLS from the start. A basic credential logs in (AUTH PLAIN or LOGIN). Resource send: to, cc, bcc, subject, text and/or html bodies, attachments in base64; it answers the message id and the recipients accepted.",
        category: "email",
        capabilities: [.invoke, .test],
        connectionURL: .required,
        urlSchemes: ["smtp", "smtps"],
        credentialKinds: [.basic],
        fields: [
            FieldSpec("from", .string, required: true, example: "Junction <agents@example.com>",
                      description: "The sender (From and MAIL FROM), an address with an optional display name."),
            FieldSpec("starttls", .boolean, default: true,
                      description: "On smtp://, require STARTTLS before logging in or sending; false sends in plain text (a trusted local relay only)."),
            FieldSpec("tls_ca", .string, description: "PEM certificates trusted besides the system's (a private CA)."),
            .insecureSkipVerify,
            FieldSpec("helo", .string, default: "junction.localhost", description: "The name Junction gives in EHLO."),
            FieldSpec("max_message_bytes", .integer, default: .integer(10 << 20), range: 1024...(50 << 20),
                      description: "The largest message (bodies and attachments) a call may send."),
        ]
    )
}

/// `smtp`: one SMTP session per `send` (SMTPSession): the server's answer codes map to
/// Junction's (refused logins `authentication_failed`, 4xx retryable), recipients the server
/// refuses are reported beside the accepted ones, and the message id is answered.
public struct SMTPConnector: Connector, ConnectionTestable, ResourceDiscovering, ConfigurationChecking {
    public static var spec: ConnectorSpec { .smtp }

    private let settings: SMTPSettings
    private let addressGuard: AddressGuard

    /// `send`: one message.
    static let send = Resource(
        slug: Slug("send")!, name: "Send an e-mail",
        description: "Sends one e-mail. Addresses are local@domain or Name <local@domain>; bcc recipients are not shown to the others. Attachments carry their bytes in base64.",
        kind: .write,
        inputSchema: [
            "type": "object", "additionalProperties": false,
            "properties": [
                "to": addresses("Recipients."), "cc": addresses("Copied recipients."), "bcc": addresses("Hidden recipients."),
                "reply_to": addresses("Where replies go."),
                "subject": ["type": "string", "maxLength": 998],
                "text": ["type": "string", "description": "The plain-text body."],
                "html": ["type": "string", "description": "The HTML body (with text, the message offers both)."],
                "attachments": [
                    "type": "array", "maxItems": 50,
                    "items": [
                        "type": "object", "required": ["filename", "content"], "additionalProperties": false,
                        "properties": [
                            "filename": ["type": "string", "minLength": 1, "maxLength": 255],
                            "content_type": ["type": "string", "default": "application/octet-stream"],
                            "content": ["type": "string", "contentEncoding": "base64", "description": "The file's bytes in base64."],
                        ],
                    ],
                ],
            ],
        ],
        outputSchema: [
            "type": "object", "required": ["message_id", "accepted", "rejected"],
            "properties": [
                "message_id": ["type": "string"],
                "accepted": ["type": "array", "items": ["type": "string"]],
                "rejected": ["type": "array", "items": ["type": "object", "properties": [
                    "address": ["type": "string"], "code": ["type": "integer"], "message": ["type": "string"],
                ]]],
                "response": ["type": "string", "description": "The server's answer to the message (often its queue id)."],
            ],
        ])

    private static func addresses(_ description: String) -> JSONValue {
        ["description": .string(description), "oneOf": [["type": "string"], ["type": "array", "items": ["type": "string"], "maxItems": 100]]]
    }

    public init(configuration: ConnectorConfiguration, context: ConnectorContext) throws {
        let options = configuration.options
        let (host, port, implicitTLS) = try Self.endpoint(configuration.connectionURL)
        let from = try MailMessage.Mailbox(parsing: options["from"]?.stringValue ?? "", field: "options.from")
        let starttls = options["starttls"]?.boolValue ?? true
        let tls = implicitTLS || starttls
            ? try ClientTLS.context(caPEM: options["tls_ca"]?.stringValue, verify: options["insecure_skip_verify"]?.boolValue != true) : nil
        var username: String?
        var password: String?
        if let credential = configuration.credential, credential.kind == .basic {
            username = credential.fields["username"]?.stringValue
            password = credential.fields["password"]?.stringValue
        }
        settings = SMTPSettings(
            host: host, port: port, implicitTLS: implicitTLS, requireSTARTTLS: starttls, tls: tls,
            helo: options["helo"]?.stringValue ?? "junction.localhost", username: username, password: password, from: from,
            maximumBytes: options["max_message_bytes"]?.intValue ?? 10 << 20)
        addressGuard = context.services[AddressGuardKey.self] ?? AddressGuard(policy: NetworkPolicy())
    }

    /// `smtp://host[:587]` or `smtps://host[:465]`, and a valid sender.
    public static func check(connectionURL: String?, options: ConnectorOptions, services: ServiceValues) throws(JunctionError) {
        if let connectionURL { _ = try endpoint(connectionURL) }
        _ = try MailMessage.Mailbox(parsing: options["from"]?.stringValue ?? "", field: "options.from")
        _ = try ClientTLS.context(caPEM: options["tls_ca"]?.stringValue)
        if let helo = options["helo"]?.stringValue, helo.isEmpty || !helo.unicodeScalars.allSatisfy({ $0.isASCII && $0.properties.isAlphabetic || "0123456789.-[]:".unicodeScalars.contains($0) }) {
            throw .invalidInput("Expected a host name.", field: "options.helo")
        }
    }

    static func endpoint(_ text: String?) throws(JunctionError) -> (String, Int, Bool) {
        guard let text, let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
              scheme == "smtp" || scheme == "smtps", let host = components.host, !host.isEmpty
        else { throw .invalidInput("Expected smtp://host:587 or smtps://host:465.", field: "connection_url") }
        guard components.user == nil, components.password == nil else {
            throw .invalidInput("Put the login in a basic credential, not in connection_url.", field: "connection_url")
        }
        guard components.path.isEmpty || components.path == "/", components.query == nil else {
            throw .invalidInput("connection_url takes a host and a port only.", field: "connection_url")
        }
        let unbracketed = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        return (unbracketed, components.port ?? (scheme == "smtps" ? 465 : 587), scheme == "smtps")
    }

    public func discoverResources() async throws -> [Resource] {
        [Self.send]
    }

    /// Connects, secures the connection and logs in, then quits without sending.
    public func testConnection(call: CallContext) async throws {
        try await session(call: call) { _ in }
    }

    public func execute(_ resource: Resource, input: JSONValue, call: CallContext) async throws -> ConnectorResult {
        let message = try MailMessage(input: input, from: settings.from, maximumBytes: settings.maximumBytes)
        let rendered = message.rendered()
        let context = settings.context
        return try await session(call: call) { session in
            var parameters = ""
            if let limit = session.capabilities["SIZE"].flatMap(Int.init), limit > 0 {
                guard rendered.count <= limit else {
                    throw JunctionError(.payloadTooLarge, "\(context) takes messages of at most \(limit) bytes; this one is \(rendered.count).", field: "data")
                }
                parameters = " SIZE=\(rendered.count)"
            }
            let mail = try await session.command("MAIL FROM:<\(message.from.address)>" + parameters)
            guard mail.code == 250 else { throw mail.failure("MAIL FROM", context: context) }
            var accepted: [JSONValue] = []
            var rejected: [JSONValue] = []
            var firstRefusal: SMTPReply?
            for recipient in message.recipients {
                let answer = try await session.command("RCPT TO:<\(recipient)>")
                if answer.code == 250 || answer.code == 251 {
                    accepted.append(.string(recipient))
                } else {
                    firstRefusal = firstRefusal ?? answer
                    rejected.append(["address": .string(recipient), "code": .integer(answer.code), "message": .string(answer.text)])
                }
            }
            if accepted.isEmpty, let firstRefusal {
                var failure = firstRefusal.failure("RCPT TO", context: context)
                failure.message = "\(context) accepted none of the recipients: " + firstRefusal.text.prefix(500)
                failure.details = ["smtp_code": .integer(firstRefusal.code), "stage": "RCPT TO", "rejected": .array(rejected)]
                throw failure
            }
            let ready = try await session.command("DATA")
            guard ready.code == 354 else { throw ready.failure("DATA", context: context) }
            let sent = try await session.data(rendered)
            guard sent.code == 250 else { throw sent.failure("the message", context: context) }
            return ConnectorResult(data: [
                "message_id": .string(message.messageID), "accepted": .array(accepted), "rejected": .array(rejected),
                "response": .string("\(sent.code) \(sent.text)"),
            ])
        }
    }

    /// Runs `body` in a logged-in session, by `call.deadline`.
    private func session<T: Sendable>(call: CallContext, _ body: @escaping @Sendable (inout SMTPSession) async throws -> T) async throws -> T {
        let settings = settings
        let addressGuard = addressGuard
        let start = ContinuousClock.now
        do {
            return try await withDeadline(call.deadline, lateError: {
                JunctionError(.timeout, "No answer from \(settings.context) in time (\((call.deadline - start).wholeMilliseconds) ms).")
            }) {
                try await SMTPSession.with(settings, addressGuard: addressGuard, body)
            }
        } catch is CancellationError {
            throw JunctionError(.cancelled, "The call was cancelled.")
        } catch {
            throw SocketFailure.map(error, context: settings.context, safeToRepeat: false)
                ?? JunctionError(.upstreamError, "Sending through \(settings.context) failed: \(error).", cause: error)
        }
    }
}
