import Foundation
import HTTPTypes
import JunctionCore
import JunctionMCP
import JunctionRuntime
import JunctionServer
import JunctionTesting
import Testing

/// The MCP server (`/mcp` over Streamable HTTP, `junction mcp` over stdio) driven by the
/// official Python MCP client, with tool calls reaching a real loopback upstream.
@Suite(.enabled(if: PythonPeer.isAvailable, "needs JUNCTION_TEST_PYTHON with the mcp package (scripts/test sets it)"))
struct MCPServerTests {
    /// An `http` connector with a read, a write, a failing and a non-object-input resource.
    static func connector(_ name: String, url: String) -> JSONValue {
        [
            "connector_name": .string(name), "connector_type": "http", "connection_url": .string(url),
            "description": "Customer records", "max_retries": 0, "timeout_ms": 5000,
            "options": ["resources": [
                [
                    "slug": "get-customer", "description": "Fetch one customer by id", "path": "/echo/customers/{id}",
                    "input_schema": ["type": "object", "required": ["id"], "properties": ["id": ["type": "string"]]],
                    "output_schema": ["type": "object", "required": ["method", "path"], "properties": [
                        "method": ["type": "string"], "path": ["type": "string"],
                    ]],
                ],
                [
                    "slug": "create-customer", "kind": "write", "method": "POST", "path": "/echo/customers",
                    "description": "Create a customer",
                    "input_schema": ["type": "object", "required": ["email"], "properties": [
                        "email": ["type": "string", "format": "email"], "name": ["type": "string"],
                    ]],
                ],
                ["slug": "broken", "path": "/status/500"],
                [
                    "slug": "tag-batch", "kind": "write", "method": "POST", "path": "/echo/tags",
                    "description": "Send a list of tags",
                    "input_schema": ["type": "array", "items": ["type": "string"]],
                ],
            ]],
        ]
    }

    /// Tenant `acme` with the connector `crm` on `upstream`.
    static func prepare(_ junction: JunctionHarness, upstream: UpstreamServer) async throws -> (id: String, key: String) {
        let tenant = try await junction.createTenant("acme")
        let created = try await junction.request(.post, "/api/v1/connectors", key: tenant.key, json: connector("crm", url: upstream.url))
        guard created.status == .created else { throw HarnessError("creating crm answered \(created.status): \(created.text)") }
        return tenant
    }

    /// Expects `client` to be initialized by Junction with the `crm` tools of ``prepare(_:upstream:)``,
    /// and its write tool to reach the upstream.
    static func expectCRMServed(by client: MCPClientDriver) async throws {
        #expect(client.initialized["server"]?["name"] == "junction")
        #expect(client.initialized["capabilities"]?["tools"]?["listChanged"] == true)
        let names = try await client.listTools().compactMap { $0["name"]?.stringValue }
        #expect(names == ["crm__get-customer", "crm__create-customer", "crm__broken", "crm__tag-batch"])
        let made = try await client.callTool("crm__create-customer", arguments: ["email": "rui@example.com"])
        #expect(made["result"]?["isError"] == false, "\(made)")
        #expect(made["result"]?["structuredContent"]?["body"] == ["email": "rui@example.com"])
    }

    /// Adds the connector `billing` (tool `billing__list-invoices`) on `upstream`.
    static func addBilling(_ junction: JunctionHarness, key: String, upstream: UpstreamServer) async throws {
        let created = try await junction.request(.post, "/api/v1/connectors", key: key, json: [
            "connector_name": "billing", "connector_type": "http", "connection_url": .string(upstream.url),
            "options": ["resources": [["slug": "list-invoices", "path": "/echo/invoices"]]],
        ])
        #expect(created.status == .created, "\(created.text)")
    }

    /// A Python MCP client of the harness's `/mcp`.
    static func client(_ junction: JunctionHarness, key: String, query: String = "") async throws -> MCPClientDriver {
        try await MCPClientDriver.http(url: junction.baseURL + "/mcp" + query, headers: ["Authorization": "Bearer \(key)"])
    }

    /// The `key_…` id of an API key `jk_<id>_<secret>`.
    static func keyID(_ key: String) -> String {
        "key_" + (key.split(separator: "_").dropFirst().first.map(String.init) ?? "")
    }

    /// The JSON-RPC messages in a `text/event-stream` body.
    static func events(_ text: String) -> [JSONValue] {
        text.split(separator: "\n").compactMap { line in
            guard line.hasPrefix("data:") else { return nil }
            let data = line.dropFirst(5).trimmingCharacters(in: .whitespaces)
            return data.isEmpty ? nil : try? JSONCoding.decode(Array(data.utf8))
        }
    }

