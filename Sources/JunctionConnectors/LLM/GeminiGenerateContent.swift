import JunctionCore

/// Gemini `generateContent` (`POST {base_url}/models/MODEL:generateContent`); `base_url` defaults
/// to `https://generativelanguage.googleapis.com/v1beta`.
package struct GeminiGenerateContent: ModelAPI {
    package func request(_ exchange: ModelExchange) throws(JunctionError) -> ModelRequest {
        let contents = exchange.messages(
            user: { input in
                var parts: [JSONValue] = [["text": .string(input.text)]]
                for file in input.attachments {
                    parts.append(["inlineData": ["mimeType": .string(file.mediaType), "data": .string(file.data)]])
                }
                return ["role": "user", "parts": .array(parts)]
            },
            toolResults: { outcomes in
                [["role": "user", "parts": .array(outcomes.map { outcome in
                    // The response must be an object: anything else (and any error) is wrapped.
                    let response: JSONValue = !outcome.isError && outcome.content.objectValue != nil
                        ? outcome.content : [outcome.isError ? "error" : "output": outcome.content]
                    var call: [String: JSONValue] = ["name": .string(outcome.call.name), "response": response]
                    if !outcome.call.id.hasPrefix(Self.madeUpID) { call["id"] = .string(outcome.call.id) }
                    return ["functionResponse": .object(call)]
                })]]
            })
        var body: [String: JSONValue] = ["contents": .array(contents)]
        if let system = exchange.systemPrompt { body["systemInstruction"] = ["parts": [["text": .string(system)]]] }
        if !exchange.tools.isEmpty { body["tools"] = ToolFormat.gemini.render(exchange.tools) }
        // Gemini before 3 refuses a JSON response together with function declarations; the
        // answer is checked against the schema here either way.
        if let schema = exchange.outputSchema, exchange.tools.isEmpty || !exchange.model.name.hasPrefix("gemini-2") {
            body["generationConfig"] = ["responseMimeType": "application/json", "responseJsonSchema": schema]
        }
        var headers = [("Content-Type", "application/json")]
        if let key = exchange.apiKey { headers.append(("x-goog-api-key", key)) }
        let path = "/models/\(PercentEncoding.encodeComponent(exchange.model.name)):generateContent"
        return ModelRequest(
            url: ModelRequest.url(base: exchange.model.baseURL, default: "https://generativelanguage.googleapis.com/v1beta", path: path),
            headers: headers, body: .object(body))
    }

    package func assistantMessage(_ text: String) -> JSONValue {
        ["role": "model", "parts": [["text": .string(text)]]]
    }

    package func turn(from answer: JSONValue) throws(JunctionError) -> ModelTurn {
        guard let content = answer["candidates"]?.arrayValue?.first?["content"], let parts = content["parts"]?.arrayValue else {
            let reason = answer["promptFeedback"]?["blockReason"]?.stringValue
                ?? answer["candidates"]?.arrayValue?.first?["finishReason"]?.stringValue
            throw JunctionError(.upstreamError, "The model gave no answer\(reason.map { " (\($0))" } ?? "").")
        }
        var text = ""
        var calls: [ToolCall] = []
        for part in parts {
            if let call = part["functionCall"] {
                let arguments = call["args"] ?? [:]
                calls.append(ToolCall(
                    id: call["id"]?.stringValue ?? "\(Self.madeUpID)\(calls.count)", name: call["name"]?.stringValue ?? "",
                    arguments: arguments.objectValue != nil ? arguments : nil))
            } else if let piece = part["text"]?.stringValue, part["thought"]?.boolValue != true {
                text += piece
            }
        }
        let usage = answer["usageMetadata"]
        return ModelTurn(
            text: text, toolCalls: calls,
            usage: Run.Usage(
                inputTokens: usage?["promptTokenCount"]?.intValue ?? 0,
                // Thinking models count their thoughts apart; they are output all the same.
                outputTokens: (usage?["candidatesTokenCount"]?.intValue ?? 0) + (usage?["thoughtsTokenCount"]?.intValue ?? 0)),
            message: content, truncated: answer["candidates"]?[0]?["finishReason"] == "MAX_TOKENS")
    }

    /// The prefix of ids made up for calls the model gave none (not sent back).
    private static let madeUpID = "junction-call-"
}
