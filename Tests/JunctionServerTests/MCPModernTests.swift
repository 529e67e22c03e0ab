import Foundation
import HTTPTypes
import JunctionCore
import JunctionMCP
import JunctionServer
import JunctionTesting
import Testing

/// MCP 2026-07-28 (stateless: `server/discover`, per-request `_meta`, `subscriptions/listen`)
/// served by `/mcp` and `junction mcp`, driven by the official Python SDK, beside 2025-11-25.
@Suite(.enabled(if: PythonPeer.isAvailable, "needs JUNCTION_TEST_PYTHON with the mcp package (scripts/test sets it)"))
struct MCPModernTests {
    static func client(_ junction: JunctionHarness, key: String, mode: MCPClientDriver.Mode = .modern, query: String = "") async throws -> MCPClientDriver {
        try await MCPClientDriver.http(url: junction.baseURL + "/mcp" + query, headers: ["Authorization": "Bearer \(key)"], mode: mode)
    }

    /// Expects `client` to speak 2026-07-28 with Junction, which discovered itself fully.
    static func expectModern(_ client: MCPClientDriver) {
        #expect(client.initialized["protocol_version"] == "2026-07-28", "\(client.initialized)")
        let discovered = client.initialized["discover"]
        #expect(discovered?["supportedVersions"]?.arrayValue?.contains("2026-07-28") == true)
        #expect(discovered?["supportedVersions"]?.arrayValue?.contains("2025-11-25") == true)
        #expect(discovered?["capabilities"]?["tools"]?["listChanged"] == true)
        #expect(discovered?["_meta"]?["io.modelcontextprotocol/serverInfo"]?["name"] == "junction")
        #expect(discovered?["cacheScope"] == "public")
    }

    @Test func theSDKSpeaks2026OverHTTPWithSubscriptions() async throws {
        try await UpstreamServer.with { upstream in
            try await withJunction { junction in
                let tenant = try await MCPServerTests.prepare(junction, upstream: upstream)
                let other = try await junction.createTenant("globex")
                try await Self.client(junction, key: other.key).use { otherClient in
                    #expect(try await otherClient.listen()["toolsListChanged"] == true)
                    try await Self.client(junction, key: tenant.key).use { client in
                        Self.expectModern(client)
                        try await MCPServerTests.expectCRMServed(by: client)
                        let unknown = try await client.callTool("crm__nope")
                        #expect(unknown["code"] == -32602, "\(unknown)")
                        let failed = try await client.callTool("crm__broken")
                        #expect(failed["result"]?["isError"] == true)

                        #expect(try await client.listen() == ["toolsListChanged": true])
                        try await MCPServerTests.addBilling(junction, key: tenant.key, upstream: upstream)
                        #expect(try await client.waitListChanged(seconds: 10))
                        #expect(try await client.listTools().first?["name"] == "billing__list-invoices")
                        #expect(try await otherClient.waitListChanged(seconds: 1) == false, "another tenant hears nothing")
                    }
                }
                #expect(upstream.count("echo") == 1)
            }
        }
    }

    @Test func theSDKsDefaultNegotiationChooses2026AndLegacyStillWorks() async throws {
        try await UpstreamServer.with { upstream in
            try await withJunction { junction in
                let tenant = try await MCPServerTests.prepare(junction, upstream: upstream)
                try await Self.client(junction, key: tenant.key, mode: .auto).use { client in
                    Self.expectModern(client)
                    let tools = try await client.listTools()
                    #expect(tools.count == 4)
                }
                try await Self.client(junction, key: tenant.key, mode: .legacy).use { client in
                    #expect(client.initialized["protocol_version"] == "2025-11-25")
                    try await MCPServerTests.expectCRMServed(by: client)
                }
                try await Self.client(junction, key: tenant.key, query: "?tools=meta").use { client in
                    #expect(client.initialized["instructions"]?.stringValue?.contains("search_tools") == true)
                    let names = try await client.listTools().compactMap { $0["name"]?.stringValue }
                    #expect(names == ["search_tools", "describe_tool", "call_tool"])
                    let found = try await client.callTool("search_tools", arguments: ["query": "create customer"])
                    #expect(found["result"]?["structuredContent"]?["tools"]?[0]?["name"] == "crm__create-customer", "\(found)")
                }
            }
        }
    }

    @Test(.enabled(if: ServeProcessTests.executable != nil, "needs the junction executable built by swift build"))
    func stdioServes2026WithSubscriptions() async throws {
        let executable = try #require(ServeProcessTests.executable)
        try await UpstreamServer.with { upstream in
            try await withJunction { junction in
                let tenant = try await MCPServerTests.prepare(junction, upstream: upstream)
                let client = try await MCPClientDriver.stdio(
                    command: executable.path,
                    arguments: ["mcp", "--tenant", "acme", "--data-dir", junction.dataDirectory.path, "--poll-ms", "200"],
                    mode: .auto)
                try await client.use { client in
                    Self.expectModern(client)
                    try await MCPServerTests.expectCRMServed(by: client)
                    #expect(try await client.listen() == ["toolsListChanged": true])
                    try await MCPServerTests.addBilling(junction, key: tenant.key, upstream: upstream)
                    #expect(try await client.waitListChanged(seconds: 10))
                    #expect(try await client.listTools().first?["name"] == "billing__list-invoices")
                }
            }
        }
    }

