import Foundation
import HTTPTypes
import JunctionCore
import JunctionServer
import JunctionTesting
import Testing

/// `llm` agents against scripted model servers speaking each provider's protocol (real HTTP on
/// loopback), calling connector tools against a real upstream.
struct LLMAgentTests {
    static let modelKey = "sk-model-PLAINTEXT-4242"

    /// A tenant with the `crm` connector, the `model-key` credential and an `llm` agent `helper`
    /// for `model` at `base` (extra fields in `agent`); returns the tenant's key.
    /// With `crmToken`, `crm` sends it as a bearer credential.
    static func setUp(
        _ junction: JunctionHarness, upstream: UpstreamServer, model: String, base: String, agent extra: [String: JSONValue] = [:],
        crmToken: String? = nil
    ) async throws -> String {
        let tenant = try await junction.createTenant("acme")
        var crm = RunAPITests.crm(upstream).objectValue ?? [:]
        if let crmToken {
            let credential: JSONValue = ["name": "crm-key", "kind": "bearer", "token": .string(crmToken)]
            #expect(try await junction.request(.post, "/api/v1/credentials", key: tenant.key, json: credential).status == .created)
            crm["credential"] = "crm-key"
        }
        #expect(try await junction.request(.post, "/api/v1/connectors", key: tenant.key, json: .object(crm)).status == .created)
        let credential: JSONValue = ["name": "model-key", "kind": "api_key", "value": .string(modelKey)]
        #expect(try await junction.request(.post, "/api/v1/credentials", key: tenant.key, json: credential).status == .created)
        var agent: [String: JSONValue] = [
            "name": "helper", "type": "llm", "model": .string(model), "base_url": .string(base), "credential": "model-key",
            "system_prompt": "You look customers up.", "tools": ["crm__get-customer"],
            "output_schema": ["type": "object", "required": ["summary"], "properties": ["summary": ["type": "string"]]],
        ]
        agent.merge(extra) { _, new in new }
        let created = try await junction.request(.post, "/api/v1/agents", key: tenant.key, json: .object(agent))
        #expect(created.status == .created, "\(created.text)")
        return tenant.key
    }

