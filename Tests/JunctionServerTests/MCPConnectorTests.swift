import Foundation
import HTTPTypes
import JunctionConnectors
import JunctionCore
import JunctionRuntime
import JunctionServer
import JunctionTesting
import Testing

/// The `mcp` connector type against a real external MCP server (`Tests/Peers/mcp_server.py`,
/// the official Python SDK) over Streamable HTTP and over stdio.
@Suite(.enabled(if: PythonPeer.isAvailable, "needs JUNCTION_TEST_PYTHON with the mcp package (scripts/test sets it)"))
struct MCPConnectorTests {
    static func serverPath() throws -> String { try PeerScripts.url("mcp_server.py").path }

    /// A peer script that runs `mcp_server.py http PORT` on the port PythonPeer chose.
    static func httpPeerScript() throws -> String {
        let path = try serverPath()
        return """
            import runpy, sys
            PATH = \(String(decoding: try JSONCoding.encode(JSONValue.string(path)), as: UTF8.self))
            sys.argv = [PATH, "http", sys.argv[1]]
            runpy.run_path(PATH, run_name="__main__")
            """
    }

    static func invoke(
        _ junction: JunctionHarness, key: String, _ connector: String, _ resource: String, _ data: JSONValue = [:]
    ) async throws -> JunctionHarness.Answer {
        try await junction.request(.post, "/api/v1/invoke", key: key,
                                   json: ["connector": .string(connector), "resource": .string(resource), "data": data])
    }