    @Test(.enabled(if: ServeProcessTests.executable != nil, "needs the junction executable built by swift build"))
    func stdioRelayCarries2026ToTheServer() async throws {
        let executable = try #require(ServeProcessTests.executable)
        try await UpstreamServer.with { upstream in
            try await withJunction { junction in
                let tenant = try await MCPServerTests.prepare(junction, upstream: upstream)
                let client = try await MCPClientDriver.stdio(
                    command: executable.path, arguments: ["mcp", "--url", junction.baseURL],
                    environment: ["JUNCTION_API_KEY": tenant.key], mode: .auto)
                try await client.use { client in
                    Self.expectModern(client)
                    try await MCPServerTests.expectCRMServed(by: client)
                    let unknown = try await client.callTool("crm__nope")
                    #expect(unknown["code"] == -32602, "the server's error passes through: \(unknown)")
                    #expect(try await client.listen() == ["toolsListChanged": true])
                    try await MCPServerTests.addBilling(junction, key: tenant.key, upstream: upstream)
                    #expect(try await client.waitListChanged(seconds: 10))
                    #expect(try await client.listTools().first?["name"] == "billing__list-invoices")
                }
            }
        }
    }

    /// Five connectors of 500 resources each, every one with a schema of about a kilobyte:
    /// 2,500 tools, several megabytes of definitions.
    static func addCatalog(_ junction: JunctionHarness, key: String, upstream: UpstreamServer) async throws {
        for connector in 0..<5 {
            let resources: [JSONValue] = (0..<500).map { index in
                [
                    "slug": .string("operation-\(index)"), "path": .string("/echo/records/\(index)/{id}"),
                    "description": .string("Reads record set \(index) of catalog \(connector): every field of the record, its owner and its history."),
                    "input_schema": [
                        "type": "object", "required": ["id"],
                        "properties": [
                            "id": ["type": "string", "description": "The record's identifier, as the list operation returns it.", "minLength": 1],
                            "fields": ["type": "array", "items": ["type": "string", "enum": ["owner", "history", "labels", "links", "attachments"]],
                                       "description": "Which optional parts of the record to include in the answer."],
                            "since": ["type": "string", "format": "date-time", "description": "Only history entries after this instant."],
                            "limit": ["type": "integer", "minimum": 1, "maximum": 500, "default": 50, "description": "At most this many history entries."],
                        ],
                    ],
                ]
            }
            let created = try await junction.request(.post, "/api/v1/connectors", key: key, json: [
                "connector_name": .string("catalog-\(connector)"), "connector_type": "http", "connection_url": .string(upstream.url),
                "options": ["resources": .array(resources)],
            ])
            guard created.status == .created else { throw HarnessError("catalog-\(connector): \(created.status) \(created.text)") }
        }
    }

    /// 2,500 tools listed page by page by the official SDK at its default limits (1 MiB per
    /// message), in both eras, each page well under the limit, the order the same each time.
    @Test func twoThousandFiveHundredToolsArePagedForTheSDK() async throws {
        try await UpstreamServer.with { upstream in
            // The harness's own connection waits while the SDK lists: it must not be closed as idle.
            try await withJunction(configure: { $0.idleTimeout = .seconds(600) }) { junction in
                let tenant = try await junction.createTenant("acme")
                try await Self.addCatalog(junction, key: tenant.key, upstream: upstream)
                var listings: [[String]] = []
                for mode in [MCPClientDriver.Mode.modern, .legacy] {
                    listings.append(try await Self.client(junction, key: tenant.key, mode: mode).use { client in
                        let names = try await client.listTools().compactMap { $0["name"]?.stringValue }
                        let called = try await client.callTool("catalog-4__operation-499", arguments: ["id": "r-1"])
                        #expect(called["result"]?["structuredContent"]?["path"] == "/echo/records/499/r-1", "\(called)")
                        return names
                    })
                }
                #expect(listings[0].count == 2500)
                #expect(Set(listings[0]).count == 2500)
                #expect(listings[0] == listings[1], "both eras list the same tools in the same order")
                #expect(listings[0].first == "catalog-0__operation-0")

                // Page by page on the wire: every page far below 1 MiB, the cursor leading on.
                var cursor: JSONValue?
                var pages: [Int] = []
                repeat {
                    let request = MCPWireTests.modern("tools/list", params: cursor.map { ["cursor": $0] } ?? [:])
                    let answer = try await MCPWireTests.post(junction, key: tenant.key, request)
                    #expect(answer.text.utf8.count < 512 << 10, "a page of \(answer.text.utf8.count) bytes")
                    pages.append(answer.json["result"]?["tools"]?.arrayValue?.count ?? 0)
                    cursor = answer.json["result"]?["nextCursor"]
                } while cursor != nil && pages.count < 100
                #expect(pages.reduce(0, +) == 2500)
                #expect(pages.count > 5, "\(pages)")
            }
        }
    }
}
