import Foundation
import JunctionCore

/// Resolves the local `$ref`s of an OpenAPI document and turns its schemas into JSON Schema
/// 2020-12: references to component schemas are collected into `$defs` (the references
/// rewritten), any other reference whose target exists is followed in place (published
/// documents point into the wrong section now and then), and one that leads nowhere becomes
/// an empty schema, so every schema Junction keeps is self-contained. OpenAPI 3.0's
/// `nullable` and boolean `exclusiveMinimum`/`exclusiveMaximum` become their 2020-12 forms.
final class ReferenceResolver {
    private let root: JSONValue
    /// The collected component schemas, by their name in `$defs`.
    private(set) var definitions: [String: JSONValue] = [:]
    /// The `$defs` name of each component schema collected (names safe in a JSON pointer).
    private var definitionNames: [String: String] = [:]
    /// The references that led nowhere, in the order met.
    private(set) var unresolved: [String] = []

    private static let componentSchemas = "#/components/schemas/"

    init(root: JSONValue) {
        self.root = root
    }

    /// The object a `$ref` points to (followed up to 16 times), or `value` itself.
    func resolve(_ value: JSONValue) -> JSONValue {
        var current = value
        for _ in 0..<16 {
            guard let reference = current["$ref"]?.stringValue, let target = lookup(reference) else { return current }
            current = target
        }
        return current
    }

    /// `schema` as self-contained 2020-12: component references rewritten to `#/$defs/NAME`
    /// (the schemas collected in `definitions`), other references followed in place.
    func inline(_ schema: JSONValue) -> JSONValue {
        inline(schema, depth: 0)
    }

    /// Followed references nest at most 64 deep, so a cycle through in-place references cannot
    /// recurse forever (past that, the schema is left empty).
    private func inline(_ schema: JSONValue, depth: Int) -> JSONValue {
        guard depth < 64 else { return .object([:]) }
        switch schema {
        case .object(var object):
            if let reference = object["$ref"]?.stringValue {
                if let name = componentName(reference) {
                    for (key, value) in object where key != "$ref" { object[key] = inline(value, depth: depth + 1) }
                    object["$ref"] = .string("#/$defs/" + collect(name, depth: depth))
                    return .object(object)
                }
                object["$ref"] = nil
                guard let target = lookup(reference) else {
                    unresolved.append(reference)
                    return .object(Self.normalized(object.mapValues { inline($0, depth: depth + 1) }))
                }
                let followed = inline(target, depth: depth + 1)
                // Siblings of a followed reference (a description, say) are kept over the target's.
                guard !object.isEmpty, case .object(let members) = followed else { return followed }
                return .object(members.merging(object.mapValues { inline($0, depth: depth + 1) }) { _, sibling in sibling })
            }
            for (key, value) in object where key != "example" && key != "examples" && key != "default" && key != "enum" && key != "const" {
                object[key] = inline(value, depth: depth + 1)
            }
            return .object(Self.normalized(object))
        case .array(let items):
            return .array(items.map { inline($0, depth: depth + 1) })
        default:
            return schema
        }
    }

    /// The component schema `name` collected under a pointer-safe `$defs` name (once).
    private func collect(_ name: String, depth: Int) -> String {
        if let known = definitionNames[name] { return known }
        var safe = String(name.map { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) ? $0 : "_" })
        if safe.isEmpty { safe = "_" }
        var candidate = safe
        var suffix = 2
        while definitions[candidate] != nil {
            candidate = "\(safe)_\(suffix)"
            suffix += 1
        }
        definitionNames[name] = candidate
        definitions[candidate] = .object([:])
        if let target = lookup(Self.componentSchemas + Self.escaped(name)) {
            definitions[candidate] = inline(target, depth: depth + 1)
        } else {
            unresolved.append(Self.componentSchemas + name)
        }
        return candidate
    }

    /// The component schema a reference names whole (`#/components/schemas/NAME`), or `nil`
    /// for references into a schema's inside and into other sections.
    private func componentName(_ reference: String) -> String? {
        guard reference.hasPrefix(Self.componentSchemas) else { return nil }
        let rest = reference.dropFirst(Self.componentSchemas.count)
        guard !rest.isEmpty, !rest.contains("/") else { return nil }
        return Self.unescaped(rest)
    }

    /// OpenAPI 3.0 keywords in their JSON Schema 2020-12 form.
    private static func normalized(_ schema: [String: JSONValue]) -> [String: JSONValue] {
        var schema = schema
        if case .bool(let nullable)? = schema["nullable"] {
            schema["nullable"] = nil
            if nullable {
                switch schema["type"] {
                case .string(let type)?: schema["type"] = [.string(type), "null"]
                case .array(let types)? where !types.contains("null"): schema["type"] = .array(types + ["null"])
                default: break
                }
                if case .array(let values)? = schema["enum"], !values.contains(.null) { schema["enum"] = .array(values + [.null]) }
            }
        }
        // Draft 4's tuple form of `items` is 2020-12's `prefixItems`.
        if case .array(let tuple)? = schema["items"] {
            schema["items"] = nil
            schema["prefixItems"] = .array(tuple)
        }
        for (exclusive, bound) in [("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")] {
            guard case .bool(let isExclusive)? = schema[exclusive] else { continue }
            schema[exclusive] = nil
            if isExclusive, let limit = schema[bound] {
                schema[exclusive] = limit
                schema[bound] = nil
            }
        }
        return schema
    }

    /// The collected definitions `schema` needs: those it references, and theirs in turn.
    func definitions(referencedBy schema: JSONValue) -> [String: JSONValue] {
        SchemaDefinitions.referenced(by: schema, in: definitions)
    }

    private func lookup(_ reference: String) -> JSONValue? {
        guard reference.hasPrefix("#/") else { return nil }
        var current = root
        for part in reference.dropFirst(2).split(separator: "/", omittingEmptySubsequences: false) {
            let key = Self.unescaped(part.removingPercentEncoding.map { Substring($0) } ?? part)
            if let next = current[key] {
                current = next
            } else if let index = Int(key), let items = current.arrayValue, items.indices.contains(index) {
                current = items[index]
            } else {
                return nil
            }
        }
        return current
    }

    private static func unescaped(_ part: Substring) -> String {
        part.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
    }

    private static func escaped(_ name: String) -> String {
        name.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
    }
}