    static let streamHeaders: HTTPFields = [.accept: "application/json, text/event-stream"]
    static let sessionHeader = HTTPField.Name("Mcp-Session-Id")!
    static let protocolHeader = HTTPField.Name("MCP-Protocol-Version")!
    /// Opens a session with a raw `initialize`; answers the headers of requests in it.
    static func openSession(_ junction: JunctionHarness, key: String) async throws -> HTTPFields {
        let opened = try await junction.request(.post, "/mcp", key: key, json: initialize, headers: streamHeaders)
        var inSession = streamHeaders
        inSession[sessionHeader] = try #require(opened.headers[sessionHeader])
        inSession[protocolHeader] = "2025-06-18"
        return inSession
    }

    static let initialize: JSONValue = [
        "jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": ["protocolVersion": "2025-06-18", "capabilities": [:], "clientInfo": ["name": "raw-test", "version": "1"]],
    ]

    @Test func toolsAreListedAndCalledOverStreamableHTTP() async throws {
        try await UpstreamServer.with { upstream in
            try await withJunction { junction in
                let tenant = try await Self.prepare(junction, upstream: upstream)
                try await Self.client(junction, key: tenant.key).use { client in
                    #expect(client.initialized["server"]?["name"] == "junction")
                    #expect(client.initialized["capabilities"]?["tools"]?["listChanged"] == true)

                    let tools = try await client.listTools()
                    #expect(tools.compactMap { $0["name"]?.stringValue } == [
                        "crm__get-customer", "crm__create-customer", "crm__broken", "crm__tag-batch",
                    ])
                    let read = try #require(tools.first { $0["name"] == "crm__get-customer" })
                    #expect(read["description"] == "Fetch one customer by id")
                    #expect(read["inputSchema"] == ["type": "object", "required": ["id"], "properties": ["id": ["type": "string"]]])
                    #expect(read["annotations"]?["readOnlyHint"] == true)
                    #expect(read["annotations"]?["destructiveHint"] == nil)
                    #expect(read["outputSchema"]?["required"] == ["method", "path"])
                    let write = try #require(tools.first { $0["name"] == "crm__create-customer" })
                    #expect(write["annotations"]?["readOnlyHint"] == false)
                    #expect(write["annotations"]?["destructiveHint"] == true)
                    #expect(write["inputSchema"]?["properties"]?["email"] == ["type": "string", "format": "email"])
                    let broken = try #require(tools.first { $0["name"] == "crm__broken" })
                    #expect(broken["description"] == "broken (Customer records)")
                    let batch = try #require(tools.first { $0["name"] == "crm__tag-batch" })
                    #expect(batch["inputSchema"]?["required"] == ["input"])
                    #expect(batch["inputSchema"]?["properties"]?["input"]?["type"] == "array")

                    // A read: the SDK also checks structuredContent against the output schema.
                    let got = try await client.callTool("crm__get-customer", arguments: ["id": "42"])
                    #expect(got["ok"] == true, "\(got)")
                    let gotResult = try #require(got["result"])
                    #expect(gotResult["isError"] == false)
                    #expect(upstream.count("echo") == 1)
                    let echoed = try #require(gotResult["structuredContent"]?.objectValue)
                    #expect(echoed["method"] == "GET")
                    #expect(echoed["path"] == "/echo/customers/42")
                    let text = try #require(gotResult["content"]?.arrayValue?.first)
                    #expect(text["type"] == "text")
                    #expect(try JSONCoding.decode(Array((text["text"]?.stringValue ?? "").utf8)) == .object(echoed))

                    // A write sends its arguments as the body.
                    let made = try await client.callTool("crm__create-customer", arguments: ["email": "ana@example.com", "name": "Ana"])
                    let madeResult = try #require(made["result"])
                    #expect(madeResult["isError"] == false)
                    #expect(madeResult["structuredContent"]?["method"] == "POST")
                    #expect(madeResult["structuredContent"]?["body"] == ["email": "ana@example.com", "name": "Ana"])
                    #expect(upstream.count("echo") == 2)

                    // A non-object input travels as `input`.
                    let tagged = try await client.callTool("crm__tag-batch", arguments: ["input": ["a", "b"]])
                    #expect(tagged["result"]?["structuredContent"]?["body"] == ["a", "b"], "\(tagged)")
                    #expect(upstream.count("echo") == 3)

                    // Failures are tool results with isError, not protocol errors.
                    let failed = try await client.callTool("crm__broken")
                    let failedResult = try #require(failed["result"])
                    #expect(failedResult["isError"] == true)
                    let failure = failedResult["content"]?.arrayValue?.first?["text"]?.stringValue ?? ""
                    #expect(failure.hasPrefix("upstream_error: "), "\(failure)")
                    #expect(failure.contains("500"))
                    #expect(upstream.count("status") == 1, "max_retries 0: one attempt")

                    let invalid = try await client.callTool("crm__get-customer", arguments: ["id": 7])
                    #expect(invalid["result"]?["isError"] == true)
                    #expect(invalid["result"]?["content"]?.arrayValue?.first?["text"]?.stringValue?.hasPrefix("invalid_input: ") == true)
                    #expect(upstream.count("echo") == 3, "bad input never leaves")

                    let unknown = try await client.callTool("crm__nope")
                    #expect(unknown["ok"] == false)
                    #expect(unknown["code"] == -32602)
                }

                // Every call is audited as the tenant key's connector.invoke.
                let audit = try await junction.request(.get, "/api/v1/audit?limit=50", key: tenant.key)
                let invokes = (audit.json["events"]?.arrayValue ?? []).filter { $0["action"] == "connector.invoke" }
                let read = try #require(invokes.first { $0["details"]?["resource"] == "get-customer" && $0["outcome"] == "ok" })
                #expect(read["target"] == "crm")
                #expect(read["actor"]?.stringValue == Self.keyID(tenant.key))
                #expect(invokes.contains { $0["details"]?["resource"] == "broken" && $0["outcome"] == "upstream_error" })
            }
        }
    }

    @Test func listChangedFollowsConnectorChanges() async throws {
        try await UpstreamServer.with { upstream in
            try await withJunction { junction in
                let tenant = try await Self.prepare(junction, upstream: upstream)
                let other = try await junction.createTenant("globex")
                let otherClient = try await Self.client(junction, key: other.key)
                try await otherClient.use { otherClient in
                    try await Self.client(junction, key: tenant.key).use { client in
                        #expect(try await client.listTools().count == 4)
                        #expect(try await otherClient.listTools().isEmpty)

                        try await Self.addBilling(junction, key: tenant.key, upstream: upstream)
                        #expect(try await client.waitListChanged(seconds: 10))
                        let names = try await client.listTools().compactMap { $0["name"]?.stringValue }
                        #expect(names.first == "billing__list-invoices")
                        #expect(names.count == 5)
                        // Another tenant's session hears nothing of it (its own list is unchanged).
                        #expect(try await otherClient.waitListChanged(seconds: 1) == false)

                        let disabled = try await junction.request(.put, "/api/v1/connectors/crm", key: tenant.key, json: ["enabled": false])
                        #expect(disabled.status == .ok)
                        #expect(try await client.waitListChanged(seconds: 10))
                        #expect(try await client.listTools().compactMap { $0["name"]?.stringValue } == ["billing__list-invoices"])
                        // Called by name anyway, it fails saying why, and nothing is sent upstream.
                        let gone = try await client.callTool("crm__get-customer", arguments: ["id": "1"])
                        #expect(gone["result"]?["isError"] == true, "\(gone)")
                        #expect(gone["result"]?["content"]?.arrayValue?.first?["text"]?.stringValue?.hasPrefix("connector_disabled:") == true, "\(gone)")
                        #expect(upstream.count("echo") == 0)
                    }
                }
            }
        }
    }

    @Test func metaToolsFindDescribeAndCallTools() async throws {
        try await UpstreamServer.with { upstream in
            try await withJunction { junction in
                let tenant = try await Self.prepare(junction, upstream: upstream)
                try await Self.client(junction, key: tenant.key, query: "?tools=meta").use { client in
                    #expect(client.initialized["instructions"]?.stringValue?.contains("search_tools") == true)
                    let tools = try await client.listTools()
                    #expect(Set(tools.compactMap { $0["name"]?.stringValue }) == ["search_tools", "describe_tool", "call_tool"])
                    #expect(tools.count == 3)

                    let search = try await client.callTool("search_tools", arguments: ["query": "create customer"])
                    let hits = try #require(search["result"]?["structuredContent"]?["tools"]?.arrayValue, "\(search)")
                    #expect(hits.first?["name"] == "crm__create-customer")
                    #expect(hits.first?["description"] == "Create a customer")
                    let tags = try await client.callTool("search_tools", arguments: ["query": "tags list", "limit": 1])
                    #expect(tags["result"]?["structuredContent"]?["tools"] == [["name": "crm__tag-batch", "description": "Send a list of tags"]])

                    let described = try await client.callTool("describe_tool", arguments: ["name": "crm__get-customer"])
                    let description = try #require(described["result"]?["structuredContent"])
                    #expect(description["inputSchema"] == ["type": "object", "required": ["id"], "properties": ["id": ["type": "string"]]])
                    #expect(description["kind"] == "read")
                    #expect(description["outputSchema"]?["type"] == "object")

                    let called = try await client.callTool("call_tool", arguments: ["name": "crm__get-customer", "arguments": ["id": "9"]])
                    #expect(called["result"]?["isError"] == false, "\(called)")
                    #expect(called["result"]?["structuredContent"]?["path"] == "/echo/customers/9")
                    #expect(upstream.count("echo") == 1)

                    let unknown = try await client.callTool("describe_tool", arguments: ["name": "crm__nope"])
                    #expect(unknown["code"] == -32602)
                }
            }
        }
    }

    /// A plain `tools/call` is answered by Junction as one JSON object; anything the direct
    /// path does not take (a batch, an Accept without event streams, an unknown protocol
    /// version) still gets the SDK's answer.
    @Test func plainToolCallsAreAnsweredAsJSONAndTheRestByTheSDK() async throws {
        try await UpstreamServer.with { upstream in
            try await withJunction { junction in
                let tenant = try await Self.prepare(junction, upstream: upstream)
                let inSession = try await Self.openSession(junction, key: tenant.key)
                let call: JSONValue = [
                    "jsonrpc": "2.0", "id": "call-7", "method": "tools/call",
                    "params": ["name": "crm__get-customer", "arguments": ["id": "42"]],
                ]

                let direct = try await junction.request(.post, "/mcp", key: tenant.key, json: call, headers: inSession)
                #expect(direct.status == .ok)
                #expect(direct.headers[.contentType] == "application/json")
                #expect(direct.headers[Self.sessionHeader] == inSession[Self.sessionHeader])
                #expect(direct.json["jsonrpc"] == "2.0")
                #expect(direct.json["id"] == "call-7")
                #expect(direct.json["result"]?["isError"] == false)
                #expect(direct.json["result"]?["structuredContent"]?["path"] == "/echo/customers/42")
                #expect(upstream.count("echo") == 1)

                let unknown: JSONValue = ["jsonrpc": "2.0", "id": 8, "method": "tools/call", "params": ["name": "crm__nope"]]
                let refused = try await junction.request(.post, "/mcp", key: tenant.key, json: unknown, headers: inSession)
                #expect(refused.json["id"] == 8)
                #expect(refused.json["error"]?["code"] == -32602)
                #expect(refused.json["error"]?["message"]?.stringValue?.contains("crm__nope") == true)

                // Left to the SDK, which refuses batches in this protocol version.
                let batch = try await junction.request(.post, "/mcp", key: tenant.key, json: [call], headers: inSession)
                #expect(batch.headers[.contentType] != "application/json" || batch.json["error"] != nil, "a batch is not taken")
                var jsonOnly = inSession
                jsonOnly[.accept] = "application/json"
                let notAccepted = try await junction.request(.post, "/mcp", key: tenant.key, json: call, headers: jsonOnly)
                #expect(notAccepted.status == .notAcceptable)
                var oldVersion = inSession
                oldVersion[Self.protocolHeader] = "1999-01-01"
                let unsupported = try await junction.request(.post, "/mcp", key: tenant.key, json: call, headers: oldVersion)
                #expect(unsupported.status == .badRequest)
                #expect(upstream.count("echo") == 1, "no refused request reached the upstream")

                // A cursor this server did not give is refused, naming what to do.
                for cursor in ["not-a-cursor", Data("tools:99999".utf8).base64EncodedString()] {
                    let page: JSONValue = ["jsonrpc": "2.0", "id": 9, "method": "tools/list", "params": ["cursor": .string(cursor)]]
                    let answered = try await junction.request(.post, "/mcp", key: tenant.key, json: page, headers: inSession)
                    let answer = answered.headers[.contentType] == "application/json" ? answered.json : Self.events(answered.text).last
                    #expect(answer?["error"]?["code"] == -32602, "\(answered.text)")
                    #expect(answer?["error"]?["message"]?.stringValue?.contains("list the tools from the start") == true)
                }
            }
        }
    }

    /// A message whose id MCP does not allow (the SDK left it unanswered, holding its connection)
    /// is answered -32600 with id null, in a session or opening one, and the session still works.
    @Test func idsMCPDoesNotAllowAreRefusedAtOnce() async throws {
        try await UpstreamServer.with { upstream in
            try await withJunction { junction in
                let tenant = try await Self.prepare(junction, upstream: upstream)
                let inSession = try await Self.openSession(junction, key: tenant.key)
                let ids: [JSONValue] = [true, false, 1.5, .null, [:], [1]]
                for round in 0..<50 {
                    try await withThrowingTaskGroup(of: JunctionHarness.Answer.self) { group in
                        for id in ids {
                            let message: JSONValue = round.isMultiple(of: 2)
                                ? ["jsonrpc": "2.0", "id": id, "method": "tools/list"]
                                : ["jsonrpc": "2.0", "id": id, "method": "initialize", "params": Self.initialize["params"] ?? [:]]
                            let headers = round.isMultiple(of: 2) ? inSession : Self.streamHeaders
                            group.addTask { try await junction.request(.post, "/mcp", key: tenant.key, json: message, headers: headers) }
                        }
                        for try await answer in group {
                            #expect(answer.status == .badRequest, "\(answer.text)")
                            #expect(answer.json["id"] == .null)
                            #expect(answer.json["error"]?["code"] == -32600)
                            #expect(answer.json["error"]?["message"]?.stringValue?.contains("must be a string or an integer") == true)
                        }
                    }
                }
                let call: JSONValue = [
                    "jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": ["name": "crm__get-customer", "arguments": ["id": "7"]],
                ]
                let answered = try await junction.request(.post, "/mcp", key: tenant.key, json: call, headers: inSession)
                #expect(answered.json["result"]?["isError"] == false, "\(answered.text)")
            }
        }
    }

    /// A tool call past max_invokes_per_tenant is a failed result naming the limit, sent nowhere.
    @Test func aToolCallPastTheTenantsLimitFailsNamingIt() async throws {
        try await UpstreamServer.with { upstream in
            try await withJunction(configure: { $0.runtime.invokeLimits.perTenant = 1 }) { junction in
                let tenant = try await Self.prepare(junction, upstream: upstream)
                let slow: JSONValue = [
                    "connector_name": "slowpoke", "connector_type": "http", "connection_url": .string(upstream.url),
                    "options": ["resources": [["slug": "wait", "path": "/slow?ms=1500"]]],
                ]
                #expect(try await junction.request(.post, "/api/v1/connectors", key: tenant.key, json: slow).status == .created)
                let inSession = try await Self.openSession(junction, key: tenant.key)
                let held = try await HeldConnection(port: try #require(junction.port))
                try await held.send("""
                    POST /api/v1/connectors/slowpoke/resources/wait/invoke HTTP/1.1\r\nHost: 127.0.0.1\r\n\
                    Authorization: Bearer \(tenant.key)\r\nContent-Length: 0\r\n\r\n
                    """)
                try await SlowClientTests.eventually { upstream.count("slow") == 1 }

                let call: JSONValue = [
                    "jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": ["name": "crm__get-customer", "arguments": ["id": "9"]],
                ]
                let refused = try await junction.request(.post, "/mcp", key: tenant.key, json: call, headers: inSession)
                #expect(refused.json["result"]?["isError"] == true, "\(refused.text)")
                let text = refused.json["result"]?["content"]?[0]?["text"]?.stringValue ?? ""
                #expect(text.contains("rate_limited") && text.contains("max_invokes_per_tenant"), "\(text)")
                #expect(upstream.count("echo") == 0)
                try await SlowClientTests.eventually { held.received.contains("\"success\":true") }
                await held.close()
                let taken = try await junction.request(.post, "/mcp", key: tenant.key, json: call, headers: inSession)
                #expect(taken.json["result"]?["isError"] == false, "\(taken.text)")
            }
        }
    }

    /// A tenant at mcp_max_sessions_per_tenant that opens another loses its session idle the
    /// longest; other tenants' sessions are not touched.
    @Test func aTenantsOldestIdleSessionMakesWayForItsNewest() async throws {
        try await UpstreamServer.with { upstream in
            try await withJunction(configure: { $0.mcp.maximumSessionsPerTenant = 2 }) { junction in
                let acme = try await Self.prepare(junction, upstream: upstream)
                let globex = try await junction.createTenant("globex")
                let list: JSONValue = ["jsonrpc": "2.0", "id": 5, "method": "tools/list"]
                let other = try await Self.openSession(junction, key: globex.key)
                var sessions: [HTTPFields] = []
                for _ in 0..<3 {
                    sessions.append(try await Self.openSession(junction, key: acme.key))
                    try await Task.sleep(for: .milliseconds(20))
                }
                let statuses = try await sessions.asyncMap { try await junction.request(.post, "/mcp", key: acme.key, json: list, headers: $0).status }
                #expect(statuses == [.notFound, .ok, .ok], "the oldest idle session was closed")
                #expect(try await junction.request(.post, "/mcp", key: globex.key, json: list, headers: other).status == .ok)
            }
        }
    }

    @Test func aCredentialTheUpstreamEchoesReachesNoMCPClient() async throws {
        let secret = "tok-mcp-echo-0123456789"
        try await UpstreamServer.with { upstream in
            try await withJunction { junction in
                let tenant = try await junction.createTenant("acme")
                let credential: JSONValue = ["name": "crm-key", "kind": "bearer", "token": .string(secret)]
                #expect(try await junction.request(.post, "/api/v1/credentials", key: tenant.key, json: credential).status == .created)
                var crm = Self.connector("crm", url: upstream.url).objectValue ?? [:]
                crm["credential"] = "crm-key"
                #expect(try await junction.request(.post, "/api/v1/connectors", key: tenant.key, json: .object(crm)).status == .created)
                let inSession = try await Self.openSession(junction, key: tenant.key)
                let call: JSONValue = [
                    "jsonrpc": "2.0", "id": 1, "method": "tools/call",
                    "params": ["name": "crm__get-customer", "arguments": ["id": "42"]],
                ]
                let answered = try await junction.request(.post, "/mcp", key: tenant.key, json: call, headers: inSession)
                #expect(answered.json["result"]?["isError"] == false, "\(answered.text)")
                #expect(answered.json["result"]?["structuredContent"]?["headers"]?["authorization"] == "Bearer [redacted]")
                #expect(answered.json["result"]?["content"]?[0]?["text"]?.stringValue?.contains("Bearer [redacted]") == true)
                #expect(!answered.text.contains(secret))
                #expect(upstream.lastEcho?["headers"]?["authorization"] == .string("Bearer \(secret)"), "it was sent")
            }
        }
    }

    @Test func sessionsBelongToTheKeyAndTenantThatOpenedThem() async throws {
        try await UpstreamServer.with { upstream in
            try await withJunction { junction in
                let tenant = try await Self.prepare(junction, upstream: upstream)
                let other = try await junction.createTenant("globex")
                _ = try await junction.request(.post, "/api/v1/connectors", key: other.key, json: [
                    "connector_name": "erp", "connector_type": "http", "connection_url": .string(upstream.url),
                    "options": ["resources": [["slug": "list-orders", "path": "/echo/orders"]]],
                ])

                let opened = try await junction.request(.post, "/mcp", key: tenant.key, json: Self.initialize, headers: Self.streamHeaders)
                #expect(opened.status == .ok)
                #expect(opened.headers[.contentType] == "application/json")
                let session = try #require(opened.headers[Self.sessionHeader])
                #expect(opened.json["result"]?["serverInfo"]?["name"] == "junction")

                var inSession = Self.streamHeaders
                inSession[Self.sessionHeader] = session
                inSession[Self.protocolHeader] = "2025-06-18"
                let list: JSONValue = ["jsonrpc": "2.0", "id": 2, "method": "tools/list"]
                let stolen = try await junction.request(.post, "/mcp", key: other.key, json: list, headers: inSession)
                #expect(stolen.status == .notFound)
                #expect(stolen.json["error"]?["code"] == -32600)
                #expect(!stolen.text.contains("crm__"))
                // The owner can use it, so the 404 was about who asked.
                let own = try await junction.request(.post, "/mcp", key: tenant.key, json: list, headers: inSession)
                #expect(own.status == .ok)
                let names = own.json["result"]?["tools"]?.arrayValue?.compactMap { $0["name"]?.stringValue }
                #expect(names?.contains("crm__get-customer") == true)

                let anonymous = try await junction.request(.post, "/mcp", key: nil, json: Self.initialize, headers: Self.streamHeaders)
                #expect(anonymous.status == .unauthorized)
                #expect(anonymous.errorCode == "unauthorized")
                let sessionless = try await junction.request(.post, "/mcp", key: tenant.key, json: list, headers: Self.streamHeaders)
                #expect(sessionless.status == .badRequest)
                #expect(sessionless.json["error"]?["code"] == -32600)
                let badMode = try await junction.request(.post, "/mcp?tools=some", key: tenant.key, json: Self.initialize, headers: Self.streamHeaders)
                #expect(badMode.errorField == "tools")

                // The platform key (invpc) names the tenant; its session is bound to that tenant.
                let unnamed = try await junction.request(.post, "/mcp", key: junction.adminKey, json: Self.initialize, headers: Self.streamHeaders)
                #expect(unnamed.status == .badRequest)
                #expect(unnamed.errorField == "tenant")
                let platformOpened = try await junction.request(
                    .post, "/mcp?tenant=acme", key: junction.adminKey, json: Self.initialize, headers: Self.streamHeaders)
                #expect(platformOpened.status == .ok)
                var platformSession = inSession
                let platformSessionID = try #require(platformOpened.headers[Self.sessionHeader])
                platformSession[Self.sessionHeader] = platformSessionID
                let crossTenant = try await junction.request(.post, "/mcp?tenant=globex", key: junction.adminKey, json: list, headers: platformSession)
                #expect(crossTenant.status == .notFound)
                let sameTenant = try await junction.request(.post, "/mcp?tenant=acme", key: junction.adminKey, json: list, headers: platformSession)
                #expect(sameTenant.status == .ok)
                #expect(sameTenant.text.contains("crm__get-customer"))

                let ended = try await junction.request(.delete, "/mcp", key: tenant.key, headers: inSession)
                #expect(ended.status == .ok)
                let afterEnd = try await junction.request(.post, "/mcp", key: tenant.key, json: list, headers: inSession)
                #expect(afterEnd.status == .notFound)

                // The other tenant's own session sees only its tools and cannot call the first tenant's.
                try await Self.client(junction, key: other.key).use { client in
                    #expect(try await client.listTools().compactMap { $0["name"]?.stringValue } == ["erp__list-orders"])
                    let foreign = try await client.callTool("crm__get-customer", arguments: ["id": "1"])
                    #expect(foreign["code"] == -32602)
                }
                #expect(upstream.count("echo") == 0)
            }
        }
    }

    @Test(.enabled(if: ServeProcessTests.executable != nil, "needs the junction executable built by swift build"))
    func stdioServesATenantFromTheDataDirectory() async throws {
        let executable = try #require(ServeProcessTests.executable)
        try await UpstreamServer.with { upstream in
            try await withJunction { junction in
                let tenant = try await Self.prepare(junction, upstream: upstream)
                let client = try await MCPClientDriver.stdio(
                    command: executable.path,
                    arguments: ["mcp", "--tenant", "acme", "--data-dir", junction.dataDirectory.path, "--poll-ms", "200"])
                try await client.use { client in
                    try await Self.expectCRMServed(by: client)
                    #expect(upstream.count("echo") == 1)

                    try await Self.addBilling(junction, key: tenant.key, upstream: upstream)
                    #expect(try await client.waitListChanged(seconds: 10))
                    #expect(try await client.listTools().first?["name"] == "billing__list-invoices")
                    let listed = try await client.callTool("billing__list-invoices")
                    #expect(listed["result"]?["structuredContent"]?["path"] == "/echo/invoices")
                    #expect(upstream.count("echo") == 2)
                }
                // The stdio process wrote its audit events into the same database.
                let audit = try await junction.request(.get, "/api/v1/audit?limit=50", key: tenant.key)
                let invokes = (audit.json["events"]?.arrayValue ?? []).filter { $0["action"] == "connector.invoke" }
                #expect(invokes.count == 2)
                #expect(invokes.allSatisfy { $0["actor"] == "local:mcp-stdio" })
            }
        }
    }

    @Test(.enabled(if: ServeProcessTests.executable != nil, "needs the junction executable built by swift build"))
    func stdioRelaysToAServerURL() async throws {
        let executable = try #require(ServeProcessTests.executable)
        try await UpstreamServer.with { upstream in
            try await withJunction { junction in
                let tenant = try await Self.prepare(junction, upstream: upstream)
                let client = try await MCPClientDriver.stdio(
                    command: executable.path, arguments: ["mcp", "--url", junction.baseURL],
                    environment: ["JUNCTION_API_KEY": tenant.key])
                try await client.use { client in
                    try await Self.expectCRMServed(by: client)
                    let failed = try await client.callTool("crm__broken")
                    #expect(failed["result"]?["isError"] == true)
                    let unknown = try await client.callTool("crm__nope")
                    #expect(unknown["code"] == -32602, "the server's JSON-RPC error passes through: \(unknown)")

                    // The server's notification arrives over the relay's event stream (the
                    // session cannot expire here, so it is not the relay's own announcement).
                    try await Self.addBilling(junction, key: tenant.key, upstream: upstream)
                    #expect(try await client.waitListChanged(seconds: 10))
                    #expect(try await client.listTools().first?["name"] == "billing__list-invoices")
                }
                #expect(upstream.count("echo") == 1)
                // Calls run as the key the relay was given.
                let audit = try await junction.request(.get, "/api/v1/audit?limit=50", key: tenant.key)
                let invokes = (audit.json["events"]?.arrayValue ?? []).filter { $0["action"] == "connector.invoke" }
                #expect(invokes.count == 2)
                #expect(invokes.allSatisfy { $0["actor"]?.stringValue == Self.keyID(tenant.key) })

                // A platform key names the tenant; meta mode travels as ?tools=meta.
                let meta = try await MCPClientDriver.stdio(
                    command: executable.path, arguments: ["mcp", "--url", junction.baseURL + "/", "--tenant", "acme", "--tools", "meta"],
                    environment: ["JUNCTION_API_KEY": junction.adminKey])
                try await meta.use { client in
                    let names = try await client.listTools().compactMap { $0["name"]?.stringValue }
                    #expect(names == ["search_tools", "describe_tool", "call_tool"])
                }
            }
        }
    }

    @Test(.enabled(if: ServeProcessTests.executable != nil, "needs the junction executable built by swift build"))
    func stdioRelayOutlivesTheServersSession() async throws {
        let executable = try #require(ServeProcessTests.executable)
        try await UpstreamServer.with { upstream in
            // Sessions idle for a second are closed: the relay must open a new one by itself.
            try await withJunction(configure: { $0.mcp.idleTimeout = .seconds(1) }) { junction in
                let tenant = try await Self.prepare(junction, upstream: upstream)
                let client = try await MCPClientDriver.stdio(
                    command: executable.path, arguments: ["mcp", "--url", junction.baseURL],
                    environment: ["JUNCTION_API_KEY": tenant.key])
                try await client.use { client in
                    #expect(try await client.listTools().count == 4)
                    try await Task.sleep(for: .seconds(2))
                    // The session has expired: the call still works, and the client is told to
                    // list its tools again (what changed meanwhile was never announced).
                    let got = try await client.callTool("crm__get-customer", arguments: ["id": "7"])
                    #expect(got["result"]?["structuredContent"]?["path"] == "/echo/customers/7", "\(got)")
                    #expect(try await client.waitListChanged(seconds: 10))
                    #expect(try await client.listTools().count == 4)
                }
                #expect(upstream.count("echo") == 1)
            }
        }
    }

    @Test(.enabled(if: ServeProcessTests.executable != nil, "needs the junction executable built by swift build"))
    func stdioRelayTellsTheClientWhyTheServerRefused() async throws {
        let executable = try #require(ServeProcessTests.executable)
        let stopped = try await withJunction { junction in
            // A wrong key: the client's initialize fails with the server's reason.
            let url = junction.baseURL
            let refused = await #expect(throws: HarnessError.self) {
                _ = try await MCPClientDriver.stdio(
                    command: executable.path, arguments: ["mcp", "--url", url],
                    environment: ["JUNCTION_API_KEY": "jk_nokey_notasecret"], timeout: .seconds(10))
            }
            #expect(refused?.description.contains("HTTP 401") == true, "\(String(describing: refused))")
            #expect(refused?.description.contains("notasecret") == false, "the key never appears")
            return url
        }
        // Nothing listens any more: the reason names the server, not a timeout.
        let unreachable = await #expect(throws: HarnessError.self) {
            _ = try await MCPClientDriver.stdio(
                command: executable.path, arguments: ["mcp", "--url", stopped],
                environment: ["JUNCTION_API_KEY": "jk_nokey_notasecret"], timeout: .seconds(10))
        }
        #expect(unreachable?.description.contains("Could not reach the MCP server at \(stopped)") == true,
            "\(String(describing: unreachable))")
    }
}

extension Array {
    /// `map` with an async transform, in order.
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var mapped: [T] = []
        for element in self { mapped.append(try await transform(element)) }
        return mapped
    }
}
