import AsyncHTTPClient
import JunctionCore

/// An error answer from the Junction API, or the failure to get any answer (status 0).
public struct JunctionAPIError: Error, Sendable, CustomStringConvertible {
    /// The HTTP status; 0 when no answer arrived.
    public var status: Int
    /// The stable error code, e.g. `.notFound`, `.unauthorized`; for failures without an
    /// answer, `.timeout` or `.connectionFailed` (the codes of envelopes and runs, one vocabulary).
    public var code: ErrorCode
    /// The server's message.
    public var message: String
    /// The input field at fault, if any.
    public var field: String?
    /// Extra detail, such as the connectors blocking a delete.
    public var details: JSONValue?
    /// The underlying error, for failures without an answer.
    public var cause: (any Error)?

    /// An error with the given parts.
    public init(
        status: Int, code: ErrorCode, message: String, field: String? = nil, details: JSONValue? = nil,
        cause: (any Error)? = nil
    ) {
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.details = details
        self.cause = cause
    }

    /// The error an answer with `status` and the API's error body
    /// `{"error":{"code","message","field","details"}}` stands for; `http_STATUS` when the body
    /// has none.
    init(status: Int, body: JSONValue) {
        let error = body["error"]
        self.init(
            status: status,
            code: ErrorCode(rawValue: error?["code"]?.stringValue ?? "http_\(status)"),
            message: error?["message"]?.stringValue ?? "HTTP \(status)",
            field: error?["field"]?.stringValue,
            details: error?["details"]
        )
    }

    /// A request to `url` that got no answer: `timeout` when a deadline passed, else
    /// `connection_failed`.
    init(transport error: any Error, method: String, url: String) {
        let timeouts: [HTTPClientError] = [.deadlineExceeded, .connectTimeout, .readTimeout, .writeTimeout]
        let timedOut = (error as? HTTPClientError).map(timeouts.contains) ?? false
        self.init(
            status: 0, code: timedOut ? .timeout : .connectionFailed,
            message: "\(method) \(url) got no answer: \(error)", cause: error)
    }

    /// `code: message (field: field)`.
    public var description: String {
        "\(code): \(message)" + (field.map { " (field: \($0))" } ?? "")
    }
}
