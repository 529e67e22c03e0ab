import Foundation
import HTTPTypes
import JunctionConnectors
import JunctionCore
import JunctionRuntime
import JunctionServer
import JunctionTesting
import Testing

/// Webhook connectors: ingress authenticated by secret or signature, runs for every linked
/// agent, sync answers, idempotent repeats and the limits on what is accepted.
struct WebhookTests {
    /// A webhook connector `name` in `mode` (extra `options`); returns the create answer.
    static func webhook(
        _ junction: JunctionHarness, key: String, name: String = "events", mode: String = "inbound", options: JSONValue = [:]
    ) async throws -> JSONValue {
        let created = try await junction.request(
            .post, "/api/v1/connectors", key: key,
            json: ["connector_name": .string(name), "connector_type": "webhook", "mode": .string(mode), "options": options])
        #expect(created.status == .created, "\(created.text)")
        return created.json
    }

    /// A workflow agent `name` that echoes its input through the `crm` connector, linked to `connector`.
    static func echoAgent(_ junction: JunctionHarness, key: String, name: String, linkedTo connector: String, path: String = "get-customer") async throws {
        let agent: JSONValue = [
            "name": .string(name), "type": "workflow",
            "steps": [["id": "look", "connector": "crm", "resource": .string(path), "data": ["id": "{{input.customer}}"]]],
            "output": ["seen": "{{input.customer}}", "by": .string(name)],
        ]
        #expect(try await junction.request(.post, "/api/v1/agents", key: key, json: agent).status == .created)
        #expect(try await junction.request(.post, "/api/v1/agents/\(name)/links/\(connector)", key: key).status == .created)
    }

    /// The path of a webhook (its `webhook_url` without the server).
    static func path(of created: JSONValue) throws -> String {
        let url = try #require(created["webhook_url"]?.stringValue)
        return try #require(URLComponents(string: url)?.path)
    }

    static func headers(_ pairs: [String: String]) -> HTTPFields {
        var fields = HTTPFields()
        for (name, value) in pairs { fields[HTTPField.Name(name)!] = value }
        return fields
    }

    @Test func aWebhookFansOutToEveryLinkedAgentAndRepeatsAreIdempotent() async throws {
        try await UpstreamServer.with { upstream in
            try await withJunction { junction in
                let tenant = try await junction.createTenant("acme")
                #expect(try await junction.request(.post, "/api/v1/connectors", key: tenant.key, json: RunAPITests.crm(upstream)).status == .created)
                let created = try await Self.webhook(junction, key: tenant.key)
                let secret = try #require(created["secret"]?.stringValue)
                #expect(secret.hasPrefix("whsec_") && secret.count == 70)
                let path = try Self.path(of: created)
                #expect(path == "/hooks/\(created["id"]?.stringValue ?? "")")

                // The secret is shown once: never again in a read.
                let read = try await junction.request(.get, "/api/v1/connectors/events", key: tenant.key)
                #expect(read.json["secret"] == nil)
                #expect(!read.text.contains(secret))
                #expect(read.json["webhook_url"] == created["webhook_url"])

                for agent in ["alpha", "beta", "gamma"] {
                    try await Self.echoAgent(junction, key: tenant.key, name: agent, linkedTo: "events")
                }
                let auth = Self.headers(["X-Junction-Secret": secret, "Idempotency-Key": "order-1"])
                let first = try await junction.request(.post, path, key: nil, json: ["customer": "c-1"], headers: auth)
                #expect(first.status == .ok, "\(first.text)")
                let ids = first.json["run_ids"]?.arrayValue?.compactMap(\.stringValue) ?? []
                #expect(ids.count == 3)
                let again = try await junction.request(.post, path, key: nil, json: ["customer": "c-1"], headers: auth)
                #expect(again.json["run_ids"] == first.json["run_ids"], "a repeat answers the first request's runs")

                var agents: [String] = []
                for id in ids {
                    let run = try await RunAPITests.finished(id, in: junction, key: tenant.key)
                    #expect(run["status"] == "completed", "\(run)")
                    #expect(run["input"] == ["customer": "c-1"])
                    #expect(run["trigger"] == ["kind": "webhook", "connector": "events"])
                    agents.append(run["agent_name"]?.stringValue ?? "")
                }
                #expect(agents.sorted() == ["alpha", "beta", "gamma"])
                let all = try await junction.request(.get, "/api/v1/runs?connector=events", key: tenant.key)
                #expect(all.json["runs"]?.arrayValue?.count == 3, "the repeat started nothing")
                #expect(upstream.count("echo") == 3)
            }
        }
    }

