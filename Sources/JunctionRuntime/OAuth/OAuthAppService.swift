import Foundation
import JunctionConnectors
import JunctionCore
import JunctionStorage

/// A tenant's OAuth apps: the client a provider issued (id and sealed secret) and its
/// endpoints, by default those of the template it is made from.
public struct OAuthAppService: Sendable {
    private let store: any Store
    private let secrets: SecretBox
    private let resolver: SecretResolver
    private let templates: TemplateService

    public init(store: any Store, secrets: SecretBox, resolver: SecretResolver, templates: TemplateService) {
        self.store = store
        self.secrets = secrets
        self.resolver = resolver
        self.templates = templates
    }

    /// Validates and stores a new app. `template` (a template whose auth is `oauth2`) gives
    /// the endpoints, scopes and quirks unless the body names its own; `{placeholders}` in
    /// its URLs are filled from `url_parameters`.
    public func create(tenantID: String, body: JSONValue, by actor: AuditActor) async throws -> OAuthApp {
        var reader = try FieldReader(body)
        let template = try await template(try reader.slug("template"), tenantID: tenantID)
        guard let name = try reader.slug("name") ?? template?.slug else {
            throw JunctionError.invalidInput("Give the app a name (or a template, whose slug names it).", field: "name")
        }
        var app = OAuthApp(
            tenantID: tenantID, name: name, template: template?.slug, clientID: "", sealedSecret: nil, secretHint: nil,
            authorizeURL: "", tokenURL: "", scopes: [])
        try await apply(&reader, to: &app, template: template, creating: true)
        try reader.finish()
        try await store.insertOAuthApp(app, audit: actor.event("oauth_app.create", tenantID: tenantID, targetType: "oauth_app", target: name.rawValue))
        return app
    }

    /// Changes an app: the members given replace the stored ones (`client_secret` included).
    public func update(tenantID: String, name: Slug, body: JSONValue, by actor: AuditActor) async throws -> OAuthApp {
        guard var app = try await store.oauthApp(tenantID: tenantID, name: name) else {
            throw JunctionError.notFound("No OAuth app named '\(name)'.")
        }
        var reader = try FieldReader(body)
        reader.skip(["name", "template"])
        let template = try await template(app.template, tenantID: tenantID)
        try await apply(&reader, to: &app, template: template, creating: false)
        try reader.finish()
        app.updatedAt = Timestamp.now()
        try await store.replaceOAuthApp(app, audit: actor.event("oauth_app.update", tenantID: tenantID, targetType: "oauth_app", target: name.rawValue))
        return app
    }

    /// Deletes an app (`conflict` while credentials use it).
    public func delete(tenantID: String, name: Slug, by actor: AuditActor) async throws {
        try await store.deleteOAuthApp(
            tenantID: tenantID, name: name, audit: actor.event("oauth_app.delete", tenantID: tenantID, targetType: "oauth_app", target: name.rawValue))
    }

    /// The app an `oauth2` credential (its resolved fields) names: `authentication_failed`
    /// when it no longer exists.
    public func app(of credential: ResolvedCredential, tenantID: String) async throws -> OAuthApp {
        try await app(named: credential.fields["app"]?.stringValue, tenantID: tenantID, credential: credential.name)
    }

    /// The app named `name` of tenant `tenantID`, for credential `credential`.
    func app(named name: String?, tenantID: String, credential: Slug) async throws -> OAuthApp {
        guard let slug = name.flatMap(Slug.init), let app = try await store.oauthApp(tenantID: tenantID, name: slug) else {
            throw JunctionError(
                .authenticationFailed,
                "Credential '\(credential)' names OAuth app '\(name?.prefix(64) ?? "")', which does not exist; create it under /api/v1/oauth/apps.",
                details: ["credential": .string(credential.rawValue)])
        }
        return app
    }

    /// The app's client secret, opened and any `env:`/`file:` reference read.
    public func clientSecret(of app: OAuthApp) async throws -> String? {
        guard let sealed = app.sealedSecret else { return nil }
        let opened = try secrets.openJSON(sealed, context: Self.sealContext(app))
        guard let value = opened["client_secret"] else { return nil }
        let tenant = try await tenantName(app.tenantID)
        return try resolver.resolve(value, field: "client_secret", tenant: tenant).stringValue
    }

    private func template(_ slug: Slug?, tenantID: String) async throws -> Template? {
        guard let slug else { return nil }
        guard let template = try await templates.template(tenantID: tenantID, slug: slug) else {
            throw JunctionError.invalidInput("No template named '\(slug)'.", field: "template")
        }
        guard template.authentication?.kind == .oauth2 else {
            throw JunctionError.invalidInput("Template '\(slug)' does not authenticate with OAuth 2.0 authorization.", field: "template")
        }
        return template
    }

