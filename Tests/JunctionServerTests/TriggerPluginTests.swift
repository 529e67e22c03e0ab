import Foundation
import HTTPTypes
import JunctionConnectors
import JunctionCore
import JunctionRuntime
import JunctionServer
import JunctionTesting
import Synchronization
import Testing

/// Trigger types are plug-ins: a connector type registered beside the built-in ones that
/// receives requests gets `/hooks/{connector_id}` and a `webhook_url`, and one that delivers
/// results is handed its agents' results with retries, though no line of the runtime or the
/// server names either type.
struct TriggerPluginTests {
    /// Takes requests that carry its `token` as `X-Token`; the JSON body is the runs' input and
    /// `X-Event-Id` the idempotency key.
    struct TokenHook: TriggerConnector, RequestReceiving {
        static let spec = ConnectorSpec(
            type: "token-hook", displayName: "Token hook", description: "Requests with a token start runs.",
            category: "triggers", capabilities: [.inbound], connectionURL: .none,
            fields: [FieldSpec("token", .string, required: true, secret: true, description: "The token callers send.")])

        let token: String
        let maxBodyBytes = 1024
        let resultWait: Duration? = nil

        init(configuration: ConnectorConfiguration, context: ConnectorContext) throws {
            token = configuration.options["token"]?.stringValue ?? ""
        }

        static func check(connectionURL: String?, options: ConnectorOptions, services: ServiceValues) throws(JunctionError) {}

        func admit(_ headers: HTTPFields, now: Date) throws(JunctionError) {
            guard headers[HTTPField.Name("X-Token")!] == token else { throw JunctionError(.unauthorized, "Wrong token.") }
        }

        func event(headers: HTTPFields, body: [UInt8], now: Date) throws(JunctionError) -> InboundEvents.Event {
            InboundEvents.Event(
                input: try RequestInput.parse(body, contentType: headers[.contentType]),
                idempotencyKey: headers[HTTPField.Name("X-Event-Id")!])
        }
    }

    /// Keeps what it is given, failing each delivery's first attempt.
    struct RecordingSink: TriggerConnector, OutboundDelivering {
        static let spec = ConnectorSpec(
            type: "recording-sink", displayName: "Recording sink", description: "Keeps run results.",
            category: "triggers", capabilities: [.outbound], connectionURL: .none, modes: ["outbound"], fields: [])
        /// Every attempt, by delivery id.
        static let attempts = Mutex<[String: [JSONValue]]>([:])

        let deliveryAttempts = 3

        init(configuration: ConnectorConfiguration, context: ConnectorContext) throws {}

        static func check(connectionURL: String?, options: ConnectorOptions, services: ServiceValues) throws(JunctionError) {}

        func retryDelay(afterAttempt attempt: Int) -> Duration { .milliseconds(10) }

        func deliver(_ payload: JSONValue, call: CallContext) async throws {
            let id = try #require(call.idempotencyKey)
            let count = Self.attempts.withLock { attempts in
                attempts[id, default: []].append(payload)
                return attempts[id]!.count
            }
            if count == 1 { throw JunctionError(.upstreamError, "The first attempt fails.", retryable: true) }
        }
    }

    static var registry: ConnectorRegistry {
        var registry = ConnectorRegistry.builtIn
        registry.register(TokenHook.self)
        registry.register(RecordingSink.self)
        return registry
    }

    @Test func aRegisteredTypeReceivesRequestsAndAnotherDeliversResults() async throws {
        try await UpstreamServer.with { upstream in
            try await withJunction(registry: Self.registry) { junction in
                let tenant = try await junction.createTenant("acme")
                let crm = try await junction.request(.post, "/api/v1/connectors", key: tenant.key, json: RunAPITests.crm(upstream))
                #expect(crm.status == .created)
                let hook = try await junction.request(.post, "/api/v1/connectors", key: tenant.key, json: [
                    "connector_name": "orders", "connector_type": "token-hook", "options": ["token": "open-sesame"],
                ])
                #expect(hook.status == .created, "\(hook.text)")
                let path = try WebhookTests.path(of: hook.json)
                let sink = try await junction.request(.post, "/api/v1/connectors", key: tenant.key, json: [
                    "connector_name": "kept", "connector_type": "recording-sink", "mode": "outbound",
                ])
                #expect(sink.status == .created, "\(sink.text)")
                #expect(sink.json["webhook_url"] == nil, "a destination receives no requests")
                try await WebhookTests.echoAgent(junction, key: tenant.key, name: "clerk", linkedTo: "orders")
                #expect(try await junction.request(.post, "/api/v1/agents/clerk/links/kept", key: tenant.key).status == .created)

                let refused = try await junction.request(
                    .post, path, key: nil, json: ["customer": "c-1"], headers: WebhookTests.headers(["X-Token": "guess"]))
                #expect(refused.status == .unauthorized)
                #expect(refused.errorCode == "unauthorized")

                let auth = WebhookTests.headers(["X-Token": "open-sesame", "X-Event-Id": "evt-1"])
                let accepted = try await junction.request(.post, path, key: nil, json: ["customer": "c-1"], headers: auth)
                #expect(accepted.status == .ok, "\(accepted.text)")
                let ids = accepted.json["run_ids"]?.arrayValue?.compactMap(\.stringValue) ?? []
                #expect(ids.count == 1)
                // The type's own idempotency key makes a repeat start nothing.
                let repeated = try await junction.request(.post, path, key: nil, json: ["customer": "c-1"], headers: auth)
                #expect(repeated.json["run_ids"] == accepted.json["run_ids"])

                let runID = try #require(ids.first)
                let run = try await RunAPITests.finished(runID, in: junction, key: tenant.key)
                #expect(run["status"] == "completed", "\(run)")
                #expect(run["trigger"] == ["kind": "token-hook", "connector": "orders"])

                let delivered = try await OutboundTests.deliveries(junction, key: tenant.key, query: "run_id=\(runID)") {
                    $0.first?["status"] == "delivered"
                }
                #expect(delivered[0]["attempts"] == 2)
                let deliveryID = try #require(delivered[0]["id"]?.stringValue)
                let attempts = RecordingSink.attempts.withLock { $0[deliveryID] ?? [] }
                #expect(attempts.count == 2)
                #expect(attempts.last?["run_id"] == .string(runID))
                #expect(attempts.last?["output"] == ["seen": "c-1", "by": "clerk"])
            }
        }
    }
}
