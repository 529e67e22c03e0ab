/// Component schemas (`$defs`) that many schemas share: a template keeps each once and gives
/// every resource schema the ones it refers to, so that each schema a tool shows is
/// self-contained while the stored template holds a component once, however many
/// operations use it. The values are shared, not copied, in memory.
public enum SchemaDefinitions {
    /// The members of `definitions` that `schema` refers to as `#/$defs/NAME`, directly or
    /// through another definition.
    public static func referenced(by schema: JSONValue, in definitions: [String: JSONValue]) -> [String: JSONValue] {
        var needed: [String: JSONValue] = [:]
        var pending = references(in: schema)
        while let name = pending.popLast() {
            guard needed[name] == nil, let definition = definitions[name] else { continue }
            needed[name] = definition
            pending += references(in: definition)
        }
        return needed
    }

    /// `schema` with the members of `definitions` it refers to added to its own `$defs` (its
    /// own win); unchanged when it refers to none or is not an object.
    public static func attaching(_ definitions: [String: JSONValue], to schema: JSONValue) -> JSONValue {
        guard case .object(var object) = schema else { return schema }
        let needed = referenced(by: schema, in: definitions)
        guard !needed.isEmpty else { return schema }
        let own = object["$defs"]?.objectValue ?? [:]
        object["$defs"] = .object(needed.merging(own) { _, own in own })
        return .object(object)
    }

    /// `schema` without its `$defs`, which are moved into `shared`; a definition whose name
    /// `shared` already holds with another value stays in the schema.
    public static func extracting(from schema: JSONValue, into shared: inout [String: JSONValue]) -> JSONValue {
        guard case .object(var object) = schema, let own = object["$defs"]?.objectValue else { return schema }
        var kept: [String: JSONValue] = [:]
        for (name, definition) in own {
            if let known = shared[name], known != definition {
                kept[name] = definition
            } else {
                shared[name] = definition
            }
        }
        object["$defs"] = kept.isEmpty ? nil : .object(kept)
        return .object(object)
    }

    private static func references(in value: JSONValue) -> [String] {
        switch value {
        case .object(let object):
            var names: [String] = []
            if let reference = object["$ref"]?.stringValue, reference.hasPrefix("#/$defs/") {
                names.append(String(reference.dropFirst("#/$defs/".count)))
            }
            for (key, member) in object where key != "$defs" { names += references(in: member) }
            return names
        case .array(let items):
            return items.flatMap(references(in:))
        default:
            return []
        }
    }
}
