import Foundation
import JunctionCore
import JunctionStorage

/// Creates, lists, resolves and deletes credentials. Secrets are sealed before they reach the
/// store and are opened only to be used.
public struct CredentialService: Sendable {
    private let store: any Store
    private let secrets: SecretBox
    private let resolver: SecretResolver
    private let cache: ConnectorCache?

    /// A service sealing with `secrets` and reading references through `resolver`, whose policy
    /// also decides which references may be stored.
    public init(store: any Store, secrets: SecretBox, resolver: SecretResolver, cache: ConnectorCache? = nil) {
        self.store = store
        self.secrets = secrets
        self.resolver = resolver
        self.cache = cache
    }

    /// Validates a credential body (`name`, `kind`, the kind's fields, and where it may be
    /// sent: `allowed_hosts`, `allowed_connectors`, or `template`, whose base URL's host it is
    /// then bound to) and stores it.
    public func create(tenantID: String, body: JSONValue, by actor: AuditActor, templates: TemplateService? = nil) async throws -> Credential {
        var reader = try FieldReader(body)
        let name = try reader.requiredSlug("name")
        var binding = CredentialBinding(hosts: try reader.globs("allowed_hosts"), connectors: try reader.globs("allowed_connectors"))
        if let slug = try reader.slug("template") {
            guard let template = try await templates?.template(tenantID: tenantID, slug: slug) else {
                throw JunctionError.invalidInput("No template named '\(slug)'.", field: "template")
            }
            guard let host = template.baseURL.flatMap({ URLComponents(string: $0)?.host }) else {
                throw JunctionError.invalidInput("Template '\(slug)' has no base URL to bind the credential to.", field: "template")
            }
            if binding.hosts == nil { binding.hosts = GlobSet([Glob(host.lowercased())]) }
        }
        let kindText = try reader.requiredString("kind", maxLength: 64)
        guard let kind = CredentialKind(rawValue: kindText) else {
            throw JunctionError.invalidInput(
                "Unknown credential kind '\(kindText.prefix(64))'. Kinds: \(CredentialKind.allCases.map(\.rawValue).joined(separator: ", ")).",
                field: "kind"
            )
        }
        let id = Identifier.make("cred")
        let (config, hints, sealed) = try await seal(reader.remaining, kind: kind, tenantID: tenantID, id: id)
        let credential = Credential(
            id: id, tenantID: tenantID, name: name, kind: kind, config: config, hints: hints, sealedSecrets: sealed, binding: binding)
        var details: [String: JSONValue] = ["kind": .string(kind.rawValue)]
        if binding.isBound { details["binding"] = binding.json }
        let audit = actor.event("credential.create", tenantID: tenantID, targetType: "credential", target: name.rawValue,
                                details: .object(details))
        try await store.insertCredential(credential, audit: audit)
        return credential
    }

    /// Replaces a credential's fields with those of `body` (every field its kind needs, as at
    /// creation; its name, kind and binding stay). Connectors using it use the new values from
    /// their next call.
    public func rotate(tenantID: String, name: Slug, body: JSONValue, by actor: AuditActor) async throws -> Credential {
        guard var credential = try await store.credential(tenantID: tenantID, name: name) else {
            throw JunctionError.notFound("No credential named '\(name)'.")
        }
        var reader = try FieldReader(body)
        if let kind = try reader.string("kind", maxLength: 64), kind != credential.kind.rawValue {
            throw JunctionError.invalidInput(
                "A credential's kind cannot change (this one is \(credential.kind.rawValue)); create a new credential.", field: "kind")
        }
        (credential.config, credential.hints, credential.sealedSecrets) = try await seal(
            reader.remaining, kind: credential.kind, tenantID: tenantID, id: credential.id)
        credential.updatedAt = Timestamp.now()
        let audit = actor.event(
            "credential.rotate", tenantID: tenantID, targetType: "credential", target: name.rawValue,
            details: ["kind": .string(credential.kind.rawValue)])
        try await store.replaceCredentialFields(credential, audit: audit)
        cache?.invalidate(tenantID: tenantID)
        return credential
    }

