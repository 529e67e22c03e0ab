import Foundation
import HTTPTypes
import JunctionCore

/// What a 2026-07-28 request says about itself in `params._meta`: its protocol version and
/// the client capabilities it relies on (both required), and who the client is.
struct ModernEnvelope: Sendable {
    static let protocolVersionKey = "io.modelcontextprotocol/protocolVersion"
    static let clientCapabilitiesKey = "io.modelcontextprotocol/clientCapabilities"
    static let clientInfoKey = "io.modelcontextprotocol/clientInfo"
    static let serverInfoKey = "io.modelcontextprotocol/serverInfo"
    static let subscriptionIDKey = "io.modelcontextprotocol/subscriptionId"

    let protocolVersion: String
    let clientCapabilities: JSONValue
    let clientInfo: JSONValue?

    /// Whether the client can open a URL for its user (`elicitation.url`).
    var acceptsURLElicitation: Bool { clientCapabilities["elicitation"]?["url"]?.objectValue != nil }

    /// Checks `request` in the order the specification gives, the first failure winning: the
    /// required `_meta` keys (`-32602`), then on HTTP the headers mirroring the body
    /// (`-32020`), then the version (`-32022`).
    static func check(_ request: RPCRequest, headers: HTTPFields?) -> Result<ModernEnvelope, RPCError> {
        guard let meta = request.meta else {
            return .failure(.invalidParams(
                "params._meta must be an object carrying '\(protocolVersionKey)' and '\(clientCapabilitiesKey)'."))
        }
        let missing = [protocolVersionKey, clientCapabilitiesKey].filter { meta[$0] == nil }
        guard missing.isEmpty, let version = meta[protocolVersionKey], let capabilities = meta[clientCapabilitiesKey] else {
            return .failure(.invalidParams("params._meta is missing \(missing.joined(separator: " and "))."))
        }
        if let headers, let mismatch = MirroredHeaders.mismatch(headers, request: request, version: version) {
            return .failure(mismatch)
        }
        guard case .string(let protocolVersion) = version else {
            return .failure(.invalidParams("'\(protocolVersionKey)' must be a string."))
        }
        guard MCPRevision.isModern(protocolVersion) else { return .failure(.unsupportedVersion(version)) }
        guard capabilities.objectValue != nil else {
            return .failure(.invalidParams("'\(clientCapabilitiesKey)' must be an object."))
        }
        return .success(ModernEnvelope(protocolVersion: protocolVersion, clientCapabilities: capabilities, clientInfo: meta[clientInfoKey]))
    }
}

/// The Streamable HTTP headers that mirror a request's body so that intermediaries can route
/// without reading it: `MCP-Protocol-Version`, `Mcp-Method` and, for the calls that name
/// something, `Mcp-Name` (Base64-wrapped as `=?base64?…?=` when not plain ASCII).
enum MirroredHeaders {
    static let protocolVersion = HTTPField.Name("MCP-Protocol-Version")!
    static let method = HTTPField.Name("Mcp-Method")!
    static let name = HTTPField.Name("Mcp-Name")!

    /// The body member each naming method mirrors in `Mcp-Name`.
    static let namedBy = ["tools/call": "name", "prompts/get": "name", "resources/read": "uri"]

    /// The `-32020` error if a header is missing, repeated, unreadable or disagrees with the body.
    static func mismatch(_ headers: HTTPFields, request: RPCRequest, version: JSONValue) -> RPCError? {
        for field in [protocolVersion, method, name] where headers[values: field].count > 1 {
            return .headerMismatch("The \(field.canonicalName) header is given more than once.")
        }
        guard let sentVersion = headers[protocolVersion] else {
            return .headerMismatch("The MCP-Protocol-Version header is missing.")
        }
        guard version == .string(sentVersion) else {
            return .headerMismatch("The MCP-Protocol-Version header does not match the request's '\(ModernEnvelope.protocolVersionKey)'.")
        }
        guard let sentMethod = headers[method] else { return .headerMismatch("The Mcp-Method header is missing.") }
        guard sentMethod == request.method else {
            return .headerMismatch("The Mcp-Method header '\(sentMethod.prefix(100))' does not match the body's method '\(request.method.prefix(100))'.")
        }
        guard let member = namedBy[request.method], let bodyValue = request.params[member]?.stringValue else { return nil }
        guard let sentName = headers[name] else {
            return .headerMismatch("The Mcp-Name header is missing: \(request.method) must name its '\(member)' in it.")
        }
        guard let decoded = decode(sentName) else {
            return .headerMismatch("The Mcp-Name header is neither plain visible ASCII nor a =?base64?…?= value.")
        }
        guard decoded == bodyValue else {
            return .headerMismatch("The Mcp-Name header does not match the body's '\(member)'.")
        }
        return nil
    }

    /// A header value as sent: plain visible ASCII as is, the Base64 sentinel form decoded.
    static func decode(_ value: String) -> String? {
        if value.hasPrefix("=?base64?"), value.hasSuffix("?="), value.utf8.count >= 11 {
            let payload = value.dropFirst("=?base64?".count).dropLast(2)
            return Data(base64Encoded: String(payload)).flatMap { String(data: $0, encoding: .utf8) }
        }
        return value.utf8.allSatisfy { $0 == 0x09 || (0x20...0x7E).contains($0) } ? value : nil
    }

    /// `value` as a client writes it in a header: as is when plain visible ASCII without edge
    /// spaces, otherwise (and when it looks like the sentinel itself) Base64-wrapped.
    static func encode(_ value: String) -> String {
        let plain = value.utf8.allSatisfy { (0x20...0x7E).contains($0) } && value.first != " " && value.last != " "
            && !(value.hasPrefix("=?base64?") && value.hasSuffix("?="))
        return plain ? value : "=?base64?" + Data(value.utf8).base64EncodedString() + "?="
    }
}
