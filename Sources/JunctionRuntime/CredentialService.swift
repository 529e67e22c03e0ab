import Foundation
import JunctionCore
import JunctionStorage

/// Creates, lists, resolves and deletes credentials. Secrets are sealed before they reach the
/// store and are opened only to be used.
public struct CredentialService: Sendable {
    private let store: any Store
    private let secrets: SecretBox
    private let resolver: SecretResolver

    public init(store: any Store, secrets: SecretBox, resolver: SecretResolver = SecretResolver()) {
        self.store = store
        self.secrets = secrets
        self.resolver = resolver
    }

    /// Validates a credential body (`name`, `kind` and the kind's fields) and stores it.
    public func create(tenantID: String, body: JSONValue, by actor: AuditActor) async throws -> Credential {
        var reader = try FieldReader(body)
        let name = try reader.requiredSlug("name")
        let kindText = try reader.requiredString("kind", maxLength: 64)
        guard let kind = CredentialKind(rawValue: kindText) else {
            throw JunctionError.invalidInput(
                "Unknown credential kind '\(kindText.prefix(64))'. Kinds: \(CredentialKind.allCases.map(\.rawValue).joined(separator: ", ")).",
                field: "kind"
            )
        }
        let fields = try kind.fields.validate(reader.remaining)
        try Self.checkSecretReferences(fields, kind: kind)
        if kind == .oauth2ClientCredentials, let tokenURL = fields["token_url"]?.stringValue {
            try URLCheck.http(tokenURL, field: "token_url")
        }
        let secretNames = Set(kind.fields.filter(\.secret).map(\.name))
        let id = Identifier.make("cred")
        let credential = Credential(
            id: id,
            tenantID: tenantID,
            name: name,
            kind: kind,
            config: fields.filter { !secretNames.contains($0.key) },
            hints: fields.filter { secretNames.contains($0.key) }.mapValues(SecretMask.hint(for:)),
            sealedSecrets: try secrets.sealJSON(
                fields.filter { secretNames.contains($0.key) },
                context: Self.sealContext(tenantID: tenantID, id: id)
            )
        )
        let audit = actor.event("credential.create", tenantID: tenantID, targetType: "credential", target: name.rawValue,
                                details: ["kind": .string(kind.rawValue)])
        try await store.insertCredential(credential, audit: audit)
        return credential
    }

    /// Deletes a credential; `conflict` naming the connectors that still use it.
    public func delete(tenantID: String, name: Slug, by actor: AuditActor) async throws {
        let audit = actor.event("credential.delete", tenantID: tenantID, targetType: "credential", target: name.rawValue)
        try await store.deleteCredential(tenantID: tenantID, name: name, audit: audit)
    }

    /// The credential with its secrets opened and every `env:`/`file:` reference read.
    public func resolve(_ credential: Credential) throws -> ResolvedCredential {
        let opened = try secrets.openJSON(
            credential.sealedSecrets,
            context: Self.sealContext(tenantID: credential.tenantID, id: credential.id)
        )
        var fields = credential.config
        for (key, value) in opened {
            fields[key] = try resolver.resolve(value, field: key)
        }
        return ResolvedCredential(name: credential.name, kind: credential.kind, fields: fields)
    }

    static func sealContext(tenantID: String, id: String) -> String {
        "credential:\(tenantID):\(id)"
    }

    /// Rejects malformed `env:`/`file:` references in secret fields at creation time.
    private static func checkSecretReferences(_ fields: [String: JSONValue], kind: CredentialKind) throws {
        for field in kind.fields where field.secret {
            switch fields[field.name] {
            case .string(let text)?:
                _ = try SecretReference(parsing: text, field: field.name)
            case .object(let members)?:
                for (key, value) in members {
                    if let text = value.stringValue { _ = try SecretReference(parsing: text, field: "\(field.name).\(key)") }
                }
            default:
                break
            }
        }
    }
}

/// Reads `env:NAME` and `file:PATH` secret references at the moment of use.
public struct SecretResolver: Sendable {
    private let environment: @Sendable (String) -> String?

    /// A resolver over the process environment, or `environment` for tests.
    public init(environment: @escaping @Sendable (String) -> String? = { ProcessInfo.processInfo.environment[$0] }) {
        self.environment = environment
    }

    /// `value` with every string reference replaced by what it refers to.
    public func resolve(_ value: JSONValue, field: String) throws -> JSONValue {
        switch value {
        case .string(let text):
            return .string(try resolve(text, field: field))
        case .object(let members):
            var resolved: [String: JSONValue] = [:]
            for (key, member) in members {
                resolved[key] = try resolve(member, field: "\(field).\(key)")
            }
            return .object(resolved)
        default:
            return value
        }
    }

    /// `text`, or what it refers to when it is a reference.
    public func resolve(_ text: String, field: String) throws -> String {
        switch try SecretReference(parsing: text, field: field) {
        case nil:
            return text
        case .environment(let name)?:
            guard let value = environment(name), !value.isEmpty else {
                throw JunctionError(.authenticationFailed, "Secret reference env:\(name) is not set.", field: field)
            }
            return value
        case .file(let path)?:
            guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
                throw JunctionError(.authenticationFailed, "Secret reference file:\(path) cannot be read.", field: field)
            }
            return text.trimmingCharacters(in: .newlines)
        }
    }
}

/// Checks URLs given in configuration.
enum URLCheck {
    /// Throws unless `text` is an absolute URL with a host and one of `schemes`.
    static func check(_ text: String, schemes: [String], field: String) throws(JunctionError) {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
              let host = components.host, !host.isEmpty
        else {
            throw .invalidInput("'\(text.prefix(200))' is not an absolute URL.", field: field)
        }
        guard schemes.isEmpty || schemes.contains(scheme) else {
            throw .invalidInput("URL scheme must be one of: \(schemes.joined(separator: ", ")).", field: field)
        }
    }

    static func http(_ text: String, field: String) throws(JunctionError) {
        try check(text, schemes: ["http", "https"], field: field)
    }
}
