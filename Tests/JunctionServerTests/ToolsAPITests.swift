import Foundation
import HTTPTypes
import JunctionCore
import JunctionTesting
import Testing

/// `GET /api/v1/tools`: a tenant's connector resources as tools, in Junction's shape and as
/// OpenAI, Anthropic and Gemini tool declarations (checked against provider meta-schemas).
@Suite struct ToolsAPITests {
    /// A schema using what Gemini's subset lacks: `$defs`/`$ref`, `oneOf`, `const`, a type
    /// union with `null`, `additionalProperties` and an unsupported `format`.
    static let orderSchema: JSONValue = [
        "type": "object",
        "$defs": ["address": [
            "type": "object", "required": ["city"], "additionalProperties": false,
            "properties": ["street": ["type": "string"], "city": ["type": "string", "description": "City name"]],
        ]],
        "required": ["customer_id", "shipping"],
        "additionalProperties": false,
        "properties": [
            "customer_id": ["type": "string", "format": "uuid"],
            "shipping": ["$ref": "#/$defs/address"],
            "note": ["type": ["string", "null"]],
            "channel": ["const": "web"],
            "payment": ["oneOf": [
                ["type": "object", "required": ["card"], "properties": ["card": ["type": "string"]]],
                ["type": "object", "required": ["iban"], "properties": ["iban": ["type": "string"]]],
            ]],
            "metadata": ["type": "object", "additionalProperties": ["type": "string"]],
        ],
    ]

    /// Two connectors: `shop` (three resources, one with ``orderSchema``) and `crm`.
    static func prepare(_ junction: JunctionHarness) async throws -> (id: String, key: String) {
        let tenant = try await junction.createTenant("acme")
        let shop: JSONValue = [
            "connector_name": "shop", "connector_type": "http", "connection_url": "https://shop.example.com",
            "description": "The web shop",
            "options": ["resources": [
                ["slug": "create-order", "kind": "write", "method": "POST", "path": "/orders",
                 "description": "Create an order", "input_schema": orderSchema],
                ["slug": "get-order", "path": "/orders/{id}", "description": "One order",
                 "input_schema": ["type": "object", "required": ["id"], "properties": ["id": ["type": "string", "x-in": "path"]]],
                 "output_schema": ["type": "object", "properties": ["id": ["type": "string"]]]],
                ["slug": "ping", "path": "/ping"],
            ]],
        ]
        let crm: JSONValue = [
            "connector_name": "crm", "connector_type": "http", "connection_url": "https://crm.example.com",
            "options": ["resources": [
                ["slug": "find-contacts", "path": "/contacts", "description": "Search contacts",
                 "input_schema": ["type": "object", "properties": ["q": ["type": "string"], "limit": ["type": "integer", "minimum": 1]]]],
            ]],
        ]
        for body in [shop, crm] {
            let created = try await junction.request(.post, "/api/v1/connectors", key: tenant.key, json: body)
            guard created.status == .created else { throw HarnessError("creating a connector answered \(created.status): \(created.text)") }
        }
        return tenant
    }

    static let names = ["crm__find-contacts", "shop__create-order", "shop__get-order", "shop__ping"]

