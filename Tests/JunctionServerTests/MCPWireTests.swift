import Foundation
import HTTPTypes
import JunctionCore
import JunctionServer
import JunctionTesting
import Testing

/// The MCP endpoint's answers on the wire, message by message, for 2026-07-28 and 2025-11-25:
/// every JSON-RPC error code as the specification assigns it, the headers mirroring the body,
/// `resultType`, caching hints and subscriptions, read without any SDK in between.
struct MCPWireTests {
    static let version = HTTPField.Name("MCP-Protocol-Version")!
    static let method = HTTPField.Name("Mcp-Method")!
    static let name = HTTPField.Name("Mcp-Name")!
    static let meta: JSONValue = [
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": [:],
        "io.modelcontextprotocol/clientInfo": ["name": "wire-test", "version": "1"],
    ]

    /// A 2026-07-28 request and the headers a conforming client sends with it.
    static func modern(_ method: String, id: JSONValue = 1, params: [String: JSONValue] = [:]) -> (JSONValue, HTTPFields) {
        var params = params
        params["_meta"] = params["_meta"] ?? meta
        var headers: HTTPFields = [.accept: "application/json, text/event-stream", Self.version: "2026-07-28", Self.method: method]
        if method == "tools/call", let name = params["name"]?.stringValue { headers[Self.name] = name }
        return (["jsonrpc": "2.0", "id": id, "method": .string(method), "params": .object(params)], headers)
    }

    static func post(_ junction: JunctionHarness, key: String, _ request: (JSONValue, HTTPFields)) async throws -> JunctionHarness.Answer {
        try await junction.request(.post, "/mcp", key: key, json: request.0, headers: request.1)
    }

    @Test func modernRequestsAreAnsweredStatelesslyWithResultTypeAndCachingHints() async throws {
        try await UpstreamServer.with { upstream in
            try await withJunction { junction in
                let tenant = try await MCPServerTests.prepare(junction, upstream: upstream)
                let discovered = try await Self.post(junction, key: tenant.key, Self.modern("server/discover"))
                #expect(discovered.status == .ok)
                #expect(discovered.headers[.contentType] == "application/json")
                #expect(discovered.headers[HTTPField.Name("Mcp-Session-Id")!] == nil, "no session is minted")
                let result = try #require(discovered.json["result"])
                #expect(result["resultType"] == "complete")
                #expect(result["supportedVersions"] == ["2026-07-28", "2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"])
                #expect(result["capabilities"] == ["tools": ["listChanged": true]])
                #expect(result["_meta"]?["io.modelcontextprotocol/serverInfo"]?["name"] == "junction")
                #expect(result["cacheScope"] == "public")
                #expect(result["ttlMs"]?.intValue.map { $0 > 0 } == true)

                let listed = try await Self.post(junction, key: tenant.key, Self.modern("tools/list", id: "list-1"))
                #expect(listed.json["id"] == "list-1")
                let tools = try #require(listed.json["result"])
                #expect(tools["resultType"] == "complete")
                #expect(tools["cacheScope"] == "private", "a tenant's tools are its own")
                #expect(tools["ttlMs"]?.intValue.map { $0 > 0 } == true)
                #expect(tools["tools"]?.arrayValue?.count == 4)
                let again = try await Self.post(junction, key: tenant.key, Self.modern("tools/list", id: "list-2"))
                #expect(again.json["result"]?["tools"] == tools["tools"], "the same order every time")

                let call = Self.modern("tools/call", id: 7, params: ["name": "crm__get-customer", "arguments": ["id": "42"]])
                let called = try await Self.post(junction, key: tenant.key, call)
                #expect(called.json["result"]?["resultType"] == "complete")
                #expect(called.json["result"]?["isError"] == false)
                #expect(called.json["result"]?["structuredContent"]?["path"] == "/echo/customers/42")
                #expect(called.json["result"]?["_meta"]?["io.modelcontextprotocol/serverInfo"]?["version"] != nil)
                // A name outside plain ASCII travels Base64-wrapped in Mcp-Name.
                var wrapped = call
                wrapped.1[Self.name] = "=?base64?" + Data("crm__get-customer".utf8).base64EncodedString() + "?="
                #expect(try await Self.post(junction, key: tenant.key, wrapped).json["result"]?["isError"] == false)
                #expect(upstream.count("echo") == 2)

                // No session: a legacy session id is ignored, GET and DELETE have nothing to act on.
                var withSession = call
                withSession.1[HTTPField.Name("Mcp-Session-Id")!] = "mcs_unknown"
                #expect(try await Self.post(junction, key: tenant.key, withSession).json["result"]?["isError"] == false)
                let get = try await junction.request(.get, "/mcp", key: tenant.key, headers: [.accept: "text/event-stream"])
                #expect(get.status == .methodNotAllowed)
                #expect(get.headers[.allow] == "POST")
                #expect(try await junction.request(.delete, "/mcp", key: tenant.key).status == .methodNotAllowed)

                // A notification is accepted and not answered.
                var note = Self.modern("notifications/cancelled")
                note.0 = ["jsonrpc": "2.0", "method": "notifications/cancelled", "params": ["requestId": 3]]
                let noted = try await Self.post(junction, key: tenant.key, note)
                #expect(noted.status == .accepted)
                #expect(noted.text.isEmpty)
            }
        }
    }

