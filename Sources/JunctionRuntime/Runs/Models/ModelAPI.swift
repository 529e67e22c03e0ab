import Foundation
import JunctionCore

/// One model provider's HTTP protocol: how a conversation becomes a request, and how an answer
/// becomes a turn. Providers differ only here; the tool-calling loop is ``LLMRunner``'s.
protocol ModelAPI: Sendable {
    /// The request asking the model for its next turn.
    func request(_ exchange: ModelExchange) throws(JunctionError) -> ModelRequest
    /// The model's turn in a successful answer; `upstream_error` when it has none.
    func turn(from answer: JSONValue) throws(JunctionError) -> ModelTurn
}

/// Everything one model call sends.
struct ModelExchange: Sendable {
    var model: AgentDefinition.Model
    /// The provider key, when the agent names a credential.
    var apiKey: String?
    var systemPrompt: String?
    var transcript: [ModelMessage]
    var tools: [ToolDefinition]
    /// Sent as the provider's structured-output option.
    var outputSchema: JSONValue?
}

extension ModelExchange {
    /// The transcript in a provider's format: user input and tool results as `user` and
    /// `toolResults` render them, model turns as the provider wrote them.
    func messages(user: (ModelInput) -> JSONValue, toolResults: ([ToolOutcome]) -> [JSONValue]) -> [JSONValue] {
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
struct ModelRequest: Sendable {
    var url: String
    var headers: [(String, String)]
    var body: JSONValue
}

/// One entry of a conversation, in no provider's format.
enum ModelMessage: Sendable {
    /// What the run was given.
    case user(ModelInput)
    /// A turn of the model, sent back as the provider wrote it.
    case assistant(ModelTurn)
    /// What the tools the model called answered, in the order of its calls.
    case toolResults([ToolOutcome])
}

/// The run's input as the model sees it: text, and files as inline attachments.
struct ModelInput: Sendable {
    /// A file the trigger carried (a webhook's multipart upload).
    struct Attachment: Sendable {
        var filename: String
        var mediaType: String
        /// The content, base64.
        var data: String

        /// The file for a model that takes only text: a text file's content, else a note.
        var asText: String {
            if mediaType.hasPrefix("text/") || mediaType == "application/json", let bytes = Data(base64Encoded: data) {
                return "Attachment '\(filename)':\n\(String(decoding: bytes, as: UTF8.self))"
            }
            return "(Attachment '\(filename)' of type \(mediaType) cannot be shown to this model.)"
        }
    }

    var text: String
    var attachments: [Attachment]

    /// A string input as its text; anything else as JSON text, with `_files` taken out as attachments.
    init(_ input: JSONValue) {
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
struct ModelTurn: Sendable {
    var text: String
    var toolCalls: [ToolCall]
    var usage: Run.Usage
    /// The provider's own message, sent back unchanged in later requests (it may carry
    /// provider state such as Gemini's thought signatures).
    var message: JSONValue
    /// Whether the answer was cut off at the token limit.
    var truncated = false
    /// Why the model declined to answer, when it did.
    var refusal: String?
}

/// A tool call the model asked for.
struct ToolCall: Sendable {
    /// The provider's id for the call (made up for providers without one).
    var id: String
    var name: String
    /// The arguments, or `nil` when the model's text was not a JSON object.
    var arguments: JSONValue?
}

/// What a tool call answered: the data of a successful call, or its error.
struct ToolOutcome: Sendable {
    var call: ToolCall
    var content: JSONValue
    var isError: Bool

    /// The content as the text most providers take.
    var text: String { StructuredOutput.text(content) }
}

extension ModelRequest {
    /// `base` (or `default` when the agent gives no `base_url`) joined with `path`.
    static func url(base: String?, default defaultBase: String, path: String) -> String {
        var base = base ?? defaultBase
        while base.hasSuffix("/") { base.removeLast() }
        return base + path
    }
}
