import HTTPTypes
import JunctionCore
import JunctionTesting
import Testing

/// The `graphql` type against a real GraphQL server (strawberry under uvicorn).
@Suite(.enabled(if: PythonPeer.isAvailable, "needs JUNCTION_TEST_PYTHON (scripts/test sets it)"))
struct GraphQLTests {
    static let server = """
        import sys, strawberry, uvicorn
        from typing import Optional
        from strawberry.asgi import GraphQL
        from strawberry.types import Info

        CUSTOMERS = {"1": ("Ana", "ana@example.com")}

        @strawberry.type
        class Customer:
            id: strawberry.ID
            name: str
            email: str

        @strawberry.type
        class Query:
            @strawberry.field
            def customer(self, id: strawberry.ID) -> Optional[Customer]:
                found = CUSTOMERS.get(str(id))
                return Customer(id=id, name=found[0], email=found[1]) if found else None

            @strawberry.field
            def whoami(self, info: Info) -> str:
                return info.context["request"].headers.get("authorization", "")

            @strawberry.field
            def broken(self) -> str:
                raise Exception("the resolver failed")

        @strawberry.type
        class Mutation:
            @strawberry.mutation
            def create_customer(self, name: str, email: str) -> Customer:
                key = str(len(CUSTOMERS) + 1)
                CUSTOMERS[key] = (name, email)
                return Customer(id=key, name=name, email=email)

        app = GraphQL(strawberry.Schema(query=Query, mutation=Mutation))
        uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="error")
        """

    static func connector(url: String) -> JSONValue {
        [
            "connector_name": "crm-graph", "connector_type": "graphql", "connection_url": .string(url + "/graphql"),
            "credential": "graph-token", "max_retries": 0,
            "options": ["resources": [
                ["slug": "get-customer", "query": "query GetCustomer($id: ID!) { customer(id: $id) { id name email } }",
                 "input_schema": ["type": "object", "required": ["id"], "properties": ["id": ["type": "string"]]]],
                ["slug": "create-customer", "kind": "write",
                 "query": "mutation Create($name: String!, $email: String!) { createCustomer(name: $name, email: $email) { id name } }",
                 "input_schema": ["type": "object", "required": ["name", "email"], "properties": [
                    "name": ["type": "string"], "email": ["type": "string", "format": "email"]]]],
                ["slug": "whoami", "query": "{ whoami }"],
                ["slug": "broken", "query": "{ broken }"],
                ["slug": "invalid", "query": "{ nope }"],
            ]],
        ]
    }

    @Test func operationsRunWithVariablesAndErrorsFail() async throws {
        try await PythonPeer.with(script: Self.server) { peer in
            try await withJunction { junction in
                let tenant = try await junction.createTenant("acme")
                _ = try await junction.request(.post, "/api/v1/credentials", key: tenant.key,
                                               json: ["name": "graph-token", "kind": "bearer", "token": "graph-secret-0123456789"])
                let created = try await junction.request(.post, "/api/v1/connectors", key: tenant.key, json: Self.connector(url: peer.url))
                #expect(created.status == .created)
                func invoke(_ resource: String, _ data: JSONValue = [:]) async throws -> JunctionHarness.Answer {
                    try await junction.request(.post, "/api/v1/invoke", key: tenant.key,
                                               json: ["connector": "crm-graph", "resource": .string(resource), "data": data])
                }
                let customer = try await invoke("get-customer", ["id": "1"])
                #expect(customer.json["success"] == true)
                #expect(customer.json["data"] == ["customer": ["id": "1", "name": "Ana", "email": "ana@example.com"]])
                let made = try await invoke("create-customer", ["name": "Rui", "email": "rui@example.com"])
                #expect(made.json["data"]?["createCustomer"]?["name"] == "Rui")
                // The server echoes the token it got; the envelope redacts it (only the exact token is).
                #expect(try await invoke("whoami").json["data"] == ["whoami": "Bearer [redacted]"])

                let broken = try await invoke("broken")
                #expect(broken.json["success"] == false)
                #expect(broken.json["error"]?["code"] == "upstream_error")
                #expect(broken.json["error"]?["message"]?.stringValue?.contains("the resolver failed") == true)
                #expect(broken.json["error"]?["upstream_status"] == 200)
                #expect(broken.json["data"]?["errors"]?.arrayValue?.isEmpty == false)

                let invalid = try await invoke("invalid")
                #expect(invalid.json["error"]?["code"] == "upstream_error")
                #expect(invalid.json["error"]?["message"]?.stringValue?.contains("nope") == true)

                let badInput = try await invoke("create-customer", ["name": "x", "email": "not-an-email"])
                #expect(badInput.json["error"]?["field"] == "data.email")

                let test = try await junction.request(.post, "/api/v1/connectors/crm-graph/test", key: tenant.key)
                #expect(test.json["health_status"] == "healthy")
            }
        }
    }
}
