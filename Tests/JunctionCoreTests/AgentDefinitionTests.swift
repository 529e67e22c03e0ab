import JunctionCore
import Testing

/// Agent definitions: what parses, and bad definitions refused naming the field.
struct AgentDefinitionTests {
    @Test func anLLMAgentParsesWithDefaults() throws {
        let agent = try AgentDefinition(json: [
            "version": "1.0", "name": "support-triage", "type": "llm", "model": "openai/gpt-4o-mini",
            "credential": "openai-key", "system_prompt": "You sort tickets.", "tools": ["crm", "billing__list-invoices", "crm"],
            "output_schema": ["type": "object", "required": ["priority"]],
        ])
        #expect(agent.kind == .llm)
        #expect(agent.model?.provider == .openai)
        #expect(agent.model?.name == "gpt-4o-mini")
        #expect(agent.tools.map(\.description) == ["crm", "billing__list-invoices"], "duplicates collapse")
        #expect(agent.tools.first?.resource == nil)
        #expect(agent.maxSteps == AgentDefinition.defaultMaxSteps)
        #expect(agent.outputSchema?["required"] == ["priority"])
        let local = try AgentDefinition(json: [
            "version": 1, "name": "local", "type": "llm", "model": "openai/smollm2", "base_url": "http://127.0.0.1:8081/v1",
        ])
        #expect(local.model?.baseURL == "http://127.0.0.1:8081/v1")
    }

    @Test func aWorkflowAgentChecksItsReferencesAgainstEarlierSteps() throws {
        let agent = try AgentDefinition(json: [
            "name": "onboard", "type": "workflow",
            "steps": [
                ["id": "lookup", "connector": "crm", "resource": "get-customer", "data": ["id": "{{input.customer_id}}"]],
                [
                    "id": "notify", "connector": "slack", "resource": "post-message",
                    "data": ["text": "Welcome {{steps.lookup.data.name}}!"], "when": "{{steps.lookup.data.status}} == 'active'",
                ],
            ],
            "output": ["sent": "{{steps.notify.data.ok}}"],
        ])
        #expect(agent.steps.map(\.id.rawValue) == ["lookup", "notify"])
        #expect(agent.steps[1].when?.references.map(\.description) == ["steps.lookup.data.status"])
        let bare = try AgentDefinition(json: [
            "name": "off", "type": "workflow", "steps": [["id": "s", "connector": "c", "resource": "r", "when": false]],
        ])
        #expect(try bare.steps[0].when?.holds(in: [:]) == false, "a YAML boolean is a condition")

        let forward: JSONValue = [
            "name": "onboard", "type": "workflow",
            "steps": [["id": "a", "connector": "crm", "resource": "r", "data": ["x": "{{steps.b.data.y}}"]], ["id": "b", "connector": "crm", "resource": "r"]],
        ]
        #expect(throws: JunctionError.self) { try AgentDefinition(json: forward) }
        let error = try #require(Self.failure(forward))
        #expect(error.field == "steps[0].data")
        #expect(error.message.contains("'b'"))
    }

    static func failure(_ json: JSONValue) -> JunctionError? {
        do {
            _ = try AgentDefinition(json: json)
            return nil
        } catch {
            return error
        }
    }