    @Test func everyErrorHasTheCodeAndStatusTheSpecificationGives() async throws {
        try await UpstreamServer.with { upstream in
            try await withJunction { junction in
                let tenant = try await MCPServerTests.prepare(junction, upstream: upstream)
                func expectError(
                    _ request: (JSONValue, HTTPFields), raw: String? = nil, status: HTTPResponse.Status, code: Int, id: JSONValue = 1,
                    saying words: String, sourceLocation: SourceLocation = #_sourceLocation
                ) async throws {
                    let answer = raw.map { _ in () } == nil
                        ? try await Self.post(junction, key: tenant.key, request)
                        : try await junction.request(.post, "/mcp", key: tenant.key, raw: raw, headers: request.1)
                    #expect(answer.status == status, "\(answer.text)", sourceLocation: sourceLocation)
                    #expect(answer.json["jsonrpc"] == "2.0", sourceLocation: sourceLocation)
                    #expect(answer.json["id"] == id, "\(answer.text)", sourceLocation: sourceLocation)
                    #expect(answer.json["error"]?["code"] == .integer(code), "\(answer.text)", sourceLocation: sourceLocation)
                    let message = answer.json["error"]?["message"]?.stringValue ?? ""
                    #expect(message.contains(words), "\(message)", sourceLocation: sourceLocation)
                }
                let call = Self.modern("tools/call", params: ["name": "crm__get-customer", "arguments": ["id": "1"]])

                // -32700 only for what is not JSON, with a null id.
                try await expectError(call, raw: #"{"jsonrpc": "2.0", "id": 1, "method""#, status: .badRequest, code: -32700, id: .null, saying: "not JSON")
                // -32600: JSON, but not a request MCP takes.
                var noVersion = call
                noVersion.0 = ["id": 1, "method": "tools/call", "params": call.0["params"] ?? [:]]
                try await expectError(noVersion, status: .badRequest, code: -32600, saying: #""jsonrpc": "2.0""#)
                var batch = call
                batch.0 = [call.0]
                try await expectError(batch, status: .badRequest, code: -32600, id: .null, saying: "Batches")
                var badID = call
                badID.0 = ["jsonrpc": "2.0", "id": 1.5, "method": "tools/list", "params": ["_meta": Self.meta]]
                try await expectError(badID, status: .badRequest, code: -32600, id: .null, saying: "must be a string or an integer")
                var response = call
                response.0 = ["jsonrpc": "2.0", "id": 4, "result": [:]]
                try await expectError(response, status: .badRequest, code: -32600, id: .null, saying: "no responses")

                // -32602: the envelope or the method's parameters are wrong.
                var noMeta = Self.modern("tools/list")
                noMeta.0 = ["jsonrpc": "2.0", "id": 1, "method": "tools/list"]
                try await expectError(noMeta, status: .badRequest, code: -32602, saying: "params._meta")
                try await expectError(
                    Self.modern("tools/list", params: ["_meta": ["io.modelcontextprotocol/protocolVersion": "2026-07-28"]]),
                    status: .badRequest, code: -32602, saying: "io.modelcontextprotocol/clientCapabilities")
                var unnamed = Self.modern("tools/call", params: ["arguments": ["id": "1"]])
                try await expectError(unnamed, status: .badRequest, code: -32602, saying: "params.name")
                unnamed.1[Self.name] = nil
                try await expectError(
                    Self.modern("tools/call", params: ["name": "crm__get-customer", "arguments": ["1"]]),
                    status: .badRequest, code: -32602, saying: "params.arguments must be an object")
                try await expectError(
                    Self.modern("tools/call", params: ["name": "crm__nope"]), status: .badRequest, code: -32602, saying: "Unknown tool")
                try await expectError(
                    Self.modern("tools/list", params: ["cursor": "bm90LWEtY3Vyc29y"]), status: .badRequest, code: -32602,
                    saying: "list the tools from the start")
                try await expectError(
                    Self.modern("subscriptions/listen"), status: .badRequest, code: -32602, saying: "params.notifications")

                // -32020: the headers are missing or disagree with the body.
                for (header, spelled) in [(Self.version, "MCP-Protocol-Version"), (Self.method, "Mcp-Method"), (Self.name, "Mcp-Name")] {
                    var missing = call
                    missing.1[header] = nil
                    try await expectError(missing, status: .badRequest, code: -32020, saying: "\(spelled) header is missing")
                }
                var otherMethod = call
                otherMethod.1[Self.method] = "tools/list"
                try await expectError(otherMethod, status: .badRequest, code: -32020, saying: "does not match the body's method")
                var otherName = call
                otherName.1[Self.name] = "crm__create-customer"
                try await expectError(otherName, status: .badRequest, code: -32020, saying: "does not match the body's 'name'")
                var otherVersion = call
                otherVersion.0 = Self.modern("tools/call", params: [
                    "name": "crm__get-customer",
                    "_meta": ["io.modelcontextprotocol/protocolVersion": "2027-01-01", "io.modelcontextprotocol/clientCapabilities": [:]],
                ]).0
                try await expectError(otherVersion, status: .badRequest, code: -32020, saying: "MCP-Protocol-Version header does not match")

                // -32022: a version Junction does not serve, with the ones it does.
                var future = Self.modern("tools/list", params: ["_meta": [
                    "io.modelcontextprotocol/protocolVersion": "2027-01-01", "io.modelcontextprotocol/clientCapabilities": [:],
                ]])
                future.1[Self.version] = "2027-01-01"
                try await expectError(future, status: .badRequest, code: -32022, saying: "Unsupported protocol version")
                let refused = try await Self.post(junction, key: tenant.key, future)
                #expect(refused.json["error"]?["data"]?["requested"] == "2027-01-01")
                #expect(refused.json["error"]?["data"]?["supported"]?.arrayValue?.first == "2026-07-28")

                // -32601 with 404: a method this revision does not have, `initialize` included.
                try await expectError(Self.modern("prompts/list"), status: .notFound, code: -32601, saying: "prompts/list")
                try await expectError(Self.modern("initialize"), status: .notFound, code: -32601, saying: "initialize")
                try await expectError(Self.modern("ping"), status: .notFound, code: -32601, saying: "ping")
                #expect(upstream.count("echo") == 0, "no refused request reached the upstream")
            }
        }
    }

    @Test func legacyErrorsHaveTheirCodesToo() async throws {
        try await UpstreamServer.with { upstream in
            try await withJunction { junction in
                let tenant = try await MCPServerTests.prepare(junction, upstream: upstream)
                let inSession = try await MCPServerTests.openSession(junction, key: tenant.key)
                func answer(_ message: JSONValue) async throws -> JSONValue {
                    try await junction.request(.post, "/mcp", key: tenant.key, json: message, headers: inSession).json
                }
                let wrongName = try await answer(["jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": ["name": 5]])
                #expect(wrongName["error"]?["code"] == -32602, "\(wrongName)")
                let wrongArguments = try await answer([
                    "jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": ["name": "crm__get-customer", "arguments": "id=1"],
                ])
                #expect(wrongArguments["error"]?["code"] == -32602)
                let noVersion = try await answer(["id": 4, "method": "tools/list"])
                #expect(noVersion["error"]?["code"] == -32600)
                #expect(noVersion["id"] == 4)
                let unknown = try await answer(["jsonrpc": "2.0", "id": 5, "method": "resources/list"])
                #expect(unknown["error"]?["code"] == -32601)
                let ping = try await answer(["jsonrpc": "2.0", "id": 6, "method": "ping"])
                #expect(ping["result"] == [:])
                #expect(ping["result"]?["resultType"] == nil, "legacy results are as they were")
                let again = try await answer(MCPServerTests.initialize)
                #expect(again["error"]?["code"] == -32600)
                let noted = try await junction.request(
                    .post, "/mcp", key: tenant.key, json: ["jsonrpc": "2.0", "method": "notifications/initialized"], headers: inSession)
                #expect(noted.status == .accepted)
            }
        }
    }

    @Test func aSubscriptionIsAcknowledgedThenHearsItsTenantsChanges() async throws {
        try await UpstreamServer.with { upstream in
            try await withJunction { junction in
                let tenant = try await MCPServerTests.prepare(junction, upstream: upstream)
                let listen = Self.modern("subscriptions/listen", id: "sub-1", params: [
                    "notifications": ["toolsListChanged": true, "promptsListChanged": true, "resourceSubscriptions": ["file:///x"]],
                ])
                let body = listen.0.jsonText
                let held = try await HeldConnection(port: try #require(junction.port))
                try await held.send("""
                    POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(tenant.key)\r\n\
                    Content-Type: application/json\r\nAccept: application/json, text/event-stream\r\n\
                    MCP-Protocol-Version: 2026-07-28\r\nMcp-Method: subscriptions/listen\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)
                    """)
                try await SlowClientTests.eventually { held.received.contains("acknowledged") }
                #expect(held.received.contains("text/event-stream"))
                let first = try #require(MCPServerTests.events(held.received).first)
                #expect(first["method"] == "notifications/subscriptions/acknowledged")
                #expect(first["params"]?["_meta"]?["io.modelcontextprotocol/subscriptionId"] == "sub-1")
                #expect(first["params"]?["notifications"] == ["toolsListChanged": true], "only what Junction offers is honoured")

                try await MCPServerTests.addBilling(junction, key: tenant.key, upstream: upstream)
                try await SlowClientTests.eventually { held.received.contains("list_changed") }
                let changed = try #require(MCPServerTests.events(held.received).last)
                #expect(changed["method"] == "notifications/tools/list_changed")
                #expect(changed["params"]?["_meta"]?["io.modelcontextprotocol/subscriptionId"] == "sub-1")
                await held.close()
            }
        }
    }

    /// A caller's W3C `traceparent` (MCP `_meta.traceparent`, or the invoke API's header)
    /// goes on to the upstream and into the call's audit event; a malformed one goes nowhere.
    @Test func aCallersTraceContinuesUpstreamAndIntoTheAudit() async throws {
        let trace = "00-0af7651916cd43dd8448eb211c80319c-00f067aa0ba902b7-01"
        try await UpstreamServer.with { upstream in
            try await withJunction { junction in
                let tenant = try await MCPServerTests.prepare(junction, upstream: upstream)
                var meta = Self.meta.objectValue ?? [:]
                meta["traceparent"] = .string(trace)
                let call = Self.modern("tools/call", params: ["name": "crm__get-customer", "arguments": ["id": "1"], "_meta": .object(meta)])
                let called = try await Self.post(junction, key: tenant.key, call)
                #expect(called.json["result"]?["structuredContent"]?["headers"]?["traceparent"] == .string(trace), "\(called.text)")

                let inSession = try await MCPServerTests.openSession(junction, key: tenant.key)
                let legacy: JSONValue = [
                    "jsonrpc": "2.0", "id": 2, "method": "tools/call",
                    "params": ["name": "crm__get-customer", "arguments": ["id": "2"], "_meta": ["traceparent": "00-not-a-trace-01"]],
                ]
                let untraced = try await junction.request(.post, "/mcp", key: tenant.key, json: legacy, headers: inSession)
                #expect(untraced.json["result"]?["isError"] == false)
                #expect(untraced.json["result"]?["structuredContent"]?["headers"]?["traceparent"] == nil, "a malformed trace is dropped")

                let invoked = try await junction.request(
                    .post, "/api/v1/connectors/crm/resources/get-customer/invoke", key: tenant.key, json: ["data": ["id": "3"]],
                    headers: [HTTPField.Name("traceparent")!: trace.uppercased()])
                #expect(invoked.json["data"]?["headers"]?["traceparent"] == .string(trace))

                let audit = try await junction.request(.get, "/api/v1/audit?limit=50", key: tenant.key)
                let traced = (audit.json["events"]?.arrayValue ?? []).filter { $0["action"] == "connector.invoke" }.map { $0["details"]?["trace_id"] }
                #expect(traced.filter { $0 == "0af7651916cd43dd8448eb211c80319c" }.count == 2)
                #expect(traced.contains(nil), "the untraced call has no trace id")
            }
        }
    }

    /// `junction mcp` over stdio, fed raw lines: each is answered as the specification says,
    /// and the process ends when its input does.
    @Test(.enabled(if: ServeProcessTests.executable != nil, "needs the junction executable built by swift build"))
    func stdioAnswersEveryLineAsTheSpecificationSays() async throws {
        let executable = try #require(ServeProcessTests.executable)
        try await UpstreamServer.with { upstream in
            try await withJunction { junction in
                _ = try await MCPServerTests.prepare(junction, upstream: upstream)
                let meta = Self.meta.jsonText
                let lines = [
                    #"{"jsonrpc": "2.0", "id": 1, "method""#,
                    #"{"id": 2, "method": "tools/list"}"#,
                    #"{"jsonrpc": "2.0", "id": 3, "method": "server/discover"}"#,
                    #"{"jsonrpc": "2.0", "id": 4, "method": "server/discover", "params": {"_meta": \#(meta)}}"#,
                    #"{"jsonrpc": "2.0", "id": 5, "method": "tools/call", "params": {"name": 5, "_meta": \#(meta)}}"#,
                    #"{"jsonrpc": "2.0", "method": "notifications/initialized"}"#,
                    #"{"jsonrpc": "2.0", "id": 6, "method": "tools/call", "params": {"name": "crm__get-customer", "arguments": {"id": "3"}}}"#,
                    #"[{"jsonrpc": "2.0", "id": 7, "method": "ping"}]"#,
                ]
                let process = Process()
                process.executableURL = executable
                process.arguments = ["mcp", "--tenant", "acme", "--data-dir", junction.dataDirectory.path]
                let input = Pipe(), output = Pipe()
                process.standardInput = input
                process.standardOutput = output
                process.standardError = FileHandle.nullDevice
                try process.run()
                try input.fileHandleForWriting.write(contentsOf: Data((lines.joined(separator: "\n") + "\n").utf8))
                try input.fileHandleForWriting.close()
                let written = try await Task.detached { try output.fileHandleForReading.readToEnd() ?? Data() }.value
                process.waitUntilExit()
                let answers = try String(decoding: written, as: UTF8.self).split(separator: "\n").map { try JSONCoding.decode(Array($0.utf8)) }
                let byID = Dictionary(answers.map { ($0["id"] ?? .null, $0) }, uniquingKeysWith: { first, _ in first })
                #expect(answers.count == 7, "one answer per request, none for the notification: \(answers)")
                #expect(answers.filter { $0["id"] == .null }.compactMap { $0["error"]?["code"]?.intValue }.sorted() == [-32700, -32600],
                    "the unreadable line and the batch are answered with a null id")
                #expect(byID[2]?["error"]?["code"] == -32600)
                #expect(byID[3]?["error"]?["code"] == -32602, "server/discover without its _meta")
                #expect(byID[4]?["result"]?["resultType"] == "complete")
                #expect(byID[4]?["result"]?["supportedVersions"]?[0] == "2026-07-28")
                #expect(byID[5]?["error"]?["code"] == -32602)
                #expect(byID[6]?["result"]?["isError"] == false, "a legacy call without initialize is served too")
                #expect(byID[6]?["result"]?["resultType"] == nil)
                #expect(process.terminationStatus == 0)
                #expect(upstream.count("echo") == 1)
            }
        }
    }
}
