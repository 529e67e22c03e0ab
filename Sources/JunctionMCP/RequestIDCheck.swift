import JunctionCore
import MCP

/// JSON-RPC ids as MCP allows them: a string or an integer, never `null`, a boolean, a
/// fraction, an array or an object. The swift-sdk's server neither answers a request with any
/// other id nor lets its stream end, so such a message is refused before it reaches a session.
enum RequestIDCheck {
    /// The `-32600` answer (id `null`, HTTP 400) for `message`, one message or a batch, if any
    /// request or response in it has an id of a type MCP does not allow; `nil` otherwise.
    static func refusal(of message: JSONValue) -> MCP.HTTPResponse? {
        let members = message.arrayValue ?? [message]
        guard let offending = members.lazy.compactMap({ $0.objectValue?["id"] }).first(where: { !isAllowed($0) }) else {
            return nil
        }
        return .error(statusCode: 400, .invalidRequest("An id must be a string or an integer, not \(kind(of: offending))."))
    }

    /// Whether `id` is an id MCP allows.
    static func isAllowed(_ id: JSONValue) -> Bool {
        switch id {
        case .string, .integer: true
        default: false
        }
    }

    private static func kind(of id: JSONValue) -> String {
        switch id {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a fraction"
        case .array: "an array"
        case .object: "an object"
        case .string, .integer: "a string or an integer"
        }
    }
}
