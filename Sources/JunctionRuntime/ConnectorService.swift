import Foundation
import JunctionCore
import JunctionStorage
import Synchronization

/// Creates and changes connectors, validating each against its type's `ConnectorSpec`.
public struct ConnectorService: Sendable {
    private let store: any Store
    private let registry: ConnectorRegistry
    private let secrets: SecretBox
    private let cache: ConnectorCache?
    private let templates: TemplateService?
    /// What connector types' configuration checks consult (the MCP command policy).
    private let services: ServiceValues

    /// The most a connector's `timeout_ms` may be: 10 minutes.
    public static let timeoutRange = 1...600_000
    /// The most a connector's `max_retries` may be.
    public static let retriesRange = 0...10

    /// Record fields that callers may echo back but never set.
    static let readOnlyFields = [
        "id", "tenant_id", "health_status", "last_health_check", "last_error", "created_at", "updated_at",
    ]

    /// A service over `store`; every write drops the connector from `cache`.
    public init(
        store: any Store, registry: ConnectorRegistry, secrets: SecretBox, cache: ConnectorCache? = nil,
        templates: TemplateService? = nil, services: ServiceValues = ServiceValues()
    ) {
        self.services = services
        self.store = store
        self.registry = registry
        self.secrets = secrets
        self.cache = cache
        self.templates = templates
    }

    /// A stored connector, with the secrets Junction generated for it (shown this once).
    public struct Created: Sendable {
        public var connector: ConnectorRecord
        /// Generated secret options by name (e.g. a webhook's `secret`).
        public var generatedSecrets: [String: String]
    }

    /// Validates a create body and stores the new connector, generating the values of
    /// `generated` fields the body leaves out.
    public func create(tenantID: String, body: JSONValue, by actor: AuditActor) async throws -> Created {
        var reader = try FieldReader(body)
        let name = try reader.requiredSlug("connector_name")
        let template = try await resolveTemplate(body["template"], tenantID: tenantID)
        let typeName = try reader.string("connector_type", maxLength: 64) ?? template?.connectorType
            ?? { throw JunctionError.invalidInput("Missing required field 'connector_type'.", field: "connector_type") }()
        if let template, typeName != template.connectorType {
            throw JunctionError.invalidInput(
                "Template '\(template.slug)' builds '\(template.connectorType)' connectors, not '\(typeName)'.",
                field: "connector_type")
        }
        guard let spec = registry.spec(for: typeName) else {
            throw JunctionError.invalidInput(
                "Unknown connector type '\(typeName.prefix(64))'. Types: \(registry.specs.map(\.type).joined(separator: ", ")).",
                field: "connector_type"
            )
        }
        var connector = ConnectorRecord(tenantID: tenantID, name: name, type: spec.type)
        var options: [String: JSONValue] = [:]
        try apply(&reader, to: &connector, options: &options, spec: spec, template: template)
        try reader.finish()
        var generated: [String: String] = [:]
        for field in spec.fields where field.generated && options[field.name] == nil {
            generated[field.name] = Self.generateSecret()
            options[field.name] = generated[field.name].map(JSONValue.string)
        }
        try finalize(&connector, options: options, spec: spec, template: template)
        let audit = actor.event("connector.create", tenantID: tenantID, targetType: "connector", target: name.rawValue,
                                details: ["connector_type": .string(spec.type)])
        try await store.insertConnector(connector, audit: audit)
        cache?.invalidate(tenantID: tenantID, name: name.rawValue)
        return Created(connector: connector, generatedSecrets: generated)
    }

    /// Replaces the connector's generated secrets with new ones and returns them (shown this
    /// once); `invalid_input` for a type without generated secrets.
    public func rotateSecrets(tenantID: String, name: Slug, by actor: AuditActor) async throws -> Created {
        let audit = actor.event("connector.rotate_secret", tenantID: tenantID, targetType: "connector", target: name.rawValue)
        let registry = self.registry
        let service = self
        let generated = Mutex<[String: String]>([:])
        defer { cache?.invalidate(tenantID: tenantID) }
        let connector = try await store.updateConnector(tenantID: tenantID, name: name, audit: audit) { connector in
            guard let spec = registry.spec(for: connector.type) else {
                throw JunctionError.internal("Connector type '\(connector.type)' is no longer registered.")
            }
            let fields = spec.fields.filter(\.generated)
            guard !fields.isEmpty else {
                throw JunctionError.invalidInput("Connectors of type '\(spec.type)' have no generated secret to rotate.")
            }
            var options = try service.options(of: connector)
            var made: [String: String] = [:]
            for field in fields {
                made[field.name] = Self.generateSecret()
                options[field.name] = made[field.name].map(JSONValue.string)
            }
            try service.finalize(&connector, options: options, spec: spec, template: nil)
            connector.updatedAt = Timestamp.now()
            generated.withLock { $0 = made }
        }
        return Created(connector: connector, generatedSecrets: generated.withLock { $0 })
    }

