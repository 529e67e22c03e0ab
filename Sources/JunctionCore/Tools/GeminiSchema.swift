/// Translates JSON Schema into the Gemini API's `Schema`: the OpenAPI 3.0 subset that
/// `functionDeclarations[].parameters` accepts (https://ai.google.dev/api/caching#Schema).
///
/// Only Gemini's fields are emitted (`type`, `format`, `title`, `description`, `nullable`,
/// `enum`, `minItems`, `maxItems`, `properties`, `required`, `minProperties`, `maxProperties`,
/// `minLength`, `maxLength`, `pattern`, `example`, `anyOf`, `propertyOrdering`, `default`,
/// `items`, `minimum`, `maximum`); everything else (`additionalProperties`, `$defs`, `$id`, `not`,
/// `if`, `patternProperties`, `readOnly`, …) is dropped. Along the way:
/// - local `$ref`s are inlined, their sibling keywords winning; a reference that is cyclic,
///   nested more than ``maximumReferenceDepth`` deep or unresolvable becomes `{"type":"OBJECT"}`
///   with the description of the reference or its target;
/// - type names are the documented `Type` enum values (`STRING`, `OBJECT`, …); `type: [T, "null"]`
///   becomes `T` with `nullable: true`, other type unions and `oneOf` become `anyOf`, and a `null`
///   branch of `anyOf`/`oneOf` becomes `nullable` (a single remaining branch is inlined);
/// - `allOf` of object schemas merges their `properties` and `required`; otherwise its first
///   branch stands for it;
/// - `enum` and `const` (as a one-value enum) are kept with `format: "enum"` when the values are
///   strings, or are stringified when the type is `STRING`; otherwise they are dropped;
/// - `format` is kept only where Gemini supports it (`date-time` for strings, `float`/`double`
///   for numbers, `int32`/`int64` for integers); another format is noted in the description;
/// - `exclusiveMinimum`/`exclusiveMaximum` numbers become `minimum`/`maximum`, the first of
///   `examples` becomes `example`, `required` keeps only names in `properties`, and an object
///   without properties is just `{"type":"OBJECT"}`.
public enum GeminiSchema {
    /// How many `$ref`s may be expanded inside one another before the innermost is cut off.
    public static let maximumReferenceDepth = 16

    /// The Gemini `Schema` for `schema`, whose local references resolve against `schema` itself.
    public static func translate(_ schema: JSONValue) -> JSONValue {
        Translator(root: schema).translate(schema, expanding: [])
    }
}

private struct Translator {
    let root: JSONValue

    /// Gemini's formats, by Gemini type (`format: enum` is set with `enum` only).
    static let formats: [String: Set<String>] = [
        "STRING": ["date-time"], "NUMBER": ["float", "double"], "INTEGER": ["int32", "int64"],
    ]

    /// `value` translated; `expanding` lists the references being inlined on the path to it.
    func translate(_ value: JSONValue, expanding: [String]) -> JSONValue {
        guard case .object(let members) = value else { return [:] }
        var (node, expanding) = inlined(members, expanding: expanding)
        if case .array(let branches)? = node.removeValue(forKey: "allOf") {
            let (merged, paths) = mergedAllOf(branches, into: node, expanding: expanding)
            return translate(.object(merged), expanding: paths)
        }

        var nullable = node.removeValue(forKey: "nullable") == true
        var types = node["type"].map { $0.arrayValue ?? [$0] }?.compactMap(\.stringValue) ?? []
        if types.contains("null") {
            nullable = true
            types.removeAll { $0 == "null" }
        }
        var result: [String: JSONValue] = nullable ? ["nullable": true] : [:]

        if types.count > 1 {
            // A union of types: the annotations stay outside, each type becomes a branch.
            for key in ["title", "description"] { result[key] = node.removeValue(forKey: key) }
            result["anyOf"] = .array(types.map { type in
                translate(.object(node.merging(["type": .string(type)]) { _, new in new }), expanding: expanding)
            })
            return .object(result)
        }
        if case .array(let branches)? = node.removeValue(forKey: "anyOf") ?? node.removeValue(forKey: "oneOf") {
            let nonNull = branches.filter { $0["type"] != "null" }
            if nonNull.count < branches.count {
                nullable = true
                result["nullable"] = true
            }
            if nonNull.count == 1, case .object(let branch) = nonNull[0] {
                // One branch besides `null`: it is the schema, the outer keywords winning.
                if nullable { node["nullable"] = true }
                return translate(.object(branch.merging(node) { _, outer in outer }), expanding: expanding)
            }
            if !nonNull.isEmpty { result["anyOf"] = .array(nonNull.map { translate($0, expanding: expanding) }) }
        }

        var type = types.first.flatMap(Self.geminiType) ?? Self.inferredType(node)
        for key in ["title", "description", "pattern"] { result[key] = (node[key]?.stringValue).map(JSONValue.string) }
        for key in ["minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties"] {
            result[key] = (node[key]?.intValue).map(JSONValue.integer)
        }
        for (key, exclusive) in ["minimum": "exclusiveMinimum", "maximum": "exclusiveMaximum"] {
            result[key] = [node[key], node[exclusive]].lazy.compactMap { $0 }.first { $0.doubleValue != nil }
        }
        result["default"] = node["default"]
        result["example"] = node["example"] ?? node["examples"]?.arrayValue?.first

        if let values = node["enum"]?.arrayValue ?? node["const"].map({ [$0] }) {
            if values.contains(.null) { result["nullable"] = true }
            let strings = values.compactMap { value in
                value.stringValue ?? (type == "STRING" ? Self.text(of: value) : nil)
            }
            if !strings.isEmpty, strings.count == values.count(where: { !$0.isNull }), type == nil || type == "STRING" {
                type = "STRING"
                result["enum"] = .array(strings.map(JSONValue.string))
                result["format"] = "enum"
            }
        }
        if result["enum"] == nil, let format = node["format"]?.stringValue {
            if let type, Self.formats[type]?.contains(format) == true {
                result["format"] = .string(format)
            } else if format != "enum" {
                let note = "Format: \(format)."
                result["description"] = .string(result["description"]?.stringValue.map { "\($0) \(note)" } ?? note)
            }
        }

        if case .object(let items)? = node["items"] {
            result["items"] = translate(.object(items), expanding: expanding)
        } else if case .array(let tuple)? = node["prefixItems"] ?? node["items"], !tuple.isEmpty {
            let branches = tuple.map { translate($0, expanding: expanding) }
            result["items"] = branches.count == 1 ? branches[0] : ["anyOf": .array(branches)]
        }

        if case .object(let properties)? = node["properties"], !properties.isEmpty {
            result["properties"] = .object(properties.mapValues { translate($0, expanding: expanding) })
            for key in ["required", "propertyOrdering"] {
                let names = node[key]?.arrayValue?.filter { $0.stringValue.map { properties[$0] != nil } == true }
                if let names, !names.isEmpty { result[key] = .array(names) }
            }
        }
        result["type"] = type.map(JSONValue.string)
        return .object(result)
    }

