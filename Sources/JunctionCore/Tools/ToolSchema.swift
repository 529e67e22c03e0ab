/// Turns a connector resource's JSON Schema into the schema a model sees for a tool.
public enum ToolSchema {
    /// `schema` without Junction's internal keywords: every keyword starting with `x-` (such as
    /// the `x-in` placement annotation) and `$schema`.
    ///
    /// The walk follows the schema's structure: it enters only keywords whose values are
    /// subschemas (`properties`, `items`, `anyOf`, `$defs`, `if`, …), so a property *named*
    /// `x-foo` is kept, and data keywords (`enum`, `const`, `default`, `examples`) are untouched.
    public static func cleaned(_ schema: JSONValue) -> JSONValue {
        guard case .object(let members) = schema else { return schema }
        var result: [String: JSONValue] = [:]
        for (key, value) in members where !key.hasPrefix("x-") && key != "$schema" {
            result[key] = mapSubschemas(of: key, value, cleaned)
        }
        return .object(result)
    }

    /// `schema` cleaned and shaped as every provider wants tool arguments:
    /// `{"type":"object","properties":{…}}` at the top level.
    ///
    /// A schema with `"type":"object"` gets `"properties":{}` when it has none. A schema without
    /// `type` counts as an object schema (and gets `"type":"object"`) unless it says otherwise
    /// with `$ref`, `allOf`, `anyOf`, `oneOf`, `not`, `if`, `enum`, `const`, `items` or
    /// `prefixItems`; `true` counts as `{}`. Any other schema (a string, an array, a union) is
    /// wrapped as the single required member `input`:
    /// `{"type":"object","properties":{"input":SCHEMA},"required":["input"]}`, with its `$defs`
    /// and `definitions` moved up to the wrapper so `#/$defs/…` references still resolve. The
    /// arguments of such a tool carry the actual value under `input`.
    public static func objectSchema(_ schema: JSONValue) -> JSONValue {
        var members: [String: JSONValue]
        switch cleaned(schema) {
        case .bool(true): members = [:]
        case .object(let object): members = object
        case let other: return wrapped(other, as: "input")
        }
        guard isObjectSchema(.object(members)) else { return wrapped(.object(members), as: "input") }
        members["type"] = "object"
        if members["properties"]?.objectValue == nil { members["properties"] = [:] }
        return .object(members)
    }

    /// Whether `schema` describes a plain object (see ``objectSchema(_:)``); arguments for a
    /// tool whose input schema is not one carry the value under `input`.
    public static func isObjectSchema(_ schema: JSONValue) -> Bool {
        if case .bool(true) = schema { return true }
        guard let members = schema.objectValue else { return false }
        return members["type"] == "object" || (members["type"] == nil && nonObjectKeywords.isDisjoint(with: members.keys))
    }

    /// `value` of the keyword `key` with `transform` applied to each subschema it holds; the
    /// values of keywords that hold data rather than schemas are returned unchanged.
    static func mapSubschemas(
        of key: String, _ value: JSONValue, _ transform: (JSONValue) -> JSONValue
    ) -> JSONValue {
        switch value {
        case .object(let map) where schemaMapKeywords.contains(key): .object(map.mapValues(transform))
        case .array(let list) where schemaListKeywords.contains(key): .array(list.map(transform))
        case .object where subschemaKeywords.contains(key): transform(value)
        default: value
        }
    }

    /// Keywords whose value is one subschema.
    private static let subschemaKeywords: Set<String> = [
        "items", "additionalItems", "additionalProperties", "unevaluatedItems", "unevaluatedProperties",
        "contains", "propertyNames", "not", "if", "then", "else",
    ]
    /// Keywords whose value is an array of subschemas (`items` too, in draft 4's tuple form).
    private static let schemaListKeywords: Set<String> = ["allOf", "anyOf", "oneOf", "prefixItems", "items"]
    /// Keywords whose value maps names to subschemas (`dependencies` also maps to name lists,
    /// which `cleaned` leaves as they are).
    private static let schemaMapKeywords: Set<String> = [
        "properties", "patternProperties", "$defs", "definitions", "dependentSchemas", "dependencies",
    ]
    /// Keywords that make an untyped top-level schema something other than a plain object schema.
    private static let nonObjectKeywords: Set<String> = [
        "$ref", "allOf", "anyOf", "oneOf", "not", "if", "enum", "const", "items", "prefixItems",
    ]

    /// `{"type":"object","properties":{MEMBER:schema},"required":[MEMBER]}`, with the schema's
    /// `$defs` and `definitions` moved up so that `#/$defs/…` references still resolve.
    static func wrapped(_ schema: JSONValue, as member: String) -> JSONValue {
        var wrapper: [String: JSONValue] = ["type": "object", "required": [.string(member)]]
        var inner = schema
        if case .object(var members) = schema {
            for key in ["$defs", "definitions"] { wrapper[key] = members.removeValue(forKey: key) }
            inner = .object(members)
        }
        wrapper["properties"] = [member: inner]
        return .object(wrapper)
    }
}