    @Test func httpRemoteToolsAreDiscoveredInvokedTestedAndListed() async throws {
        try await PythonPeer.with(script: try Self.httpPeerScript()) { peer in
            try await withJunction { junction in
                let tenant = try await junction.createTenant("acme")
                let created = try await junction.request(.post, "/api/v1/connectors", key: tenant.key, json: [
                    "connector_name": "remote", "connector_type": "mcp", "connection_url": .string(peer.url + "/mcp"),
                    "max_retries": 0, "timeout_ms": 10000,
                ])
                #expect(created.status == .created, "\(created.json)")

                let listed = try await junction.request(.get, "/api/v1/connectors/remote/resources", key: tenant.key)
                #expect(listed.status == .ok, "\(listed.json)")
                let resources = listed.json["resources"]?.arrayValue ?? []
                #expect(Set(resources.compactMap { $0["slug"]?.stringValue }) == ["echo", "add", "get-weather", "fail", "whoami"])
                // No peer tool says readOnlyHint, so every one is a write.
                #expect(resources.allSatisfy { $0["kind"] == "write" })
                let add = try #require(resources.first { $0["slug"] == "add" })
                #expect(add["input_schema"]?["type"] == "object")
                #expect(Set(add["input_schema"]?["required"]?.arrayValue?.compactMap(\.stringValue) ?? []) == ["a", "b"])
                let weather = try #require(resources.first { $0["slug"] == "get-weather" })
                #expect(weather["input_schema"]?["properties"]?["city"] != nil)
                #expect(weather["description"]?.stringValue?.contains("weather") == true)

                let sum = try await Self.invoke(junction, key: tenant.key, "remote", "add", ["a": 2, "b": 3])
                #expect(sum.json["success"] == true, "\(sum.json)")
                #expect(sum.json["data"] == ["result": 5])

                let lisbon = try await Self.invoke(junction, key: tenant.key, "remote", "get-weather", ["city": "Lisbon"])
                #expect(lisbon.json["success"] == true, "\(lisbon.json)")
                #expect(lisbon.json["data"]?["city"] == "Lisbon")
                #expect(lisbon.json["data"]?["temperature_c"] == 21)

                let echo = try await Self.invoke(junction, key: tenant.key, "remote", "echo", ["text": "hello there"])
                #expect(echo.json["data"] == "hello there")

                let failed = try await Self.invoke(junction, key: tenant.key, "remote", "fail", ["message": "the disk is on fire"])
                #expect(failed.json["success"] == false)
                #expect(failed.json["error"]?["code"] == "upstream_error")
                #expect(failed.json["error"]?["message"]?.stringValue?.contains("the disk is on fire") == true, "\(failed.json)")

                let test = try await junction.request(.post, "/api/v1/connectors/remote/test", key: tenant.key)
                #expect(test.status == .ok)
                #expect(test.json["success"] == true, "\(test.json)")
                #expect(test.json["health_status"] == "healthy")

                let tools = try await junction.request(.get, "/api/v1/tools", key: tenant.key)
                #expect(tools.status == .ok)
                let names = Set(tools.json["tools"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? [])
                #expect(names == ["remote__echo", "remote__add", "remote__get-weather", "remote__fail", "remote__whoami"])
            }
        }
    }

    /// A peer script serving `mcp_server.py` over HTTP that appends a line to `endings` for
    /// every session a client ends (`DELETE /mcp`).
    static func recordingPeerScript(endings: URL) throws -> String {
        let path = try serverPath()
        return """
            import runpy, sys, uvicorn
            PATH = \(String(decoding: try JSONCoding.encode(JSONValue.string(path)), as: UTF8.self))
            ENDINGS = \(String(decoding: try JSONCoding.encode(JSONValue.string(endings.path)), as: UTF8.self))
            app = runpy.run_path(PATH)["server"].streamable_http_app(streamable_http_path="/mcp")

            async def recording(scope, receive, send):
                if scope["type"] == "http" and scope["method"] == "DELETE":
                    with open(ENDINGS, "a") as endings:
                        endings.write(dict(scope["headers"]).get(b"mcp-session-id", b"").decode() + "\\n")
                await app(scope, receive, send)

            uvicorn.run(recording, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
            """
    }

    @Test func aSessionEndsOnceItsConnectorIsLetGoAndAllEndWithTheRuntime() async throws {
        let endings = FileManager.default.temporaryDirectory.appendingPathComponent("mcp-endings-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: endings) }
        @Sendable func ended() -> [String] {
            ((try? String(contentsOf: endings, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        }
        try await PythonPeer.with(script: try Self.recordingPeerScript(endings: endings)) { peer in
            try await withJunction { junction in
                let tenant = try await junction.createTenant("acme")
                func connector(timeout: Int) -> JSONValue {
                    [
                        "connector_name": "remote", "connector_type": "mcp", "connection_url": .string(peer.url + "/mcp"),
                        "max_retries": 0, "timeout_ms": .integer(timeout),
                    ]
                }
                let created = try await junction.request(.post, "/api/v1/connectors", key: tenant.key, json: connector(timeout: 10000))
                #expect(created.status == .created)
                let sum = try await Self.invoke(junction, key: tenant.key, "remote", "add", ["a": 1, "b": 2])
                #expect(sum.json["success"] == true, "\(sum.json)")
                #expect(ended().isEmpty)

                // Saving the connector drops the prepared one; its session is ended, not leaked.
                let saved = try await junction.request(.put, "/api/v1/connectors/remote", key: tenant.key, json: connector(timeout: 9000))
                #expect(saved.status == .ok, "\(saved.json)")
                for _ in 0..<100 where ended().isEmpty { try await Task.sleep(for: .milliseconds(50)) }
                #expect(ended().count == 1)

                let again = try await Self.invoke(junction, key: tenant.key, "remote", "add", ["a": 2, "b": 2])
                #expect(again.json["data"] == ["result": 4], "\(again.json)")
            }
            // The runtime's end awaits the goodbye of the session still cached.
            #expect(ended().count == 2)
            #expect(Set(ended()).count == 2)
        }
    }

    @Test func stdioRemoteRunsTheAllowedCommandWithItsEnvironment() async throws {
        let python = try #require(PythonPeer.python)
        let server = try Self.serverPath()
        try await withJunction(configure: { $0.runtime.mcpCommands = MCPCommandPolicy(allowedCommands: [python]) }) { junction in
            let tenant = try await junction.createTenant("acme")
            let created = try await junction.request(.post, "/api/v1/connectors", key: tenant.key, json: [
                "connector_name": "local", "connector_type": "mcp", "max_retries": 0, "timeout_ms": 20000,
                "options": ["command": .string(python), "args": [.string(server), "stdio"], "env": ["PEER_IDENTITY": "alice"]],
            ])
            #expect(created.status == .created, "\(created.json)")
            // The sealed environment is not answered back in clear.
            #expect(!created.text.contains("alice"))

            let whoami = try await Self.invoke(junction, key: tenant.key, "local", "whoami")
            #expect(whoami.json["success"] == true, "\(whoami.json)")
            #expect(whoami.json["data"] == "alice")
            let echo = try await Self.invoke(junction, key: tenant.key, "local", "echo", ["text": "hi"])
            #expect(echo.json["data"] == "hi", "\(echo.json)")
            let test = try await junction.request(.post, "/api/v1/connectors/local/test", key: tenant.key)
            #expect(test.json["health_status"] == "healthy", "\(test.json)")
        }
    }

    @Test func commandsAndEndpointsAreRefusedAtCreation() async throws {
        let python = try #require(PythonPeer.python)
        let server = try Self.serverPath()
        try await withJunction(configure: { $0.runtime.mcpCommands = MCPCommandPolicy(allowedCommands: [python]) }) { junction in
            let tenant = try await junction.createTenant("acme")
            func create(_ body: JSONValue) async throws -> JunctionHarness.Answer {
                try await junction.request(.post, "/api/v1/connectors", key: tenant.key, json: body)
            }
            let notAllowed = try await create([
                "connector_name": "shell", "connector_type": "mcp",
                "options": ["command": "/bin/sh", "args": ["-c", "echo pwned"]],
            ])
            #expect(notAllowed.status == .badRequest)
            #expect(notAllowed.json["error"]?["code"] == "invalid_input", "\(notAllowed.json)")
            #expect(notAllowed.json["error"]?["field"] == "options.command")

            let both = try await create([
                "connector_name": "both", "connector_type": "mcp", "connection_url": "http://127.0.0.1:9/mcp",
                "options": ["command": .string(python), "args": [.string(server), "stdio"]],
            ])
            #expect(both.status == .badRequest, "\(both.json)")
            #expect(both.json["error"]?["code"] == "invalid_input")

            let neither = try await create(["connector_name": "neither", "connector_type": "mcp"])
            #expect(neither.status == .badRequest, "\(neither.json)")
            #expect(neither.json["error"]?["code"] == "invalid_input")
            #expect(neither.json["error"]?["field"] == "connection_url")

            let list = try await junction.request(.get, "/api/v1/connectors", key: tenant.key)
            #expect(list.json["connectors"]?.arrayValue?.isEmpty == true, "\(list.json)")
        }
    }

    @Test func aDeadRemoteTestsUnhealthy() async throws {
        try await withJunction { junction in
            let tenant = try await junction.createTenant("acme")
            // Port 9 (discard) on loopback: nothing listens there.
            let created = try await junction.request(.post, "/api/v1/connectors", key: tenant.key, json: [
                "connector_name": "dead", "connector_type": "mcp", "connection_url": "http://127.0.0.1:9/mcp",
                // A refusal is immediate; the deadline only has to outlast a loaded test machine.
                "timeout_ms": 10000, "max_retries": 0,
            ])
            #expect(created.status == .created, "\(created.json)")
            let test = try await junction.request(.post, "/api/v1/connectors/dead/test", key: tenant.key)
            #expect(test.status == .ok, "\(test.json)")
            #expect(test.json["success"] == false)
            #expect(test.json["health_status"] == "unhealthy")
            let code = test.json["error"]?["code"]?.stringValue ?? test.json["error_code"]?.stringValue
            #expect(code == "schema_discovery_failed" || code == "connection_refused", "\(test.json)")
            // The real cause is named, not a timeout.
            #expect(test.json["error"]?["message"]?.stringValue?.contains("refused") == true, "\(test.json)")
        }
    }
}
