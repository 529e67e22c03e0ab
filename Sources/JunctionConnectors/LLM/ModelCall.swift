import Foundation
import JunctionCore

/// One model call over HTTP: the provider's request sent through the shared pools and the
/// address guard, attempted again after transient failures, its answer read as the model's
/// turn. Shared by `llm` agents and the `llm` connector type.
package struct ModelCall: Sendable {
    package let sender: HTTPSender
    /// How long one attempt may take.
    package var timeout: Duration
    /// Extra attempts after transient failures (refused connections, 429, 500, 502–504, 529).
    package var retries: Int

    package init(sender: HTTPSender, timeout: Duration, retries: Int) {
        self.sender = sender
        self.timeout = timeout
        self.retries = retries
    }

    /// The provider's protocol for `provider`.
    package static func api(for provider: AgentDefinition.Model.Provider) -> any ModelAPI {
        switch provider {
        case .openai: OpenAIChat()
        case .anthropic: AnthropicMessages()
        case .gemini: GeminiGenerateContent()
        }
    }

    /// Asks the model of `exchange` for its next turn.
    package func ask(_ api: any ModelAPI, _ exchange: ModelExchange) async throws -> ModelTurn {
        let request = try api.request(exchange)
        let body = Array(try JSONCoding.encode(request.body))
        let context = "the model provider (\(exchange.model.provider.rawValue))"
        var attempt = 0
        while true {
            do {
                let answer = try await sender.post(request.url, headers: request.headers, body: body, timeout: timeout, context: context)
                guard answer.isSuccess else { throw Self.failure(answer, context: context, apiKey: exchange.apiKey) }
                guard let json = answer.json else {
                    throw JunctionError(.upstreamError, "\(context) answered something other than JSON.")
                }
                return try api.turn(from: json)
            } catch let error as JunctionError where error.retryable && attempt < retries {
                attempt += 1
                let pause = error.retryAfter.map { min($0, .seconds(30)) } ?? .milliseconds(500 * (1 << attempt))
                try await Task.sleep(for: pause)
            }
        }
    }

    /// The error for an unsuccessful answer, with the provider's own message when it gives one
    /// (the key taken out, should the provider quote it).
    private static func failure(_ answer: HTTPSender.Answer, context: String, apiKey: String?) -> JunctionError {
        var error = answer.failure(context: context)
        error.upstreamBody = nil
        if answer.status == 500 || answer.status == 529 { error.retryable = true }
        let json = answer.json
        let said = json?["error"]?["message"]?.stringValue ?? json?["error"]?.stringValue ?? json?["message"]?.stringValue
        if var said = said.map({ String($0.prefix(500)) }) {
            if let apiKey, !apiKey.isEmpty { said = said.replacingOccurrences(of: apiKey, with: "[redacted]") }
            error.message += " It said: \(said)"
        }
        return error
    }

    /// `text` as JSON, also when it is the first Markdown code fence in the text.
    package static func json(in text: String) -> JSONValue? {
        let body = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if let value = try? JSONCoding.decode(Array(body.utf8)) { return value }
        guard let open = body.range(of: "```") else { return nil }
        var fenced = body[open.upperBound...]
        // The fence's language tag (```json) runs to the end of its line.
        if let newline = fenced.firstIndex(of: "\n"), !fenced[..<newline].contains("{"), !fenced[..<newline].contains("[") {
            fenced = fenced[fenced.index(after: newline)...]
        }
        if let close = fenced.range(of: "```") { fenced = fenced[..<close.lowerBound] }
        return try? JSONCoding.decode(Array(fenced.utf8))
    }
}
