/// Action input given in its structured form, `{"path": {…}, "query": {…}, "headers": {…},
/// "body": …}`, rather than as flat fields.
public enum StructuredInput {
    static let parts: Set<String> = ["path", "query", "headers", "body"]

    /// Whether `data` is structured: it has only those members, `path`, `query` and `headers`
    /// are objects, and the resource's schema does not itself name any of them as a field (so a
    /// flat field called `query` stays a field).
    public static func isStructured(_ data: JSONValue, schema: JSONValue) -> Bool {
        guard case .object(let members) = data, !members.isEmpty, members.keys.allSatisfy(parts.contains) else {
            return false
        }
        for key in ["path", "query", "headers"] where members[key] != nil && members[key]?.objectValue == nil {
            return false
        }
        let declared = schema["properties"]?.objectValue ?? [:]
        return !members.keys.contains { declared[$0] != nil }
    }

    /// The flat fields of structured input: the members of `path`, `query`, `headers` and of
    /// an object `body`, for validation against the resource's schema.
    public static func flattened(_ data: JSONValue) -> JSONValue {
        var flat: [String: JSONValue] = [:]
        for key in ["body", "headers", "query", "path"] {
            for (name, value) in data[key]?.objectValue ?? [:] { flat[name] = value }
        }
        return .object(flat)
    }
}
