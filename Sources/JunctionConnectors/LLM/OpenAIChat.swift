import JunctionCore

/// OpenAI Chat Completions (`POST {base_url}/chat/completions`), also spoken by Ollama, vLLM and
/// llama.cpp's server; `base_url` defaults to `https://api.openai.com/v1`.
package struct OpenAIChat: ModelAPI {
    package func request(_ exchange: ModelExchange) throws(JunctionError) -> ModelRequest {
        var messages: [JSONValue] = exchange.systemPrompt.map { [["role": "system", "content": .string($0)]] } ?? []
        messages += exchange.messages(
            user: { ["role": "user", "content": Self.content($0)] },
            toolResults: { outcomes in
                outcomes.map { ["role": "tool", "tool_call_id": .string($0.call.id), "content": .string($0.text)] }
            })
        var body: [String: JSONValue] = ["model": .string(exchange.model.name), "messages": .array(messages)]
        if !exchange.tools.isEmpty { body["tools"] = ToolFormat.openai.render(exchange.tools) }
        if let schema = exchange.outputSchema {
            body["response_format"] = [
                "type": "json_schema",
                // Not strict: strict mode demands every property be required, which would
                // change the meaning of the agent's schema.
                "json_schema": ["name": "output", "schema": schema, "strict": false],
            ]
        }
        var headers = [("Content-Type", "application/json")]
        if let key = exchange.apiKey { headers.append(("Authorization", "Bearer \(key)")) }
        return ModelRequest(
            url: ModelRequest.url(base: exchange.model.baseURL, default: "https://api.openai.com/v1", path: "/chat/completions"),
            headers: headers, body: .object(body))
    }

    package func assistantMessage(_ text: String) -> JSONValue {
        ["role": "assistant", "content": .string(text)]
    }

    package func turn(from answer: JSONValue) throws(JunctionError) -> ModelTurn {
        guard let message = answer["choices"]?.arrayValue?.first?["message"], message.objectValue != nil else {
            throw JunctionError(.upstreamError, "The model's answer has no choices[0].message.")
        }
        var calls: [ToolCall] = []
        var echoedCalls: [JSONValue] = []
        for (index, call) in (message["tool_calls"]?.arrayValue ?? []).enumerated() {
            let text = call["function"]?["arguments"]?.stringValue ?? "{}"
            let arguments = text.isEmpty ? [:] : (try? JSONCoding.decode(Array(text.utf8))).flatMap { $0.objectValue != nil ? $0 : nil }
            let id = call["id"]?.stringValue ?? "call_\(index)"
            calls.append(ToolCall(id: id, name: call["function"]?["name"]?.stringValue ?? "", arguments: arguments))
            // A compatible server that gave no id gets the one made up here back, matching the tool messages.
            var echoed = call.objectValue ?? [:]
            echoed["id"] = .string(id)
            echoedCalls.append(.object(echoed))
        }
        // Sent back with only the fields every compatible server accepts.
        var echoed: [String: JSONValue] = ["role": "assistant", "content": message["content"] ?? .null]
        if !echoedCalls.isEmpty { echoed["tool_calls"] = .array(echoedCalls) }
        let usage = answer["usage"]
        return ModelTurn(
            text: message["content"]?.stringValue ?? "", toolCalls: calls,
            usage: Run.Usage(inputTokens: usage?["prompt_tokens"]?.intValue ?? 0, outputTokens: usage?["completion_tokens"]?.intValue ?? 0),
            message: .object(echoed), truncated: answer["choices"]?[0]?["finish_reason"] == "length",
            refusal: message["refusal"]?.stringValue)
    }

    /// Text alone as a string; with files, content parts (images as image URLs, other files as file parts).
    private static func content(_ input: ModelInput) -> JSONValue {
        guard !input.attachments.isEmpty else { return .string(input.text) }
        var parts: [JSONValue] = [["type": "text", "text": .string(input.text)]]
        for file in input.attachments {
            let dataURL = JSONValue.string("data:\(file.mediaType);base64,\(file.data)")
            if file.mediaType.hasPrefix("image/") {
                parts.append(["type": "image_url", "image_url": ["url": dataURL]])
            } else if file.mediaType == "application/pdf" {
                parts.append(["type": "file", "file": ["filename": .string(file.filename), "file_data": dataURL]])
            } else {
                parts.append(["type": "text", "text": .string(file.asText)])
            }
        }
        return .array(parts)
    }
}
