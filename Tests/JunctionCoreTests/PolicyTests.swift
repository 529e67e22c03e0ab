import JunctionCore
import Testing

/// Policy documents: parsing with errors that name the member at fault, name patterns,
/// conditions on arguments read alike in structured and flat input, first-match decisions.
struct PolicyTests {
    static func call(
        connector: String = "billing", resource: String = "refund", kind: ResourceKind = .write, actor: String = "key_1",
        client: String? = nil, data: JSONValue = [:], structured: Bool = false
    ) -> PolicyCall {
        PolicyCall(connector: connector, resource: resource, kind: kind, actor: actor, client: client, data: data, isStructured: structured)
    }

    @Test func globsMatchWholeNamesWithStarsAndQuestionMarks() {
        #expect(Glob("create-*").matches("create-contact"))
        #expect(Glob("create-*").matches("create-"))
        #expect(!Glob("create-*").matches("recreate-contact"))
        #expect(Glob("*-prod").matches("crm-prod"))
        #expect(Glob("a*b*c").matches("aXXbYYc"))
        #expect(!Glob("a*b*c").matches("aXXbYY"))
        #expect(Glob("v?").matches("v2"))
        #expect(!Glob("v?").matches("v10"))
        #expect(Glob("exact").matches("exact"))
        #expect(!Glob("exact").matches("exactly"))
        #expect(Glob("*").matches(""))
    }

