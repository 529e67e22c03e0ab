import Foundation
import HTTPTypes
import JunctionConnectors
import JunctionCore
import JunctionRuntime
import JunctionServer
import JunctionTesting
import Testing

/// Outbound webhook connectors: run results POSTed, signed, to a real receiver that fails a few
/// times; retries with backoff, dead letters and re-driving them.
struct OutboundTests {
    /// The tenant's deliveries matching `query` once `done` holds for them, waiting up to 20 s.
    static func deliveries(
        _ junction: JunctionHarness, key: String, query: String, until done: ([JSONValue]) -> Bool
    ) async throws -> [JSONValue] {
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            let listed = try await junction.request(.get, "/api/v1/deliveries?\(query)", key: key).json["deliveries"]?.arrayValue ?? []
            if done(listed) { return listed }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw HarnessError("the deliveries (\(query)) did not reach the expected state within 20 s")
    }

    /// An outbound webhook connector `results` to `url`, linked to `agent`; returns its secret.
    static func outbound(_ junction: JunctionHarness, key: String, url: String, agent: String, options: JSONValue) async throws -> String {
        let created = try await junction.request(.post, "/api/v1/connectors", key: key, json: [
            "connector_name": "results", "connector_type": "webhook", "mode": "outbound", "connection_url": .string(url),
            "options": options,
        ])
        #expect(created.status == .created, "\(created.text)")
        #expect(try await junction.request(.post, "/api/v1/agents/\(agent)/links/results", key: key).status == .created)
        return try #require(created.json["secret"]?.stringValue)
    }

    /// A scripted model that calls `crm__get-customer` for c-42, then answers, in `provider`'s protocol.
    static func script(_ provider: String) -> [ScriptedServer.Answer] {
        let answer = "{\"summary\":\"c-42 is active\"}"
        switch provider {
        case "anthropic":
            return [
                .init([
                    "role": "assistant", "stop_reason": "tool_use",
                    "content": [["type": "tool_use", "id": "toolu_1", "name": "crm__get-customer", "input": ["id": "c-42"]]],
                ]),
                .init(["role": "assistant", "stop_reason": "end_turn", "content": [["type": "text", "text": .string(answer)]]]),
            ]
        default:
            return [
                .init(["choices": [["message": [
                    "role": "assistant", "content": nil,
                    "tool_calls": [["id": "call_1", "type": "function", "function": ["name": "crm__get-customer", "arguments": "{\"id\":\"c-42\"}"]]],
                ]]]]),
                .init(["choices": [["message": ["role": "assistant", "content": .string(answer)]]]]),
            ]
        }
    }

