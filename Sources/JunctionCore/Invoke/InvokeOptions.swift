/// Per-call options of an action call (`options` in the request body).
public struct InvokeOptions: Sendable, Hashable {
    /// A credential to use instead of the connector's.
    public var credential: Slug?
    /// A per-attempt timeout instead of the connector's `timeout_ms`.
    public var timeout: Duration?
    /// How many retries instead of the connector's `max_retries`.
    public var retries: Int?
    /// Answer from the resource's mock, without any network call.
    public var mock: Bool
    /// Headers that win over any credential.
    public var headers: [String: String]

    public init(
        credential: Slug? = nil, timeout: Duration? = nil, retries: Int? = nil, mock: Bool = false,
        headers: [String: String] = [:]
    ) {
        self.credential = credential
        self.timeout = timeout
        self.retries = retries
        self.mock = mock
        self.headers = headers
    }

    /// Parses `options` from a request body, naming `options.FIELD` on failure.
    public init(json: JSONValue?) throws(JunctionError) {
        self.init()
        guard let json, !json.isNull else { return }
        var reader = try FieldReader(json, field: "options")
        credential = try reader.slug("credential")
        timeout = try reader.int("timeout_ms", in: 1...600_000).map { .milliseconds($0) }
        retries = try reader.int("retries", in: 0...10)
        mock = try reader.bool("mock") ?? false
        if let headers = try reader.object("headers") {
            try HTTPHeaderRules.check(headers, allowCredentials: true, path: "options.headers")
            for (name, value) in headers {
                guard let text = value.stringValue else {
                    throw .invalidInput("Header values must be strings.", field: "options.headers.\(name)")
                }
                self.headers[name] = text
            }
        }
        try reader.finish()
    }
}
