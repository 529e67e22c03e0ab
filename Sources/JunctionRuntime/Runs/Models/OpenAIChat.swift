import JunctionCore

/// OpenAI Chat Completions (`POST {base_url}/chat/completions`), also spoken by Ollama, vLLM and
/// llama.cpp's server; `base_url` defaults to `https://api.openai.com/v1`.
struct OpenAIChat: ModelAPI {
    func request(_ exchange: ModelExchange) throws(JunctionError) -> ModelRequest {
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

    func turn(from answer: JSONValue) throws(JunctionError) -> ModelTurn {
        guard let message = answer["choices"]?.arrayValue?.first?["message"], message.objectValue != nil else {
            throw JunctionError(.upstreamError, "The model's answer has no choices[0].message.")
        }
        let calls = (message["tool_calls"]?.arrayValue ?? []).enumerated().map { index, call in
            let text = call["function"]?["arguments"]?.stringValue ?? "{}"
            let arguments = (try? JSONCoding.decode(Array(text.utf8))).flatMap { $0.objectValue != nil ? $0 : nil }
            return ToolCall(
                id: call["id"]?.stringValue ?? "call_\(index)", name: call["function"]?["name"]?.stringValue ?? "",
                arguments: text.isEmpty ? [:] : arguments)
        }
        // Sent back with only the fields every compatible server accepts.
        var echoed: [String: JSONValue] = ["role": "assistant", "content": message["content"] ?? .null]
        if let toolCalls = message["tool_calls"], !(toolCalls.arrayValue?.isEmpty ?? true) { echoed["tool_calls"] = toolCalls }
        let usage = answer["usage"]
        return ModelTurn(
            text: message["content"]?.stringValue ?? "", toolCalls: calls,
            usage: Run.Usage(inputTokens: usage?["prompt_tokens"]?.intValue ?? 0, outputTokens: usage?["completion_tokens"]?.intValue ?? 0),
            message: .object(echoed))
    }

    /// Text alone as a string; with files, content parts (images as image URLs, other files as file parts).
    private static func content(_ input: ModelInput) -> JSONValue {
        guard !input.attachments.isEmpty else { return .string(input.text) }
        var parts: [JSONValue] = [["type": "text", "text": .string(input.text)]]
        for file in input.attachments {
            let dataURL = JSONValue.string("data:\(file.mediaType);base64,\(file.data)")
            if file.mediaType.hasPrefix("image/") {
                parts.append(["type": "image_url", "image_url": ["url": dataURL]])
            } else {
                parts.append(["type": "file", "file": ["filename": .string(file.filename), "file_data": dataURL]])
            }
        }
        return .array(parts)
    }
}
