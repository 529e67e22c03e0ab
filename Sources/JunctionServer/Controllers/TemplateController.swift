import Hummingbird
import JunctionCore
import JunctionRuntime
import JunctionStorage
import NIOCore

/// `/api/v1/templates`: the catalog (built in and imported) and OpenAPI import.
///
/// A tenant key sees and imports its own templates; the platform key imports platform-wide
/// ones (or a tenant's with `?tenant=`, in `invpc` mode).
struct TemplateController: Sendable {
    let templates: TemplateService
    let scope: TenantScope
    /// Reads documents up to `max_import_bytes`, within the body timeout.
    let body: JSONBodyReader

    func register(on group: RouterGroup<JunctionRequestContext>) {
        group.get("templates", use: list)
        group.get("templates/{slug}", use: get)
        group.post("templates/import", use: importDocument)
        group.delete("templates/{slug}", use: delete)
    }

    @Sendable func list(_ request: Request, context: JunctionRequestContext) async throws -> Response {
        let tenantID = try await templateScope(request, context)
        let all = try await templates.templates(tenantID: tenantID)
        return JSONResponse.make(JSONValue.object(["templates": .array(all.map { $0.representation(withResources: false) })]))
    }

    @Sendable func get(_ request: Request, context: JunctionRequestContext) async throws -> Response {
        let tenantID = try await templateScope(request, context)
        let text = try context.parameters.require("slug")
        guard let slug = Slug(text), let template = try await templates.template(tenantID: tenantID, slug: slug) else {
            throw JunctionError.notFound("No template '\(text.prefix(80))'.")
        }
        return JSONResponse.make(template.representation())
    }

    /// The raw body is the OpenAPI document, JSON or YAML.
    @Sendable func importDocument(_ request: Request, context: JunctionRequestContext) async throws -> Response {
        let tenantID = try await templateScope(request, context)
        guard let slugText = request.uri.queryParameters["slug"].map(String.init) else {
            throw JunctionError.invalidInput("Name the template with ?slug=NAME.", field: "slug")
        }
        let slug = try Slug(validating: slugText, field: "slug")
        let buffer: ByteBuffer
        do {
            buffer = try await body.bytes(request)
        } catch let error as JunctionError where error.code == .payloadTooLarge {
            throw JunctionError(
                .payloadTooLarge,
                "The document is larger than \(body.limit) bytes, the server's max_import_bytes setting (JUNCTION_MAX_IMPORT_BYTES).",
                details: ["setting": "max_import_bytes", "limit": .integer(body.limit)])
        }
        guard buffer.readableBytes > 0 else { throw JunctionError.invalidInput("Send the OpenAPI document as the body.") }
        let template = try await templates.importOpenAPI(
            Array(buffer.readableBytesView), slug: slug, tenantID: tenantID, by: try context.actor())
        return JSONResponse.make(template.representation(), status: .created)
    }

    @Sendable func delete(_ request: Request, context: JunctionRequestContext) async throws -> Response {
        let tenantID = try await templateScope(request, context)
        let text = try context.parameters.require("slug")
        guard let slug = Slug(text) else { throw JunctionError.notFound("No imported template '\(text.prefix(80))'.") }
        try await templates.delete(tenantID: tenantID, slug: slug, by: try context.actor())
        return Response(status: .noContent)
    }

    /// The tenant whose templates the caller acts on; `nil` is the platform-wide scope.
    private func templateScope(_ request: Request, _ context: JunctionRequestContext) async throws -> String? {
        let principal = try context.requirePrincipal()
        if principal.isPlatform && request.tenantParameter == nil { return nil }
        return try await scope.forWriting(principal, requested: request.tenantParameter)
    }
}
