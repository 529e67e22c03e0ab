import Foundation
import JunctionCore
import OpenAPIKit
import OpenAPIKit30
import Yams

/// Turns an OpenAPI 3.0 or 3.1 document (JSON or YAML) into a `Template`: one resource per
/// operation, with an input schema from its parameters and JSON request body (local `$ref`s
/// resolved), an output schema from its 2xx answer, a mock from its examples, and the
/// authentication scheme from `securitySchemes`.
///
/// Slugs come from `operationId` in kebab-case, or from the method and path, so re-importing
/// the same document gives the same slugs.
public enum OpenAPIImporter {
    /// Methods in the order resources are made.
    static let methods = ["get", "put", "post", "delete", "patch", "head"]

    /// Imports `bytes` as the template `slug`.
    public static func template(from bytes: [UInt8], slug: Slug, tenantID: String?) throws(JunctionError) -> Template {
        let document = try DocumentText.parse(bytes)
        try validate(document, yaml: DocumentText.isJSON(bytes) ? nil : String(decoding: bytes, as: UTF8.self))
        let resolver = ReferenceResolver(root: document)
        let security = authentication(document)
        var resources: [Resource] = []
        var slugs: Set<String> = []
        for (path, item) in (document["paths"]?.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
            let pathItem = resolver.resolve(item)
            for method in methods {
                guard let operation = pathItem[method]?.objectValue else { continue }
                var resource = try makeResource(
                    method: method, path: path, operation: .object(operation), pathItem: pathItem, resolver: resolver)
                var candidate = resource.slug.rawValue
                var suffix = 2
                while !slugs.insert(candidate).inserted {
                    candidate = String(resource.slug.rawValue.prefix(58)) + "-\(suffix)"
                    suffix += 1
                }
                resource.slug = Slug(candidate) ?? resource.slug
                resources.append(resource)
            }
        }
        let info = document["info"] ?? .object([:])
        return Template(
            slug: slug,
            displayName: info["title"]?.stringValue ?? slug.rawValue,
            description: info["description"]?.stringValue ?? "",
            connectorType: "http",
            baseURL: baseURL(document),
            authRequired: security.required,
            authentication: security.scheme,
            resources: resources,
            source: .imported,
            tenantID: tenantID
        )
    }

    /// Checks the version and decodes the document with OpenAPIKit, so structural errors are
    /// reported with their location.
    /// - Parameter yaml: the original text of a YAML document, decoded as it is (so that, for
    ///   example, `version: 1.0` stays the string OpenAPI wants).
    static func validate(_ document: JSONValue, yaml: String?) throws(JunctionError) {
        guard let version = document["openapi"]?.stringValue else {
            throw .invalidInput("Not an OpenAPI document: it has no 'openapi' version.", field: "openapi")
        }
        let data: Data
        do {
            data = try JSONCoding.encode(document)
        } catch {
            throw .invalidInput("The document cannot be read as JSON.")
        }
        do {
            if version.hasPrefix("3.0") {
                if let yaml {
                    _ = try YAMLDecoder().decode(OpenAPIKit30.OpenAPI.Document.self, from: yaml)
                } else {
                    _ = try JSONDecoder().decode(OpenAPIKit30.OpenAPI.Document.self, from: data)
                }
            } else if version.hasPrefix("3.1") {
                if let yaml {
                    _ = try YAMLDecoder().decode(OpenAPIKit.OpenAPI.Document.self, from: yaml)
                } else {
                    _ = try JSONDecoder().decode(OpenAPIKit.OpenAPI.Document.self, from: data)
                }
            } else {
                throw JunctionError.invalidInput("OpenAPI \(version) is not supported; use 3.0 or 3.1.", field: "openapi")
            }
        } catch let error as JunctionError {
            throw error
        } catch {
            let described = OpenAPIKit.OpenAPI.Error(from: error)
            let location = described.codingPathString.isEmpty ? "" : " (at \(described.codingPathString))"
            throw .invalidInput("The OpenAPI document is invalid: \(described.localizedDescription)\(location)")
        }
    }

