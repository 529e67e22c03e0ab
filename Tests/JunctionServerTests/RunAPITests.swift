import Foundation
import HTTPTypes
import JunctionCore
import JunctionRuntime
import JunctionServer
import JunctionTesting
import Testing

/// Runs started through the API and executed by the worker pool against a real upstream.
struct RunAPITests {
    /// The run `id` once it has ended, waiting up to 20 s.
    static func finished(_ id: String, in junction: JunctionHarness, key: String) async throws -> JSONValue {
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            let run = try await junction.request(.get, "/api/v1/runs/\(id)", key: key).json
            if run["status"] == "completed" || run["status"] == "failed" { return run }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw HarnessError("run \(id) did not finish within 20 s")
    }

    static func workflow(_ upstream: UpstreamServer) -> JSONValue {
        [
            "name": "onboard", "type": "workflow",
            "steps": [
                ["id": "lookup", "connector": "crm", "resource": "get-customer", "data": ["id": "{{input.customer_id}}"]],
                [
                    "id": "welcome", "connector": "crm", "resource": "create-note",
                    "data": ["text": "Welcome, customer {{input.customer_id}} ({{steps.lookup.data.method}})"],
                    "when": "{{steps.lookup.status}} == 200",
                ],
                ["id": "never", "connector": "crm", "resource": "broken", "when": "{{input.customer_id}} == 'nobody'"],
            ],
            "output": ["note": "{{steps.welcome.data.body.text}}", "looked_up": "{{steps.lookup.data.path}}"],
            "output_schema": ["type": "object", "required": ["note"]],
        ]
    }

    static func crm(_ upstream: UpstreamServer) -> JSONValue {
        [
            "connector_name": "crm", "connector_type": "http", "connection_url": .string(upstream.url), "max_retries": 0,
            "options": ["resources": [
                ["slug": "get-customer", "path": "/echo/customers/{id}", "input_schema": ["type": "object", "required": ["id"], "properties": ["id": ["type": "string"]]]],
                ["slug": "create-note", "kind": "write", "method": "POST", "path": "/echo/notes"],
                ["slug": "broken", "path": "/status/500"],
            ]],
        ]
    }

    @Test func anEchoedCredentialReachesNeitherARunsOutputNorItsDeliveryNorTheDatabase() async throws {
        let secret = "tok-secret-0123456789abcdef"
        try await UpstreamServer.with { upstream in
            try await withJunction { junction in
                let tenant = try await junction.createTenant("acme")
                #expect(try await junction.request(.post, "/api/v1/credentials", key: tenant.key, json: [
                    "name": "crm-token", "kind": "bearer", "token": .string(secret),
                ]).status == .created)
                var crm = Self.crm(upstream)
                crm = .object((crm.objectValue ?? [:]).merging(["credential": "crm-token"], uniquingKeysWith: { $1 }))
                #expect(try await junction.request(.post, "/api/v1/connectors", key: tenant.key, json: crm).status == .created)
                let agent: JSONValue = [
                    "name": "leaky", "type": "workflow",
                    "steps": [["id": "look", "connector": "crm", "resource": "get-customer", "data": ["id": "1"]]],
                    "output": ["auth": "{{steps.look.data.headers.authorization}}"],
                ]
                #expect(try await junction.request(.post, "/api/v1/agents", key: tenant.key, json: agent).status == .created)
                _ = try await OutboundTests.outbound(junction, key: tenant.key, url: upstream.url + "/echo/results", agent: "leaky", options: [:])