    /// Past run_queue_per_connector the webhook answers 429 with Retry-After and stores nothing;
    /// once the runs are worked off, the refused event (its idempotency key too) is accepted.
    @Test func aFullRunQueueRefusesEventsWithoutStoringThem() async throws {
        try await UpstreamServer.with { upstream in
            try await withJunction(configure: { configuration in
                configuration.runtime.runs.workers = 1
                configuration.runtime.runQueue.perConnector = 3
            }) { junction in
                let tenant = try await junction.createTenant("acme")
                let crm: JSONValue = [
                    "connector_name": "crm", "connector_type": "http", "connection_url": .string(upstream.url), "max_retries": 0,
                    "options": ["resources": [["slug": "slow", "path": "/slow?ms=1500"]]],
                ]
                #expect(try await junction.request(.post, "/api/v1/connectors", key: tenant.key, json: crm).status == .created)
                let created = try await Self.webhook(junction, key: tenant.key)
                let path = try Self.path(of: created)
                let secret = try #require(created["secret"]?.stringValue)
                let agent: JSONValue = ["name": "slowly", "type": "workflow", "steps": [["id": "wait", "connector": "crm", "resource": "slow"]]]
                #expect(try await junction.request(.post, "/api/v1/agents", key: tenant.key, json: agent).status == .created)
                #expect(try await junction.request(.post, "/api/v1/agents/slowly/links/events", key: tenant.key).status == .created)

                var accepted = 0
                var refusal: JunctionHarness.Answer?
                for event in 0..<20 {
                    let answer = try await junction.request(
                        .post, path, key: nil, json: ["n": .integer(event)],
                        headers: Self.headers(["X-Junction-Secret": secret, "Idempotency-Key": "event-\(event)"]))
                    if answer.status == .ok { accepted += 1; continue }
                    refusal = answer
                    break
                }
                let refused = try #require(refusal, "20 events were accepted with room for 3 queued runs")
                #expect(refused.status == .tooManyRequests)
                #expect(refused.errorCode == "rate_limited")
                #expect(refused.headers[.retryAfter] == "10")
                #expect(refused.json["error"]?["retryable"] == true)
                #expect(refused.json["error"]?["details"]?["limit"] == "run_queue_per_connector")
                #expect(refused.json["error"]?["message"]?.stringValue?.contains("Connector 'events' has 3 runs waiting") == true, "\(refused.text)")
                #expect((3...5).contains(accepted), "3 queued and at most the worker's run and one finishing: \(accepted)")
                let stored = try await junction.request(.get, "/api/v1/runs?limit=100", key: tenant.key).json["runs"]?.arrayValue ?? []
                #expect(stored.count == accepted, "a refused event stores no run")
                let metrics = try await junction.request(.get, "/metrics", key: nil)
                #expect(metrics.text.contains(#"junction_events_refused_total{reason="connector_queue"} 1"#), "\(metrics.text.prefix(2000))")

                // Once the queue has room again, the same event (its key was not remembered) is taken.
                let deadline = ContinuousClock.now + .seconds(30)
                var retried: JunctionHarness.Answer
                repeat {
                    try await Task.sleep(for: .milliseconds(200))
                    retried = try await junction.request(
                        .post, path, key: nil, json: ["n": .integer(accepted)],
                        headers: Self.headers(["X-Junction-Secret": secret, "Idempotency-Key": "event-\(accepted)"]))
                } while retried.status == .tooManyRequests && ContinuousClock.now < deadline
                #expect(retried.status == .ok, "\(retried.text)")
                #expect(retried.json["run_ids"]?.arrayValue?.count == 1, "a new run, not a repeat")
            }
        }
    }

