/// The one answer shape of every action call:
/// `{"success", "data", "error", "metadata"}`. The server encodes it; the Swift SDK decodes it.
public struct InvokeEnvelope: Sendable, Codable {
    /// Facts about the call, on success and failure alike.
    public struct Metadata: Sendable, Codable {
        /// The connector's name (or template slug).
        public var connector: String
        /// The resource's slug.
        public var resource: String
        /// The tenant's id.
        public var tenant: String
        /// The upstream status, when the type has one and an answer arrived.
        public var status: Int?
        /// Wall time of the whole call, in milliseconds.
        public var durationMilliseconds: Int
        /// How many times the upstream was called (0 for mocks and rejected calls).
        public var attempts: Int
        /// Whether the answer came from the resource's mock.
        public var mock: Bool
        /// The request id, also in `X-Request-Id`.
        public var requestID: String

        public init(
            connector: String, resource: String, tenant: String, status: Int? = nil, durationMilliseconds: Int = 0,
            attempts: Int = 0, mock: Bool = false, requestID: String
        ) {
            self.connector = connector
            self.resource = resource
            self.tenant = tenant
            self.status = status
            self.durationMilliseconds = durationMilliseconds
            self.attempts = attempts
            self.mock = mock
            self.requestID = requestID
        }

        enum CodingKeys: String, CodingKey {
            case connector, resource, tenant, status, attempts, mock
            case durationMilliseconds = "duration_ms"
            case requestID = "request_id"
        }

        /// The metadata as it is answered.
        public var json: JSONValue {
            .object([
                "connector": .string(connector), "resource": .string(resource), "tenant": .string(tenant),
                "status": status.map(JSONValue.integer) ?? .null, "duration_ms": .integer(durationMilliseconds),
                "attempts": .integer(attempts), "mock": .bool(mock), "request_id": .string(requestID),
            ])
        }

        public func encode(to encoder: any Encoder) throws {
            try json.encode(to: encoder)
        }
    }

    /// What went wrong, when `success` is false.
    public struct Failure: Sendable, Codable {
        /// A stable code such as `upstream_error`.
        public var code: ErrorCode
        /// A message fit for the caller; never a secret.
        public var message: String
        /// Whether repeating the call may succeed.
        public var retryable: Bool
        /// The upstream's status, when the upstream answered.
        public var upstreamStatus: Int?
        /// The input field at fault, for `invalid_input`.
        public var field: String?
        /// Structured detail, such as where a person can resolve the failure (`url`, e.g.
        /// to grant an `approval_required` call).
        public var details: JSONValue?

        public init(
            code: ErrorCode, message: String, retryable: Bool = false, upstreamStatus: Int? = nil, field: String? = nil,
            details: JSONValue? = nil
        ) {
            self.code = code
            self.message = message
            self.retryable = retryable
            self.upstreamStatus = upstreamStatus
            self.field = field
            self.details = details
        }

        enum CodingKeys: String, CodingKey {
            case code, message, retryable, field, details
            case upstreamStatus = "upstream_status"
        }

        /// The failure as it is answered (`field` only when there is one).
        public var json: JSONValue {
            var members: [String: JSONValue] = [
                "code": .string(code.rawValue), "message": .string(message), "retryable": .bool(retryable),
                "upstream_status": upstreamStatus.map(JSONValue.integer) ?? .null,
            ]
            if let field { members["field"] = .string(field) }
            if let details { members["details"] = details }
            return .object(members)
        }

        public func encode(to encoder: any Encoder) throws {
            try json.encode(to: encoder)
        }
    }

    /// Whether the action succeeded.
    public var success: Bool
    /// The action's output; on an upstream failure, the upstream's answer body.
    public var payload: JSONPayload?
    /// The failure, when `success` is false.
    public var error: Failure?
    /// Facts about the call.
    public var metadata: Metadata

    /// The output as a value (an upstream's text is parsed on each read).
    public var data: JSONValue? {
        get { payload?.value }
        set { payload = newValue.map(JSONPayload.value) }
    }

    public init(success: Bool, data: JSONValue?, error: Failure?, metadata: Metadata) {
        self.init(success: success, payload: data.map(JSONPayload.value), error: error, metadata: metadata)
    }

    public init(success: Bool, payload: JSONPayload?, error: Failure?, metadata: Metadata) {
        self.success = success
        self.payload = payload
        self.error = error
        self.metadata = metadata
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            success: try container.decode(Bool.self, forKey: .success),
            data: try container.decodeIfPresent(JSONValue.self, forKey: .data),
            error: try container.decodeIfPresent(Failure.self, forKey: .error),
            metadata: try container.decode(Metadata.self, forKey: .metadata))
    }

    /// A successful answer.
    public static func success(_ data: JSONValue, metadata: Metadata) -> InvokeEnvelope {
        success(.value(data), metadata: metadata)
    }

    /// A successful answer whose output may be an upstream's text, answered as it came.
    public static func success(_ payload: JSONPayload, metadata: Metadata) -> InvokeEnvelope {
        InvokeEnvelope(success: true, payload: payload, error: nil, metadata: metadata)
    }

    /// A failed answer built from `error`.
    public static func failure(_ error: JunctionError, metadata: Metadata) -> InvokeEnvelope {
        var metadata = metadata
        if metadata.status == nil { metadata.status = error.upstreamStatus }
        return InvokeEnvelope(
            success: false,
            data: error.upstreamBody,
            error: Failure(
                code: error.code, message: error.message, retryable: error.retryable,
                upstreamStatus: error.upstreamStatus, field: error.field, details: error.details),
            metadata: metadata
        )
    }

    enum CodingKeys: String, CodingKey {
        case success, data, error, metadata
    }

    /// The envelope as it is answered: `data` always on success; on failure `error`, and
    /// `data` only when the upstream's answer body is known.
    public var json: JSONValue {
        var members = membersButData
        if let shownPayload { members["data"] = shownPayload.value }
        return .object(members)
    }

    /// The envelope as JSON text (the text of `json`, but an upstream's text as it came),
    /// handed to `sink` in pieces: an upstream's text is one piece, not copied.
    public func writeJSON(_ sink: (ArraySlice<UInt8>) -> Void) {
        var text: [UInt8] = [UInt8(ascii: "{")]
        // Keys in sorted order: data, error, metadata, success.
        if let shownPayload {
            text.append(contentsOf: #""data":"#.utf8)
            if case .text(let upstream) = shownPayload {
                sink(text[...])
                sink(upstream.bytes[...])
                text.removeAll(keepingCapacity: true)
            } else {
                shownPayload.write(to: &text)
            }
            text.append(UInt8(ascii: ","))
        }
        // The other members continue the object begun above: their own opening brace is dropped.
        text.append(contentsOf: JSONValue.object(membersButData).jsonBytes.dropFirst())
        sink(text[...])
    }

    /// The envelope's JSON text in one array (see `writeJSON`).
    public var jsonBytes: [UInt8] {
        var bytes: [UInt8] = []
        writeJSON { bytes.append(contentsOf: $0) }
        return bytes
    }

    /// The data answered: always on success (`null` when there is none), on failure only when known.
    private var shownPayload: JSONPayload? {
        success ? (payload ?? .value(.null)) : payload
    }

    private var membersButData: [String: JSONValue] {
        var members: [String: JSONValue] = ["success": .bool(success), "metadata": metadata.json]
        if !success { members["error"] = error?.json ?? .null }
        return members
    }

    public func encode(to encoder: any Encoder) throws {
        try json.encode(to: encoder)
    }
}
