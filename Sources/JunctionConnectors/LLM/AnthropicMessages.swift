import Foundation
import JunctionCore

/// Anthropic Messages (`POST {base_url}/v1/messages`, version `2023-06-01`); `base_url` defaults
/// to `https://api.anthropic.com`.
package struct AnthropicMessages: ModelAPI {
    /// The most tokens one answer may have (the API requires a limit).
    package static let maxTokens = 4096

    package func request(_ exchange: ModelExchange) throws(JunctionError) -> ModelRequest {
        let messages = exchange.messages(
            user: { ["role": "user", "content": Self.content($0)] },
            toolResults: { outcomes in
                [["role": "user", "content": .array(outcomes.map { outcome in
                    [
                        "type": "tool_result", "tool_use_id": .string(outcome.call.id), "content": .string(outcome.text),
                        "is_error": .bool(outcome.isError),
                    ]
                })]]
            })
        var body: [String: JSONValue] = [
            "model": .string(exchange.model.name), "max_tokens": .integer(Self.maxTokens), "messages": .array(messages),
        ]
        if let system = exchange.systemPrompt { body["system"] = .string(system) }
        if !exchange.tools.isEmpty { body["tools"] = ToolFormat.anthropic.render(exchange.tools) }
        if let schema = exchange.outputSchema {
            body["output_config"] = ["format": ["type": "json_schema", "schema": schema]]
        }
        var headers = [("Content-Type", "application/json"), ("anthropic-version", "2023-06-01")]
        if let key = exchange.apiKey { headers.append(("x-api-key", key)) }
        return ModelRequest(
            url: ModelRequest.url(base: exchange.model.baseURL, default: "https://api.anthropic.com", path: "/v1/messages"),
            headers: headers, body: .object(body))
    }

    package func assistantMessage(_ text: String) -> JSONValue {
        ["role": "assistant", "content": .string(text)]
    }

    package func turn(from answer: JSONValue) throws(JunctionError) -> ModelTurn {
        guard let blocks = answer["content"]?.arrayValue else {
            throw JunctionError(.upstreamError, "The model's answer has no content.")
        }
        var text = ""
        var calls: [ToolCall] = []
        for block in blocks {
            switch block["type"]?.stringValue {
            case "text":
                text += block["text"]?.stringValue ?? ""
            case "tool_use":
                let input = block["input"] ?? [:]
                calls.append(ToolCall(
                    id: block["id"]?.stringValue ?? "toolu_\(calls.count)", name: block["name"]?.stringValue ?? "",
                    arguments: input.objectValue != nil ? input : nil))
            default:
                break
            }
        }
        let usage = answer["usage"]
        return ModelTurn(
            text: text, toolCalls: calls,
            usage: Run.Usage(inputTokens: usage?["input_tokens"]?.intValue ?? 0, outputTokens: usage?["output_tokens"]?.intValue ?? 0),
            message: ["role": "assistant", "content": .array(blocks)], truncated: answer["stop_reason"] == "max_tokens",
            refusal: answer["stop_reason"] == "refusal" ? (text.isEmpty ? "no reason given" : text) : nil)
    }

    /// Text alone as a string; with files, content blocks (images, PDFs and text documents).
    private static func content(_ input: ModelInput) -> JSONValue {
        guard !input.attachments.isEmpty else { return .string(input.text) }
        var blocks: [JSONValue] = [["type": "text", "text": .string(input.text)]]
        for file in input.attachments {
            let base64: JSONValue = ["type": "base64", "media_type": .string(file.mediaType), "data": .string(file.data)]
            if file.mediaType.hasPrefix("image/") {
                blocks.append(["type": "image", "source": base64])
            } else if file.mediaType == "application/pdf" {
                blocks.append(["type": "document", "source": base64, "title": .string(file.filename)])
            } else {
                blocks.append(["type": "text", "text": .string(file.asText)])
            }
        }
        return .array(blocks)
    }
}