    @Test func requestsAreAuthenticatedBySecretOrFreshSignature() async throws {
        try await withJunction { junction in
            let tenant = try await junction.createTenant("acme")
            let created = try await Self.webhook(junction, key: tenant.key, options: ["signature_tolerance_s": 60])
            let secret = try #require(created["secret"]?.stringValue)
            let path = try Self.path(of: created)
            let body = "{\"event\":\"signed\"}"
            let now = Int(Date().timeIntervalSince1970)
            func post(_ headers: [String: String]) async throws -> JunctionHarness.Answer {
                try await junction.request(.post, path, key: nil, raw: body, headers: Self.headers(headers))
            }
            let signed = WebhookSignature.sign(Array(body.utf8), secret: secret, timestamp: now)
            let first = try await post(["X-Junction-Signature": signed])
            #expect(first.status == .ok)
            #expect(try await post(["X-Junction-Secret": secret]).status == .ok)

            let refused: [[String: String]] = [
                [:],
                ["X-Junction-Secret": secret + "x"],
                ["X-Junction-Secret": "whsec_0000"],
                ["X-Junction-Signature": WebhookSignature.sign(Array(body.utf8), secret: "another-secret-of-some-length", timestamp: now)],
                ["X-Junction-Signature": WebhookSignature.sign(Array("{\"event\":\"forged\"}".utf8), secret: secret, timestamp: now)],
                ["X-Junction-Signature": WebhookSignature.sign(Array(body.utf8), secret: secret, timestamp: now - 600)],
                ["X-Junction-Signature": "v1=abcdef"],
            ]
            for headers in refused {
                let answer = try await post(headers)
                #expect(answer.status == .unauthorized, "\(headers)")
                #expect(answer.errorCode == "unauthorized")
            }
            let stale = try await post(["X-Junction-Signature": WebhookSignature.sign(Array(body.utf8), secret: secret, timestamp: now - 600)])
            #expect(stale.json["error"]?["message"]?.stringValue?.contains("timestamp") == true)
            #expect(try await junction.request(.get, "/api/v1/runs", key: tenant.key).json["runs"] == [], "no agent is linked: nothing ran")

            // A replay of a signed request within the window is a repeat: it answers the same runs.
            #expect(try await junction.request(.post, "/api/v1/agents", key: tenant.key, json: [
                "name": "noop", "type": "workflow", "steps": [["id": "s", "connector": "nothing", "resource": "x"]],
            ]).status == .created)
            #expect(try await junction.request(.post, "/api/v1/agents/noop/links/events", key: tenant.key).status == .created)
            let resigned = WebhookSignature.sign(Array(body.utf8), secret: secret, timestamp: now + 1)
            let original = try await post(["X-Junction-Signature": resigned])
            let replay = try await post(["X-Junction-Signature": resigned])
            #expect(original.json["run_ids"]?.arrayValue?.count == 1)
            #expect(replay.json["run_ids"] == original.json["run_ids"])

            // Rotation: the old secret stops working, the new one works.
            let rotated = try await junction.request(.post, "/api/v1/connectors/events/rotate-secret", key: tenant.key)
            #expect(rotated.status == .ok, "\(rotated.text)")
            let fresh = try #require(rotated.json["secret"]?.stringValue)
            #expect(fresh != secret)
            #expect(try await post(["X-Junction-Secret": secret]).status == .unauthorized)
            #expect(try await post(["X-Junction-Secret": fresh]).status == .ok)

            // Unknown ids, connector names, outbound and disabled webhooks receive nothing.
            #expect(try await junction.request(.post, "/hooks/con_nothing", key: nil, raw: body).status == .notFound)
            #expect(try await junction.request(.post, "/hooks/events", key: nil, raw: body).status == .notFound)
            let outbound = try await junction.request(.post, "/api/v1/connectors", key: tenant.key, json: [
                "connector_name": "out", "connector_type": "webhook", "mode": "outbound", "connection_url": "https://example.com/x",
            ])
            let outboundID = try #require(outbound.json["id"]?.stringValue)
            #expect(try await junction.request(.post, "/hooks/\(outboundID)", key: nil, raw: body,
                                               headers: Self.headers(["X-Junction-Secret": outbound.json["secret"]?.stringValue ?? ""])).status == .notFound)
            #expect(try await junction.request(.put, "/api/v1/connectors/events", key: tenant.key, json: ["enabled": false]).status == .ok)
            #expect(try await post(["X-Junction-Secret": fresh]).status == .notFound)
        }
    }

    @Test func bodiesAreReadByTypeAndLimited() async throws {
        try await UpstreamServer.with { upstream in
            try await withJunction { junction in
                let tenant = try await junction.createTenant("acme")
                #expect(try await junction.request(.post, "/api/v1/connectors", key: tenant.key, json: RunAPITests.crm(upstream)).status == .created)
                let created = try await Self.webhook(junction, key: tenant.key, options: ["max_body_bytes": 2048])
                let secret = try #require(created["secret"]?.stringValue)
                let path = try Self.path(of: created)
                try await Self.echoAgent(junction, key: tenant.key, name: "reader", linkedTo: "events")
                func post(_ raw: String, type: String) async throws -> JunctionHarness.Answer {
                    try await junction.request(
                        .post, path, key: nil, raw: raw, headers: Self.headers(["X-Junction-Secret": secret, "Content-Type": type]))
                }
                func input(_ answer: JunctionHarness.Answer) async throws -> JSONValue {
                    let id = try #require(answer.json["run_ids"]?[0]?.stringValue, "\(answer.text)")
                    return try await RunAPITests.finished(id, in: junction, key: tenant.key)["input"] ?? .null
                }
                let form = try await post("customer=c+2&tag=a&tag=b%21", type: "application/x-www-form-urlencoded")
                #expect(try await input(form) == ["customer": "c 2", "tag": ["a", "b!"]])

                let multipart = [
                    "--XyZ", "Content-Disposition: form-data; name=\"customer\"", "", "c-3",
                    "--XyZ", "Content-Disposition: form-data; name=\"notes\"; filename=\"notes;v2.txt\"", "Content-Type: text/plain", "", "hello file",
                    "--XyZ--", "",
                ].joined(separator: "\r\n")
                let upload = try await input(try await post(multipart, type: "multipart/form-data; boundary=XyZ"))
                #expect(upload["customer"] == "c-3")
                let file = upload["_files"]?[0]
                #expect(file?["filename"] == "notes;v2.txt", "a ; inside quotes is part of the name")
                #expect(file?["content_type"] == "text/plain")
                #expect(file?["size"] == 10)
                #expect(file?["data"] == .string(Data("hello file".utf8).base64EncodedString()))

                #expect(try await input(try await post("just text", type: "text/plain")) == "just text")

                let tooBig = try await post("{\"customer\":\"\(String(repeating: "x", count: 3000))\"}", type: "application/json")
                #expect(tooBig.status == .contentTooLarge)
                #expect(tooBig.errorCode == "payload_too_large")
                let broken = try await post("{\"customer\":", type: "application/json")
                #expect(broken.status == .badRequest)
                #expect(broken.errorField == "body")
                #expect(try await post("<xml/>", type: "application/xml").status == .unsupportedMediaType)
                #expect(try await post("--XyZ\r\nno headers end", type: "multipart/form-data; boundary=XyZ").status == .badRequest)
                let badKey = try await junction.request(
                    .post, path, key: nil, raw: "{}", headers: Self.headers(["X-Junction-Secret": secret, "Idempotency-Key": "has space"]))
                #expect(badKey.errorField == "Idempotency-Key")
                let runs = try await junction.request(.get, "/api/v1/runs?connector=events", key: tenant.key)
                #expect(runs.json["runs"]?.arrayValue?.count == 3, "refused requests started nothing")
            }
        }
    }

    @Test func syncWebhooksAnswerWithTheResultOrWith202PastTheirTimeout() async throws {
        try await UpstreamServer.with { upstream in
            try await withJunction { junction in
                let tenant = try await junction.createTenant("acme")
                var crm = RunAPITests.crm(upstream)
                if case .object(var members) = crm, case .object(var options) = members["options"],
                   case .array(var resources) = options["resources"] {
                    resources.append(["slug": "slow", "path": "/slow"])
                    options["resources"] = .array(resources)
                    members["options"] = .object(options)
                    members["timeout_ms"] = 5000
                    crm = .object(members)
                }
                #expect(try await junction.request(.post, "/api/v1/connectors", key: tenant.key, json: crm).status == .created)
                let quick = try await Self.webhook(junction, key: tenant.key, name: "ask", mode: "sync")
                try await Self.echoAgent(junction, key: tenant.key, name: "answerer", linkedTo: "ask")
                let answer = try await junction.request(
                    .post, try Self.path(of: quick), key: nil, json: ["customer": "c-5"],
                    headers: Self.headers(["X-Junction-Secret": quick["secret"]?.stringValue ?? ""]))
                #expect(answer.status == .ok, "\(answer.text)")
                #expect(answer.json["status"] == "ok")
                #expect(answer.json["result"]?["agent_name"] == "answerer")
                #expect(answer.json["result"]?["status"] == "completed")
                #expect(answer.json["result"]?["output"] == ["seen": "c-5", "by": "answerer"])
                #expect(answer.json["result"]?["error"] == .null)

                let slow = try await Self.webhook(junction, key: tenant.key, name: "ask-slowly", mode: "sync", options: ["sync_timeout_ms": 200])
                try await Self.echoAgent(junction, key: tenant.key, name: "ponderer", linkedTo: "ask-slowly", path: "slow")
                let late = try await junction.request(
                    .post, try Self.path(of: slow), key: nil, json: ["customer": "c-6"],
                    headers: Self.headers(["X-Junction-Secret": slow["secret"]?.stringValue ?? ""]))
                #expect(late.status == .accepted, "\(late.text)")
                #expect(late.json["status"] == "accepted")
                let id = try #require(late.json["run_ids"]?[0]?.stringValue)
                let run = try await RunAPITests.finished(id, in: junction, key: tenant.key)
                #expect(run["status"] == "completed", "the run goes on after the 202")
            }
        }
    }

    @Test func webhookConnectorsAreValidatedByMode() async throws {
        try await withJunction { junction in
            let tenant = try await junction.createTenant("acme")
            func create(_ body: JSONValue) async throws -> JunctionHarness.Answer {
                try await junction.request(.post, "/api/v1/connectors", key: tenant.key, json: body)
            }
            let outboundWithoutURL = try await create(["connector_name": "out", "connector_type": "webhook", "mode": "outbound"])
            #expect(outboundWithoutURL.errorField == "connection_url")
            let inboundWithURL = try await create([
                "connector_name": "in", "connector_type": "webhook", "mode": "inbound", "connection_url": "https://example.com/x",
            ])
            #expect(inboundWithURL.errorField == "connection_url")
            let shortSecret = try await create(["connector_name": "in", "connector_type": "webhook", "options": ["secret": "short"]])
            #expect(shortSecret.errorField == "options.secret")
            let badLimit = try await create(["connector_name": "in", "connector_type": "webhook", "options": ["max_body_bytes": 0]])
            #expect(badLimit.errorField == "options.max_body_bytes")
            let chosen = try await create([
                "connector_name": "in", "connector_type": "webhook", "options": ["secret": "a-secret-i-chose-myself"],
            ])
            #expect(chosen.status == .created)
            #expect(chosen.json["secret"] == nil, "a secret the caller chose is not echoed")
            #expect(chosen.json["mode"] == "inbound", "inbound is the default mode")
            let outbound = try await create([
                "connector_name": "out", "connector_type": "webhook", "mode": "outbound", "connection_url": "https://example.com/hook",
            ])
            #expect(outbound.status == .created)
            #expect(outbound.json["webhook_url"] == nil, "an outbound connector receives nothing")
            #expect(outbound.json["secret"]?.stringValue?.hasPrefix("whsec_") == true)
            // Webhook connectors are no tools.
            let tools = try await junction.request(.get, "/api/v1/tools", key: tenant.key)
            #expect(tools.json["tools"] == [])
            let invoke = try await junction.request(.post, "/api/v1/connectors/in/resources/send/invoke", key: tenant.key, json: [:])
            #expect(invoke.status == .notFound)
        }
    }
}