    /// `fields` checked against `kind` and split into public config, masked hints and the
    /// sealed secrets of credential `id`.
    private func seal(
        _ remaining: [String: JSONValue], kind: CredentialKind, tenantID: String, id: String
    ) async throws -> (config: [String: JSONValue], hints: [String: JSONValue], sealed: [UInt8]) {
        let fields = try kind.fields.validate(remaining)
        try checkSecretReferences(fields, kind: kind, tenant: try await tenantName(tenantID))
        if kind == .oauth2ClientCredentials, let tokenURL = fields["token_url"]?.stringValue {
            try URLCheck.http(tokenURL, field: "token_url")
        }
        if kind == .oauth2, let app = fields["app"]?.stringValue {
            let name = try Slug(validating: app, field: "app")
            guard try await store.oauthApp(tenantID: tenantID, name: name) != nil else {
                throw JunctionError.invalidInput(
                    "No OAuth app named '\(name)': create it first (POST /api/v1/oauth/apps with the provider's client id and secret).",
                    field: "app")
            }
        }
        if kind == .apiKey, let keyName = fields["key_name"]?.stringValue {
            let inHeader = fields["in"]?.stringValue != "query"
            guard inHeader ? HTTPHeaderRules.isToken(keyName) : (!keyName.isEmpty && HTTPHeaderRules.isSafeValue(keyName)) else {
                throw JunctionError.invalidInput(
                    inHeader ? "'\(keyName.prefix(80))' is not a valid header or placeholder name." : "A query parameter name must not be empty.",
                    field: "key_name")
            }
        }
        let secretNames = Set(kind.fields.filter(\.secret).map(\.name))
        let sealed = try secrets.sealJSON(
            fields.filter { secretNames.contains($0.key) }, context: Self.sealContext(tenantID: tenantID, id: id))
        return (fields.filter { !secretNames.contains($0.key) }, fields.filter { secretNames.contains($0.key) }.mapValues(SecretMask.hint(for:)), sealed)
    }

    /// Deletes a credential; `conflict` naming the connectors that still use it.
    public func delete(tenantID: String, name: Slug, by actor: AuditActor) async throws {
        let audit = actor.event("credential.delete", tenantID: tenantID, targetType: "credential", target: name.rawValue)
        try await store.deleteCredential(tenantID: tenantID, name: name, audit: audit)
        cache?.invalidate(tenantID: tenantID)
    }

    /// The credential with its secrets opened and every `env:`/`file:` reference read (within
    /// its tenant's part of the reference policy). Reading a file reference blocks briefly.
    public func resolve(_ credential: Credential) async throws -> ResolvedCredential {
        let tenant = try await tenantName(credential.tenantID)
        let opened = try secrets.openJSON(
            credential.sealedSecrets,
            context: Self.sealContext(tenantID: credential.tenantID, id: credential.id)
        )
        var fields = credential.config
        for (key, value) in opened {
            fields[key] = try resolver.resolve(value, field: key, tenant: tenant)
        }
        return ResolvedCredential(id: credential.id, name: credential.name, kind: credential.kind, fields: fields)
    }

    private func tenantName(_ tenantID: String) async throws -> Slug {
        guard let tenant = try await store.tenant(idOrName: tenantID) else {
            throw JunctionError.notFound("No tenant '\(tenantID)'.")
        }
        return tenant.name
    }

    /// The authenticated context a credential's secrets are sealed with.
    public static func sealContext(tenantID: String, id: String) -> String {
        "credential:\(tenantID):\(id)"
    }

    /// Rejects malformed `env:`/`file:` references, and references the policy forbids, in secret
    /// fields at creation time.
    private func checkSecretReferences(_ fields: [String: JSONValue], kind: CredentialKind, tenant: Slug) throws {
        func check(_ text: String, field: String) throws {
            if let reference = try SecretReference(parsing: text, field: field) {
                try resolver.policy.check(reference, field: field, tenant: tenant)
            }
        }
        for field in kind.fields where field.secret {
            switch fields[field.name] {
            case .string(let text)?:
                try check(text, field: field.name)
            case .object(let members)?:
                for (key, value) in members {
                    if let text = value.stringValue { try check(text, field: "\(field.name).\(key)") }
                }
            default:
                break
            }
        }
    }
}
