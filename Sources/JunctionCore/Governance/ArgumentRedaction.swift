/// Removes from a call's arguments what must never be stored (in the audit log or an approval):
/// the members named by the policy's `audit.redact` paths, the properties the resource's input
/// schema marks `writeOnly: true` or `format: password`, headers whose names say they carry a
/// secret (`Authorization`, `Cookie`, `X-API-Key`, any name with `token`, `secret`, `key`,
/// `session`, `signature`, `password`, in any case), and any credential value.
public struct ArgumentRedaction: Sendable {
    /// Paths below `data`, read as policy conditions read them (structured and flat alike).
    public var paths: [[String]]

    public init(paths: [[String]]) {
        self.paths = paths
    }

    /// `data` with every such member replaced by `"[redacted]"`.
    public func redact(_ data: JSONValue, isStructured: Bool, inputSchema: JSONValue, secrets: [String]) -> JSONValue {
        var result = data
        var names: [String] = []
        for (name, property) in inputSchema["properties"]?.objectValue ?? [:]
        where property["writeOnly"]?.boolValue == true || property["format"]?.stringValue == "password" {
            names.append(name)
        }
        for (name, property) in inputSchema["properties"]?.objectValue ?? [:]
        where property["x-in"]?.stringValue == "header" && Self.isSecretHeader(name) {
            names.append(name)
        }
        let marker = JSONValue.string(JSONValue.redactionMarker)
        if isStructured, case .object(var members) = result, case .object(var headers)? = members["headers"] {
            for header in headers.keys where Self.isSecretHeader(header) { headers[header] = marker }
            members["headers"] = .object(headers)
            result = .object(members)
        }
        for name in names {
            if isStructured {
                for part in ["path", "query", "headers", "body"] { Self.replace([part, name][...], in: &result, with: marker) }
            } else {
                Self.replace([name][...], in: &result, with: marker)
            }
        }
        for path in paths {
            let parts: Set<String> = ["path", "query", "headers", "body"]
            if isStructured {
                Self.replace(path[...], in: &result, with: marker)
                if !parts.contains(path[0]) {
                    for part in parts { Self.replace([part][...] + path, in: &result, with: marker) }
                }
            } else {
                Self.replace(path[...], in: &result, with: marker)
                if path.count > 1, parts.contains(path[0]) { Self.replace(path.dropFirst(), in: &result, with: marker) }
            }
        }
        return secrets.isEmpty ? result : result.redacting(secrets)
    }

    /// Whether a header of this name likely carries a secret.
    static func isSecretHeader(_ name: String) -> Bool {
        let lowered = name.lowercased()
        return ["auth", "token", "secret", "key", "cookie", "password", "passwd", "session", "signature", "credential"]
            .contains { lowered.contains($0) }
    }

    /// Replaces the member at `path` when it exists.
    private static func replace(_ path: ArraySlice<String>, in value: inout JSONValue, with replacement: JSONValue) {
        guard let first = path.first else {
            value = replacement
            return
        }
        switch value {
        case .object(var members):
            guard var member = members[first] else { return }
            members[first] = nil
            replace(path.dropFirst(), in: &member, with: replacement)
            members[first] = member
            value = .object(members)
        case .array(var items):
            guard let index = Int(first), items.indices.contains(index) else { return }
            replace(path.dropFirst(), in: &items[index], with: replacement)
            value = .array(items)
        default:
            return
        }
    }
}
