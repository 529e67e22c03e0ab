import Crypto
import Foundation
import JunctionCore
import JunctionStorage
import Logging

/// One action call as the API received it.
public struct InvokeRequest: Sendable {
    /// The tenant the call acts in.
    public var tenantID: String
    /// The connector's name.
    public var connector: String
    /// The resource's slug.
    public var resource: String
    /// The input.
    public var data: JSONValue
    /// Per-call options.
    public var options: InvokeOptions
    /// The request id for the envelope and logs.
    public var requestID: String
    /// The caller's `Idempotency-Key`, which allows retrying writes.
    public var idempotencyKey: String?
    /// Who calls, for the audit log.
    public var actor: AuditActor
    /// The caller's trace context (`traceparent`), for the audit event, logs and upstreams.
    public var traceparent: TraceParent?
    /// The agent run making the call, if one is.
    public var runID: String?

    public init(
        tenantID: String, connector: String, resource: String, data: JSONValue, options: InvokeOptions,
        requestID: String, idempotencyKey: String?, actor: AuditActor, traceparent: TraceParent? = nil, runID: String? = nil
    ) {
        self.traceparent = traceparent
        self.runID = runID
        self.tenantID = tenantID
        self.connector = connector
        self.resource = resource
        self.data = data
        self.options = options
        self.requestID = requestID
        self.idempotencyKey = idempotencyKey
        self.actor = actor
    }
}

/// The invoke path (DESIGN §3): connector from the tenant cache → resource → input validated
/// against its schema → policy and approval → mock, or rate limits → credential by priority →
/// execution with timeout and retries → envelope → audit. Every outcome is an envelope;
/// nothing throws out.
public struct Invoker: Sendable {
    let store: any Store
    let registry: ConnectorRegistry
    let cache: ConnectorCache
    let credentials: CredentialService
    let connectors: ConnectorService
    let services: ServiceValues
    let retryPolicy: RetryPolicy
    let metrics: InvokeMetrics?
    let templates: TemplateService?
    /// Where each call's audit event goes (written off the request path).
    let auditLog: AuditWriter
    /// Policies, approvals and rate limits.
    public let governance: Governance

    public init(
        store: any Store, registry: ConnectorRegistry, cache: ConnectorCache, credentials: CredentialService,
        connectors: ConnectorService, services: ServiceValues, auditLog: AuditWriter, governance: Governance,
        retryPolicy: RetryPolicy = RetryPolicy(), metrics: InvokeMetrics? = nil, templates: TemplateService? = nil
    ) {
        self.governance = governance
        self.store = store
        self.registry = registry
        self.cache = cache
        self.credentials = credentials
        self.connectors = connectors
        self.services = services
        self.retryPolicy = retryPolicy
        self.metrics = metrics
        self.templates = templates
        self.auditLog = auditLog
    }

    /// Runs one call and answers with its envelope.
    public func invoke(_ request: InvokeRequest) async -> InvokeEnvelope {
        let start = ContinuousClock.now
        var metadata = InvokeEnvelope.Metadata(
            connector: request.connector, resource: request.resource, tenant: request.tenantID, requestID: request.requestID)
        let envelope: InvokeEnvelope
        var note = CallNote()
        do {
            envelope = try await run(request, metadata: &metadata, start: start, note: &note)
        } catch {
            metadata.durationMilliseconds = Self.milliseconds(since: start)
            let failure: JunctionError
            if let error = error as? JunctionError {
                failure = error
            } else if error is CancellationError || Task.isCancelled {
                failure = JunctionError(.cancelled, "The call was cancelled before it finished.")
            } else {
                failure = .internal("The call failed inside Junction.", cause: error)
            }
            if failure.code == .internal {
                Self.logger.error(
                    "Invoke failed inside Junction",
                    metadata: [
                        "tenant.id": .string(request.tenantID), "connector.name": .string(request.connector),
                        "request.id": .string(request.requestID), "trace.id": .string(request.traceparent.map { String($0.traceID) } ?? ""),
                        "error": .string(String(describing: failure.cause ?? failure)),
                    ])
            }
            envelope = .failure(failure, metadata: metadata)
        }
        Self.logger.debug(
            "Invoked",
            metadata: [
                "tenant.id": .string(request.tenantID), "connector.name": .string(request.connector),
                "resource": .string(request.resource), "request.id": .string(request.requestID),
                "trace.id": .string(request.traceparent.map { String($0.traceID) } ?? ""),
                "outcome": .string(envelope.error?.code.rawValue ?? "ok"), "duration_ms": .string("\(envelope.metadata.durationMilliseconds)"),
            ])
        metrics?.record(connectorType: note.connectorType, envelope: envelope, duration: .now - start)
        audit(request, envelope: envelope, note: note)
        return envelope
    }

