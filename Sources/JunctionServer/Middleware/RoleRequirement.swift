import HTTPTypes
import JunctionCore

/// The least key role each route needs (see `KeyRole`): tool calls (and finding the key's own
/// tenant) need `invoke`; keys, policy changes and approval decisions need `admin`; everything
/// else under `/api/v1` needs `operator`.
/// Platform keys are admins.
enum RoleRequirement {
    static func role(for method: HTTPRequest.Method, path: String) -> KeyRole {
        let segments = path.split(separator: "/")
        if segments.first == "mcp" { return .invoke }
        guard segments.count >= 3, segments[0] == "api", segments[1] == "v1" else { return .operator }
        let rest = segments.dropFirst(2)
        switch (method, Array(rest)) {
        // Listing tenants finds a key's own (the CLI asks which tenant it acts in).
        case (.post, ["invoke"]), (.get, ["tools"]), (.get, ["tenants"]): return .invoke
        case (.post, let parts) where parts.count == 5 && parts[0] == "connectors" && parts[2] == "resources" && parts[4] == "invoke":
            return .invoke
        case (.get, let parts) where parts.count == 3 && parts[0] == "connectors" && parts[2] == "resources":
            return .invoke
        case (_, let parts) where parts.first == "keys": return .admin
        case (.put, ["policies"]): return .admin
        case (.post, let parts) where parts.count == 3 && parts[0] == "approvals" && (parts[2] == "approve" || parts[2] == "deny"):
            return .admin
        case (let method, let parts) where parts.first == "tenants" && method != .get: return .admin
        default: return .operator
        }
    }
}
