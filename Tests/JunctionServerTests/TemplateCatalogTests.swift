import Foundation
import HTTPTypes
import JunctionConnectors
import JunctionCore
import JunctionTesting
import Testing

/// Every built-in template against what its vendor documents: the schemas compile and accept
/// the documented examples, and each resource, invoked against a local upstream, sends the
/// method, path, query, auth placement and body encoding the vendor's reference gives. The
/// expectations (`TemplateCases/*.cases.json`) were written from the vendors' pages apart from
/// the templates.
@Suite struct TemplateCatalogTests {
    static let casesDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("TemplateCases")

    static func cases(_ slug: String) throws -> JSONValue {
        try JSONCoding.decode(Array(Data(contentsOf: casesDirectory.appendingPathComponent("\(slug).cases.json"))))
    }

    /// Every service the product documents names has a template.
    static let services = [
        "amadeus", "amocrm", "bitrix24", "carbone", "docusign", "egov-smartbridge", "gmail", "google-calendar", "hubspot", "jira",
        "linear", "openweather", "outline", "salesforce", "servicenow", "slack", "snowflake", "telegram", "whatsapp",
    ]

    @Test func everyTemplateIsDocumentedAndItsSchemasAcceptTheDocumentedExamples() throws {
        let templates = try BuiltInTemplates.load()
        #expect(Set(templates.map(\.slug.rawValue)).isSuperset(of: Self.services))
        for template in templates {
            let slug = template.slug.rawValue
            #expect(template.documentation?.hasPrefix("https://") == true, "\(slug) names no documentation")
            #expect(template.baseURL != nil || template.connectionURLExample != nil, "\(slug) says nothing of where it connects")
            #expect(template.resources.count >= (slug == "egov-smartbridge" ? 3 : 5), "\(slug) has \(template.resources.count) resources")
            #expect(template.resources.filter(\.isConnectionTest).count <= 1, "\(slug)")
            for resource in template.resources {
                #expect(resource.documentation?.hasPrefix("https://") == true, "\(slug)/\(resource.slug) names no documentation")
                #expect(resource.inputSchema["type"] == "object", "\(slug)/\(resource.slug)")
                // A schema that does not compile would accept anything: it must refuse a wrong type.
                #expect(!JSONSchema(resource.inputSchema).isValid(.integer(1)), "\(slug)/\(resource.slug)")
                if let mock = resource.mock, let output = resource.outputSchema {
                    #expect(JSONSchema(output).isValid(mock), "\(slug)/\(resource.slug) mock")
                }
            }
            if template.authentication?.kind == .oauth2 {
                let hints = template.authentication?.hints ?? [:]
                #expect(hints["authorize_url"]?.stringValue?.hasPrefix("https://") == true, "\(slug)")
                #expect(hints["token_url"]?.stringValue?.hasPrefix("https://") == true, "\(slug)")
            }
            let cases = try Self.cases(slug)
            let covered = Set(cases["cases"]?.arrayValue?.compactMap { $0["resource"]?.stringValue } ?? [])
            #expect(covered == Set(template.resources.map(\.slug.rawValue)), "\(slug): cases cover \(covered.sorted())")
            for entry in cases["cases"]?.arrayValue ?? [] {
                let resource = try #require(template.resources.first { $0.slug.rawValue == entry["resource"]?.stringValue })
                let violations = JSONSchema(resource.inputSchema).validate(entry["input"] ?? [:])
                #expect(violations.isEmpty, "\(slug)/\(resource.slug): \(violations)")
            }
        }
    }