    /// What the audit event and metrics of a call record besides its envelope.
    private struct CallNote {
        var connectorType = "unknown"
        /// The policy rule that decided (`default` for the tenant default), once one did.
        var rule: String?
        var approvalID: String?
        /// The redacted arguments, when the policy records them.
        var arguments: JSONValue?
    }

    private func run(
        _ request: InvokeRequest, metadata: inout InvokeEnvelope.Metadata, start: ContinuousClock.Instant,
        note: inout CallNote
    ) async throws -> InvokeEnvelope {
        let prepared = try await prepared(tenantID: request.tenantID, name: request.connector)
        note.connectorType = prepared.record.type
        let connectorType = prepared.record.type
        guard prepared.record.enabled else {
            throw JunctionError(.connectorDisabled, "Connector '\(request.connector)' is disabled.")
        }
        guard let slug = Slug(request.resource), let resource = prepared.resources[slug] else {
            throw JunctionError(.notFound, "Connector '\(request.connector)' has no resource '\(request.resource.prefix(80))'.", field: "resource")
        }
        guard request.actor.access.allows(connector: prepared.record.name.rawValue, resource: slug.rawValue) else {
            throw JunctionError(
                .policyDenied, "This API key may not call '\(slug)' of connector '\(prepared.record.name)': it is outside the key's allow-lists.",
                details: ["rule": "key_access"])
        }
        // Structured input ({path, query, headers, body}) is validated as the flat fields it carries.
        let isStructured = StructuredInput.isStructured(request.data, schema: resource.resource.inputSchema)
        try resource.inputSchema.check(isStructured ? StructuredInput.flattened(request.data) : request.data, field: "data")
        let policy = try await governance.policies.current(tenantID: request.tenantID).policy
        // A local function, not a closure value: nothing is allocated unless it is called.
        func redacted() -> JSONValue {
            ArgumentRedaction(paths: policy.audit.redact).redact(
                request.data, isStructured: isStructured, inputSchema: resource.resource.inputSchema, secrets: prepared.secrets)
        }
        if policy.audit.record { note.arguments = redacted() }
        let clearance: Governance.Clearance
        do {
            clearance = try await governance.clear(
                request, policy: policy, connector: prepared.record.name, resource: resource, isStructured: isStructured,
                redactedArguments: redacted)
        } catch let error as JunctionError {
            note.rule = error.details?["rule"]?.stringValue ?? (error.code == .policyDenied || error.code == .approvalRequired ? "default" : nil)
            note.approvalID = error.details?["approval_id"]?.stringValue
            throw error
        }
        note.rule = clearance.decision.rule ?? "default"
        if request.options.mock {
            guard let mock = resource.resource.mock else {
                throw JunctionError.invalidInput("Resource '\(slug)' has no mock answer.", field: "options.mock")
            }
            metadata.mock = true
            metadata.durationMilliseconds = Self.milliseconds(since: start)
            return .success(mock, metadata: metadata)
        }
        let permit = try await governance.limiter.admit(
            tenantID: request.tenantID, connector: prepared.record.name.rawValue, limits: policy.limits)
        defer { governance.limiter.release(permit) }
        let (instance, secrets) = try await instance(for: prepared, override: request.options.credential)
        do {
            try await governance.spend(
                clearance, for: request, policy: policy, connector: prepared.record.name, resource: resource.resource, redactedArguments: redacted)
        } catch let error as JunctionError {
            // Another call spent the approval first: this one waits for its own.
            note.approvalID = error.details?["approval_id"]?.stringValue
            throw error
        }
        note.approvalID = clearance.approval?.id
        let timeout = request.options.timeout ?? .milliseconds(prepared.record.timeoutMilliseconds)
        let maxRetries = request.options.retries ?? prepared.record.maxRetries
        var attempt = 0
        while true {
            attempt += 1
            metadata.attempts = attempt
            let call = CallContext(
                requestID: request.requestID, deadline: .now + timeout, idempotencyKey: request.idempotencyKey,
                headers: request.options.headers, traceparent: request.traceparent)
            do {
                let result = try await instance.execute(resource.resource, input: request.data, call: call)
                metadata.status = result.status
                metadata.durationMilliseconds = Self.milliseconds(since: start)
                let shown = result.payload.redactingReporting(secrets)
                if shown.redacted { metrics?.recordRedaction(connectorType: connectorType) }
                return .success(shown.payload, metadata: metadata)
            } catch let error as JunctionError {
                guard retryPolicy.shouldRetry(
                    error, attempt: attempt, maxRetries: maxRetries, kind: resource.resource.kind,
                    idempotencyKey: request.idempotencyKey)
                else {
                    metadata.status = error.upstreamStatus
                    let shown = error.redactingReporting(secrets)
                    if shown.redacted { metrics?.recordRedaction(connectorType: connectorType) }
                    throw shown.error
                }
                try await Task.sleep(for: retryPolicy.delay(after: error, attempt: attempt))
            }
        }
    }