    private func apply(_ reader: inout FieldReader, to app: inout OAuthApp, template: Template?, creating: Bool) async throws {
        let hints = template?.authentication?.hints ?? [:]
        if let clientID = try reader.string("client_id", maxLength: 512) {
            app.clientID = clientID
        } else if creating {
            throw JunctionError.invalidInput("Give the client_id the provider issued.", field: "client_id")
        }
        if reader.contains("client_secret") {
            if let secret = try reader.string("client_secret", maxLength: 4096), !secret.isEmpty {
                guard !secret.hasPrefix("••••") else {
                    throw JunctionError.invalidInput("That is the secret's masked hint, not the secret: give the client secret itself.", field: "client_secret")
                }
                if let reference = try SecretReference(parsing: secret, field: "client_secret") {
                    try resolver.policy.check(reference, field: "client_secret", tenant: try await tenantName(app.tenantID))
                }
                app.sealedSecret = try secrets.sealJSON(["client_secret": .string(secret)], context: Self.sealContext(app))
                app.secretHint = SecretMask.hint(for: secret)
            } else {
                app.sealedSecret = nil
                app.secretHint = nil
            }
        }
        let parameters = try reader.stringMap("url_parameters") ?? [:]
        for (field, hint) in [("authorize_url", "authorize_url"), ("token_url", "token_url")] {
            let given = try reader.string(field, maxLength: 2048)
            // The template's URL when creating, or when new url_parameters are given.
            guard let text = given ?? (creating || !parameters.isEmpty ? hints[hint]?.stringValue : nil) else {
                if creating { throw JunctionError.invalidInput("Give the provider's \(field).", field: field) }
                continue
            }
            let url = try Self.filling(text, with: parameters, field: given == nil ? "url_parameters" : field)
            try URLCheck.http(url, field: field)
            if field == "authorize_url" { app.authorizeURL = url } else { app.tokenURL = url }
        }
        if let scopes = try reader.strings("scopes", maxCount: 200, maxLength: 512) {
            app.scopes = scopes
        } else if creating {
            app.scopes = hints["scopes"]?.arrayValue?.compactMap(\.stringValue) ?? []
        }
        if let separator = try reader.string("scope_separator", maxLength: 1) ?? (creating ? hints["scope_separator"]?.stringValue : nil) {
            guard separator == " " || separator == "," else {
                throw JunctionError.invalidInput("Must be a space or a comma.", field: "scope_separator")
            }
            app.scopeSeparator = separator
        }
        if let method = try reader.string("token_auth_method", maxLength: 64) ?? (creating ? hints["token_auth_method"]?.stringValue : nil) {
            guard let value = OAuthClientAuthentication(rawValue: method) else {
                throw JunctionError.invalidInput(
                    "Must be one of \(OAuthClientAuthentication.allCases.map(\.rawValue).joined(separator: ", ")).", field: "token_auth_method")
            }
            app.clientAuthentication = value
        }
        if let extra = try reader.stringMap("authorize_params") {
            app.authorizeParameters = extra
        } else if creating {
            app.authorizeParameters = (hints["authorize_params"]?.objectValue ?? [:]).compactMapValues(\.stringValue)
        }
        if let reserved = app.authorizeParameters.keys.sorted().first(where: Self.reservedParameters.contains) {
            throw JunctionError.invalidInput("'\(reserved)' is set by Junction.", field: "authorize_params.\(reserved)")
        }
        if let pkce = try reader.bool("pkce") ?? (creating ? hints["pkce"]?.boolValue : nil) { app.usesPKCE = pkce }
        if let notify = try reader.strings("notify", maxCount: 20, maxLength: 64) {
            app.notify = try notify.enumerated().map { index, name throws(JunctionError) in
                try Slug(validating: name, field: "notify[\(index)]")
            }
        }
        if app.clientAuthentication != .none, app.sealedSecret == nil {
            throw JunctionError.invalidInput(
                "A confidential client needs its client_secret (or token_auth_method: none for a public client).", field: "client_secret")
        }
    }

    /// The authorization request's members Junction sets itself.
    private static let reservedParameters: Set<String> = [
        "client_id", "redirect_uri", "response_type", "state", "code_challenge", "code_challenge_method", "scope",
    ]

    /// `text` with each `{name}` replaced by `parameters[name]` (percent-encoded); a missing
    /// one is `invalid_input` on `field`.
    static func filling(_ text: String, with parameters: [String: String], field: String) throws(JunctionError) -> String {
        var result = ""
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "{") {
            result += rest[..<open]
            guard let close = rest[open...].firstIndex(of: "}") else { break }
            let name = String(rest[rest.index(after: open)..<close])
            guard let value = parameters[name], !value.isEmpty else {
                throw JunctionError.invalidInput(
                    "The URL \(text) needs '\(name)': give url_parameters.\(name) (or the whole URL).", field: field)
            }
            result += PercentEncoding.encodeComponent(value)
            rest = rest[rest.index(after: close)...]
        }
        return result + rest
    }

    private func tenantName(_ tenantID: String) async throws -> Slug {
        guard let tenant = try await store.tenant(idOrName: tenantID) else { throw JunctionError.notFound("No tenant '\(tenantID)'.") }
        return tenant.name
    }

    static func sealContext(_ app: OAuthApp) -> String { "oauth-app:\(app.tenantID):\(app.id)" }
}

extension OAuthApp {
    /// The app as the API shows it (the secret as its hint only).
    public var representation: JSONValue {
        [
            "id": .string(id), "name": .string(name.rawValue), "template": template.map { .string($0.rawValue) } ?? .null,
            "client_id": .string(clientID), "client_secret": secretHint.map(JSONValue.string) ?? .null,
            "authorize_url": .string(authorizeURL), "token_url": .string(tokenURL),
            "scopes": .array(scopes.map(JSONValue.string)), "scope_separator": .string(scopeSeparator),
            "token_auth_method": .string(clientAuthentication.rawValue),
            "authorize_params": .object(authorizeParameters.mapValues(JSONValue.string)), "pkce": .bool(usesPKCE),
            "notify": .array(notify.map { .string($0.rawValue) }),
            "created_at": .string(Timestamp.format(createdAt)), "updated_at": .string(Timestamp.format(updatedAt)),
        ]
    }
}
