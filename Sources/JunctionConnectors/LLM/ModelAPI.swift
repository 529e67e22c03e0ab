import Foundation
import JunctionCore

/// One model provider's HTTP protocol: how a conversation becomes a request, and how an answer
/// becomes a turn. Providers differ only here; the tool-calling loop is ``LLMRunner``'s.
package protocol ModelAPI: Sendable {
    /// The request asking the model for its next turn.
    func request(_ exchange: ModelExchange) throws(JunctionError) -> ModelRequest
    /// The model's turn in a successful answer; `upstream_error` when it has none.
    func turn(from answer: JSONValue) throws(JunctionError) -> ModelTurn
    /// An earlier answer of the model, given as text, in the provider's message format.
    func assistantMessage(_ text: String) -> JSONValue
}

/// Everything one model call sends.
package struct ModelExchange: Sendable {
    package var model: AgentDefinition.Model
    /// The provider key, when the agent names a credential.
    package var apiKey: String?
    package var systemPrompt: String?
    package var transcript: [ModelMessage]
    package var tools: [ToolDefinition]
    /// Sent as the provider's structured-output option.
    package var outputSchema: JSONValue?

    package init(
        model: AgentDefinition.Model, apiKey: String?, systemPrompt: String?, transcript: [ModelMessage], tools: [ToolDefinition] = [],
        outputSchema: JSONValue? = nil
    ) {
        self.model = model
        self.apiKey = apiKey
        self.systemPrompt = systemPrompt
        self.transcript = transcript
        self.tools = tools
        self.outputSchema = outputSchema
    }
}

extension ModelExchange {
    /// The transcript in a provider's format: user input and tool results as `user` and
    /// `toolResults` render them, model turns as the provider wrote them.
    package func messages(user: (ModelInput) -> JSONValue, toolResults: ([ToolOutcome]) -> [JSONValue]) -> [JSONValue] {
        var messages: [JSONValue] = []
        for entry in transcript {
            switch entry {
            case .user(let input): messages.append(user(input))
            case .assistant(let turn): messages.append(turn.message)
            case .toolResults(let outcomes): messages += toolResults(outcomes)
            }
        }
        return messages
    }
}

/// An HTTP request to a model provider.
package struct ModelRequest: Sendable {
    package var url: String
    package var headers: [(String, String)]
    package var body: JSONValue
}

/// One entry of a conversation, in no provider's format.
package enum ModelMessage: Sendable {
    /// What the run was given.
    case user(ModelInput)
    /// A turn of the model, sent back as the provider wrote it.
    case assistant(ModelTurn)
    /// What the tools the model called answered, in the order of its calls.
    case toolResults([ToolOutcome])
}

/// The run's input as the model sees it: text, and files as inline attachments.
package struct ModelInput: Sendable {
    /// A file the trigger carried (a webhook's multipart upload).
    package struct Attachment: Sendable {
        package var filename: String
        package var mediaType: String
        /// The content, base64.
        package var data: String

        /// The file for a model that takes only text: a text file's content, else a note.
        package var asText: String {
            if mediaType.hasPrefix("text/") || mediaType == "application/json", let bytes = Data(base64Encoded: data) {
                return "Attachment '\(filename)':\n\(String(decoding: bytes, as: UTF8.self))"
            }
            return "(Attachment '\(filename)' of type \(mediaType) cannot be shown to this model.)"
        }
    }

    package var text: String
    package var attachments: [Attachment]

    /// A string input as its text; anything else as JSON text, with `_files` taken out as attachments.
    package init(_ input: JSONValue) {
        var input = input
        attachments = []
        if case .object(var members) = input, let files = members.removeValue(forKey: RequestInput.filesKey)?.arrayValue {
            attachments = files.compactMap { file in
                guard let data = file["data"]?.stringValue else { return nil }
                return Attachment(
                    filename: file["filename"]?.stringValue ?? "file",
                    mediaType: file["content_type"]?.stringValue ?? "application/octet-stream", data: data)
            }
            input = .object(members)
        }
        switch input {
        case .string(let text): self.text = text
        case .null: self.text = "(no input)"
        default: self.text = StructuredOutput.text(input)
        }
    }
}

/// One answer of the model: its text, the tools it calls, and the tokens it used.
package struct ModelTurn: Sendable {
    package var text: String
    package var toolCalls: [ToolCall]
    package var usage: Run.Usage
    /// The provider's own message, sent back unchanged in later requests (it may carry
    /// provider state such as Gemini's thought signatures).
    package var message: JSONValue
    /// Whether the answer was cut off at the token limit.
    package var truncated = false
    /// Why the model declined to answer, when it did.
    package var refusal: String?

    package init(
        text: String, toolCalls: [ToolCall], usage: Run.Usage, message: JSONValue, truncated: Bool = false, refusal: String? = nil
    ) {
        self.text = text
        self.toolCalls = toolCalls
        self.usage = usage
        self.message = message
        self.truncated = truncated
        self.refusal = refusal
    }
}

/// A tool call the model asked for.
package struct ToolCall: Sendable {
    /// The provider's id for the call (made up for providers without one).
    package var id: String
    package var name: String
    /// The arguments, or `nil` when the model's text was not a JSON object.
    package var arguments: JSONValue?
}

/// What a tool call answered: the data of a successful call, or its error.
package struct ToolOutcome: Sendable {
    package var call: ToolCall
    package var content: JSONValue
    package var isError: Bool

    package init(call: ToolCall, content: JSONValue, isError: Bool) {
        self.call = call
        self.content = content
        self.isError = isError
    }

    /// The content as the text most providers take.
    package var text: String { StructuredOutput.text(content) }
}

extension ModelRequest {
    /// `base` (or `default` when the agent gives no `base_url`) joined with `path`.
    package static func url(base: String?, default defaultBase: String, path: String) -> String {
        var base = base ?? defaultBase
        while base.hasSuffix("/") { base.removeLast() }
        return base + path
    }
}
