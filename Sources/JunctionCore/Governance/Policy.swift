import Foundation

/// A tenant's governance: ordered rules (the first that matches a call decides), the default
/// effect for reads and writes no rule matches, how approvals work, rate limits, and what the
/// audit log keeps of arguments.
///
/// ```json
/// {"defaults": {"read": "allow", "write": "require_approval"},
///  "rules": [{"id": "no-deletes", "effect": "deny", "resource": "delete-*"},
///            {"id": "big-refunds", "effect": "require_approval", "connector": "billing",
///             "when": ["data.body.amount > 1000"]}],
///  "approvals": {"ttl_ms": 3600000, "notify": ["ops-webhook"]},
///  "limits": [{"per_second": 50, "burst": 100}, {"connector": "billing", "per_minute": 60, "max_in_flight": 4}],
///  "audit": {"arguments": true, "redact": ["data.body.card_number"]}}
/// ```
public struct Policy: Sendable, Hashable {
    /// The effect of a call no rule matches, by kind.
    public struct Defaults: Sendable, Hashable {
        /// Default `allow`.
        public var read: PolicyEffect = .allow
        /// Default `allow`.
        public var write: PolicyEffect = .allow

        public init(read: PolicyEffect = .allow, write: PolicyEffect = .allow) {
            self.read = read
            self.write = write
        }
    }

    /// How approvals work.
    public struct Approvals: Sendable, Hashable {
        /// How long an approval request (and an approval granted for it) lasts. Default 1 h.
        public var timeToLive: Duration = .seconds(3600)
        /// Outbound connectors told of each pending approval (a signed webhook).
        public var notify: [Slug] = []

        public init() {}
    }

    /// What invoke audit events keep of the call's arguments.
    public struct AuditArguments: Sendable, Hashable {
        /// Whether events carry the arguments (redacted); otherwise only their digest. Default `false`.
        public var record = false
        /// Members never stored, as condition paths (`data.body.card_number`); schema properties
        /// marked `writeOnly` or `format: password` and credential values are never stored either.
        public var redact: [[String]] = []

        public init() {}
    }

    public var defaults = Defaults()
    /// The rules, in order.
    public var rules: [PolicyRule] = [] {
        didSet { matchers = rules.map(RuleMatcher.init) }
    }
    /// The rules' criteria as the invoke path reads them.
    private var matchers: [RuleMatcher] = []
    public var approvals = Approvals()
    public var limits: [RateLimit] = []
    public var audit = AuditArguments()

    /// The policy of a tenant that set none: everything allowed, no limits.
    public init() {}

    /// The most rules a policy may have.
    public static let maximumRules = 1000

    public static func == (lhs: Policy, rhs: Policy) -> Bool {
        lhs.defaults == rhs.defaults && lhs.rules == rhs.rules && lhs.approvals == rhs.approvals && lhs.limits == rhs.limits
            && lhs.audit == rhs.audit
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(defaults)
        hasher.combine(rules)
        hasher.combine(approvals)
        hasher.combine(limits)
        hasher.combine(audit)
    }
}

extension Policy {
    /// Reads a policy document, naming the member at fault (`rules[2].when[0]`).
    public init(json: JSONValue) throws(JunctionError) {
        var reader = try FieldReader(json)
        if let defaults = try reader.object("defaults") {
            var inner = try FieldReader(.object(defaults), field: "defaults")
            for kind in ["read", "write"] {
                guard let text = try inner.string(kind, maxLength: 32) else { continue }
                guard let effect = PolicyEffect(rawValue: text) else {
                    throw .invalidInput("Must be allow, deny or require_approval.", field: inner.path(kind))
                }
                if kind == "read" { self.defaults.read = effect } else { self.defaults.write = effect }
            }
            try inner.finish()
        }
        if let rules = reader.value("rules"), !rules.isNull {
            guard let items = rules.arrayValue, items.count <= Self.maximumRules else {
                throw .invalidInput("Expected an array of at most \(Self.maximumRules) rules.", field: "rules")
            }
            var ids: Set<String> = []
            for (index, item) in items.enumerated() {
                let rule = try PolicyRule(json: item, field: "rules[\(index)]")
                if let id = rule.id, !ids.insert(id).inserted {
                    throw .invalidInput("Another rule is already called '\(id.prefix(80))'.", field: "rules[\(index)].id")
                }
                self.rules.append(rule)
            }
            matchers = self.rules.map(RuleMatcher.init)
        }
        if let approvals = try reader.object("approvals") {
            var inner = try FieldReader(.object(approvals), field: "approvals")
            if let ttl = try inner.int("ttl_ms", in: 1000...604_800_000) { self.approvals.timeToLive = .milliseconds(ttl) }
            if let notify = inner.value("notify"), !notify.isNull {
                guard let items = notify.arrayValue, items.count <= 20 else {
                    throw .invalidInput("Expected an array of at most 20 outbound connector names.", field: "approvals.notify")
                }
                for (index, item) in items.enumerated() {
                    guard let text = item.stringValue else {
                        throw .invalidInput("Expected a connector name.", field: "approvals.notify[\(index)]")
                    }
                    self.approvals.notify.append(try Slug(validating: text, field: "approvals.notify[\(index)]"))
                }
            }
            try inner.finish()
        }
        if let limits = reader.value("limits"), !limits.isNull {
            guard let items = limits.arrayValue, items.count <= 1000 else {
                throw .invalidInput("Expected an array of at most 1000 limits.", field: "limits")
            }
            var scopes: Set<Slug?> = []
            for (index, item) in items.enumerated() {
                let limit = try RateLimit(json: item, field: "limits[\(index)]")
                guard scopes.insert(limit.connector).inserted else {
                    let whose = limit.connector.map { "connector '\($0)'" } ?? "the tenant"
                    throw .invalidInput("Another limit is already set for \(whose).", field: "limits[\(index)]")
                }
                self.limits.append(limit)
            }
        }
        if let audit = try reader.object("audit") {
            var inner = try FieldReader(.object(audit), field: "audit")
            self.audit.record = try inner.bool("arguments") ?? false
            if let redact = inner.value("redact"), !redact.isNull {
                guard let items = redact.arrayValue, items.count <= 100 else {
                    throw .invalidInput("Expected an array of at most 100 paths.", field: "audit.redact")
                }
                for (index, item) in items.enumerated() {
                    let field = "audit.redact[\(index)]"
                    let members = item.stringValue?.split(separator: ".", omittingEmptySubsequences: false).map(String.init) ?? []
                    guard members.count >= 2, members[0] == "data", !members.contains(where: \.isEmpty) else {
                        throw .invalidInput("Expected a path such as data.body.card_number.", field: field)
                    }
                    self.audit.redact.append(Array(members.dropFirst()))
                }
            }
            try inner.finish()
        }
        try reader.finish()
    }