    /// Starts a run of `helper` with `input` and waits for its end.
    static func run(_ junction: JunctionHarness, key: String, input: JSONValue = ["customer": "c-9"]) async throws -> JSONValue {
        let started = try await junction.request(.post, "/api/v1/agents/helper/runs", key: key, json: ["input": input])
        #expect(started.status == .accepted, "\(started.text)")
        return try await RunAPITests.finished(try #require(started.json["id"]?.stringValue), in: junction, key: key)
    }

    /// The run's trace as its entries' types.
    static func steps(_ run: JSONValue) -> [String] {
        (run["trace"]?.arrayValue ?? []).map { $0["type"]?.stringValue ?? "" }
    }

    @Test func anOpenAIProtocolModelCallsAConnectorToolAndAnswersInTheSchema() async throws {
        let script: [ScriptedServer.Answer] = [
            .init([
                "choices": [["message": [
                    "role": "assistant", "content": nil,
                    "tool_calls": [["id": "call_1", "type": "function", "function": ["name": "crm__get-customer", "arguments": "{\"id\":\"c-9\"}"]]],
                ], "finish_reason": "tool_calls"]],
                "usage": ["prompt_tokens": 50, "completion_tokens": 7],
            ]),
            .init([
                "choices": [["message": ["role": "assistant", "content": "{\"summary\":\"c-9 found\"}"], "finish_reason": "stop"]],
                "usage": ["prompt_tokens": 80, "completion_tokens": 9],
            ]),
        ]
        try await UpstreamServer.with { upstream in
            try await ScriptedServer.with(script: script) { model in
                try await withJunction { junction in
                    let key = try await Self.setUp(junction, upstream: upstream, model: "openai/gpt-test", base: model.url + "/v1")
                    let run = try await Self.run(junction, key: key)
                    #expect(run["status"] == "completed", "\(run)")
                    #expect(run["output"] == ["summary": "c-9 found"])
                    #expect(run["usage"] == ["input_tokens": 130, "output_tokens": 16])
                    #expect(Self.steps(run) == ["model", "tool", "model"])
                    #expect(run["trace"]?[1]?["tool"] == "crm__get-customer")
                    #expect(upstream.count("echo") == 1)

                    let requests = model.received
                    try #require(requests.count == 2)
                    #expect(requests[0].path == "/v1/chat/completions")
                    #expect(requests[0].headers["authorization"] == "Bearer \(Self.modelKey)")
                    let first = requests[0].json
                    #expect(first["model"] == "gpt-test")
                    #expect(first["messages"]?[0] == ["role": "system", "content": "You look customers up."])
                    #expect(first["messages"]?[1] == ["role": "user", "content": "{\"customer\":\"c-9\"}"])
                    #expect(first["tools"]?[0]?["function"]?["name"] == "crm__get-customer")
                    #expect(first["response_format"]?["json_schema"]?["schema"]?["required"] == ["summary"])
                    let second = requests[1].json["messages"]?.arrayValue ?? []
                    #expect(second.count == 4)
                    #expect(second[2]["tool_calls"]?[0]?["id"] == "call_1")
                    #expect(second[3]["role"] == "tool")
                    #expect(second[3]["tool_call_id"] == "call_1")
                    let result = try JSONCoding.decode(Array((second[3]["content"]?.stringValue ?? "").utf8))
                    #expect(result["path"] == "/echo/customers/c-9", "the tool's real answer went back to the model")

                    // The key is in no run, and the tool call is the agent's in the audit log.
                    #expect(!"\(run)".contains(Self.modelKey))
                    let audit = try await junction.request(.get, "/api/v1/audit?limit=20", key: key)
                    let invokes = (audit.json["events"]?.arrayValue ?? []).filter { $0["action"] == "connector.invoke" }
                    #expect(invokes.map { $0["actor"] } == ["agent:helper"])
                }
            }
        }
    }

    @Test func aCredentialTheUpstreamEchoesNeverReachesTheModel() async throws {
        let secret = "tok-llm-echo-0123456789"
        let script: [ScriptedServer.Answer] = [
            .init(["choices": [["message": [
                "role": "assistant", "content": nil,
                "tool_calls": [["id": "call_1", "type": "function", "function": ["name": "crm__get-customer", "arguments": "{\"id\":\"c-9\"}"]]],
            ], "finish_reason": "tool_calls"]]]),
            .init(["choices": [["message": ["role": "assistant", "content": "{\"summary\":\"done\"}"], "finish_reason": "stop"]]]),
        ]
        try await UpstreamServer.with { upstream in
            try await ScriptedServer.with(script: script) { model in
                try await withJunction { junction in
                    let key = try await Self.setUp(
                        junction, upstream: upstream, model: "openai/gpt-test", base: model.url + "/v1", crmToken: secret)
                    let run = try await Self.run(junction, key: key)
                    #expect(run["status"] == "completed", "\(run)")
                    #expect(upstream.lastEcho?["headers"]?["authorization"] == .string("Bearer \(secret)"), "it was sent")
                    let requests = model.received
                    try #require(requests.count == 2)
                    let toolMessage = requests[1].json["messages"]?.arrayValue?.last
                    #expect(toolMessage?["role"] == "tool")
                    let result = try JSONCoding.decode(Array((toolMessage?["content"]?.stringValue ?? "").utf8))
                    #expect(result["headers"]?["authorization"] == "Bearer [redacted]")
                    #expect(!requests.contains { $0.json.jsonText.contains(secret) }, "no model request holds the secret")
                    #expect(!"\(run)".contains(secret))
                }
            }
        }
    }

    @Test func anAnthropicProtocolModelCallsAConnectorTool() async throws {
        let script: [ScriptedServer.Answer] = [
            .init([
                "id": "msg_1", "type": "message", "role": "assistant", "stop_reason": "tool_use",
                "content": [
                    ["type": "text", "text": "Looking it up."],
                    ["type": "tool_use", "id": "toolu_1", "name": "crm__get-customer", "input": ["id": "c-9"]],
                ],
                "usage": ["input_tokens": 40, "output_tokens": 12],
            ]),
            .init([
                "id": "msg_2", "type": "message", "role": "assistant", "stop_reason": "end_turn",
                "content": [["type": "text", "text": "{\"summary\": \"found\"}"]],
                "usage": ["input_tokens": 70, "output_tokens": 5],
            ]),
        ]
        try await UpstreamServer.with { upstream in
            try await ScriptedServer.with(script: script) { model in
                try await withJunction { junction in
                    let key = try await Self.setUp(junction, upstream: upstream, model: "anthropic/claude-test", base: model.url)
                    let run = try await Self.run(junction, key: key)
                    #expect(run["status"] == "completed", "\(run)")
                    #expect(run["output"] == ["summary": "found"])
                    #expect(run["usage"] == ["input_tokens": 110, "output_tokens": 17])

                    let requests = model.received
                    try #require(requests.count == 2)
                    #expect(requests[0].path == "/v1/messages")
                    #expect(requests[0].headers["x-api-key"] == Self.modelKey)
                    #expect(requests[0].headers["anthropic-version"] == "2023-06-01")
                    let first = requests[0].json
                    #expect(first["system"] == "You look customers up.")
                    #expect(first["max_tokens"]?.intValue != nil)
                    #expect(first["tools"]?[0]?["input_schema"]?["required"] == ["id"])
                    #expect(first["output_config"]?["format"]?["type"] == "json_schema")
                    let messages = requests[1].json["messages"]?.arrayValue ?? []
                    #expect(messages.count == 3)
                    #expect(messages[1]["content"]?[1]?["id"] == "toolu_1", "the assistant turn went back as it came")
                    let result = messages[2]["content"]?[0]
                    #expect(result?["type"] == "tool_result")
                    #expect(result?["tool_use_id"] == "toolu_1")
                    #expect(result?["is_error"] == false)
                    #expect(result?["content"]?.stringValue?.contains("/echo/customers/c-9") == true)
                }
            }
        }
    }

    @Test func aGeminiProtocolModelCallsAConnectorTool() async throws {
        let script: [ScriptedServer.Answer] = [
            .init([
                "candidates": [["content": [
                    "role": "model",
                    "parts": [["functionCall": ["name": "crm__get-customer", "args": ["id": "c-9"]], "thoughtSignature": "sig-1"]],
                ]]],
                "usageMetadata": ["promptTokenCount": 30, "candidatesTokenCount": 4],
            ]),
            .init([
                "candidates": [["content": ["role": "model", "parts": [["text": "{\"summary\":\"ok\"}"]]]]],
                "usageMetadata": ["promptTokenCount": 45, "candidatesTokenCount": 6],
            ]),
        ]
        try await UpstreamServer.with { upstream in
            try await ScriptedServer.with(script: script) { model in
                try await withJunction { junction in
                    let key = try await Self.setUp(junction, upstream: upstream, model: "gemini/gemini-test", base: model.url + "/v1beta")
                    let run = try await Self.run(junction, key: key)
                    #expect(run["status"] == "completed", "\(run)")
                    #expect(run["output"] == ["summary": "ok"])
                    #expect(run["usage"] == ["input_tokens": 75, "output_tokens": 10])

                    let requests = model.received
                    try #require(requests.count == 2)
                    #expect(requests[0].path == "/v1beta/models/gemini-test:generateContent")
                    #expect(requests[0].headers["x-goog-api-key"] == Self.modelKey)
                    let first = requests[0].json
                    #expect(first["systemInstruction"]?["parts"]?[0]?["text"] == "You look customers up.")
                    #expect(first["tools"]?[0]?["functionDeclarations"]?[0]?["name"] == "crm__get-customer")
                    #expect(first["generationConfig"]?["responseMimeType"] == "application/json")
                    let contents = requests[1].json["contents"]?.arrayValue ?? []
                    #expect(contents.count == 3)
                    #expect(contents[1]["parts"]?[0]?["thoughtSignature"] == "sig-1", "the model's turn went back unchanged")
                    let response = contents[2]["parts"]?[0]?["functionResponse"]
                    #expect(response?["name"] == "crm__get-customer")
                    #expect(response?["response"]?["path"] == "/echo/customers/c-9")
                }
            }
        }
    }

    @Test func aToolNamedTwiceIsDeclaredOnceAndAFencedAnswerIsRead() async throws {
        let script: [ScriptedServer.Answer] = [
            .init(["choices": [["message": ["role": "assistant", "content": "Here:\n```json\n{\"summary\": \"fenced\"}\n```\nDone."]]]]),
        ]
        try await UpstreamServer.with { upstream in
            try await ScriptedServer.with(script: script) { model in
                try await withJunction { junction in
                    let key = try await Self.setUp(
                        junction, upstream: upstream, model: "openai/m", base: model.url, agent: ["tools": ["crm", "crm__get-customer"]])
                    let run = try await Self.run(junction, key: key)
                    #expect(run["output"] == ["summary": "fenced"], "\(run)")
                    let names = (model.received.first?.json["tools"]?.arrayValue ?? []).compactMap { $0["function"]?["name"]?.stringValue }
                    #expect(names == ["crm__get-customer", "crm__create-note", "crm__broken"], "each once, in the connector's order")
                }
            }
        }
    }

    @Test func toolErrorsGoBackToTheModelAndTransientProviderFailuresAreRetried() async throws {
        func call(_ name: String, _ arguments: String) -> JSONValue {
            ["choices": [["message": [
                "role": "assistant", "content": nil,
                "tool_calls": [["id": .string("call_\(name)"), "type": "function", "function": ["name": .string(name), "arguments": .string(arguments)]]],
            ]]]]
        }
        let script: [ScriptedServer.Answer] = [
            .init(status: 503, ["error": ["message": "overloaded"]]),
            .init(call("crm__delete-everything", "{}")),
            .init(call("crm__get-customer", "not json")),
            .init(call("crm__get-customer", "{}")),
            .init(["choices": [["message": ["role": "assistant", "content": "{\"summary\":\"gave up\"}"]]]]),
        ]
        try await UpstreamServer.with { upstream in
            try await ScriptedServer.with(script: script) { model in
                try await withJunction { junction in
                    let key = try await Self.setUp(junction, upstream: upstream, model: "openai/m", base: model.url)
                    let run = try await Self.run(junction, key: key)
                    #expect(run["status"] == "completed", "\(run)")
                    #expect(model.received.count == 5, "the 503 was retried")
                    let tools = (run["trace"]?.arrayValue ?? []).filter { $0["type"] == "tool" }
                    #expect(tools.map { $0["error"]?["code"] } == ["not_found", "invalid_input", "invalid_input"])
                    #expect(upstream.count("echo") == 0, "no call reached the upstream")
                    let last = model.received[4].json["messages"]?.arrayValue?.last
                    #expect(last?["content"]?.stringValue?.contains("invalid_input") == true, "the model was told why")
                }
            }
        }
    }

    @Test func failedRunsSayWhy() async throws {
        @Sendable func chat(_ text: String) -> ScriptedServer.Answer {
            .init(["choices": [["message": ["role": "assistant", "content": .string(text)]]]])
        }
        let loop = ScriptedServer.Answer(["choices": [["message": [
            "role": "assistant", "content": nil,
            "tool_calls": [["id": "c", "type": "function", "function": ["name": "crm__get-customer", "arguments": "{\"id\":\"1\"}"]]],
        ]]]])
        try await UpstreamServer.with { upstream in
            // Not JSON; JSON of the wrong shape; a refused key; a model that never stops calling tools;
            // an answer cut off at the token limit (with a half-written tool call); a refusal.
            let cutOff = ScriptedServer.Answer(["choices": [[
                "message": [
                    "role": "assistant", "content": nil,
                    "tool_calls": [["id": "c", "type": "function", "function": ["name": "crm__get-customer", "arguments": "{\"id\":"]]],
                ],
                "finish_reason": "length",
            ]]])
            let refusal = ScriptedServer.Answer(["choices": [["message": ["role": "assistant", "content": nil, "refusal": "I can't help with that."]]]])
            let script: [ScriptedServer.Answer] = [
                chat("Sure! Here it is."), chat("{\"summary\": 3}"),
                .init(status: 401, ["error": ["message": .string("Incorrect API key provided: \(Self.modelKey)")]]), loop, loop,
                cutOff, refusal,
            ]
            try await ScriptedServer.with(script: script) { model in
                try await withJunction { junction in
                    let key = try await Self.setUp(junction, upstream: upstream, model: "openai/m", base: model.url, agent: ["max_steps": 2])
                    let prose = try await Self.run(junction, key: key)
                    #expect(prose["error"]?["code"] == "invalid_output")
                    let shape = try await Self.run(junction, key: key)
                    #expect(shape["error"]?["code"] == "invalid_output")
                    #expect(shape["error"]?["message"]?.stringValue?.contains("summary") == true, "\(shape)")
                    let refused = try await Self.run(junction, key: key)
                    #expect(refused["error"]?["code"] == "authentication_failed")
                    #expect(refused["error"]?["message"]?.stringValue?.contains("Incorrect API key provided") == true, "\(refused)")
                    #expect(!"\(refused)".contains(Self.modelKey))
                    let endless = try await Self.run(junction, key: key)
                    #expect(endless["error"]?["code"] == "max_steps")
                    #expect(Self.steps(endless) == ["model", "tool", "model"], "no tool runs after the last model call")
                    #expect(upstream.count("echo") == 1)
                    let truncated = try await Self.run(junction, key: key)
                    #expect(truncated["error"]?["code"] == "output_truncated")
                    #expect(upstream.count("echo") == 1, "a cut-off tool call is not made")
                    let refused2 = try await Self.run(junction, key: key)
                    #expect(refused2["error"]?["code"] == "refused")
                    #expect(refused2["error"]?["message"]?.stringValue?.contains("I can't help") == true)
                }
            }
            // A model asked for by an agent whose tools or credential are gone fails the run, not the server.
            try await withJunction { junction in
                let key = try await Self.setUp(junction, upstream: upstream, model: "openai/m", base: "http://127.0.0.1:9", agent: ["tools": ["crm__nope"]])
                let run = try await Self.run(junction, key: key)
                #expect(run["error"]?["code"] == "not_found")
            }
        }
    }
}