                let started = try await junction.request(.post, "/api/v1/agents/leaky/runs", key: tenant.key, json: [:])
                let id = try #require(started.json["id"]?.stringValue)
                let run = try await Self.finished(id, in: junction, key: tenant.key)
                #expect(upstream.count("echo") >= 1)
                #expect(run["output"] == ["auth": "Bearer [redacted]"], "\(run)")
                let delivered = try await OutboundTests.deliveries(junction, key: tenant.key, query: "run_id=\(id)") {
                    $0.first?["status"] == "delivered"
                }
                #expect(delivered.count == 1)
                let received = try #require(upstream.lastEcho)
                #expect(received["path"] == "/echo/results")
                #expect(received["body"]?["output"] == ["auth": "Bearer [redacted]"])
                for file in try FileManager.default.contentsOfDirectory(atPath: junction.dataDirectory.path) {
                    let bytes = try Data(contentsOf: junction.dataDirectory.appendingPathComponent(file))
                    #expect(bytes.range(of: Data(secret.utf8)) == nil, "\(file) holds the secret")
                }
            }
        }
    }

    @Test func aWorkflowRunCallsItsStepsAndRecordsItsTrace() async throws {
        try await UpstreamServer.with { upstream in
            try await withJunction { junction in
                let tenant = try await junction.createTenant("acme")
                #expect(try await junction.request(.post, "/api/v1/connectors", key: tenant.key, json: Self.crm(upstream)).status == .created)
                #expect(try await junction.request(.post, "/api/v1/agents", key: tenant.key, json: Self.workflow(upstream)).status == .created)

                let started = try await junction.request(.post, "/api/v1/agents/onboard/runs", key: tenant.key, json: ["input": ["customer_id": "c-7"]])
                #expect(started.status == .accepted, "\(started.text)")
                #expect(started.json["trigger"]?["kind"] == "api")
                let id = try #require(started.json["id"]?.stringValue)
                let run = try await Self.finished(id, in: junction, key: tenant.key)
                #expect(run["status"] == "completed", "\(run)")
                #expect(run["output"] == ["note": "Welcome, customer c-7 (GET)", "looked_up": "/echo/customers/c-7"])
                #expect(run["attempts"] == 1)
                let trace = run["trace"]?.arrayValue ?? []
                #expect(trace.map { $0["step"]?.stringValue ?? "" } == ["lookup", "welcome", "never"])
                #expect(trace.map { $0["type"]?.stringValue ?? "" } == ["tool", "tool", "skip"])
                #expect(trace.first?["duration_ms"]?.intValue != nil)
                #expect(upstream.count("echo") == 2)
                #expect(upstream.count("status") == 0, "the skipped step made no call")

                // Tool calls are audited as the agent's.
                let audit = try await junction.request(.get, "/api/v1/audit?limit=20", key: tenant.key)
                let invokes = (audit.json["events"]?.arrayValue ?? []).filter { $0["action"] == "connector.invoke" }
                #expect(invokes.count == 2)
                #expect(invokes.allSatisfy { $0["actor"] == "agent:onboard" })
            }
        }
    }

    @Test func failuresAreRecordedWithTheirCode() async throws {
        try await UpstreamServer.with { upstream in
            try await withJunction { junction in
                let tenant = try await junction.createTenant("acme")
                #expect(try await junction.request(.post, "/api/v1/connectors", key: tenant.key, json: Self.crm(upstream)).status == .created)
                let agents: [JSONValue] = [
                    ["name": "breaks", "type": "workflow", "steps": [["id": "go", "connector": "crm", "resource": "broken"]]],
                    ["name": "needs-input", "type": "workflow", "steps": [["id": "go", "connector": "crm", "resource": "get-customer", "data": ["id": "{{input.id}}"]]]],
                    [
                        "name": "wrong-shape", "type": "workflow", "steps": [["id": "go", "connector": "crm", "resource": "get-customer", "data": ["id": "1"]]],
                        "output_schema": ["type": "object", "required": ["customer"]],
                    ],
                ]
                for agent in agents {
                    #expect(try await junction.request(.post, "/api/v1/agents", key: tenant.key, json: agent).status == .created)
                }
                var ids: [String: String] = [:]
                for name in ["breaks", "needs-input", "wrong-shape"] {
                    let started = try await junction.request(.post, "/api/v1/agents/\(name)/runs", key: tenant.key, json: ["input": ["x": 1]])
                    ids[name] = try #require(started.json["id"]?.stringValue)
                }
                let breaks = try await Self.finished(ids["breaks"]!, in: junction, key: tenant.key)
                #expect(breaks["status"] == "failed")
                #expect(breaks["error"]?["code"] == "upstream_error")
                #expect(breaks["error"]?["message"]?.stringValue?.hasPrefix("Step 'go' failed") == true)
                let missing = try await Self.finished(ids["needs-input"]!, in: junction, key: tenant.key)
                #expect(missing["error"]?["code"] == "invalid_input")
                #expect(missing["error"]?["message"]?.stringValue?.contains("input.id") == true, "\(missing)")
                let shape = try await Self.finished(ids["wrong-shape"]!, in: junction, key: tenant.key)
                #expect(shape["error"]?["code"] == "invalid_output")

                // Listing filters by agent and status.
                let failed = try await junction.request(.get, "/api/v1/runs?status=failed&agent=breaks", key: tenant.key)
                #expect(failed.json["runs"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == [ids["breaks"]!])
                let all = try await junction.request(.get, "/api/v1/runs?limit=2", key: tenant.key)
                #expect(all.json["runs"]?.arrayValue?.count == 2)
                for bad in ["status=done", "limit=0", "since=yesterday", "agent=Not_A_Slug"] {
                    #expect(try await junction.request(.get, "/api/v1/runs?\(bad)", key: tenant.key).status == .badRequest, "\(bad)")
                }
                // Runs belong to their tenant.
                let other = try await junction.createTenant("globex")
                #expect(try await junction.request(.get, "/api/v1/runs/\(ids["breaks"]!)", key: other.key).status == .notFound)
                #expect(try await junction.request(.post, "/api/v1/agents/breaks/runs", key: other.key, json: [:]).status == .notFound)
                #expect(try await junction.request(.post, "/api/v1/agents/breaks/runs", key: tenant.key, json: ["inputs": 1]).status == .badRequest)
            }
        }
    }

    @Test func anAgentsToolCallsAreTheTenantsNotTheOperatorsInSaasMode() async throws {
        try await UpstreamServer.with { upstream in
            // The loopback upstream is allowed explicitly: a saas server denies its own host by default.
            try await withJunction(mode: .saas, configure: { $0.runtime.networkPolicy.allowed = [CIDR("127.0.0.0/8")!] }) { junction in
                let tenant = try await junction.createTenant("acme")
                #expect(try await junction.request(.post, "/api/v1/connectors", key: tenant.key, json: Self.crm(upstream)).status == .created)
                let agent: JSONValue = ["name": "look", "type": "workflow", "steps": [["id": "go", "connector": "crm", "resource": "get-customer", "data": ["id": "1"]]]]
                #expect(try await junction.request(.post, "/api/v1/agents", key: tenant.key, json: agent).status == .created)
                let started = try await junction.request(.post, "/api/v1/agents/look/runs", key: tenant.key, json: [:])
                let run = try await Self.finished(try #require(started.json["id"]?.stringValue), in: junction, key: tenant.key)
                #expect(run["status"] == "completed")
                let mine = try await junction.request(.get, "/api/v1/audit?limit=50", key: tenant.key)
                let actions = (mine.json["events"]?.arrayValue ?? []).compactMap { $0["action"]?.stringValue }
                #expect(actions.contains("connector.invoke"))
                #expect(actions.contains("agent.run"))
                let operators = try await junction.request(.get, "/api/v1/audit?limit=50", key: junction.adminKey)
                #expect(!(operators.json["events"]?.arrayValue ?? []).contains { $0["action"] == "connector.invoke" })
            }
        }
    }
}
