import Foundation
import HTTPTypes
import JunctionCore
import JunctionServer

/// Checks live answers against the OpenAPI document the server serves: the path and method
/// must be documented, the status must be listed for that operation, and a JSON body must
/// validate against the documented schema.
public final class OpenAPIConformance: Sendable {
    /// The checker over the shipped document.
    public static let shared = OpenAPIConformance()

    private let document: JSONValue
    private let templates: [(pattern: [String], path: String)]

    init() {
        document = OpenAPIDocument.bytes.flatMap { try? JSONCoding.decode($0) } ?? .null
        templates = (document["paths"]?.objectValue?.keys.sorted() ?? []).map { path in
            (path.split(separator: "/").map(String.init), path)
        }
    }

    /// Throws a description of the first way `answer` departs from the document.
    public func check(method: HTTPRequest.Method, path: String, answer: JunctionHarness.Answer) throws {
        let bare = String(path.split(separator: "?", maxSplits: 1).first ?? "")
        // The web console's pages (and the redirect of `/` to them) are for browsers, not the API.
        if bare == "/" || bare == "/console" || bare.hasPrefix("/console/") { return }
        guard let template = self.template(for: bare) else {
            // Unknown routes must answer the documented error shape with 404.
            guard answer.status == .notFound || answer.status == .unauthorized else {
                throw HarnessError("\(method) \(bare) is not in the OpenAPI document but answered \(answer.status.code)")
            }
            try validate(answer.json, against: ["$ref": "#/components/schemas/Error"], context: "\(method) \(bare)")
            return
        }
        guard let operation = document["paths"]?[template]?[method.rawValue.lowercased()] else {
            guard answer.status == .notFound || answer.status == .methodNotAllowed else {
                throw HarnessError("\(method) \(template) is not documented but answered \(answer.status.code)")
            }
            return
        }
        guard let response = operation["responses"]?[String(answer.status.code)] else {
            throw HarnessError("\(method) \(template) answered \(answer.status.code), which the document does not list")
        }
        let resolved = resolve(response)
        // A non-JSON answer (e.g. MCP's text/event-stream) must be of a documented media type;
        // a JSON answer is validated against the JSON schema below.
        let type = answer.headers[.contentType] ?? ""
        if let content = resolved["content"]?.objectValue,
           content["application/json"] == nil || (!type.isEmpty && !type.contains("json")) {
            guard content.keys.contains(where: { type.hasPrefix($0) }) else {
                throw HarnessError("\(method) \(template) answered \(type), which the document does not list")
            }
            return
        }
        guard let schema = resolved["content"]?["application/json"]?["schema"] else {
            guard answer.text.isEmpty else {
                throw HarnessError("\(method) \(template) \(answer.status.code) has a body but the document gives no schema")
            }
            return
        }
        try validate(answer.json, against: schema, context: "\(method) \(template) \(answer.status.code)")
    }

    private func template(for path: String) -> String? {
        let segments = path.split(separator: "/").map(String.init)
        return templates.first { template in
            template.pattern.count == segments.count
                && zip(template.pattern, segments).allSatisfy { pattern, segment in
                    pattern == segment || (pattern.hasPrefix("{") && pattern.hasSuffix("}"))
                }
        }?.path
    }

    private func resolve(_ value: JSONValue) -> JSONValue {
        guard let reference = value["$ref"]?.stringValue, reference.hasPrefix("#/") else { return value }
        var current = document
        for component in reference.dropFirst(2).split(separator: "/") {
            current = current[String(component)] ?? .null
        }
        return resolve(current)
    }

    private func validate(_ instance: JSONValue, against schema: JSONValue, context: String) throws {
        let violations = JSONSchema(schema, root: document).validate(instance)
        if let first = violations.first {
            let path = first.path.isEmpty ? "(root)" : first.path
            throw HarnessError("\(context): response departs from the OpenAPI document at \(path): \(first.message)")
        }
    }
}
