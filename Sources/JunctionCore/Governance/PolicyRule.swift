/// What a policy lets a call do.
public enum PolicyEffect: String, Sendable, Hashable, CaseIterable {
    /// The call goes ahead.
    case allow
    /// The call is refused with `policy_denied`.
    case deny
    /// The call waits for a person: `approval_required` with an approval id, until one
    /// approves exactly this call.
    case requireApproval = "require_approval"
}

/// One rule of a tenant's policy: which calls it matches and what they get. Every criterion
/// given must hold; an absent one matches everything.
public struct PolicyRule: Sendable, Hashable {
    /// A name for the rule, used in answers and the audit log (default `rules[N]`).
    public var id: String?
    /// What the rule is for.
    public var description: String?
    public var effect: PolicyEffect
    /// Connector names (patterns).
    public var connectors: GlobSet?
    /// Resource slugs (patterns).
    public var resources: GlobSet?
    /// Only reads or only writes.
    public var kind: ResourceKind?
    /// Who calls (patterns over the actor: an API key id `key_…`, `agent:NAME`, an OAuth
    /// grant `oag_…`).
    public var actors: GlobSet?
    /// The MCP client's name (patterns over `clientInfo.name`); only MCP calls have one.
    public var clients: GlobSet?
    /// Conditions on the arguments; all must hold.
    public var conditions: [PolicyCondition]

    public init(
        id: String? = nil, description: String? = nil, effect: PolicyEffect, connectors: GlobSet? = nil, resources: GlobSet? = nil,
        kind: ResourceKind? = nil, actors: GlobSet? = nil, clients: GlobSet? = nil, conditions: [PolicyCondition] = []
    ) {
        self.id = id
        self.description = description
        self.effect = effect
        self.connectors = connectors
        self.resources = resources
        self.kind = kind
        self.actors = actors
        self.clients = clients
        self.conditions = conditions
    }
}

extension PolicyRule {
    /// Reads a rule at `field` (e.g. `rules[2]`), naming the member at fault.
    public init(json: JSONValue, field: String) throws(JunctionError) {
        var reader = try FieldReader(json, field: field)
        id = try reader.string("id", maxLength: 100)
        description = try reader.string("description", maxLength: 1000)
        let effectText = try reader.requiredString("effect", maxLength: 32)
        guard let effect = PolicyEffect(rawValue: effectText) else {
            throw .invalidInput("Must be allow, deny or require_approval.", field: reader.path("effect"))
        }
        self.effect = effect
        connectors = try reader.globs("connector")
        resources = try reader.globs("resource")
        actors = try reader.globs("actor")
        clients = try reader.globs("client")
        if let kindText = try reader.string("kind", maxLength: 16) {
            guard let kind = ResourceKind(rawValue: kindText) else { throw .invalidInput("Must be read or write.", field: reader.path("kind")) }
            self.kind = kind
        }
        conditions = []
        if let when = reader.value("when"), !when.isNull {
            let items = when.stringValue != nil ? [when] : (when.arrayValue ?? [])
            guard !items.isEmpty, items.count <= 50, when.stringValue != nil || when.arrayValue != nil else {
                throw .invalidInput("Expected a condition or an array of 1 to 50 of them.", field: reader.path("when"))
            }
            for (index, item) in items.enumerated() {
                let at = when.stringValue != nil ? reader.path("when") : reader.path("when[\(index)]")
                guard let text = item.stringValue, text.count <= 2000 else {
                    throw .invalidInput("A condition is a string such as \"data.body.amount > 1000\".", field: at)
                }
                conditions.append(try PolicyCondition(parsing: text, field: at))
            }
        }
        try reader.finish()
    }

    /// The rule as written.
    public var json: JSONValue {
        var members: [String: JSONValue] = ["effect": .string(effect.rawValue)]
        if let id { members["id"] = .string(id) }
        if let description { members["description"] = .string(description) }
        if let connectors { members["connector"] = connectors.json }
        if let resources { members["resource"] = resources.json }
        if let kind { members["kind"] = .string(kind.rawValue) }
        if let actors { members["actor"] = actors.json }
        if let clients { members["client"] = clients.json }
        if !conditions.isEmpty { members["when"] = .array(conditions.map { .string($0.text) }) }
        return .object(members)
    }
}

/// A rule's criteria in a form the invoke path reads without copying: a shared, immutable
/// object per rule (a `PolicyRule` copied per call and rule would cost more than its checks).
final class RuleMatcher: Sendable {
    /// How its conditions read members found in several places: leniently only when it allows.
    let reading: PolicyCondition.Reading
    let kind: ResourceKind?
    let connectors: GlobSet?
    let resources: GlobSet?
    let actors: GlobSet?
    let clients: GlobSet?
    let conditions: [PolicyCondition]

    init(_ rule: PolicyRule) {
        reading = rule.effect == .allow ? .all : .any
        kind = rule.kind
        connectors = rule.connectors
        resources = rule.resources
        actors = rule.actors
        clients = rule.clients
        conditions = rule.conditions
    }

    /// A criterion a call fails.
    enum Mismatch {
        case kind, connector, resource, actor, client
        /// The condition at this index of `when`.
        case condition(Int)

        /// As answers name it: `kind`, …, `when[2]`.
        var name: String {
            switch self {
            case .kind: "kind"
            case .connector: "connector"
            case .resource: "resource"
            case .actor: "actor"
            case .client: "client"
            case .condition(let index): "when[\(index)]"
            }
        }
    }

    /// The first criterion `call` fails, or `nil` when the rule matches it. Cheap criteria come
    /// first, and nothing is allocated: this runs for every rule on every call.
    func mismatch(_ call: PolicyCall) -> Mismatch? {
        // Optional chaining reads each criterion in place, where `if let` would copy it.
        if kind != nil, kind != call.kind { return .kind }
        if connectors?.matches(call.connector) == false { return .connector }
        if resources?.matches(call.resource) == false { return .resource }
        if actors?.matches(call.actor) == false { return .actor }
        if clients != nil, call.client == nil || clients?.matches(call.client!) == false { return .client }
        for index in conditions.indices where !conditions[index].holds(for: call.data, isStructured: call.isStructured, reading: reading) {
            return .condition(index)
        }
        return nil
    }
}
