import Foundation
import JunctionCore

/// Turns an OpenAPI 3.0 or 3.1 document, or a Swagger 2.0 one (converted first), JSON or
/// YAML, into a `Template`: one resource per operation, with an input schema from its
/// parameters and request body (JSON, urlencoded form or multipart), an output schema from its
/// 2xx answer, a mock from its examples, and the authentication scheme from `securitySchemes`.
/// Every schema is self-contained JSON Schema 2020-12 (see `ReferenceResolver`).
///
/// Lenient, as published documents need: an operation that cannot be converted is skipped
/// and reported in `Template.skipped`, never the whole document refused; what is cut to the
/// limits that reads enforce (names, descriptions) is reported in `Template.notes`.
///
/// Slugs come from `operationId` in kebab-case, or from the method and path, so re-importing
/// the same document gives the same slugs.
public enum OpenAPIImporter {
    /// The methods an operation may have, in the order resources are made.
    static let methods = ["get", "put", "post", "delete", "patch", "head", "options", "trace"]
    /// The methods an `http` resource can send.
    static let sendableMethods: Set<String> = ["get", "put", "post", "delete", "patch", "head", "options"]

    /// Imports `bytes` as the template `slug`; `invalid_input` only for what is not an OpenAPI
    /// or Swagger document at all.
    public static func template(from bytes: [UInt8], slug: Slug, tenantID: String?) throws(JunctionError) -> Template {
        let document = try openAPIDocument(try DocumentText.parse(bytes))
        let resolver = ReferenceResolver(root: document)
        let security = authentication(document)
        var resources: [Resource] = []
        var skipped: [Template.ImportFinding] = []
        var notes: [Template.ImportFinding] = []
        var slugs: Set<String> = []
        for (path, item) in (document["paths"]?.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
            let pathItem = resolver.resolve(item)
            for method in methods {
                guard let operation = pathItem[method] else { continue }
                let label = "\(method.uppercased()) \(path)"
                do throws(JunctionError) {
                    guard sendableMethods.contains(method) else {
                        throw .invalidInput("\(method.uppercased()) requests are not sent by http connectors.")
                    }
                    guard operation.objectValue != nil else { throw .invalidInput("The operation is not an object.") }
                    var made = try makeResource(method: method, path: path, operation: operation, pathItem: pathItem, resolver: resolver)
                    // What is stored must read back and build: checked now, not when a connector uses it.
                    _ = try Resource(definition: made.resource.definition, bindingFields: ConnectorSpec.http.resourceFields, field: "resource")
                    _ = try HTTPRoute(made.resource, field: "resource")
                    var candidate = made.resource.slug.rawValue
                    var suffix = 2
                    while !slugs.insert(candidate).inserted {
                        candidate = String(made.resource.slug.rawValue.prefix(58)) + "-\(suffix)"
                        suffix += 1
                    }
                    made.resource.slug = Slug(candidate) ?? made.resource.slug
                    resources.append(made.resource)
                    notes += made.notes.map { Template.ImportFinding(operation: label, message: $0) }
                } catch {
                    skipped.append(Template.ImportFinding(operation: label, message: error.message))
                }
            }
        }
        let info = document["info"] ?? .object([:])
        var displayName = info["title"]?.stringValue ?? slug.rawValue
        var description = info["description"]?.stringValue ?? ""
        if let cut = truncated(displayName, to: Template.maximumDisplayNameLength, what: "title") {
            displayName = cut.text
            notes.append(Template.ImportFinding(operation: "info", message: cut.note))
        }
        if let cut = truncated(description, to: Template.maximumDescriptionLength, what: "description") {
            description = cut.text
            notes.append(Template.ImportFinding(operation: "info", message: cut.note))
        }
        return Template(
            slug: slug,
            displayName: displayName,
            description: description,
            connectorType: "http",
            baseURL: baseURL(document),
            authRequired: security.required,
            authentication: security.scheme,
            resources: resources,
            source: .imported,
            tenantID: tenantID,
            skipped: skipped,
            notes: notes
        )
    }

    /// The document in OpenAPI 3 form: 3.0 and 3.1 as they are, Swagger 2.0 converted.
    static func openAPIDocument(_ document: JSONValue) throws(JunctionError) -> JSONValue {
        guard document.objectValue != nil else { throw .invalidInput("An OpenAPI document is a JSON or YAML object.") }
        var converted = document
        if let swagger = document["swagger"] {
            guard swagger.stringValue?.hasPrefix("2.") == true else {
                throw .invalidInput("Swagger \(swagger) is not supported; use 2.0, or OpenAPI 3.0 or 3.1.", field: "swagger")
            }
            converted = SwaggerConversion.openAPI(from: document)
        }
        guard let version = converted["openapi"]?.stringValue else {
            throw .invalidInput("Not an OpenAPI document: it has no 'openapi' (or 'swagger') version.", field: "openapi")
        }
        guard version.hasPrefix("3.0") || version.hasPrefix("3.1") else {
            throw .invalidInput("OpenAPI \(version) is not supported; use 3.0 or 3.1 (or Swagger 2.0).", field: "openapi")
        }
        guard converted["paths"]?.objectValue != nil else {
            throw .invalidInput("The document has no 'paths' object.", field: "paths")
        }
        return converted
    }

