import JunctionCore

/// Conversations as JSON, so that an `llm` run waiting for an approval can stop and go on
/// later, on any server, with the very transcript it had.
extension ModelMessage {
    package var checkpoint: JSONValue {
        switch self {
        case .user(let input):
            return [
                "user": .string(input.text),
                "attachments": .array(input.attachments.map { ["filename": .string($0.filename), "media_type": .string($0.mediaType), "data": .string($0.data)] }),
            ]
        case .assistant(let turn):
            return ["assistant": turn.checkpoint]
        case .toolResults(let outcomes):
            return ["tool_results": .array(outcomes.map(\.checkpoint))]
        }
    }

    package init(checkpoint: JSONValue) throws(JunctionError) {
        if let text = checkpoint["user"]?.stringValue {
            var input = ModelInput(.string(text))
            input.attachments = (checkpoint["attachments"]?.arrayValue ?? []).map {
                .init(filename: $0["filename"]?.stringValue ?? "file", mediaType: $0["media_type"]?.stringValue ?? "", data: $0["data"]?.stringValue ?? "")
            }
            self = .user(input)
        } else if let turn = checkpoint["assistant"] {
            self = .assistant(try ModelTurn(checkpoint: turn))
        } else if let outcomes = checkpoint["tool_results"]?.arrayValue {
            self = .toolResults(try outcomes.map { value throws(JunctionError) in try ToolOutcome(checkpoint: value) })
        } else {
            throw .internal("A run's checkpoint holds an unknown message.")
        }
    }
}

extension ModelTurn {
    package var checkpoint: JSONValue {
        [
            "text": .string(text), "tool_calls": .array(toolCalls.map(\.checkpoint)),
            "usage": ["input_tokens": .integer(usage.inputTokens), "output_tokens": .integer(usage.outputTokens)],
            "message": message, "truncated": .bool(truncated),
        ]
    }

    package init(checkpoint: JSONValue) throws(JunctionError) {
        self.init(
            text: checkpoint["text"]?.stringValue ?? "",
            toolCalls: try (checkpoint["tool_calls"]?.arrayValue ?? []).map { value throws(JunctionError) in try ToolCall(checkpoint: value) },
            usage: Run.Usage(
                inputTokens: checkpoint["usage"]?["input_tokens"]?.intValue ?? 0, outputTokens: checkpoint["usage"]?["output_tokens"]?.intValue ?? 0),
            message: checkpoint["message"] ?? .null, truncated: checkpoint["truncated"]?.boolValue ?? false)
    }
}

extension ToolCall {
    package var checkpoint: JSONValue {
        ["id": .string(id), "name": .string(name), "arguments": arguments ?? .null]
    }

    package init(checkpoint: JSONValue) throws(JunctionError) {
        guard let id = checkpoint["id"]?.stringValue, let name = checkpoint["name"]?.stringValue else {
            throw .internal("A run's checkpoint holds a tool call without id or name.")
        }
        let arguments = checkpoint["arguments"]
        self.init(id: id, name: name, arguments: arguments?.isNull == false ? arguments : nil)
    }
}

extension ToolOutcome {
    package var checkpoint: JSONValue {
        ["call": call.checkpoint, "content": content, "is_error": .bool(isError)]
    }

    package init(checkpoint: JSONValue) throws(JunctionError) {
        self.init(
            call: try ToolCall(checkpoint: checkpoint["call"] ?? .null), content: checkpoint["content"] ?? .null,
            isError: checkpoint["is_error"]?.boolValue ?? false)
    }
}
