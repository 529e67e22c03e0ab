import Foundation
import HTTPTypes
import JunctionConnectors
import JunctionCore
import JunctionTesting
import Testing

@Suite struct TemplateTests {
    @Test func theBuiltInCatalogListsRealServices() async throws {
        try await withJunction { junction in
            let tenant = try await junction.createTenant("acme")
            let listed = try await junction.request(.get, "/api/v1/templates", key: tenant.key)
            let slugs = listed.json["templates"]?.arrayValue?.compactMap { $0["slug"]?.stringValue } ?? []
            for slug in ["hubspot", "jira", "openweather", "slack", "telegram"] { #expect(slugs.contains(slug)) }
            let slack = try await junction.request(.get, "/api/v1/templates/slack", key: tenant.key)
            #expect(slack.json["base_url"] == "https://slack.com/api")
            #expect(slack.json["auth"]?["kind"] == "oauth2")
            #expect(slack.json["auth"]?["also"] == ["bearer"])
            #expect(slack.json["auth"]?["scope_separator"] == ",")
            #expect(slack.json["documentation"]?.stringValue?.hasPrefix("https://") == true)
            let resources = slack.json["resources"]?.arrayValue ?? []
            #expect(resources.count >= 5)
            let post = try #require(resources.first { $0["slug"] == "post-message" })
            #expect(post["method"] == "POST")
            #expect(post["path"] == "/chat.postMessage")
            #expect(post["kind"] == "write")
            let weather = try await junction.request(.get, "/api/v1/templates/openweather", key: tenant.key)
            #expect(weather.json["auth"]?["in"] == "query")
            #expect(weather.json["auth"]?["key_name"] == "appid")
            #expect(try await junction.request(.get, "/api/v1/templates/nope", key: tenant.key).status == .notFound)
        }
    }

    @Test func aConnectorBuiltOnATemplateUsesItsBaseURLAndResources() async throws {
        try await UpstreamServer.with { upstream in
            try await withJunction { junction in
                let tenant = try await junction.createTenant("acme")
                _ = try await junction.request(.post, "/api/v1/credentials", key: tenant.key, json: [
                    "name": "owm", "kind": "api_key", "in": "query", "key_name": "appid", "value": "owm-key-123",
                ])
                // Without connection_url the template's base URL is used (no network here: mock only).
                let slack = try await junction.request(.post, "/api/v1/connectors", key: tenant.key, json: [
                    "connector_name": "team-slack", "template": "slack",
                ])
                #expect(slack.status == .created)
                #expect(slack.json["connector_type"] == "http")
                #expect(slack.json["template"] == "slack")
                let mocked = try await junction.request(
                    .post, "/api/v1/connectors/team-slack/resources/post-message/invoke", key: tenant.key,
                    json: ["data": ["channel": "C1", "text": "hi"], "options": ["mock": true]])
                #expect(mocked.json["data"]?["ok"] == true)
                let listed = try await junction.request(.get, "/api/v1/connectors/team-slack/resources", key: tenant.key)
                #expect(listed.json["resources"]?.arrayValue?.count == (try BuiltInTemplates.load().first { $0.slug.rawValue == "slack" }?.resources.count))

                // Jira has no base URL: the connector must give its site.
                let jira = try await junction.request(.post, "/api/v1/connectors", key: tenant.key, json: [
                    "connector_name": "jira", "template": "jira",
                ])
                #expect(jira.status == .badRequest)
                #expect(jira.errorField == "connection_url")
                let mismatched = try await junction.request(.post, "/api/v1/connectors", key: tenant.key, json: [
                    "connector_name": "x", "template": "slack", "connector_type": "graphql",
                ])
                #expect(mismatched.errorField == "connector_type")

                // connection_url overrides the template's: call the upstream's echo as OpenWeather.
                _ = try await junction.request(.post, "/api/v1/connectors", key: tenant.key, json: [
                    "connector_name": "weather", "template": "openweather", "credential": "owm",
                    "connection_url": .string(upstream.url + "/echo"),
                ])
                let weather = try await junction.request(
                    .post, "/api/v1/connectors/weather/resources/current-weather/invoke", key: tenant.key,
                    json: ["data": ["lat": 38.72, "lon": -9.14, "units": "metric"]])
                #expect(weather.json["success"] == true)
                #expect(weather.json["data"]?["path"] == "/echo/data/2.5/weather")
                #expect(weather.json["data"]?["query"]?["appid"] == ["[redacted]"], "sent, and redacted from the echo")
                #expect(weather.json["data"]?["query"]?["lat"] == ["38.72"])
            }
        }
    }

    @Test func aPathKeyFillsItsPlaceholder() async throws {
        try await UpstreamServer.with { upstream in
            try await withJunction { junction in
                let tenant = try await junction.createTenant("acme")
                _ = try await junction.request(.post, "/api/v1/credentials", key: tenant.key, json: [
                    "name": "bot", "kind": "api_key", "in": "path", "key_name": "token", "value": "123456:ABC-def",
                ])
                _ = try await junction.request(.post, "/api/v1/connectors", key: tenant.key, json: [
                    "connector_name": "tg", "template": "telegram", "credential": "bot",
                    "connection_url": .string(upstream.url + "/echo"),
                ])
                let sent = try await junction.request(
                    .post, "/api/v1/connectors/tg/resources/send-message/invoke", key: tenant.key,
                    json: ["data": ["chat_id": 1001, "text": "hello"]])
                #expect(sent.json["success"] == true)
                #expect(sent.json["data"]?["path"] == "/echo/bot[redacted]/sendMessage", "the key fills the path; its echo is redacted")
                #expect(sent.json["data"]?["body"] == ["chat_id": 1001, "text": "hello"])
                #expect(sent.json["data"]?["headers"]?["x-api-key"] == nil)
            }
        }
    }

    static func crmDocument30(server: String) -> String {
        """
        openapi: 3.0.3
        info:
          title: Contabil API
          description: Customers and orders.
          version: 1.0
        servers:
          - url: \(server)
        security:
          - token: []
        components:
          securitySchemes:
            token:
              type: http
              scheme: bearer
          parameters:
            CustomerId:
              name: id
              in: path
              required: true
              schema: {type: string}
          schemas:
            Address:
              type: object
              properties:
                city: {type: string}
            Customer:
              type: object
              required: [name]
              properties:
                name: {type: string}
                email: {type: string, format: email, nullable: true}
                address: {$ref: '#/components/schemas/Address'}
        paths:
          /clientes/{id}:
            parameters:
              - $ref: '#/components/parameters/CustomerId'
            get:
              operationId: getCustomer
              summary: Get a customer
              parameters:
                - {name: expand, in: query, schema: {type: boolean}}
              responses:
                '200':
                  description: The customer
                  content:
                    application/json:
                      schema: {$ref: '#/components/schemas/Customer'}
                      example: {name: Ana, email: ana@example.com}
          /clientes/{id}/pedidos/{pedidoId}:
            get:
              parameters:
                - $ref: '#/components/parameters/CustomerId'
                - {name: pedidoId, in: path, required: true, schema: {type: integer}}
              responses:
                '200': {description: An order}
          /clientes:
            post:
              operationId: create_customer
              requestBody:
                required: true
                content:
                  application/json:
                    schema: {$ref: '#/components/schemas/Customer'}
              responses:
                '201': {description: Created}
        """
    }

    static func publicDocument31(server: String) -> JSONValue {
        [
            "openapi": "3.1.0",
            "info": ["title": "Public Todos", "version": "1"],
            "servers": [["url": .string(server)]],
            "paths": [
                "/todos/{todoId}": [
                    "get": [
                        "operationId": "getTodo",
                        "parameters": [["name": "todoId", "in": "path", "required": true, "schema": ["type": "integer"]]],
                        "responses": ["200": [
                            "description": "A todo",
                            "content": ["application/json": [
                                "schema": ["$ref": "#/components/schemas/Todo"],
                                "examples": ["one": ["value": ["id": 1, "title": "Write tests"]]],
                            ]],
                        ]],
                    ],
                ],
                "/todos": [
                    "post": [
                        "operationId": "createTodo",
                        "requestBody": ["content": ["application/json": ["schema": ["type": "array", "items": ["type": "string"]]]]],
                        "responses": ["201": ["description": "Created"]],
                    ],
                ],
            ],
            "components": ["schemas": ["Todo": [
                "type": "object", "required": ["id"], "properties": ["id": ["type": "integer"], "title": ["type": ["string", "null"]]],
            ]]],
        ]
    }

    @Test func anOpenAPI30YAMLDocumentBecomesATemplate() async throws {
        try await UpstreamServer.with { upstream in
            try await withJunction { junction in
                let tenant = try await junction.createTenant("acme")
                var headers = HTTPFields()
                headers[.contentType] = "application/yaml"
                let imported = try await junction.request(
                    .post, "/api/v1/templates/import?slug=contabil", key: tenant.key,
                    raw: Self.crmDocument30(server: upstream.url + "/echo"), headers: headers)
                #expect(imported.status == .created)
                #expect(imported.json["auth_required"] == true)
                #expect(imported.json["auth"]?["kind"] == "bearer")
                #expect(imported.json["base_url"]?.stringValue == upstream.url + "/echo")
                let resources = imported.json["resources"]?.arrayValue ?? []
                #expect(resources.compactMap { $0["slug"]?.stringValue }.sorted() == [
                    "create-customer", "get-clientes-id-pedidos-pedido-id", "get-customer",
                ])
                let get = try #require(resources.first { $0["slug"] == "get-customer" })
                #expect(get["input_schema"]?["properties"]?["id"]?["x-in"] == "path")
                #expect(get["input_schema"]?["properties"]?["expand"]?["x-in"] == "query")
                #expect(get["input_schema"]?["required"] == ["id"])
                #expect(get["output_schema"]?["$ref"] == "#/$defs/Customer")
                #expect(get["output_schema"]?["$defs"]?["Address"] != nil)
                // Each schema carries only the definitions it needs.
                let orderResource = try #require(resources.first { $0["slug"] == "get-clientes-id-pedidos-pedido-id" })
                #expect(orderResource["input_schema"]?["$defs"] == nil)
                #expect(get["has_mock"] == true)
                let create = try #require(resources.first { $0["slug"] == "create-customer" })
                #expect(create["kind"] == "write")
                #expect(create["input_schema"]?["properties"]?["email"]?["x-in"] == "body")
                #expect(create["input_schema"]?["required"] == ["name"])

                // Re-importing keeps the slugs.
                let again = try await junction.request(
                    .post, "/api/v1/templates/import?slug=contabil", key: tenant.key,
                    raw: Self.crmDocument30(server: upstream.url + "/echo"), headers: headers)
                #expect(again.json["resources"]?.arrayValue?.compactMap { $0["slug"] } == imported.json["resources"]?.arrayValue?.compactMap { $0["slug"] })

                _ = try await junction.request(.post, "/api/v1/credentials", key: tenant.key,
                                               json: ["name": "contabil-token", "kind": "bearer", "token": "contabil-bearer-123456"])
                let connector = try await junction.request(.post, "/api/v1/connectors", key: tenant.key, json: [
                    "connector_name": "api-contabil", "template": "contabil", "credential": "contabil-token",
                ])
                #expect(connector.status == .created)
                let order = try await junction.request(
                    .post, "/api/v1/invoke", key: tenant.key,
                    json: ["connector": "api-contabil", "resource": "get-clientes-id-pedidos-pedido-id",
                           "data": ["id": "c/1", "pedidoId": 7]])
                #expect(order.json["data"]?["path"] == "/echo/clientes/c%2F1/pedidos/7")
                #expect(order.json["data"]?["headers"]?["authorization"] == "Bearer [redacted]")
                let created = try await junction.request(
                    .post, "/api/v1/invoke", key: tenant.key,
                    json: ["connector": "api-contabil", "resource": "create-customer",
                           "data": ["name": "Ana", "address": ["city": "Porto"]]])
                #expect(created.json["data"]?["body"] == ["name": "Ana", "address": ["city": "Porto"]])
                let invalid = try await junction.request(
                    .post, "/api/v1/invoke", key: tenant.key,
                    json: ["connector": "api-contabil", "resource": "create-customer", "data": ["address": ["city": 5]]])
                #expect(invalid.json["error"]?["code"] == "invalid_input")
                let mocked = try await junction.request(
                    .post, "/api/v1/invoke", key: tenant.key,
                    json: ["connector": "api-contabil", "resource": "get-customer", "data": ["id": "1"], "options": ["mock": true]])
                #expect(mocked.json["data"] == ["name": "Ana", "email": "ana@example.com"])
            }
        }
    }

    @Test func aPublicOpenAPI31TemplateIsCalledWithNoConnector() async throws {
        try await UpstreamServer.with { upstream in
            try await withJunction { junction in
                let tenant = try await junction.createTenant("acme")
                let imported = try await junction.request(
                    .post, "/api/v1/templates/import?slug=todos", key: tenant.key,
                    json: Self.publicDocument31(server: upstream.url + "/echo"))
                #expect(imported.status == .created)
                #expect(imported.json["auth_required"] == false)
                #expect(imported.json["auth"] == .null)
                let todo = try await junction.request(.post, "/api/v1/invoke", key: tenant.key,
                                                      json: ["connector": "todos", "resource": "get-todo", "data": ["todoId": 3]])
                #expect(todo.json["success"] == true)
                #expect(todo.json["data"]?["path"] == "/echo/todos/3")
                let list = try await junction.request(.post, "/api/v1/invoke", key: tenant.key,
                                                      json: ["connector": "todos", "resource": "create-todo", "data": ["body": ["a", "b"]]])
                #expect(list.json["data"]?["body"] == ["a", "b"])
                // Another tenant does not see this tenant's import.
                let other = try await junction.createTenant("other")
                let hidden = try await junction.request(.post, "/api/v1/invoke", key: other.key,
                                                        json: ["connector": "todos", "resource": "get-todo", "data": ["todoId": 3]])
                #expect(hidden.status == .notFound)
                #expect(try await junction.request(.delete, "/api/v1/templates/todos", key: other.key).status == .notFound)
                #expect(try await junction.request(.delete, "/api/v1/templates/todos", key: tenant.key).status == .noContent)
                #expect(try await junction.request(.delete, "/api/v1/templates/slack", key: tenant.key).status == .notFound)
            }
        }
    }

    @Test(arguments: [
        ("{\"swagger\": \"1.2\", \"info\": {}, \"paths\": {}}", "swagger"),
        ("{\"openapi\": \"2.0\", \"info\": {\"title\": \"x\", \"version\": \"1\"}, \"paths\": {}}", "openapi"),
        ("{\"info\": {\"title\": \"x\"}, \"paths\": {}}", "openapi"),
        ("{\"openapi\": \"3.1.0\", \"info\": {\"title\": \"x\"}}", "paths"),
        ("[1, 2]", nil),
        ("not: [valid", nil),
    ] as [(String, String?)])
    func invalidDocumentsAreRejected(document: String, field: String?) async throws {
        try await withJunction { junction in
            let tenant = try await junction.createTenant("acme")
            let answer = try await junction.request(.post, "/api/v1/templates/import?slug=bad", key: tenant.key, raw: document)
            #expect(answer.status == .badRequest)
            #expect(answer.errorCode == "invalid_input")
            #expect(answer.errorField == field)
            #expect(try await junction.request(.get, "/api/v1/templates/bad", key: tenant.key).status == .notFound)
        }
        try await withJunction { junction in
            let tenant = try await junction.createTenant("acme")
            let noSlug = try await junction.request(.post, "/api/v1/templates/import", key: tenant.key, raw: "{}")
            #expect(noSlug.errorField == "slug")
        }
    }
}
