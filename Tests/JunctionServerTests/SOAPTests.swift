import HTTPTypes
import JunctionCore
import JunctionTesting
import Testing

/// The `soap` type against a real SOAP 1.1 service (spyne under wsgiref).
@Suite(.enabled(if: PythonPeer.isAvailable, "needs JUNCTION_TEST_PYTHON (scripts/test sets it)"))
struct SOAPTests {
    static let server = """
        import sys
        from wsgiref.simple_server import make_server, WSGIRequestHandler
        from spyne import Application, rpc, ServiceBase, Unicode, Integer, Iterable, Fault
        from spyne.protocol.soap import Soap11
        from spyne.server.wsgi import WsgiApplication

        class Quiet(WSGIRequestHandler):
            def log_message(self, *args):
                pass

        class Calculator(ServiceBase):
            @rpc(Integer, Integer, _returns=Integer)
            def add(ctx, a, b):
                return a + b

            @rpc(Unicode, Integer, _returns=Iterable(Unicode))
            def greet(ctx, name, times):
                for _ in range(times):
                    yield "Hello, " + name

            @rpc(Unicode, _returns=Unicode)
            def refuse(ctx, reason):
                raise Fault(faultcode="Client.Refused", faultstring=reason)

        app = Application([Calculator], tns="urn:junction:calc", in_protocol=Soap11(validator="lxml"), out_protocol=Soap11())
        make_server("127.0.0.1", int(sys.argv[1]), WsgiApplication(app), handler_class=Quiet).serve_forever()
        """

    static func connector(url: String) -> JSONValue {
        let namespace: JSONValue = "urn:junction:calc"
        return [
            "connector_name": "calc", "connector_type": "soap", "connection_url": .string(url), "max_retries": 0,
            "options": ["resources": [
                ["slug": "add", "operation": "add", "namespace": namespace,
                 "input_schema": ["type": "object", "required": ["a", "b"], "properties": [
                    "a": ["type": "integer"], "b": ["type": "integer"]]]],
                ["slug": "greet", "operation": "greet", "namespace": namespace],
                ["slug": "refuse", "operation": "refuse", "namespace": namespace],
                ["slug": "add-templated", "operation": "add", "namespace": namespace,
                 "body_template": "<c:add xmlns:c=\"urn:junction:calc\"><c:a>{{a}}</c:a><c:b>{{b}}</c:b></c:add>"],
            ]],
        ]
    }

    @Test func operationsRunAndFaultsFail() async throws {
        try await PythonPeer.with(script: Self.server) { peer in
            try await withJunction { junction in
                let tenant = try await junction.createTenant("acme")
                let created = try await junction.request(.post, "/api/v1/connectors", key: tenant.key, json: Self.connector(url: peer.url))
                #expect(created.status == .created)
                func invoke(_ resource: String, _ data: JSONValue) async throws -> JunctionHarness.Answer {
                    try await junction.request(.post, "/api/v1/invoke", key: tenant.key,
                                               json: ["connector": "calc", "resource": .string(resource), "data": data])
                }
                let sum = try await invoke("add", ["a": 2, "b": 40])
                #expect(sum.json["success"] == true)
                #expect(sum.json["data"] == ["addResponse": ["addResult": "42"]])
                let greeting = try await invoke("greet", ["name": "Ana & <Rui>", "times": 2])
                #expect(greeting.json["data"]?["greetResponse"]?["greetResult"]?["string"] == ["Hello, Ana & <Rui>", "Hello, Ana & <Rui>"])
                let templated = try await invoke("add-templated", ["a": 1, "b": 2])
                #expect(templated.json["data"] == ["addResponse": ["addResult": "3"]])
                let fault = try await invoke("refuse", ["reason": "not today"])
                #expect(fault.json["success"] == false)
                #expect(fault.json["error"]?["code"] == "upstream_error")
                #expect(fault.json["error"]?["message"]?.stringValue?.contains("Client.Refused") == true)
                #expect(fault.json["error"]?["message"]?.stringValue?.contains("not today") == true)
                #expect(fault.json["data"]?["faultstring"] == "not today")
                let injected = try await invoke("greet", ["name": "x", "times><tns:admin>true</tns:admin": 1])
                #expect(injected.json["error"]?["code"] == "invalid_input")
                let invalid = try await invoke("add", ["a": "two", "b": 1])
                #expect(invalid.json["error"]?["field"] == "data.a")
            }
        }
    }

    @Test func resourceDefinitionsNeedAnOperationAndNamespace() async throws {
        try await withJunction { junction in
            let tenant = try await junction.createTenant("acme")
            let answer = try await junction.request(.post, "/api/v1/connectors", key: tenant.key, json: [
                "connector_name": "calc", "connector_type": "soap", "connection_url": "http://127.0.0.1:9",
                "options": ["soap_version": "1.3", "resources": [["slug": "add", "operation": "add"]]],
            ])
            #expect(answer.status == .badRequest)
            #expect(answer.errorField == "options.soap_version")
            let missing = try await junction.request(.post, "/api/v1/connectors", key: tenant.key, json: [
                "connector_name": "calc", "connector_type": "soap", "connection_url": "http://127.0.0.1:9",
                "options": ["resources": [["slug": "add", "operation": "add"]]],
            ])
            #expect(missing.errorField == "options.resources[0].namespace")
        }
    }
}