    /// 32 random bytes as `whsec_` and 64 hex digits.
    static func generateSecret() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return "whsec_" + HexDigits.lowercase(bytes)
    }

    /// Applies a partial update: members present in `body` replace the stored ones (`null`
    /// clears an optional field); `options` merge key by key, a `null` option removing that key.
    public func update(tenantID: String, name: Slug, body: JSONValue, by actor: AuditActor) async throws -> ConnectorRecord {
        let probe = try FieldReader(body)
        let changed = probe.remaining.keys.filter { !Self.readOnlyFields.contains($0) && $0 != "connector_type" }.sorted()
        let audit = actor.event("connector.update", tenantID: tenantID, targetType: "connector", target: name.rawValue,
                                details: ["fields": .array(changed.map(JSONValue.string))])
        let registry = self.registry
        let service = self
        // Templates are resolved before the (synchronous) change: the one the body names, or
        // else the connector's current one.
        let current = try await store.connector(tenantID: tenantID, name: name)
        let templateValue = probe.contains("template") ? body["template"] : current?.template.map(JSONValue.string)
        let template = try await resolveTemplate(templateValue, tenantID: tenantID)
        defer { cache?.invalidate(tenantID: tenantID) }
        return try await store.updateConnector(tenantID: tenantID, name: name, audit: audit) { connector in
            guard let spec = registry.spec(for: connector.type) else {
                throw JunctionError.internal("Connector type '\(connector.type)' is no longer registered.")
            }
            var options = try service.options(of: connector)
            var reader = try FieldReader(body)
            if let type = reader.value("connector_type"), type != .string(connector.type) {
                throw JunctionError.invalidInput(
                    "A connector's type cannot change; create a new connector.", field: "connector_type")
            }
            if connector.template != current?.template {
                throw JunctionError.conflict("The connector changed during the update; try again.")
            }
            try service.apply(&reader, to: &connector, options: &options, spec: spec, template: template)
            try reader.finish()
            try service.finalize(&connector, options: options, spec: spec, template: template)
            connector.updatedAt = Timestamp.now()
        }
    }

    /// Deletes a connector; `conflict` while agents depend on it unless `force`.
    public func delete(tenantID: String, name: Slug, force: Bool, by actor: AuditActor) async throws {
        let audit = actor.event("connector.delete", tenantID: tenantID, targetType: "connector", target: name.rawValue,
                                details: force ? ["force": true] : nil)
        try await store.deleteConnector(tenantID: tenantID, name: name, force: force, audit: audit)
        cache?.invalidate(tenantID: tenantID, name: name.rawValue)
    }

    /// Stores the outcome of a live test: health status, when, and the error if it failed.
    public func recordHealth(
        tenantID: String, name: Slug, failure: JunctionError?, by actor: AuditActor
    ) async throws -> ConnectorRecord {
        let audit = actor.event(
            "connector.test", tenantID: tenantID, targetType: "connector", target: name.rawValue,
            details: ["outcome": .string(failure?.code.description ?? "ok")])
        return try await store.updateConnector(tenantID: tenantID, name: name, audit: audit) { connector in
            connector.healthStatus = failure == nil ? .healthy : .unhealthy
            connector.lastHealthCheck = Timestamp.now()
            connector.lastError = failure.map { "\($0.code): \($0.message)" }
        }
    }

    /// The connector's options checked against its type's spec, with defaults (also those of
    /// fields added since it was saved) and secret options decrypted: what its instance reads.
    public func settings(of connector: ConnectorRecord) throws -> ConnectorOptions {
        guard let spec = registry.spec(for: connector.type) else {
            throw JunctionError.internal("Connector type '\(connector.type)' is no longer registered.")
        }
        return try spec.options(try options(of: connector))
    }

    /// The connector's stored options with secret options decrypted, as given (no defaults added).
    public func options(of connector: ConnectorRecord) throws -> [String: JSONValue] {
        try connector.options.merging(
            secrets.openJSON(connector.sealedSecretOptions, context: Self.sealContext(connector)),
            uniquingKeysWith: { plain, _ in plain }
        )
    }

    static func sealContext(_ connector: ConnectorRecord) -> String {
        "connector:\(connector.tenantID):\(connector.id)"
    }

    /// The template a body's `template` member names (`nil` for none or `null`).
    private func resolveTemplate(_ value: JSONValue?, tenantID: String) async throws -> Template? {
        guard let value, !value.isNull else { return nil }
        guard let text = value.stringValue, let slug = Slug(text) else {
            throw JunctionError.invalidInput("A template is named by its slug.", field: "template")
        }
        guard let template = try await templates?.template(tenantID: tenantID, slug: slug) else {
            throw JunctionError.invalidInput("Unknown template '\(slug)'.", field: "template")
        }
        return template
    }

    /// Reads every settable member of `reader` into `connector` and `options`.
    private func apply(
        _ reader: inout FieldReader,
        to connector: inout ConnectorRecord,
        options: inout [String: JSONValue],
        spec: ConnectorSpec,
        template: Template?
    ) throws {
        reader.skip(Self.readOnlyFields + ["connector_type"])
        if reader.contains("connector_name") { connector.name = try reader.requiredSlug("connector_name") }
        if reader.contains("template") {
            _ = reader.value("template")
            connector.template = template?.slug.rawValue
        }
        if reader.contains("display_name") { connector.displayName = try reader.string("display_name", maxLength: 200) }
        if reader.contains("description") { connector.description = try reader.string("description", maxLength: 2000) }
        if reader.contains("connection_url") { connector.connectionURL = try reader.string("connection_url", maxLength: 2048) }
        if reader.contains("credential") { connector.credential = try reader.slug("credential") }
        if reader.contains("timeout_ms") {
            connector.timeoutMilliseconds = try reader.int("timeout_ms", in: Self.timeoutRange)
                ?? ConnectorRecord.defaultTimeoutMilliseconds
        }
        if reader.contains("max_retries") {
            connector.maxRetries = try reader.int("max_retries", in: Self.retriesRange) ?? ConnectorRecord.defaultMaxRetries
        }
        if reader.contains("enabled") { connector.enabled = try reader.bool("enabled") ?? true }
        if reader.contains("mode") { connector.mode = try reader.string("mode", maxLength: 32) }
        if reader.contains("options") {
            for (key, value) in try reader.object("options") ?? [:] {
                // A secret option echoed back as its masked hint keeps the stored secret.
                if let hint = connector.secretOptionHints[key], hint == value { continue }
                options[key] = value.isNull ? nil : value
            }
        }
    }

    /// Checks the combined record against the spec and seals secret options. A template's base
    /// URL stands in for a missing `connection_url`.
    private func finalize(
        _ connector: inout ConnectorRecord, options: [String: JSONValue], spec: ConnectorSpec, template: Template?
    ) throws {
        if spec.modes.isEmpty {
            if connector.mode != nil {
                throw JunctionError.invalidInput("Connector type '\(spec.type)' has no modes.", field: "mode")
            }
        } else {
            let mode = connector.mode ?? spec.modes[0]
            guard spec.modes.contains(mode) else {
                throw JunctionError.invalidInput("Mode must be one of: \(spec.modes.joined(separator: ", ")).", field: "mode")
            }
            connector.mode = mode
        }
        switch (spec.connectionURL(inMode: connector.mode), connector.connectionURL) {
        case (.required, nil) where template?.baseURL == nil:
            if let template {
                throw JunctionError.invalidInput(
                    "Template '\(template.slug)' has no base URL: give the connection_url of your instance.",
                    field: "connection_url")
            }
            let inMode = spec.urlModes.isEmpty ? "" : " in \(connector.mode ?? "this") mode"
            throw JunctionError.invalidInput("Connector type '\(spec.type)' needs a connection_url\(inMode).", field: "connection_url")
        case (.none, _?):
            let inMode = spec.urlModes.isEmpty ? "" : " in \(connector.mode ?? "this") mode"
            throw JunctionError.invalidInput("Connector type '\(spec.type)' takes no connection_url\(inMode).", field: "connection_url")
        case (_, let url?):
            try URLCheck.check(url, schemes: spec.urlSchemes, field: "connection_url")
        default:
            break
        }
        if connector.credential != nil, spec.credentialKinds.isEmpty {
            throw JunctionError.invalidInput("Connector type '\(spec.type)' takes no credential.", field: "credential")
        }
        let validated = try spec.options(options)
        if let checking = registry.implementation(for: spec.type) as? any ConfigurationChecking.Type {
            try checking.check(
                connectionURL: connector.connectionURL ?? template?.baseURL, options: validated, services: services)
        }
        _ = try spec.resources(in: validated)
        let secretNames = spec.secretFieldNames
        let secretOptions = validated.values.filter { secretNames.contains($0.key) }
        connector.options = validated.values.filter { !secretNames.contains($0.key) }
        connector.secretOptionHints = secretOptions.mapValues(SecretMask.hint(for:))
        connector.sealedSecretOptions = try secrets.sealJSON(secretOptions, context: Self.sealContext(connector))
    }
}