    @Test(arguments: ["openai", "anthropic"])
    func aWebhookRunsAModelWithAToolAndTheResultIsDeliveredSigned(_ protocolName: String) async throws {
        let model = Self.script(protocolName)
        let receiver: [ScriptedServer.Answer] = [.init(status: 500), .init(status: 503), .init(status: 204)]
        try await UpstreamServer.with { upstream in
            try await ScriptedServer.with(script: model) { provider in
                try await ScriptedServer.with(script: receiver) { hook in
                    try await withJunction { junction in
                        let key = try await LLMAgentTests.setUp(junction, upstream: upstream, model: "\(protocolName)/scripted", base: provider.url)
                        let inbound = try await WebhookTests.webhook(junction, key: key)
                        #expect(try await junction.request(.post, "/api/v1/agents/helper/links/events", key: key).status == .created)
                        let secret = try await Self.outbound(
                            junction, key: key, url: hook.url + "/receive", agent: "helper", options: ["retry_base_ms": 20, "max_attempts": 5])

                        let sent = try await junction.request(
                            .post, try WebhookTests.path(of: inbound), key: nil, json: ["customer": "c-42"],
                            headers: WebhookTests.headers(["X-Junction-Secret": inbound["secret"]?.stringValue ?? ""]))
                        let runID = try #require(sent.json["run_ids"]?[0]?.stringValue, "\(sent.text)")
                        let run = try await RunAPITests.finished(runID, in: junction, key: key)
                        #expect(run["status"] == "completed", "\(run)")
                        #expect(upstream.count("echo") == 1, "the model's tool call reached the real upstream")

                        let delivered = try await Self.deliveries(junction, key: key, query: "run_id=\(runID)") {
                            $0.first?["status"] == "delivered"
                        }
                        #expect(delivered.count == 1)
                        #expect(delivered[0]["attempts"] == 3)
                        #expect(delivered[0]["last_error"] == .null)

                        let received = hook.received
                        try #require(received.count == 3)
                        #expect(received.allSatisfy { $0.path == "/receive" })
                        let last = received[2]
                        #expect(last.json == [
                            "run_id": .string(runID), "agent_name": "helper", "status": "completed", "output": ["summary": "c-42 is active"],
                        ])
                        let signature = try #require(last.headers["x-junction-signature"])
                        try WebhookSignature.verify(signature, body: last.body, secret: secret, now: Date(), tolerance: .seconds(300))
                        #expect(throws: JunctionError.self) {
                            try WebhookSignature.verify(signature, body: last.body, secret: secret + "x", now: Date(), tolerance: .seconds(300))
                        }
                        #expect(Set(received.map { $0.headers["idempotency-key"] ?? "" }) == [delivered[0]["id"]?.stringValue ?? "?"],
                                "every attempt carries the same key")
                    }
                }
            }
        }
    }

    @Test func deliveriesThatKeepFailingAreDeadUntilRedriven() async throws {
        let receiver: [ScriptedServer.Answer] = [.init(status: 500, ["error": "down"]), .init(status: 502), .init(status: 200)]
        try await UpstreamServer.with { upstream in
            try await ScriptedServer.with(script: receiver) { hook in
                try await withJunction { junction in
                    let tenant = try await junction.createTenant("acme")
                    #expect(try await junction.request(.post, "/api/v1/connectors", key: tenant.key, json: RunAPITests.crm(upstream)).status == .created)
                    let agent: JSONValue = ["name": "breaks", "type": "workflow", "steps": [["id": "go", "connector": "crm", "resource": "broken"]]]
                    #expect(try await junction.request(.post, "/api/v1/agents", key: tenant.key, json: agent).status == .created)
                    _ = try await Self.outbound(
                        junction, key: tenant.key, url: hook.url, agent: "breaks", options: ["retry_base_ms": 10, "max_attempts": 2])
                    let started = try await junction.request(.post, "/api/v1/agents/breaks/runs", key: tenant.key, json: [:])
                    let runID = try #require(started.json["id"]?.stringValue)

                    let dead = try await Self.deliveries(junction, key: tenant.key, query: "status=dead") { $0.count == 1 }
                    #expect(dead[0]["attempts"] == 2)
                    #expect(dead[0]["last_error"]?.stringValue?.contains("HTTP 502") == true, "\(dead[0])")
                    #expect(dead[0]["payload"]?["status"] == "failed")
                    #expect(dead[0]["payload"]?["error"]?["code"] == "upstream_error")
                    #expect(dead[0]["run_id"] == .string(runID))
                    let id = try #require(dead[0]["id"]?.stringValue)
                    #expect(hook.received.count == 2, "no attempt after the last")

                    let redriven = try await junction.request(.post, "/api/v1/deliveries/\(id)/redrive", key: tenant.key)
                    #expect(redriven.status == .ok, "\(redriven.text)")
                    #expect(redriven.json["attempts"] == 0)
                    let delivered = try await Self.deliveries(junction, key: tenant.key, query: "status=delivered") { $0.count == 1 }
                    #expect(delivered[0]["attempts"] == 1)
                    #expect(hook.received.count == 3)
                    #expect(try await junction.request(.post, "/api/v1/deliveries/\(id)/redrive", key: tenant.key).status == .conflict)

                    // Deliveries are the tenant's own; bad filters are refused.
                    let other = try await junction.createTenant("globex")
                    #expect(try await junction.request(.post, "/api/v1/deliveries/\(id)/redrive", key: other.key).status == .notFound)
                    #expect(try await junction.request(.get, "/api/v1/deliveries", key: other.key).json["deliveries"] == [])
                    #expect(try await junction.request(.get, "/api/v1/deliveries?status=lost", key: tenant.key).errorField == "status")
                    let audit = try await junction.request(.get, "/api/v1/audit?limit=50", key: tenant.key)
                    #expect((audit.json["events"]?.arrayValue ?? []).contains { $0["action"] == "delivery.redrive" })
                }
            }
        }
    }

    /// A failed delivery waits retry_base_ms (spread ±20 %) for its next attempt, and says when that is due.
    @Test func aFailedDeliverySaysWhenItsNextAttemptIsDue() async throws {
        try await UpstreamServer.with { upstream in
            try await ScriptedServer.with(script: [.init(status: 503)]) { hook in
                try await withJunction { junction in
                    let tenant = try await junction.createTenant("acme")
                    #expect(try await junction.request(.post, "/api/v1/connectors", key: tenant.key, json: RunAPITests.crm(upstream)).status == .created)
                    let agent: JSONValue = ["name": "breaks", "type": "workflow", "steps": [["id": "go", "connector": "crm", "resource": "broken"]]]
                    #expect(try await junction.request(.post, "/api/v1/agents", key: tenant.key, json: agent).status == .created)
                    _ = try await Self.outbound(junction, key: tenant.key, url: hook.url, agent: "breaks", options: ["retry_base_ms": 600_000])
                    #expect(try await junction.request(.post, "/api/v1/agents/breaks/runs", key: tenant.key, json: [:]).status == .accepted)

                    let failedOnce = try await Self.deliveries(junction, key: tenant.key, query: "status=pending") {
                        $0.first?["attempts"] == 1
                    }
                    let due = try #require(failedOnce[0]["next_attempt_at"]?.stringValue.flatMap(Timestamp.parse))
                    let wait = due.timeIntervalSinceNow
                    #expect((470...721).contains(wait), "the next attempt is due in \(wait) s, not 480-720 s")
                    #expect(failedOnce[0]["last_error"]?.stringValue?.contains("HTTP 503") == true)
                    #expect(hook.received.count == 1, "nothing more is sent before it is due")
                }
            }
        }
    }
}
