import JunctionCore

extension Junction {
    /// Per-call options of an action call, sent as the request's `options`; unset options
    /// leave the connector's own settings in force.
    ///
    /// The server validates them: a bad value throws ``JunctionAPIError`` `invalid_input`
    /// naming the field, e.g. `options.retries`.
    public struct InvokeOptions: Sendable, Hashable {
        /// The name of a credential to use instead of the connector's (`credential`).
        public var credential: String?
        /// A per-attempt timeout instead of the connector's (`timeout_ms`, rounded up to whole
        /// milliseconds; 1 ms to 10 minutes).
        public var timeout: Duration?
        /// How many retries of retryable failures instead of the connector's `max_retries`
        /// (`retries`, 0–10).
        public var retries: Int?
        /// Answer from the resource's mock, without any network call (`mock`; default false).
        public var mock: Bool
        /// Headers sent upstream that win over any credential (`headers`; default none).
        public var headers: [String: String]

        /// Options that override only what is given.
        public init(
            credential: String? = nil, timeout: Duration? = nil, retries: Int? = nil, mock: Bool = false,
            headers: [String: String] = [:]
        ) {
            self.credential = credential
            self.timeout = timeout
            self.retries = retries
            self.mock = mock
            self.headers = headers
        }

        /// The options as the server reads them: `{credential, timeout_ms, retries, mock, headers}`,
        /// with only the options that are set.
        public var json: JSONValue {
            var members: [String: JSONValue] = [:]
            members["credential"] = credential.map(JSONValue.string)
            members["timeout_ms"] = timeout.map { .integer(Self.milliseconds($0)) }
            members["retries"] = retries.map(JSONValue.integer)
            if mock { members["mock"] = true }
            if !headers.isEmpty { members["headers"] = .object(headers.mapValues(JSONValue.string)) }
            return .object(members)
        }

        /// `duration` in whole milliseconds, rounded up so that a positive duration is never 0.
        static func milliseconds(_ duration: Duration) -> Int {
            let (seconds, attoseconds) = duration.components
            let perMillisecond: Int64 = 1_000_000_000_000_000
            let (whole, rest) = attoseconds.quotientAndRemainder(dividingBy: perMillisecond)
            return Int(seconds * 1000 + whole + (rest > 0 ? 1 : 0))
        }
    }
}
