import Foundation
import HTTPTypes
import JunctionCore
import JunctionServer
import JunctionTesting
import Testing

/// What published API descriptions do that toy ones do not: Swagger 2.0, form and multipart
/// bodies, OpenAPI 3.0 keywords, references into the wrong section or nowhere, operations
/// that cannot be converted, over-long texts; and the bodies reach a real upstream encoded as
/// the document says.
struct OpenAPIImportTests {
    /// A Swagger 2.0 document: form fields (one a file), a JSON body parameter, query
    /// parameters, basic auth, host and basePath.
    static func swagger(host: String) -> String {
        """
        swagger: "2.0"
        info: {title: Files, version: "1"}
        host: \(host)
        basePath: /echo
        schemes: [http]
        securityDefinitions:
          basic: {type: basic}
        security: [{basic: []}]
        parameters:
          limit: {name: limit, in: query, type: integer, maximum: 99999999999999999999}
        definitions:
          Note: {type: object, properties: {text: {type: string}}, required: [text]}
        paths:
          /notes:
            get:
              operationId: listNotes
              parameters: [{$ref: "#/parameters/limit"}]
              responses: {"200": {description: ok, schema: {type: array, items: {$ref: "#/definitions/Note"}}}}
            post:
              operationId: addNote
              parameters: [{name: note, in: body, required: true, schema: {$ref: "#/definitions/Note"}}]
              responses: {"201": {description: made}}
          /messages:
            post:
              operationId: sendMessage
              consumes: [application/x-www-form-urlencoded]
              parameters:
                - {name: To, in: formData, type: string, required: true}
                - {name: Tags, in: formData, type: array, items: {type: string}}
              responses: {"201": {description: sent}}
          /uploads:
            post:
              operationId: upload
              consumes: [multipart/form-data]
              parameters:
                - {name: file, in: formData, type: file, required: true}
                - {name: comment, in: formData, type: string}
              responses: {"201": {description: stored}}
        """
    }

    /// An OpenAPI 3.0 document with what published ones do.
    static func openAPI30(server: String) -> String {
        let longDescription = String(repeating: "Very long. ", count: 500)
        return """
        openapi: 3.0.2
        info: {title: Odd API, version: "1"}
        servers: [{url: "\(server)"}]
        components:
          schemas:
            Amount: {type: integer, minimum: 0, maximum: 100, exclusiveMaximum: true, nullable: true}
            Charge:
              type: object
              properties:
                amount: {$ref: "#/components/schemas/Amount"}
                missing: {$ref: "#/components/schemas/Nowhere"}
          responses:
            Charged: {description: ok, content: {application/json: {schema: {$ref: "#/components/schemas/Charge"}}}}
        paths:
          /charges/{id}:
            parameters: [{name: id, in: path, required: true, schema: {type: string}}]
            post:
              operationId: createCharge
              description: "\(longDescription)"
              parameters: [{name: Api-Version, in: header, schema: {type: string, enum: ["2024-01-01"]}}]
              requestBody:
                required: true
                content:
                  application/x-www-form-urlencoded:
                    schema:
                      type: object
                      required: [amount]
                      properties:
                        id: {type: string, description: "a body field named like the path parameter"}
                        amount: {$ref: "#/components/schemas/Amount"}
                        metadata: {type: object, additionalProperties: {type: string}}
                        items: {type: array, items: {type: object, properties: {price: {type: integer}}}}
                        expand: {type: array, items: {type: string}}
                    encoding: {expand: {style: deepObject, explode: true}}
              responses: {"200": {$ref: "#/components/responses/Charged"}}
          /charges/{id}#refund:
            parameters: [{name: id, in: path, required: true, schema: {type: string}}]
            get:
              operationId: getRefund
              responses: {"200": {$ref: "#/components/schemas/Charge"}}
          /files:
            post:
              operationId: uploadFile
              requestBody:
                required: true
                content:
                  multipart/form-data:
                    schema:
                      type: object
                      properties:
                        attributes: {type: object, properties: {name: {type: string}}}
                        file: {type: string, format: binary}
            put:
              operationId: putRaw
              requestBody: {required: true, content: {application/octet-stream: {schema: {type: string, format: binary}}}}
              responses: {"200": {description: ok}}
            options:
              operationId: probeFiles
              responses: {"200": {description: ok}}
        """
    }

    static func yamlHeaders() -> HTTPFields {
        var headers = HTTPFields()
        headers[.contentType] = "application/yaml"
        return headers
    }