    /// `node` with its `$ref` replaced by the target's keywords (the siblings winning), until no
    /// reference is left; and the references expanded on the path so far. A reference that is
    /// cyclic, too deep or unresolvable becomes `{"type":"object"}` keeping the description.
    func inlined(_ node: [String: JSONValue], expanding: [String]) -> ([String: JSONValue], [String]) {
        var node = node
        var expanding = expanding
        while let reference = node.removeValue(forKey: "$ref")?.stringValue {
            let target = JSONSchema.Program.resolve(reference, in: root)?.objectValue
            guard let target, !expanding.contains(reference), expanding.count < GeminiSchema.maximumReferenceDepth
            else {
                var cut: [String: JSONValue] = ["type": "object"]
                cut["description"] = node["description"] ?? target?["description"]
                return (cut, expanding)
            }
            node = target.merging(node) { _, sibling in sibling }
            expanding.append(reference)
        }
        return (node, expanding)
    }

    /// `node` merged with its `allOf` branches: every branch when all are object schemas
    /// (`properties` and `required` united), otherwise the first. The node's own keywords win.
    func mergedAllOf(
        _ branches: [JSONValue], into node: [String: JSONValue], expanding: [String]
    ) -> ([String: JSONValue], [String]) {
        var parts: [[String: JSONValue]] = []
        var paths = expanding
        for case .object(let branch) in branches {
            let (part, path) = inlined(branch, expanding: expanding)
            parts.append(part)
            paths += path.dropFirst(expanding.count).filter { !paths.contains($0) }
        }
        let isObject = { (part: [String: JSONValue]) in
            part["type"] == "object" || (part["type"] == nil && part["properties"] != nil)
        }
        if !parts.allSatisfy(isObject) { parts = Array(parts.prefix(1)) }
        var result = node
        for part in parts {
            for (key, value) in part {
                switch (key, result[key], value) {
                case ("properties", .object(let current)?, .object(let more)):
                    result[key] = .object(current.merging(more) { current, _ in current })
                case ("required", .array(let current)?, .array(let more)):
                    result[key] = .array(current + more.filter { !current.contains($0) })
                default:
                    if result[key] == nil { result[key] = value }
                }
            }
        }
        return (result, paths)
    }

    /// Gemini's name for the JSON Schema type `name`, if it has one.
    static func geminiType(_ name: String) -> String? {
        ["string", "number", "integer", "boolean", "array", "object"].contains(name) ? name.uppercased() : nil
    }

    /// The type an untyped schema evidently has: an object with properties, an array with items.
    /// (A string `enum` or `const` makes it a string; see `translate`.)
    static func inferredType(_ node: [String: JSONValue]) -> String? {
        if node["properties"] != nil { return "OBJECT" }
        if node["items"] != nil || node["prefixItems"] != nil { return "ARRAY" }
        return nil
    }

    /// A scalar written as text for a string enum.
    static func text(of value: JSONValue) -> String? {
        switch value {
        case .integer(let number): String(number)
        case .number(let number): String(number)
        case .bool(let flag): String(flag)
        default: nil
        }
    }
}
