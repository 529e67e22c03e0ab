import Foundation
import HTTPTypes
import JunctionCore
import JunctionServer
import JunctionTesting
import Testing

/// A real model end to end: llama.cpp's OpenAI-compatible server with SmolLM2-135M
/// (`Tests/Peers/smollm2_server.py`) answers a question a sync webhook asks, in the agent's
/// output schema.
@Suite(.enabled(if: PythonPeer.isAvailable, "needs JUNCTION_TEST_PYTHON (scripts/test)"))
struct RealModelTests {
    static func peerScript() throws -> String {
        let path = try PeerScripts.url("smollm2_server.py").path
        return """
            import runpy, sys
            PATH = \(String(decoding: try JSONCoding.encode(JSONValue.string(path)), as: UTF8.self))
            sys.argv = [PATH, sys.argv[1]]
            runpy.run_path(PATH, run_name="__main__")
            """
    }

    @Test func aSyncWebhookGetsARealModelsAnswerInTheSchema() async throws {
        try await PythonPeer.with(script: try Self.peerScript()) { model in
            try await withJunction { junction in
                let tenant = try await junction.createTenant("acme")
                // The server listens before the model is loaded: wait for its /health, through Junction's own invoke path.
                let health = try await junction.request(.post, "/api/v1/connectors", key: tenant.key, json: [
                    "connector_name": "llama", "connector_type": "http", "connection_url": .string(model.url), "max_retries": 0,
                    "options": ["resources": [["slug": "health", "path": "/health"]]],
                ])
                #expect(health.status == .created)
                let deadline = ContinuousClock.now + .seconds(60)
                while ContinuousClock.now < deadline {
                    let answer = try await junction.request(.post, "/api/v1/connectors/llama/resources/health/invoke", key: tenant.key, json: [:])
                    if answer.json["success"] == true { break }
                    try await Task.sleep(for: .milliseconds(200))
                }

                let agent: JSONValue = [
                    "name": "oracle", "type": "llm", "model": "openai/smollm2", "base_url": .string(model.url + "/v1"),
                    "system_prompt": "You answer questions briefly.", "max_steps": 2,
                    "output_schema": ["type": "object", "required": ["answer"], "properties": ["answer": ["type": "string"]]],
                ]
                #expect(try await junction.request(.post, "/api/v1/agents", key: tenant.key, json: agent).status == .created)
                let hook = try await WebhookTests.webhook(junction, key: tenant.key, name: "ask", mode: "sync")
                #expect(try await junction.request(.post, "/api/v1/agents/oracle/links/ask", key: tenant.key).status == .created)

                let answer = try await junction.request(
                    .post, try WebhookTests.path(of: hook), key: nil, json: ["question": "What is the capital of France?"],
                    headers: WebhookTests.headers(["X-Junction-Secret": hook["secret"]?.stringValue ?? ""]))
                #expect(answer.status == .ok, "\(answer.text)")
                let result = try #require(answer.json["result"])
                #expect(result["status"] == "completed", "\(result)")
                let text = try #require(result["output"]?["answer"]?.stringValue, "\(result)")
                #expect(!text.isEmpty)

                let run = try await junction.request(.get, "/api/v1/runs/\(result["run_id"]?.stringValue ?? "")", key: tenant.key).json
                #expect(run["trace"]?[0]?["type"] == "model")
                #expect((run["usage"]?["input_tokens"]?.intValue ?? 0) > 0)
                #expect((run["usage"]?["output_tokens"]?.intValue ?? 0) > 0)
            }
        }
    }
}
