import Foundation

/// An LLM provider's way of declaring tools in a request.
public enum ToolFormat: String, Sendable, CaseIterable {
    /// OpenAI Chat Completions: `[{"type":"function","function":{"name","description","parameters"}}]`.
    case openai
    /// Anthropic Messages: `[{"name","description","input_schema"}]`.
    case anthropic
    /// Gemini `generateContent`: `[{"functionDeclarations":[{"name","description","parameters"}]}]`,
    /// the parameters translated by ``GeminiSchema`` and left out for a tool without any.
    case gemini

    /// The most tools one request may declare, where the provider documents a limit
    /// (OpenAI: 128 per request).
    public var maximumTools: Int? {
        switch self {
        case .openai: 128
        case .anthropic, .gemini: nil
        }
    }

    /// The longest description sent, in Unicode scalars (OpenAI's limit for a function's).
    public static let maximumDescriptionLength = 1024

    /// The value of the provider request's `tools` field declaring `tools`. Descriptions fall back
    /// to the title (then the name) when empty and are cut to ``maximumDescriptionLength``.
    public func render(_ tools: [ToolDefinition]) -> JSONValue {
        switch self {
        case .openai:
            .array(tools.map { tool in
                ["type": "function", "function": declaration(tool, schemaKey: "parameters", schema: tool.inputSchema)]
            })
        case .anthropic:
            .array(tools.map { declaration($0, schemaKey: "input_schema", schema: $0.inputSchema) })
        case .gemini:
            tools.isEmpty ? [] : [["functionDeclarations": .array(tools.map { tool in
                // Gemini documents leaving `parameters` unset for a function without any.
                let parameters = GeminiSchema.translate(tool.inputSchema)
                let schema: JSONValue? = parameters["properties"] == nil ? .none : parameters  // not `nil`: that is `.null`
                return declaration(tool, schemaKey: "parameters", schema: schema)
            })]]
        }
    }

    private func declaration(_ tool: ToolDefinition, schemaKey: String, schema: JSONValue?) -> JSONValue {
        var members: [String: JSONValue] = ["name": .string(tool.name), "description": .string(Self.description(of: tool))]
        members[schemaKey] = schema
        return .object(members)
    }

    /// The tool's description, else its title, else its name; trimmed and cut to the limit.
    static func description(of tool: ToolDefinition) -> String {
        let text = [tool.description, tool.title, tool.name]
            .lazy.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.first { !$0.isEmpty } ?? tool.name
        guard text.unicodeScalars.count > maximumDescriptionLength else { return text }
        var scalars = String.UnicodeScalarView(text.unicodeScalars.prefix(maximumDescriptionLength - 1))
        scalars.append("…")
        return String(scalars)
    }
}