    @Test(arguments: [
        (["type": "llm", "model": "openai/x"], "name"),
        (["name": "a", "type": "robot"], "type"),
        (["name": "a", "type": "llm"], "model"),
        (["name": "a", "type": "llm", "model": "mistral/large"], "model"),
        (["name": "a", "type": "llm", "model": "openai/x", "base_url": "ftp://h"], "base_url"),
        (["name": "a", "type": "llm", "model": "openai/x", "tools": ["crm__a__b"]], "tools[0]"),
        (["name": "a", "type": "llm", "model": "openai/x", "max_steps": 0], "max_steps"),
        (["name": "a", "type": "llm", "model": "openai/x", "steps": []], "steps"),
        (["name": "a", "type": "llm", "model": "openai/x", "version": "2"], "version"),
        (["name": "a", "type": "llm", "model": "openai/x", "colour": "red"], "colour"),
        (["name": "a", "type": "workflow"], "steps"),
        (["name": "a", "type": "workflow", "model": "openai/x", "steps": [["id": "s", "connector": "c", "resource": "r"]]], "model"),
        (["name": "a", "type": "workflow", "steps": [["id": "s", "connector": "c"]]], "steps[0].resource"),
        (["name": "a", "type": "workflow", "steps": [["id": "s", "connector": "c", "resource": "r"], ["id": "s", "connector": "c", "resource": "r"]]], "steps[1].id"),
        (["name": "a", "type": "workflow", "steps": [["id": "s", "connector": "c", "resource": "r", "data": ["x": "{{ nope }}"]]]], "steps[0].data.x"),
        (["name": "a", "type": "workflow", "steps": [["id": "s", "connector": "c", "resource": "r", "data": ["x": "{{input.a"]]]], "steps[0].data.x"),
        (["name": "a", "type": "workflow", "steps": [["id": "s", "connector": "c", "resource": "r", "when": "{{input.a}} == [1]"]]], "steps[0].when"),
    ] as [(JSONValue, String)])
    func badDefinitionsNameTheField(definition: JSONValue, field: String) {
        let error = Self.failure(definition)
        #expect(error?.code == .invalidInput)
        #expect(error?.field == field, "\(String(describing: error))")
    }
}

/// `{{…}}` values and `when` conditions, resolved against a run's scope.
struct InterpolationTests {
    static let scope: JSONValue = [
        "input": ["customer_id": "c-7", "tags": ["a", "b"], "count": 3, "amount": "250.5", "big": 9_007_199_254_740_993],
        "steps": ["lookup": ["data": ["name": "Ana", "status": "active", "score": 4.5]]],
    ]

    @Test func aWholePlaceholderKeepsItsTypeAndTextIsInterpolated() throws {
        #expect(try Interpolation.resolve(["n": "{{ input.count }}", "t": "{{input.tags}}"], in: Self.scope) == ["n": 3, "t": ["a", "b"]])
        #expect(try Interpolation.resolve("Hi {{steps.lookup.data.name}} ({{input.tags.1}}, {{input.count}})", in: Self.scope) == "Hi Ana (b, 3)")
    }

    @Test func missingValuesAreErrorsNotEmptyStrings() {
        for text in ["{{input.nope}}", "{{steps.later.data.x}}", "{{input.tags.5}}", "x {{steps.lookup.data.name.first}}"] {
            #expect(throws: JunctionError.self, "\(text)") { try Interpolation.resolve(.string(text), in: Self.scope) }
        }
    }

    @Test func conditionsCompareAndTestTruth() throws {
        let cases: [(String, Bool)] = [
            ("{{steps.lookup.data.status}} == 'active'", true),
            ("{{steps.lookup.data.status}} != \"active\"", false),
            ("{{steps.lookup.data.score}} >= 4.5", true),
            ("{{input.count}} < 3", false),
            ("{{input.count}} == 3.0", true),
            ("{{input.tags}}", true),
            ("'b' <= 'a'", false),
            ("{{input.customer_id}} == 'a == b'", false),
            ("null", false),
            ("{{input.amount}} > 100", true),
            ("{{input.big}} > 9007199254740992", true),
            ("\n  {{input.count}} >= 3\n", true),
        ]
        for (text, expected) in cases {
            #expect(try Condition(parsing: text, field: "when").holds(in: Self.scope) == expected, "\(text)")
        }
        #expect(throws: JunctionError.self) { try Condition(parsing: "{{input.tags}} > 1", field: "when").holds(in: Self.scope) }
        for malformed in ["'a' == 'b' == 'c'", "'a' 'b'", "{{input.count}} ==", "== 3", "{{input.count}} < 3 < 4"] {
            #expect(throws: JunctionError.self, "\(malformed)") { try Condition(parsing: malformed, field: "when") }
        }
    }
}