    /// The document as stored and answered.
    public var json: JSONValue {
        var approvals: [String: JSONValue] = ["ttl_ms": .integer(self.approvals.timeToLive.wholeMilliseconds)]
        approvals["notify"] = .array(self.approvals.notify.map { .string($0.rawValue) })
        return [
            "defaults": ["read": .string(defaults.read.rawValue), "write": .string(defaults.write.rawValue)],
            "rules": .array(rules.map(\.json)),
            "approvals": .object(approvals),
            "limits": .array(limits.map(\.json)),
            "audit": [
                "arguments": .bool(audit.record),
                "redact": .array(audit.redact.map { .string((["data"] + $0).joined(separator: ".")) }),
            ],
        ]
    }
}

/// The facts about one call a policy decides on.
public struct PolicyCall: Sendable {
    public var connector: String
    public var resource: String
    public var kind: ResourceKind
    /// The actor: `key_…`, `agent:NAME`, `oag_…`.
    public var actor: String
    /// The MCP client's name, for MCP calls.
    public var client: String?
    public var data: JSONValue
    /// Whether `data` is in the structured form (see `StructuredInput`).
    public var isStructured: Bool

    public init(
        connector: String, resource: String, kind: ResourceKind, actor: String, client: String? = nil, data: JSONValue,
        isStructured: Bool
    ) {
        self.connector = connector
        self.resource = resource
        self.kind = kind
        self.actor = actor
        self.client = client
        self.data = data
        self.isStructured = isStructured
    }
}

/// What a policy decided for a call, and why.
public struct PolicyDecision: Sendable, Hashable {
    public var effect: PolicyEffect
    /// The index of the rule that matched, `nil` when the default applied.
    public var ruleIndex: Int?
    /// The matching rule's id (or `rules[N]`), `nil` when the default applied.
    public var rule: String?
    /// The kind of the call decided on.
    public var kind: ResourceKind

    /// A sentence saying why, for answers and the audit log.
    public var reason: String {
        if let rule { return "Policy rule '\(rule)' \(effect.verb) this call." }
        return "No policy rule matched; the tenant's default \(effect.verb) \(kind.rawValue) calls."
    }
}

extension Policy {
    /// The decision for `call`: the first rule that matches it, else the default for its kind.
    public func decide(_ call: PolicyCall) -> PolicyDecision {
        var trace: [JSONValue]? = nil
        return decide(call, trace: &trace)
    }

    /// The decision for `call`, and for each rule up to the deciding one whether it matched
    /// (`{"rule", "matched"}`) and, if not, which criterion failed (`"failed": "when[0]"`).
    public func explain(_ call: PolicyCall) -> (decision: PolicyDecision, rules: [JSONValue]) {
        var trace: [JSONValue]? = []
        let decision = decide(call, trace: &trace)
        return (decision, trace ?? [])
    }

    private func decide(_ call: PolicyCall, trace: inout [JSONValue]?) -> PolicyDecision {
        // Each rule's matcher is read through the buffer, in place.
        let matched = matchers.withUnsafeBufferPointer { matchers -> Int? in
            for index in matchers.indices {
                guard let failed = matchers[index].mismatch(call) else { return index }
                trace?.append(["rule": .string(rules[index].id ?? "rules[\(index)]"), "matched": false, "failed": .string(failed.name)])
            }
            return nil
        }
        if let index = matched {
            let name = rules[index].id ?? "rules[\(index)]"
            trace?.append(["rule": .string(name), "matched": true])
            return PolicyDecision(effect: rules[index].effect, ruleIndex: index, rule: name, kind: call.kind)
        }
        return PolicyDecision(effect: call.kind == .write ? defaults.write : defaults.read, ruleIndex: nil, rule: nil, kind: call.kind)
    }
}

extension PolicyEffect {
    var verb: String {
        switch self {
        case .allow: "allows"
        case .deny: "denies"
        case .requireApproval: "requires approval for"
        }
    }
}