    @Test func conditionsCompareNumbersListsAndPatterns() throws {
        let amount = try PolicyCondition(parsing: "data.body.amount > 1000", field: "f")
        #expect(amount.holds(for: ["body": ["amount": 1500]], isStructured: true))
        #expect(!amount.holds(for: ["body": ["amount": 1000]], isStructured: true))
        #expect(amount.holds(for: ["body": ["amount": "2000.5"]], isStructured: true), "a number in a string counts")
        #expect(!amount.holds(for: ["body": ["amount": "lots"]], isStructured: true), "what cannot be ordered does not hold")
        #expect(!amount.holds(for: ["body": [:]], isStructured: true), "a missing member does not hold")

        let listed = try PolicyCondition(parsing: #"data.path.id in ["a", "b"]"#, field: "f")
        #expect(listed.holds(for: ["path": ["id": "b"]], isStructured: true))
        #expect(!listed.holds(for: ["path": ["id": "c"]], isStructured: true))
        let unlisted = try PolicyCondition(parsing: #"data.path.id not in ["x"]"#, field: "f")
        #expect(unlisted.holds(for: ["path": ["id": "y"]], isStructured: true))
        #expect(!unlisted.holds(for: ["path": ["id": "x"]], isStructured: true))
        let quoted = try PolicyCondition(parsing: "data.query.env == 'prod'", field: "f")
        #expect(quoted.holds(for: ["query": ["env": "prod"]], isStructured: true))
        let pattern = try PolicyCondition(parsing: "data.body.email matches '*@example.com'", field: "f")
        #expect(pattern.holds(for: ["body": ["email": "ana@example.com"]], isStructured: true))
        #expect(!pattern.holds(for: ["body": ["email": "ana@example.org"]], isStructured: true))
        let present = try PolicyCondition(parsing: "data.body.note exists", field: "f")
        let absent = try PolicyCondition(parsing: "data.body.note missing", field: "f")
        #expect(present.holds(for: ["body": ["note": "x"]], isStructured: true))
        #expect(absent.holds(for: ["body": ["note": nil]], isStructured: true), "null counts as missing")
        let nested = try PolicyCondition(parsing: "data.body.items.0.sku == 'A-1'", field: "f")
        #expect(nested.holds(for: ["body": ["items": [["sku": "A-1"]]]], isStructured: true))
    }

    /// A rule written for one form of input holds for the other, so it cannot be evaded.
    @Test func structuredAndFlatInputAreReadAlike() throws {
        let structuredPath = try PolicyCondition(parsing: "data.body.amount > 1000", field: "f")
        #expect(structuredPath.holds(for: ["amount": 5000], isStructured: false))
        let flatPath = try PolicyCondition(parsing: "data.amount > 1000", field: "f")
        #expect(flatPath.holds(for: ["body": ["amount": 5000]], isStructured: true))
        #expect(flatPath.holds(for: ["path": ["amount": 5000]], isStructured: true))
    }

    /// A member found in several places cannot hide behind a decoy: a rule that denies or asks
    /// for approval holds if any value matches, one that allows only if all do.
    @Test func decoyMembersEvadeNoRule() throws {
        let big = try PolicyCondition(parsing: "data.body.amount > 1000", field: "f")
        let decoy: JSONValue = ["amount": 5000, "body": ["amount": 1]]
        #expect(big.holds(for: decoy, isStructured: false, reading: .any))
        #expect(!big.holds(for: decoy, isStructured: false, reading: .all))
        let prod = try PolicyCondition(parsing: #"data.account_id in ["prod"]"#, field: "f")
        let twice: JSONValue = ["path": ["account_id": "prod"], "body": ["account_id": "x"]]
        #expect(prod.holds(for: twice, isStructured: true, reading: .any))
        let policy = try Policy(json: ["rules": [
            ["effect": "allow", "resource": "refund", "when": "data.body.amount <= 100"],
            ["effect": "deny", "resource": "refund"],
        ]])
        #expect(policy.decide(Self.call(data: ["amount": 50])).effect == .allow)
        #expect(policy.decide(Self.call(data: ["amount": 5000, "body": ["amount": 50]])).effect == .deny, "the decoy does not win the allow")
    }

    @Test func badConditionsNameTheirField() {
        for (text, reason) in [
            ("amount > 5", "path"), ("data.amount", "form"), ("data.amount ~ 5", "operator"), ("data.amount >", "value"),
            ("data.amount > {", "value"), ("data.amount in 5", "array"), ("data.amount exists 5", "no value"),
            ("data.amount < [1]", "number"), ("data..amount == 1", "path"),
        ] {
            let error = #expect(throws: JunctionError.self, "\(reason)") { _ = try PolicyCondition(parsing: text, field: "rules[3].when[1]") }
            #expect(error?.field == "rules[3].when[1]", "\(text)")
            #expect(error?.code == .invalidInput)
        }
    }

    @Test func theFirstMatchingRuleDecidesElseTheDefaultForTheKind() throws {
        let policy = try Policy(json: [
            "defaults": ["read": "allow", "write": "require_approval"],
            "rules": [
                ["id": "no-deletes", "effect": "deny", "resource": "delete-*"],
                ["id": "small-refunds", "effect": "allow", "connector": ["billing", "billing-*"], "resource": "refund", "when": "data.body.amount <= 100"],
                ["effect": "deny", "actor": "agent:*", "kind": "write"],
                ["id": "claude-reads", "effect": "deny", "client": "claude*", "kind": "read"],
            ],
        ])
        #expect(policy.decide(Self.call(resource: "delete-customer")).rule == "no-deletes")
        #expect(policy.decide(Self.call(resource: "delete-customer")).effect == .deny)
        let small = policy.decide(Self.call(data: ["body": ["amount": 50]], structured: true))
        #expect(small.effect == .allow)
        #expect(small.rule == "small-refunds")
        let big = policy.decide(Self.call(data: ["body": ["amount": 500]], structured: true))
        #expect(big.effect == .requireApproval)
        #expect(big.rule == nil)
        #expect(big.reason == "No policy rule matched; the tenant's default requires approval for write calls.")
        let agent = policy.decide(Self.call(actor: "agent:helper", data: ["amount": 500]))
        #expect(agent.rule == "rules[2]")
        #expect(agent.effect == .deny)
        #expect(policy.decide(Self.call(kind: .read, client: "claude-desktop")).rule == "claude-reads")
        #expect(policy.decide(Self.call(kind: .read)).effect == .allow, "calls without a client do not match a client rule")

        let (decision, trace) = policy.explain(Self.call(connector: "billing-eu", data: ["amount": 500]))
        #expect(decision.effect == .requireApproval)
        #expect(trace == [
            ["rule": "no-deletes", "matched": false, "failed": "resource"],
            ["rule": "small-refunds", "matched": false, "failed": "when[0]"],
            ["rule": "rules[2]", "matched": false, "failed": "actor"],
            ["rule": "claude-reads", "matched": false, "failed": "kind"],
        ])
    }

    @Test func documentsRoundTripAndBadOnesNameTheMemberAtFault() throws {
        let document: JSONValue = [
            "defaults": ["read": "allow", "write": "deny"],
            "rules": [["id": "r", "effect": "require_approval", "resource": ["a-*", "b"], "when": ["data.x == 1"]]],
            "approvals": ["ttl_ms": 600_000, "notify": ["ops-hook"]],
            "limits": [["per_second": 5, "burst": 10], ["connector": "crm", "per_minute": 60, "max_in_flight": 2, "queue_ms": 500]],
            "audit": ["arguments": true, "redact": ["data.body.card"]],
        ]
        let policy = try Policy(json: document)
        #expect(try Policy(json: policy.json) == policy)
        #expect(policy.json["limits"]?[0] == ["per_second": 5, "burst": 10, "queue_ms": 0])
        #expect(Policy().json["defaults"] == ["read": "allow", "write": "allow"])

        for (bad, field) in [
            (["rules": [["effect": "maybe"]]], "rules[0].effect"),
            (["rules": [["effect": "deny"], ["effect": "deny", "kind": "delete"]]], "rules[1].kind"),
            (["rules": [["effect": "deny", "when": ["data.x == 1", "x"]]]], "rules[0].when[1]"),
            (["rules": [["effect": "deny", "resource": []]]], "rules[0].resource"),
            (["rules": [["id": "a", "effect": "deny"], ["id": "a", "effect": "allow"]]], "rules[1].id"),
            (["rules": [["effect": "deny", "colour": "red"]]], "rules[0].colour"),
            (["defaults": ["write": "sometimes"]], "defaults.write"),
            (["approvals": ["ttl_ms": 5]], "approvals.ttl_ms"),
            (["approvals": ["notify": ["Not A Slug"]]], "approvals.notify[0]"),
            (["limits": [["per_second": 0]]], "limits[0].per_second"),
            (["limits": [["burst": 3]]], "limits[0]"),
            (["limits": [["per_second": 1], ["per_minute": 5]]], "limits[1]"),
            (["audit": ["redact": ["card"]]], "audit.redact[0]"),
            (["rulez": []], "rulez"),
        ] as [(JSONValue, String)] {
            let error = #expect(throws: JunctionError.self, "\(bad)") { _ = try Policy(json: bad) }
            #expect(error?.field == field, "\(bad): \(error?.message ?? "")")
        }
    }

    @Test func redactionRemovesConfiguredPathsSecretPropertiesAndCredentials() {
        let schema: JSONValue = ["type": "object", "properties": [
            "password": ["type": "string", "writeOnly": true], "pin": ["type": "string", "format": "password"], "name": ["type": "string"],
        ]]
        let redaction = ArgumentRedaction(paths: [["body", "card"]])
        let headers = redaction.redact(
            ["headers": ["Authorization": "Bearer abc", "x-api-KEY": "k", "Accept": "json"], "body": [:]], isStructured: true,
            inputSchema: ["type": "object"], secrets: [])
        #expect(headers["headers"] == ["Authorization": "[redacted]", "x-api-KEY": "[redacted]", "Accept": "json"])
        let flat = redaction.redact(
            ["name": "Ana", "password": "hunter2", "pin": "1234", "card": "4111", "note": "token tok-abcdef123"], isStructured: false,
            inputSchema: schema, secrets: ["tok-abcdef123"])
        #expect(flat == ["name": "Ana", "password": "[redacted]", "pin": "[redacted]", "card": "[redacted]", "note": "token [redacted]"])
        let structured = redaction.redact(
            ["body": ["card": "4111", "password": "x"], "path": ["name": "Ana"]], isStructured: true, inputSchema: schema, secrets: [])
        #expect(structured == ["body": ["card": "[redacted]", "password": "[redacted]"], "path": ["name": "Ana"]])
    }
}