    /// The prepared connector from the cache, building it on a miss. With no connector of that
    /// name, a template of that slug that needs no credential answers instead (public APIs).
    public func prepared(tenantID: String, name: String) async throws -> PreparedConnector {
        try await cache.connector(tenantID: tenantID, name: name) {
            let notFound = JunctionError(.notFound, "No connector named '\(name.prefix(80))'.", field: "connector")
            guard let slug = Slug(name) else { throw notFound }
            if let record = try await store.connector(tenantID: tenantID, name: slug) {
                return try await prepare(record)
            }
            guard let template = try await templates?.template(tenantID: tenantID, slug: slug), !template.authRequired,
                  template.baseURL != nil
            else { throw notFound }
            let record = ConnectorRecord(
                id: "tpl_\(slug)", tenantID: tenantID, name: slug, type: template.connectorType, template: slug.rawValue,
                description: template.description)
            return try await prepare(record, template: template)
        }
    }

    /// Builds a connector's instance and compiles its resources.
    func prepare(
        _ record: ConnectorRecord, credentialOverride: ResolvedCredential? = nil, template known: Template? = nil
    ) async throws -> PreparedConnector {
        guard let spec = registry.spec(for: record.type), let type = registry.implementation(for: record.type) else {
            throw JunctionError.internal("Connectors of type '\(record.type)' cannot run in this build.")
        }
        var template = known
        if template == nil, let slug = record.template.flatMap(Slug.init) {
            template = try await templates?.template(tenantID: record.tenantID, slug: slug)
            guard template != nil else {
                throw JunctionError.invalidInput("The connector's template '\(slug)' no longer exists.", field: "template")
            }
        }
        let options = try connectors.settings(of: record)
        let own = try spec.resources(in: options)
        // The connector's own resources override the template's of the same slug.
        let ownSlugs = Set(own.map(\.slug))
        var resources = (template?.resources ?? []).filter { !ownSlugs.contains($0.slug) } + own
        let url = record.connectionURL ?? template?.baseURL
        var credential = credentialOverride
        if credential == nil, let name = record.credential {
            credential = try await resolvedCredential(tenantID: record.tenantID, name: name, for: record.name, url: url)
        }
        let configuration = ConnectorConfiguration(
            id: record.id, tenantID: record.tenantID, name: record.name,
            connectionURL: url, mode: record.mode,
            options: options, credential: credential, resources: resources,
            timeout: .milliseconds(record.timeoutMilliseconds), maxRetries: record.maxRetries)
        let instance = try type.init(configuration: configuration, context: ConnectorContext(services: services))
        if let discovering = instance as? any ResourceDiscovering {
            // Discovered resources (an MCP server's tools), overridden by the connector's own.
            resources = try await discovering.discoverResources().filter { !ownSlugs.contains($0.slug) } + own
        }
        var prepared: [Slug: PreparedConnector.PreparedResource] = [:]
        for resource in resources {
            prepared[resource.slug] = .init(resource: resource, inputSchema: JSONSchema(resource.inputSchema))
        }
        let secretOptions = spec.fields.filter(\.secret).flatMap { options[$0.name]?.secretStrings() ?? [] }
        return PreparedConnector(
            record: record, spec: spec, instance: instance, resources: prepared, orderedResources: resources, url: url,
            secrets: (credential?.secretValues ?? []) + secretOptions)
    }

