import Foundation
import JunctionConnectors
import JunctionCore
import JunctionStorage

/// The template catalog a tenant sees: its own imported templates, then platform-wide imported
/// ones, then the built-in catalog.
public struct TemplateService: Sendable {
    private let store: any Store
    private let registry: ConnectorRegistry
    private let builtIn: [Slug: Template]
    private let cache: ConnectorCache?

    /// A catalog over `store`; imports and deletes drop the affected prepared connectors from `cache`.
    public init(store: any Store, registry: ConnectorRegistry, builtIn: [Template], cache: ConnectorCache? = nil) {
        self.store = store
        self.registry = registry
        self.cache = cache
        self.builtIn = Dictionary(builtIn.map { ($0.slug, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The template `slug` as `tenantID` sees it, or `nil`.
    public func template(tenantID: String?, slug: Slug) async throws -> Template? {
        if let stored = try await store.template(tenantID: tenantID, slug: slug) {
            return try parse(stored)
        }
        return builtIn[slug]
    }

    /// Every template `tenantID` sees, by slug (an imported one hides a built-in of the same slug).
    public func templates(tenantID: String?) async throws -> [Template] {
        var bySlug = builtIn
        for stored in try await store.templates(tenantID: tenantID).reversed() {
            bySlug[stored.slug] = try parse(stored)
        }
        return bySlug.values.sorted { $0.slug < $1.slug }
    }

    /// Imports an OpenAPI (or Swagger 2.0) document as the template `slug` in `tenantID`'s
    /// scope (platform-wide when nil), replacing an earlier import of the same slug. Answers
    /// the template as it reads back from its stored form, so what the import shows is what
    /// every later read shows.
    public func importOpenAPI(_ bytes: [UInt8], slug: Slug, tenantID: String?, by actor: AuditActor) async throws -> Template {
        let imported = try OpenAPIImporter.template(from: bytes, slug: slug, tenantID: tenantID)
        let template = try parse(StoredTemplate(tenantID: tenantID, slug: slug, document: imported.document, updatedAt: Date()))
        let audit = actor.event(
            "template.import", tenantID: tenantID, targetType: "template", target: slug.rawValue,
            details: ["resources": .integer(template.resources.count)])
        try await store.saveTemplate(template, audit: audit)
        cache?.invalidate(tenantID: tenantID)
        // The document's tree and the conversion's are gone: their pages go back to the system.
        MemoryRelease.returnFreePages()
        return template
    }

    /// Deletes an imported template.
    public func delete(tenantID: String?, slug: Slug, by actor: AuditActor) async throws {
        let audit = actor.event("template.delete", tenantID: tenantID, targetType: "template", target: slug.rawValue)
        try await store.deleteTemplate(tenantID: tenantID, slug: slug, audit: audit)
        cache?.invalidate(tenantID: tenantID)
    }

    private func parse(_ stored: StoredTemplate) throws -> Template {
        let fields = registry.spec(for: stored.document["connector_type"]?.stringValue ?? "http")?.resourceFields ?? []
        return try Template(document: stored.document, bindingFields: fields, source: .imported, tenantID: stored.tenantID)
    }
}