    private static func makeResource(
        method: String, path: String, operation: JSONValue, pathItem: JSONValue, resolver: ReferenceResolver
    ) throws(JunctionError) -> Resource {
        var properties: [String: JSONValue] = [:]
        var required: [String] = []
        var parameters: [String: JSONValue] = [:]
        for parameter in (pathItem["parameters"]?.arrayValue ?? []) + (operation["parameters"]?.arrayValue ?? []) {
            let resolved = resolver.resolve(parameter)
            guard let name = resolved["name"]?.stringValue, let location = resolved["in"]?.stringValue,
                  ["path", "query", "header"].contains(location)
            else { continue }
            parameters["\(location):\(name)"] = resolved
        }
        for (_, parameter) in parameters.sorted(by: { $0.key < $1.key }) {
            guard let name = parameter["name"]?.stringValue, let location = parameter["in"]?.stringValue else { continue }
            var schema = parameter["schema"].map(resolver.inline) ?? .object([:])
            if case .object(var object) = schema {
                object["x-in"] = .string(location)
                if let description = parameter["description"]?.stringValue, object["description"] == nil {
                    object["description"] = .string(description)
                }
                schema = .object(object)
            }
            properties[name] = schema
            if location == "path" || parameter["required"]?.boolValue == true { required.append(name) }
        }
        if let body = operation["requestBody"].map(resolver.resolve),
           let schema = jsonContent(body)?["schema"].map(resolver.inline)
        {
            // An object body is flattened into fields placed in the body, unless a name collides
            // with a parameter; any other body is one `body` field sent as it is.
            let resolvedBody = resolveSchema(schema, resolver: resolver)
            if let bodyProperties = resolvedBody["properties"]?.objectValue,
               !bodyProperties.keys.contains(where: { properties[$0] != nil })
            {
                for (name, property) in bodyProperties {
                    var placed = property.objectValue ?? [:]
                    placed["x-in"] = "body"
                    properties[name] = .object(placed)
                }
                if body["required"]?.boolValue == true {
                    required += resolvedBody["required"]?.arrayValue?.compactMap(\.stringValue) ?? []
                }
            } else {
                var whole = schema.objectValue ?? [:]
                whole["x-in"] = "request-body"
                properties["body"] = .object(whole)
                if body["required"]?.boolValue == true { required.append("body") }
            }
        }
        var input: [String: JSONValue] = ["type": "object", "properties": .object(properties)]
        if !required.isEmpty { input["required"] = .array(Array(Set(required)).sorted().map(JSONValue.string)) }
        let inputDefinitions = resolver.definitions(referencedBy: .object(input))
        if !inputDefinitions.isEmpty { input["$defs"] = .object(inputDefinitions) }
        let success = successResponse(operation, resolver: resolver)
        var output = success.flatMap { jsonContent($0)?["schema"] }.map(resolver.inline)
        if let schema = output, case .object(var object) = schema {
            let outputDefinitions = resolver.definitions(referencedBy: schema)
            if !outputDefinitions.isEmpty {
                object["$defs"] = .object(outputDefinitions)
                output = .object(object)
            }
        }
        let mock = success.flatMap { jsonContent($0) }.flatMap { content in
            content["example"] ?? content["examples"]?.objectValue?.sorted(by: { $0.key < $1.key }).first
                .flatMap { resolver.resolve($0.value)["value"] } ?? content["schema"].map(resolver.resolve)?["example"]
        }
        let operationID = operation["operationId"]?.stringValue
        // An operationId with no ASCII letters or digits falls back to the method and path.
        let fromID = operationID.map(Slug.kebab) ?? ""
        let slugText = fromID.isEmpty ? Slug.kebab("\(method) \(path)") : fromID
        guard let slug = Slug(slugText) else {
            throw .invalidInput("Cannot make a resource slug for \(method.uppercased()) \(path).")
        }
        var binding: [String: JSONValue] = ["method": .string(method.uppercased()), "path": .string(path)]
        binding["headers"] = [:]
        binding["query"] = [:]
        return Resource(
            slug: slug,
            name: operation["summary"]?.stringValue ?? operationID ?? "\(method.uppercased()) \(path)",
            description: operation["description"]?.stringValue ?? operation["summary"]?.stringValue ?? "",
            kind: method == "get" || method == "head" ? .read : .write,
            inputSchema: .object(input),
            outputSchema: output,
            mock: mock,
            binding: binding
        )
    }

    /// An inlined schema with a top-level `#/$defs/X` reference followed to its definition.
    private static func resolveSchema(_ schema: JSONValue, resolver: ReferenceResolver) -> JSONValue {
        guard let reference = schema["$ref"]?.stringValue, reference.hasPrefix("#/$defs/") else { return schema }
        return resolver.definitions[String(reference.dropFirst("#/$defs/".count))] ?? schema
    }

    /// The `application/json` (or `+json`) media type object of a request body or response.
    private static func jsonContent(_ value: JSONValue) -> JSONValue? {
        guard let content = value["content"]?.objectValue else { return nil }
        return content["application/json"]
            ?? content.first(where: { $0.key.hasPrefix("application/") && $0.key.hasSuffix("+json") })?.value
    }

