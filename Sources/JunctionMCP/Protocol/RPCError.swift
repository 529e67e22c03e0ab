import JunctionCore

/// A JSON-RPC error as MCP defines its codes: the standard ones (`-32700`, `-32600` to
/// `-32603`) and those the 2026-07-28 revision reserves (`-32020` to `-32022`).
public struct RPCError: Error, Sendable, Hashable {
    /// The JSON-RPC error code.
    public let code: Int
    /// A sentence saying what was wrong and, where it helps, what to do.
    public let message: String
    /// Structured detail (the supported versions of `-32022`, the missing capabilities of `-32021`).
    public let data: JSONValue?

    public init(code: Int, message: String, data: JSONValue? = nil) {
        self.code = code
        self.message = message
        self.data = data
    }

    /// `-32700`: the message is not JSON.
    public static func parseError(_ message: String = "Parse error: the message is not JSON.") -> RPCError {
        RPCError(code: -32700, message: message)
    }

    /// `-32600`: JSON, but not a JSON-RPC request MCP accepts.
    public static func invalidRequest(_ message: String) -> RPCError {
        RPCError(code: -32600, message: message)
    }

    /// `-32601`: no such method (in this protocol revision).
    public static func methodNotFound(_ method: String) -> RPCError {
        RPCError(code: -32601, message: "Method not found: \(method.prefix(100))")
    }

    /// `-32602`: the method's parameters are wrong.
    public static func invalidParams(_ message: String) -> RPCError {
        RPCError(code: -32602, message: message)
    }

    /// `-32603`: Junction failed to answer.
    public static func internalError(_ message: String) -> RPCError {
        RPCError(code: -32603, message: message)
    }

    /// `-32020`: the HTTP headers do not match the message, or a required one is missing.
    public static func headerMismatch(_ message: String) -> RPCError {
        RPCError(code: -32020, message: message)
    }

    /// `-32021`: answering needs a client capability the request did not declare.
    public static func missingCapability(_ capabilities: JSONValue, _ message: String) -> RPCError {
        RPCError(code: -32021, message: message, data: ["requiredCapabilities": capabilities])
    }

    /// `-32022`: the requested protocol version is not one Junction serves.
    public static func unsupportedVersion(_ requested: JSONValue) -> RPCError {
        RPCError(
            code: -32022, message: "Unsupported protocol version",
            data: ["supported": .array(MCPRevision.supported.map(JSONValue.string)), "requested": requested])
    }

    /// The HTTP status a 2026-07-28 answer carrying this error has (the transport's rules):
    /// 400 for a malformed or mismatched request, 404 for an unknown method, 200 otherwise.
    public var httpStatus: Int {
        switch code {
        case -32700, -32600, -32602, -32020, -32021, -32022: 400
        case -32601: 404
        default: 200
        }
    }

    /// The JSON-RPC `error` member.
    public var json: JSONValue {
        var error: [String: JSONValue] = ["code": .integer(code), "message": .string(message)]
        if let data { error["data"] = data }
        return .object(error)
    }
}