    @Test func junctionFormatListsEveryResourceOfEveryEnabledConnector() async throws {
        try await withJunction { junction in
            let tenant = try await Self.prepare(junction)
            let plain = try await junction.request(.get, "/api/v1/tools", key: tenant.key)
            #expect(plain.status == .ok)
            #expect(plain.json["format"] == "junction")
            #expect(plain.json["count"] == 4)
            let tools = try #require(plain.json["tools"]?.arrayValue)
            #expect(tools.compactMap { $0["name"]?.stringValue } == Self.names)
            let order = try #require(tools.first { $0["name"] == "shop__create-order" })
            #expect(order["connector"] == "shop")
            #expect(order["resource"] == "create-order")
            #expect(order["kind"] == "write")
            #expect(order["description"] == "Create an order")
            #expect(order["input_schema"] == Self.orderSchema)
            #expect(order["output_schema"] == .null)
            let get = try #require(tools.first { $0["name"] == "shop__get-order" })
            #expect(get["input_schema"]?["properties"]?["id"] == ["type": "string"], "x- keywords are removed")
            #expect(get["output_schema"]?["type"] == "object")
            let ping = try #require(tools.first { $0["name"] == "shop__ping" })
            #expect(ping["description"] == "ping (The web shop)")
            #expect(ping["input_schema"] == ["type": "object", "properties": [:]])

            let explicit = try await junction.request(.get, "/api/v1/tools?format=junction", key: tenant.key)
            #expect(explicit.json == plain.json)

            let one = try await junction.request(.get, "/api/v1/tools?connector=crm&format=anthropic", key: tenant.key)
            #expect(one.json["count"] == 1)
            #expect(one.json["tools"]?.arrayValue?.compactMap { $0["name"]?.stringValue } == ["crm__find-contacts"])

            // The platform key names the tenant; another tenant sees nothing of acme's.
            let platform = try await junction.request(.get, "/api/v1/tools?tenant=acme", key: junction.adminKey)
            #expect(platform.json["count"] == 4)
            let other = try await junction.createTenant("globex")
            let empty = try await junction.request(.get, "/api/v1/tools?format=gemini", key: other.key)
            #expect(empty.json == ["format": "gemini", "count": 0, "tools": []])
        }
    }

    @Test func badFiltersAndUnavailableConnectorsAreErrors() async throws {
        try await withJunction { junction in
            let tenant = try await Self.prepare(junction)
            let unknown = try await junction.request(.get, "/api/v1/tools?connector=ghost", key: tenant.key)
            #expect(unknown.status == .notFound)
            #expect(unknown.errorCode == "not_found")
            #expect(unknown.errorField == "connector")

            let disabled = try await junction.request(.put, "/api/v1/connectors/crm", key: tenant.key, json: ["enabled": false])
            #expect(disabled.status == .ok)
            let off = try await junction.request(.get, "/api/v1/tools?connector=crm", key: tenant.key)
            #expect(off.status == .conflict)
            #expect(off.errorCode == "connector_disabled")
            let rest = try await junction.request(.get, "/api/v1/tools", key: tenant.key)
            #expect(rest.json["tools"]?.arrayValue?.compactMap { $0["name"]?.stringValue } == Array(Self.names.dropFirst()))

            let format = try await junction.request(.get, "/api/v1/tools?format=xml", key: tenant.key)
            #expect(format.status == .badRequest)
            #expect(format.errorCode == "invalid_input")
            #expect(format.errorField == "format")
            let name = try await junction.request(.get, "/api/v1/tools?connector=Not%20A%20Slug", key: tenant.key)
            #expect(name.status == .badRequest)
            #expect(name.errorField == "connector")
            for (query, field) in [("kind=both", "kind"), ("q=%20", "q"), ("limit=0", "limit"), ("limit=many", "limit")] {
                let bad = try await junction.request(.get, "/api/v1/tools?\(query)", key: tenant.key)
                #expect(bad.status == .badRequest, "\(query)")
                #expect(bad.errorField == field, "\(query)")
            }
            let reads = try await junction.request(.get, "/api/v1/tools?kind=read&limit=1", key: tenant.key)
            #expect(reads.json["count"] == 1)
            #expect(reads.json["tools"]?.arrayValue?.allSatisfy { $0["kind"] == "read" } == true)
            let anonymous = try await junction.request(.get, "/api/v1/tools", key: nil)
            #expect(anonymous.status == .unauthorized)
            let platform = try await junction.request(.get, "/api/v1/tools", key: junction.adminKey)
            #expect(platform.status == .badRequest)
            #expect(platform.errorField == "tenant")
        }
    }