    /// The first 2xx response (200 before 201, …, then `2XX`).
    private static func successResponse(_ operation: JSONValue, resolver: ReferenceResolver) -> JSONValue? {
        guard let responses = operation["responses"]?.objectValue else { return nil }
        let code = responses.keys.filter { $0.hasPrefix("2") }.sorted().first
        return code.flatMap { responses[$0] }.map(resolver.resolve)
    }

    /// The first server's URL when it is absolute.
    private static func baseURL(_ document: JSONValue) -> String? {
        guard let url = document["servers"]?.arrayValue?.first?["url"]?.stringValue,
              url.hasPrefix("http://") || url.hasPrefix("https://"), !url.contains("{")
        else { return nil }
        return url.hasSuffix("/") ? String(url.dropLast()) : url
    }

    /// The scheme named first by the document's (or else any operation's) security
    /// requirements, and whether any requirement exists at all.
    private static func authentication(_ document: JSONValue) -> (required: Bool, scheme: Template.Authentication?) {
        var requirements = document["security"]?.arrayValue ?? []
        if requirements.isEmpty {
            for (_, item) in document["paths"]?.objectValue ?? [:] {
                for method in methods { requirements += item[method]?["security"]?.arrayValue ?? [] }
            }
        }
        let named = requirements.compactMap { $0.objectValue?.keys.sorted().first }
        guard let name = named.first, let scheme = document["components"]?["securitySchemes"]?[name] else {
            return (false, nil)
        }
        switch (scheme["type"]?.stringValue, scheme["scheme"]?.stringValue?.lowercased()) {
        case ("http", "bearer"?):
            return (true, .init(kind: .bearer))
        case ("http", "basic"?):
            return (true, .init(kind: .basic))
        case ("apiKey", _):
            return (true, .init(kind: .apiKey, hints: [
                "in": .string(scheme["in"]?.stringValue == "query" ? "query" : "header"),
                "key_name": .string(scheme["name"]?.stringValue ?? "X-API-Key"),
            ]))
        case ("oauth2", _):
            var hints: [String: JSONValue] = [:]
            if let flow = scheme["flows"]?["clientCredentials"] {
                hints["token_url"] = flow["tokenUrl"] ?? .null
                hints["scopes"] = .array((flow["scopes"]?.objectValue?.keys.sorted() ?? []).map(JSONValue.string))
            }
            return (true, .init(kind: .oauth2ClientCredentials, hints: hints))
        default:
            return (true, nil)
        }
    }
}

/// Resolves local `$ref`s of a document: object references by lookup, and schema references by
/// collecting the referenced component schemas into `$defs` (rewriting the references), so
/// every schema Junction keeps is self-contained.
final class ReferenceResolver {
    private let root: JSONValue
    private(set) var definitions: [String: JSONValue] = [:]

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

    /// `schema` with `#/components/schemas/X` references rewritten to `#/$defs/X`, the
    /// referenced schemas collected in `definitions`.
    func inline(_ schema: JSONValue) -> JSONValue {
        inline(schema, depth: 0)
    }

    /// References that are not component schemas are followed in place, at most 64 deep, so
    /// a reference cycle cannot recurse forever (what remains unresolved fails validation).
    private func inline(_ schema: JSONValue, depth: Int) -> JSONValue {
        guard depth < 64 else { return schema }
        switch schema {
        case .object(var object):
            if let reference = object["$ref"]?.stringValue, reference.hasPrefix("#/components/schemas/") {
                let name = String(reference.dropFirst("#/components/schemas/".count))
                if definitions[name] == nil, let target = lookup(reference) {
                    definitions[name] = .object([:])
                    definitions[name] = inline(target, depth: depth + 1)
                }
                object["$ref"] = .string("#/$defs/\(name)")
                return .object(object)
            }
            if let reference = object["$ref"]?.stringValue, let target = lookup(reference) {
                return inline(target, depth: depth + 1)
            }
            for (key, value) in object where key != "example" && key != "examples" {
                object[key] = inline(value, depth: depth + 1)
            }
            return .object(object)
        case .array(let items):
            return .array(items.map { inline($0, depth: depth + 1) })
        default:
            return schema
        }
    }

    /// The collected definitions `schema` needs: those it references, and theirs in turn.
    func definitions(referencedBy schema: JSONValue) -> [String: JSONValue] {
        var needed: [String: JSONValue] = [:]
        var pending = Self.references(in: schema)
        while let name = pending.popLast() {
            guard needed[name] == nil, let definition = definitions[name] else { continue }
            needed[name] = definition
            pending += Self.references(in: definition)
        }
        return needed
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

    private func lookup(_ reference: String) -> JSONValue? {
        guard reference.hasPrefix("#/") else { return nil }
        var current = root
        for part in reference.dropFirst(2).split(separator: "/") {
            let key = part.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
            guard let next = current[key] else { return nil }
            current = next
        }
        return current
    }
}