    /// The instance to call and the secrets it holds: the cached one, or one built with the
    /// override credential.
    private func instance(for prepared: PreparedConnector, override: Slug?) async throws -> (any Connector, [String]) {
        guard let override else { return (prepared.instance, prepared.secrets) }
        guard let stored = try await store.credential(tenantID: prepared.record.tenantID, name: override) else {
            throw JunctionError.invalidInput("No credential named '\(override)'.", field: "options.credential")
        }
        if let refusal = stored.binding.refusal(credential: override, connector: prepared.record.name, url: prepared.url) { throw refusal }
        let rebuilt = try await prepare(prepared.record, credentialOverride: try await credentials.resolve(stored))
        return (rebuilt.instance, rebuilt.secrets)
    }

    /// The connector's own credential, opened, if it may be used by `connector` reaching `url`.
    private func resolvedCredential(tenantID: String, name: Slug, for connector: Slug, url: String?) async throws -> ResolvedCredential {
        guard let stored = try await store.credential(tenantID: tenantID, name: name) else {
            throw JunctionError(.authenticationFailed, "The connector's credential '\(name)' no longer exists.")
        }
        if let refusal = stored.binding.refusal(credential: name, connector: connector, url: url) { throw refusal }
        return try await credentials.resolve(stored)
    }

    private func audit(_ request: InvokeRequest, envelope: InvokeEnvelope, note: CallNote) {
        let digest = HexDigits.lowercase(SHA256.hash(data: request.data.jsonBytes).prefix(8))
        var details: [String: JSONValue] = [
            "resource": .string(request.resource),
            "outcome": .string(envelope.error?.code.rawValue ?? "ok"),
            "duration_ms": .integer(envelope.metadata.durationMilliseconds),
            "attempts": .integer(envelope.metadata.attempts),
            "mock": .bool(envelope.metadata.mock),
            "input_digest": .string(digest),
        ]
        if let traceparent = request.traceparent { details["trace_id"] = .string(String(traceparent.traceID)) }
        if let rule = note.rule { details["policy_rule"] = .string(rule) }
        if let approvalID = note.approvalID { details["approval_id"] = .string(approvalID) }
        if let arguments = note.arguments { details["arguments"] = arguments }
        if let client = request.actor.client { details["client"] = .string(client) }
        if let runID = request.runID { details["run_id"] = .string(runID) }
        let event = request.actor.event(
            "connector.invoke", tenantID: request.tenantID, targetType: "connector", target: request.connector,
            details: .object(details))
        var recorded = event
        recorded.outcome = envelope.error?.code.rawValue ?? "ok"
        auditLog.record(recorded)
    }

    private static let logger = Logger(label: "junction.invoke")

    /// Whole milliseconds from `start` to now.
    public static func milliseconds(since start: ContinuousClock.Instant) -> Int {
        (ContinuousClock.now - start).wholeMilliseconds
    }
}