    @Test(arguments: services)
    func eachResourceSendsWhatTheVendorDocuments(_ slug: String) async throws {
        let template = try #require(try BuiltInTemplates.load().first { $0.slug.rawValue == slug })
        let cases = try Self.cases(slug)
        try await UpstreamServer.with { upstream in
            try await withJunction { junction in
                let tenant = try await junction.createTenant("acme")
                let secret = "k3y-VALUE-0123456789"
                var credential: JSONValue?
                switch template.authentication?.kind {
                case .apiKey?:
                    let hints = template.authentication?.hints ?? [:]
                    credential = [
                        "name": "key", "kind": "api_key", "in": hints["in"] ?? "header", "key_name": hints["key_name"] ?? "X-API-Key",
                        "value": .string(secret),
                    ]
                case .basic?:
                    credential = ["name": "key", "kind": "basic", "username": "ana@example.com", "password": .string(secret)]
                case nil:
                    credential = nil
                default:
                    // OAuth 2.0 sends its access token as a bearer token (the flow itself: OAuthConnectTests).
                    credential = ["name": "key", "kind": "bearer", "token": .string(secret)]
                }
                if let credential {
                    let made = try await junction.request(.post, "/api/v1/credentials", key: tenant.key, json: credential)
                    #expect(made.status == .created, "\(made.text)")
                }
                // The vendor's host becomes the local upstream; the base path is kept, its placeholders filled.
                let base = try #require(template.baseURL ?? template.connectionURLExample)
                let basePath = Self.filled(URLComponents(string: base.replacingOccurrences(of: "{", with: "%7B").replacingOccurrences(of: "}", with: "%7D"))?
                    .percentEncodedPath.removingPercentEncoding ?? "", key: nil, secret: secret)
                let connector = try await junction.request(.post, "/api/v1/connectors", key: tenant.key, json: [
                    "connector_name": "svc", "template": .string(slug), "connection_url": .string(upstream.url + "/echo" + basePath),
                    "credential": credential == nil ? .null : "key", "max_retries": 0,
                ])
                #expect(connector.status == .created, "\(connector.text)")
                let keyName = template.authentication?.hints["key_name"]?.stringValue
                for entry in cases["cases"]?.arrayValue ?? [] {
                    let resource = entry["resource"]?.stringValue ?? ""
                    let expect = entry["expect"] ?? [:]
                    let label = "\(slug)/\(resource)"
                    let sentBefore = upstream.count("echo")
                    let answer = try await junction.request(
                        .post, "/api/v1/invoke", key: tenant.key, json: ["connector": "svc", "resource": .string(resource), "data": entry["input"] ?? [:]])
                    #expect(upstream.count("echo") == sentBefore + 1, "\(label) sent one request")
                    let code = answer.json["error"]?["code"]?.stringValue
                    // The echo answers JSON; a SOAP connector reads its answer as XML and fails: what was sent is what counts.
                    #expect(code == nil || template.connectorType == "soap", "\(label): \(answer.text)")
                    let seen = try #require(upstream.lastEcho, "\(label) reached nothing")
                    #expect(seen["method"]?.stringValue == expect["method"]?.stringValue, "\(label)")
                    let path = (seen["path"]?.stringValue ?? "").removingPercentEncoding ?? ""
                    let expectedPath = Self.filled(expect["path"]?.stringValue ?? "", key: keyName, secret: secret)
                    #expect(path == "/echo" + expectedPath, "\(label): \(path)")
                    var query: [String: JSONValue] = [:]
                    for (name, values) in seen["query"]?.objectValue ?? [:] { query[name.removingPercentEncoding ?? name] = values }
                    if template.authentication?.hints["in"] == "query", let keyName {
                        #expect(query.removeValue(forKey: keyName) == [.string(secret)], "\(label): the key is not in the query")
                    }
                    let expectedQuery = (expect["query"]?.objectValue ?? [:]).mapValues { JSONValue.array([$0]) }
                    #expect(JSONValue.object(query) == JSONValue.object(expectedQuery), "\(label): query \(query)")
                    let headers = seen["headers"]?.objectValue ?? [:]
                    Self.checkAuthentication(cases["auth_expect"] ?? [:], headers: headers, secret: secret, label: label)
                    let contentType = headers["content-type"]?.stringValue?.split(separator: ";").first.map(String.init)
                    if let expected = expect["content_type"], !expected.isNull {
                        #expect(contentType == expected.stringValue, "\(label): content type \(contentType ?? "none")")
                    } else if expect["content_type"]?.isNull == true {
                        #expect(seen["body"]?.isNull != false, "\(label) sent a body")
                    }
                    if let body = expect["body"] {
                        let sent = contentType == "application/x-www-form-urlencoded" ? Self.form(seen["body"]?.stringValue ?? "") : seen["body"] ?? .null
                        #expect(Self.contains(sent, body), "\(label): body \(sent.jsonText)")
                    }
                    let raw = seen["body"]?["query"]?.stringValue ?? seen["body"]?.stringValue ?? seen["body"]?.jsonText ?? ""
                    for fragment in expect["body_contains"]?.arrayValue?.compactMap(\.stringValue) ?? [] {
                        #expect(raw.contains(fragment), "\(label): the body lacks \(fragment)")
                    }
                }
            }
        }
    }

    /// `{name}` placeholders as the test fills them: the key for `key`, `test-name` otherwise.
    static func filled(_ text: String, key: String?, secret: String) -> String {
        var result = ""
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            result += rest[..<open]
            let name = String(rest[rest.index(after: open)..<close])
            result += name == key ? secret : "test-\(name)"
            rest = rest[rest.index(after: close)...]
        }
        return result + rest
    }

    static func checkAuthentication(_ expect: JSONValue, headers: [String: JSONValue], secret: String, label: String) {
        if expect["bearer"] == true { #expect(headers["authorization"]?.stringValue == "Bearer \(secret)", "\(label)") }
        if expect["basic"] == true {
            let pair = Data("ana@example.com:\(secret)".utf8).base64EncodedString()
            #expect(headers["authorization"]?.stringValue == "Basic \(pair)", "\(label)")
        }
        if let name = expect["header"]?.stringValue { #expect(headers[name.lowercased()]?.stringValue == secret, "\(label)") }
        if expect.objectValue?.isEmpty ?? true { #expect(headers["authorization"] == nil, "\(label)") }
    }

    /// Whether `actual` holds every member of `expected` with the same value (objects compared
    /// member by member, anything else exactly).
    static func contains(_ actual: JSONValue, _ expected: JSONValue) -> Bool {
        guard case .object(let members) = expected else { return JSONComparison.equal(actual, expected) }
        guard let object = actual.objectValue else { return false }
        return members.allSatisfy { key, value in object[key].map { contains($0, value) } ?? false }
    }

    /// A form body's fields as strings.
    static func form(_ text: String) -> JSONValue {
        var object: [String: JSONValue] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? "" }
            object[parts[0]] = .string(parts.count > 1 ? parts[1] : "")
        }
        return .object(object)
    }
}