    @Test(.enabled(if: PythonPeer.isAvailable, "needs JUNCTION_TEST_PYTHON with jsonschema (scripts/test sets it)"))
    func providerFormatsPassTheProvidersMetaSchemas() async throws {
        try await withJunction { junction in
            let tenant = try await Self.prepare(junction)
            for format in ["openai", "anthropic", "gemini"] {
                let answer = try await junction.request(.get, "/api/v1/tools?format=\(format)", key: tenant.key)
                #expect(answer.status == .ok)
                #expect(answer.json["format"] == .string(format))
                #expect(answer.json["count"] == 4)
                let checked = try await PeerScripts.checkTools(format: format, document: answer.json)
                #expect(checked == ["ok": true, "count": 4], "\(format): \(checked)")
            }

            let openai = try await junction.request(.get, "/api/v1/tools?format=openai", key: tenant.key).json["tools"]?.arrayValue ?? []
            #expect(openai.compactMap { $0["function"]?["name"]?.stringValue } == Self.names)
            #expect(openai.allSatisfy { $0["type"] == "function" })
            let order = openai.first { $0["function"]?["name"] == "shop__create-order" }
            #expect(order?["function"]?["parameters"] == Self.orderSchema)
            let anthropic = try await junction.request(.get, "/api/v1/tools?format=anthropic", key: tenant.key).json["tools"]?.arrayValue ?? []
            #expect(anthropic.compactMap { $0["name"]?.stringValue } == Self.names)
            #expect(anthropic.first { $0["name"] == "shop__create-order" }?["input_schema"] == Self.orderSchema)

            // Gemini gets its own subset: references inlined, unions and nulls translated.
            let gemini = try await junction.request(.get, "/api/v1/tools?format=gemini", key: tenant.key).json["tools"]?.arrayValue ?? []
            #expect(gemini.count == 1)
            let declarations = gemini.first?["functionDeclarations"]?.arrayValue ?? []
            #expect(declarations.compactMap { $0["name"]?.stringValue } == Self.names)
            let parameters = try #require(declarations.first { $0["name"] == "shop__create-order" }?["parameters"])
            #expect(parameters["type"] == "OBJECT")
            #expect(parameters["$defs"] == nil)
            #expect(parameters["additionalProperties"] == nil)
            let properties = try #require(parameters["properties"])
            #expect(properties["shipping"]?["type"] == "OBJECT")
            #expect(properties["shipping"]?["properties"]?["city"] == ["type": "STRING", "description": "City name"])
            #expect(properties["shipping"]?["required"] == ["city"])
            #expect(properties["note"] == ["type": "STRING", "nullable": true])
            #expect(properties["channel"]?["enum"] == ["web"])
            #expect(properties["payment"]?["anyOf"]?.arrayValue?.count == 2)
            #expect(properties["customer_id"]?["format"] == nil)
            #expect(properties["customer_id"]?["description"]?.stringValue?.contains("uuid") == true)
            #expect(properties["metadata"] == ["type": "OBJECT"])
            let ping = declarations.first { $0["name"] == "shop__ping" }
            #expect(ping != nil)
            #expect(ping?["parameters"] == nil, "a tool without arguments has no parameters for Gemini")
        }
    }

    @Test(.enabled(if: PythonPeer.isAvailable, "needs JUNCTION_TEST_PYTHON with the mcp package (scripts/test sets it)"))
    func theMCPServerListsTheSameTools() async throws {
        try await withJunction { junction in
            let tenant = try await Self.prepare(junction)
            let listed = try await junction.request(.get, "/api/v1/tools", key: tenant.key).json["tools"]?.arrayValue ?? []
            let client = try await MCPClientDriver.http(url: junction.baseURL + "/mcp", headers: ["Authorization": "Bearer \(tenant.key)"])
            try await client.use { client in
                let tools = try await client.listTools()
                #expect(tools.compactMap { $0["name"]?.stringValue } == listed.compactMap { $0["name"]?.stringValue })
                for (tool, api) in zip(tools, listed) {
                    #expect(tool["inputSchema"] == api["input_schema"], "\(api["name"]?.stringValue ?? "")")
                    #expect(tool["description"] == api["description"])
                }
            }
        }
    }
}
