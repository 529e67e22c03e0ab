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
}