    /// `text` cut to `limit` characters, with a note saying so; `nil` when it fits.
    static func truncated(_ text: String, to limit: Int, what: String) -> (text: String, note: String)? {
        guard text.count > limit else { return nil }
        return (String(text.prefix(limit - 1)) + "…", "The \(what) was cut from \(text.count) to \(limit) characters.")
    }

    /// A resource made from one operation, with what was changed on the way.
    struct Made {
        var resource: Resource
        var notes: [String]
    }

    private static func makeResource(
        method: String, path: String, operation: JSONValue, pathItem: JSONValue, resolver: ReferenceResolver
    ) throws(JunctionError) -> Made {
        var notes: [String] = []
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
            let content = parameter["content"]?.objectValue?.sorted(by: { $0.key < $1.key }).first?.value
            var schema = (parameter["schema"] ?? content?["schema"]).map(resolver.inline) ?? .object([:])
            if case .object(var object) = schema {
                object["x-in"] = .string(location)
                if let description = parameter["description"]?.stringValue, object["description"] == nil {
                    object["description"] = .string(description)
                }
                schema = .object(object)
            }
            if properties[name] != nil { throw .invalidInput("Two parameters are named '\(name)'.") }
            properties[name] = schema
            if location == "path" || parameter["required"]?.boolValue == true { required.append(name) }
        }
        var encoding = RequestBody.Encoding.json
        if let body = operation["requestBody"].map(resolver.resolve) {
            switch try RequestBody(body, resolver: resolver, taken: Set(properties.keys)) {
            case .fields(let fields, let requiredFields, let bodyEncoding):
                properties.merge(fields) { parameter, _ in parameter }
                required += requiredFields
                encoding = bodyEncoding
            case .whole(let schema, let isRequired):
                properties["body"] = schema
                if isRequired { required.append("body") }
            case .none(let note):
                notes.append(note)
            }
        }
        var input: [String: JSONValue] = ["type": "object", "properties": .object(properties)]
        if !required.isEmpty { input["required"] = .array(Array(Set(required)).sorted().map(JSONValue.string)) }
        let inputDefinitions = resolver.definitions(referencedBy: .object(input))
        if !inputDefinitions.isEmpty { input["$defs"] = .object(inputDefinitions) }
        let success = successResponse(operation, resolver: resolver)
        var output = success.flatMap { RequestBody.jsonContent($0)?["schema"] }.map(resolver.inline)
        if let schema = output, case .object(var object) = schema {
            let outputDefinitions = resolver.definitions(referencedBy: schema)
            if !outputDefinitions.isEmpty {
                object["$defs"] = .object(outputDefinitions)
                output = .object(object)
            }
        }
        let mock = success.flatMap { RequestBody.jsonContent($0) }.flatMap { content in
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
        var name = operation["summary"]?.stringValue ?? operationID ?? "\(method.uppercased()) \(path)"
        var description = operation["description"]?.stringValue ?? operation["summary"]?.stringValue ?? ""
        if let cut = truncated(name, to: Resource.maximumNameLength, what: "summary") {
            name = cut.text
            notes.append(cut.note)
        }
        if let cut = truncated(description, to: Resource.maximumDescriptionLength, what: "description") {
            description = cut.text
            notes.append(cut.note)
        }
        // A fragment keeps two operations of one path apart in the document (`/files/{id}#copy`);
        // it is never sent.
        let sentPath = path.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? path
        var binding: [String: JSONValue] = ["method": .string(method.uppercased()), "path": .string(sentPath)]
        binding["headers"] = [:]
        binding["query"] = [:]
        if encoding != .json { binding["body_encoding"] = .string(encoding.rawValue) }
        let resource = Resource(
            slug: slug,
            name: name,
            description: description,
            kind: ["get", "head", "options"].contains(method) ? .read : .write,
            inputSchema: .object(input),
            outputSchema: output,
            mock: mock,
            binding: binding
        )
        return Made(resource: resource, notes: notes)
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
            // A user's authorization (the authorization-code flow) where the document offers one.
            var hints: [String: JSONValue] = [:]
            let code = scheme["flows"]?["authorizationCode"]
            if let flow = code ?? scheme["flows"]?["clientCredentials"] {
                let scopes = JSONValue.array((flow["scopes"]?.objectValue?.keys.sorted() ?? []).map(JSONValue.string))
                hints["token_url"] = flow["tokenUrl"] ?? .null
                if code != nil {
                    // A user is asked for the scopes an app names, not every scope the API has.
                    hints["authorize_url"] = flow["authorizationUrl"] ?? .null
                    hints["available_scopes"] = scopes
                } else {
                    hints["scopes"] = scopes
                }
            }
            return (true, .init(kind: code != nil ? .oauth2 : .oauth2ClientCredentials, hints: hints))
        default:
            return (true, nil)
        }
    }
}

