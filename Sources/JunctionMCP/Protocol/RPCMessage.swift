import JunctionCore

/// One JSON-RPC message from an MCP client, as MCP allows them: a single object (batches
/// went with 2025-06-18), `"jsonrpc": "2.0"`, an id that is a string or an integer.
enum RPCMessage: Sendable {
    /// A request, owed exactly one answer.
    case request(RPCRequest)
    /// A notification, never answered.
    case notification(method: String, params: [String: JSONValue])
    /// A client's answer to a server request; Junction sends none, so there is nothing to do.
    case response

    /// The message in `bytes`, or why it cannot be taken (and which id the refusal answers).
    static func parse(_ bytes: some Collection<UInt8>) -> Result<RPCMessage, RPCRefusal> {
        guard let json = try? JSONValue(parsing: bytes) else { return .failure(RPCRefusal(id: .null, error: .parseError())) }
        return read(json)
    }

    /// The message `json` is, or why it cannot be taken.
    static func read(_ json: JSONValue) -> Result<RPCMessage, RPCRefusal> {
        guard case .object(let fields) = json else {
            let message = json.arrayValue != nil
                ? "Batches are not supported: send one message at a time."
                : "A message must be a JSON object, not \(json.typeName)."
            return .failure(RPCRefusal(id: .null, error: .invalidRequest(message)))
        }
        let id = fields["id"]
        if let id, !isAllowed(id) {
            return .failure(RPCRefusal(id: .null, error: .invalidRequest("An id must be a string or an integer, not \(kind(of: id)).")))
        }
        let answerID = id ?? .null
        guard fields["jsonrpc"] == "2.0" else {
            return .failure(RPCRefusal(id: answerID, error: .invalidRequest(#"A message must say "jsonrpc": "2.0"."#)))
        }
        guard let methodValue = fields["method"] else {
            if id != nil, fields["result"] != nil || fields["error"] != nil { return .success(.response) }
            return .failure(RPCRefusal(
                id: answerID, error: .invalidRequest("A message needs a method (a request or notification) or a result or error (a response).")))
        }
        guard case .string(let method) = methodValue else {
            return .failure(RPCRefusal(id: answerID, error: .invalidRequest("The method must be a string.")))
        }
        let params: [String: JSONValue]
        switch fields["params"] {
        case nil: params = [:]
        case .object(let members)?: params = members
        default: return .failure(RPCRefusal(id: answerID, error: .invalidParams("params must be an object.")))
        }
        guard let id else { return .success(.notification(method: method, params: params)) }
        return .success(.request(RPCRequest(id: id, method: method, params: params)))
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

/// A JSON-RPC request.
struct RPCRequest: Sendable {
    let id: JSONValue
    let method: String
    /// The parameters (empty when the request has none).
    let params: [String: JSONValue]

    /// `params._meta`, if it is an object.
    var meta: [String: JSONValue]? { params["_meta"]?.objectValue }
}

/// A message Junction cannot take: the error, answering `id` (`null` when none could be read).
struct RPCRefusal: Error {
    let id: JSONValue
    let error: RPCError
}

/// The messages Junction sends, written as compact JSON.
enum RPCWire {
    /// A result answering `id`.
    static func result(id: JSONValue, _ result: JSONValue) -> [UInt8] {
        var bytes = Array(#"{"jsonrpc":"2.0","id":"#.utf8)
        bytes.reserveCapacity(256)
        id.write(to: &bytes)
        bytes += #","result":"#.utf8
        result.write(to: &bytes)
        bytes.append(UInt8(ascii: "}"))
        return bytes
    }

    /// An error answering `id`.
    static func error(id: JSONValue, _ error: RPCError) -> [UInt8] {
        var bytes = Array(#"{"jsonrpc":"2.0","id":"#.utf8)
        id.write(to: &bytes)
        bytes += #","error":"#.utf8
        error.json.write(to: &bytes)
        bytes.append(UInt8(ascii: "}"))
        return bytes
    }

    /// An answer to `id`: the result or the error.
    static func answer(id: JSONValue, _ outcome: Result<JSONValue, RPCError>) -> [UInt8] {
        switch outcome {
        case .success(let value): result(id: id, value)
        case .failure(let failure): error(id: id, failure)
        }
    }

    /// A notification.
    static func notification(_ method: String, params: JSONValue? = nil) -> [UInt8] {
        var message: [String: JSONValue] = ["jsonrpc": "2.0", "method": .string(method)]
        if let params { message["params"] = params }
        return JSONValue.object(message).jsonBytes
    }
}