    /// `a=1&b%5Bc%5D=2` as ordered name/value pairs.
    static func formPairs(_ text: String) -> [(String, String)] {
        text.split(separator: "&").map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map {
                $0.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String($0)
            }
            return (parts[0], parts.count > 1 ? parts[1] : "")
        }
    }

    @Test func aSwaggerDocumentIsConvertedAndItsFormsAreSentAsForms() async throws {
        try await UpstreamServer.with { upstream in
            try await withJunction { junction in
                let tenant = try await junction.createTenant("acme")
                let host = try #require(URLComponents(string: upstream.url)).host! + ":" + String(URLComponents(string: upstream.url)!.port!)
                let imported = try await junction.request(
                    .post, "/api/v1/templates/import?slug=files", key: tenant.key, raw: Self.swagger(host: host), headers: Self.yamlHeaders())
                #expect(imported.status == .created, "\(imported.text)")
                #expect(imported.json["base_url"]?.stringValue == upstream.url + "/echo")
                #expect(imported.json["auth"]?["kind"] == "basic")
                #expect(imported.json["skipped"] == [])
                let resources = imported.json["resources"]?.arrayValue ?? []
                #expect(Set(resources.compactMap { $0["slug"]?.stringValue }) == ["list-notes", "add-note", "send-message", "upload"])
                let list = try #require(resources.first { $0["slug"] == "list-notes" })
                #expect(list["input_schema"]?["properties"]?["limit"]?["x-in"] == "query")
                #expect(list["input_schema"]?["properties"]?["limit"]?["maximum"] == 1e20)
                #expect(list["output_schema"]?["items"]?["$ref"] == "#/$defs/Note")
                let add = try #require(resources.first { $0["slug"] == "add-note" })
                #expect(add["input_schema"]?["properties"]?["text"]?["x-in"] == "body")
                #expect(add["input_schema"]?["required"] == ["text"])
                let upload = try #require(resources.first { $0["slug"] == "upload" })
                #expect(upload["body_encoding"] == "multipart")
                #expect(upload["input_schema"]?["properties"]?["file"]?["x-file"] == true)

                let credential = try await junction.request(.post, "/api/v1/credentials", key: tenant.key, json: [
                    "name": "files-login", "kind": "basic", "username": "ann", "password": "a-password-of-some-length",
                ])
                #expect(credential.status == .created, "\(credential.text)")
                let connector = try await junction.request(.post, "/api/v1/connectors", key: tenant.key, json: [
                    "connector_name": "files", "connector_type": "http", "template": "files", "credential": "files-login", "max_retries": 0,
                ])
                #expect(connector.status == .created, "\(connector.text)")

                let sent = try await junction.request(.post, "/api/v1/invoke", key: tenant.key, json: [
                    "connector": "files", "resource": "send-message", "data": ["To": "+351 912", "Tags": ["a&b", "c"]],
                ])
                #expect(sent.json["success"] == true, "\(sent.text)")
                let echo = try #require(upstream.lastEcho)
                #expect(echo["headers"]?["content-type"] == "application/x-www-form-urlencoded")
                let pairs = Self.formPairs(echo["body"]?.stringValue ?? "")
                #expect(pairs.map(\.0) == ["Tags", "Tags", "To"])
                #expect(pairs.map(\.1) == ["a&b", "c", "+351 912"])
            }
        }
    }

    @Test func publishedDeviationsAreAcceptedAndWhatCannotBeSentIsSkipped() async throws {
        try await UpstreamServer.with { upstream in
            try await withJunction { junction in
                let tenant = try await junction.createTenant("acme")
                let imported = try await junction.request(
                    .post, "/api/v1/templates/import?slug=odd", key: tenant.key, raw: Self.openAPI30(server: upstream.url + "/echo"),
                    headers: Self.yamlHeaders())
                #expect(imported.status == .created, "\(imported.text)")
                #expect(imported.json["skipped"] == [
                    ["operation": "PUT /files", "reason": "Its request body is only accepted as application/octet-stream, which http connectors do not send."],
                ])
                #expect(imported.json["notes"]?.arrayValue?.first?["operation"] == "POST /charges/{id}")
                let resources = imported.json["resources"]?.arrayValue ?? []
                #expect(Set(resources.compactMap { $0["slug"]?.stringValue }) == ["create-charge", "get-refund", "upload-file", "probe-files"])

                let charge = try #require(resources.first { $0["slug"] == "create-charge" })
                #expect(charge["description"]?.stringValue?.count == 4000)
                #expect(charge["body_encoding"] == "form")
                let properties = charge["input_schema"]?["properties"]
                #expect(properties?["body_id"]?["x-name"] == "id")
                #expect(properties?["expand"]?["x-style"] == "deepObject")
                #expect(charge["input_schema"]?["required"] == ["amount", "id"])
                let amount = charge["input_schema"]?["$defs"]?["Amount"]
                #expect(amount == ["type": ["integer", "null"], "minimum": 0, "exclusiveMaximum": 100])
                // A reference to nothing is an empty schema, a response pointing at a schema is read as one.
                #expect(charge["output_schema"]?["$defs"]?["Nowhere"] == [:])
                let refund = try #require(resources.first { $0["slug"] == "get-refund" })
                #expect(refund["path"] == "/charges/{id}")
                #expect(try #require(resources.first { $0["slug"] == "probe-files" })["method"] == "OPTIONS")

                let connector = try await junction.request(.post, "/api/v1/connectors", key: tenant.key, json: [
                    "connector_name": "odd", "connector_type": "http", "template": "odd", "max_retries": 0,
                ])
                #expect(connector.status == .created, "\(connector.text)")
                let charged = try await junction.request(.post, "/api/v1/invoke", key: tenant.key, json: [
                    "connector": "odd", "resource": "create-charge", "data": [
                        "id": "ch 1", "body_id": "acct_2", "amount": 42, "metadata": ["plan": "pro"],
                        "items": [["price": 5], ["price": 7]], "expand": ["customer", "invoice"],
                    ],
                ])
                #expect(charged.json["success"] == true, "\(charged.text)")
                let echo = try #require(upstream.lastEcho)
                #expect(echo["path"] == "/echo/charges/ch%201")
                #expect(echo["headers"]?["api-version"] == "2024-01-01", "a header with one allowed value is sent")
                let pairs = Self.formPairs(echo["body"]?.stringValue ?? "")
                #expect(pairs.map { "\($0.0)=\($0.1)" } == [
                    "amount=42", "expand[]=customer", "expand[]=invoice", "id=acct_2", "items[0][price]=5", "items[1][price]=7",
                    "metadata[plan]=pro",
                ])

                let uploaded = try await junction.request(.post, "/api/v1/invoke", key: tenant.key, json: [
                    "connector": "odd", "resource": "upload-file", "data": [
                        "attributes": ["name": "report.txt"],
                        "file": ["data": .string(Data("hello, file".utf8).base64EncodedString()), "filename": "report.txt", "content_type": "text/plain"],
                    ],
                ])
                #expect(uploaded.json["success"] == true, "\(uploaded.text)")
                let upload = try #require(upstream.lastEcho)
                let contentType = try #require(upload["headers"]?["content-type"]?.stringValue)
                #expect(contentType.hasPrefix("multipart/form-data; boundary="))
                let form = try MultipartFormData(
                    body: Array((upload["body"]?.stringValue ?? "").utf8), boundary: try #require(MultipartFormData.boundary(in: contentType)))
                let attributes = try #require(form.parts.first { $0.name == "attributes" })
                #expect(attributes.contentType == "application/json")
                #expect(String(decoding: attributes.body, as: UTF8.self) == #"{"name":"report.txt"}"#)
                let file = try #require(form.parts.first { $0.name == "file" })
                #expect(file.filename == "report.txt")
                #expect(file.contentType == "text/plain")
                #expect(String(decoding: file.body, as: UTF8.self) == "hello, file")
            }
        }
    }

    @Test func aDocumentOverTheImportLimitIsRefusedNamingTheSetting() async throws {
        try await withJunction(configure: { $0.maxImportBytes = 2048 }) { junction in
            let tenant = try await junction.createTenant("acme")
            let big = "{\"openapi\": \"3.0.0\", \"info\": {\"title\": \"\(String(repeating: "x", count: 4096))\"}, \"paths\": {}}"
            let refused = try await junction.request(.post, "/api/v1/templates/import?slug=big", key: tenant.key, raw: big)
            #expect(refused.status == .contentTooLarge)
            #expect(refused.json["error"]?["details"]?["setting"] == "max_import_bytes")
            #expect(refused.json["error"]?["message"]?.stringValue?.contains("max_import_bytes") == true)
        }
    }
}
