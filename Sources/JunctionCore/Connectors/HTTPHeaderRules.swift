/// What Junction accepts as HTTP header names and values in configuration.
public enum HTTPHeaderRules {
    /// Header names that carry credentials; plain (non-secret) configuration may not set them.
    public static let credentialHeaderNames: Set<String> = [
        "authorization", "proxy-authorization", "cookie", "x-api-key", "api-key", "x-auth-token",
    ]

    /// Whether `name` is an RFC 9110 token (`!#$%&'*+-.^_`|~`, digits and letters).
    public static func isToken(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"):
                return true
            default:
                return "!#$%&'*+-.^_`|~".utf8.contains(byte)
            }
        }
    }

    /// Whether `value` is safe to send as a header value (no CR, LF or NUL).
    public static func isSafeValue(_ value: String) -> Bool {
        !value.utf8.contains { $0 == 0x0D || $0 == 0x0A || $0 == 0x00 }
    }

    /// Checks every header, naming `path.NAME` on failure.
    public static func check(_ headers: [String: JSONValue], allowCredentials: Bool, path: String) throws(JunctionError) {
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) {
            let field = "\(path).\(name.prefix(80))"
            guard isToken(name) else { throw .invalidInput("'\(name.prefix(80))' is not a valid header name.", field: field) }
            guard isSafeValue(value.stringValue ?? "") else {
                throw .invalidInput("Header values must not contain line breaks.", field: field)
            }
            if !allowCredentials && credentialHeaderNames.contains(name.lowercased()) {
                throw .invalidInput("The '\(name)' header carries a secret: put it in a credential instead.", field: field)
            }
        }
    }
}
