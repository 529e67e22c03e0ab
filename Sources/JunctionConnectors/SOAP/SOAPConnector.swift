import Foundation
import JunctionCore
import NIOCore
import NIOHTTP1

extension ConnectorSpec {
    /// `soap`: SOAP 1.1 or 1.2 operations at an endpoint.
    public static let soap = ConnectorSpec.httpBased(
        type: "soap",
        displayName: "SOAP service",
        description: "Calls SOAP 1.1 or 1.2 operations at connection_url. Each resource names its operation, namespace and SOAPAction; the input becomes the operation's elements (or fills a body template). Answers are converted from XML to JSON; a SOAP Fault makes the call fail.",
        capabilities: [.invoke, .test],
        extraFields: [
            FieldSpec("soap_version", .string, default: "1.1", allowedValues: ["1.1", "1.2"], description: "The SOAP version."),
        ],
        resourcesDescription: "Operations: each with a slug, operation, namespace and action.",
        resourceFields: [
            FieldSpec("operation", .string, required: true, description: "The operation's element name, e.g. GetCustomer."),
            FieldSpec("namespace", .string, required: true, description: "The operation's target namespace."),
            FieldSpec("action", .string, description: "The SOAPAction (default: the operation name)."),
            FieldSpec("body_template", .string,
                      description: "XML placed inside soap:Body, with {{field}} replaced by the escaped input value; default: the input as the operation's elements."),
        ]
    )
}

/// `soap`: wraps the input in a SOAP envelope, POSTs it, and answers the body's first element
/// as JSON. A Fault (any HTTP status) is an `upstream_error` carrying the fault code and string.
public struct SOAPConnector: Connector, ConnectionTestable {
    public static var spec: ConnectorSpec { .soap }

    private let transport: HTTPTransport
    private let version12: Bool

    public init(configuration: ConnectorConfiguration, context: ConnectorContext) throws {
        transport = try HTTPTransport(configuration: configuration, context: context)
        version12 = try configuration.options.string("soap_version") == "1.2"
    }

    public func execute(_ resource: Resource, input: JSONValue, call: CallContext) async throws -> ConnectorResult {
        guard let operation = resource.binding["operation"]?.stringValue,
              let namespace = resource.binding["namespace"]?.stringValue
        else {
            throw JunctionError.invalidInput("Resource '\(resource.slug)' needs an operation and a namespace.")
        }
        guard XMLText.isName(operation) else {
            throw JunctionError.invalidInput("'\(operation)' is not an XML element name.", field: "operation")
        }
        let action = resource.binding["action"]?.stringValue ?? operation
        let content: String
        if let template = resource.binding["body_template"]?.stringValue {
            content = Self.fill(template, with: input)
        } else {
            let inner = try (input.objectValue ?? [:]).sorted { $0.key < $1.key }
                .map { try XMLText.elements($0.key, $0.value, prefix: "tns") }.joined()
            content = "<tns:\(operation) xmlns:tns=\"\(XMLText.escape(namespace))\">\(inner)</tns:\(operation)>"
        }
        let envelopeNamespace = version12 ? "http://www.w3.org/2003/05/soap-envelope" : "http://schemas.xmlsoap.org/soap/envelope/"
        let envelope = """
            <?xml version="1.0" encoding="utf-8"?>\
            <soap:Envelope xmlns:soap="\(envelopeNamespace)"><soap:Body>\(content)</soap:Body></soap:Envelope>
            """
        var headers: [(String, String)] = []
        let contentType: String
        if version12 {
            contentType = "application/soap+xml; charset=utf-8; action=\"\(action)\""
        } else {
            contentType = "text/xml; charset=utf-8"
            headers.append(("SOAPAction", "\"\(action)\""))
        }
        let answer = try await transport.send(
            method: .POST, path: "", headers: headers, body: .bytes(Array(envelope.utf8), contentType: contentType), call: call)
        guard let document = XMLElement.parse(Array(answer.body.readableBytesView)), let body = document.first("Body") else {
            let text = JSONValue.string(String(buffer: answer.body))
            if (200..<300).contains(answer.status) {
                throw JunctionError(.upstreamError, "The SOAP answer is not a SOAP envelope.", upstreamStatus: answer.status, upstreamBody: text)
            }
            throw transport.failure(answer, body: text)
        }
        if let fault = body.children.first(where: { $0.name == "Fault" }) {
            let code = fault.first("faultcode")?.text ?? fault.first("Code")?.first("Value")?.text ?? "Fault"
            let reason = fault.first("faultstring")?.text ?? fault.first("Reason")?.first("Text")?.text ?? "SOAP Fault"
            throw JunctionError(
                .upstreamError, "SOAP Fault \(code.trimmingCharacters(in: .whitespaces)): \(reason.trimmingCharacters(in: .whitespacesAndNewlines))",
                upstreamStatus: answer.status, upstreamBody: fault.json)
        }
        guard (200..<300).contains(answer.status) else { throw transport.failure(answer, body: body.json) }
        let result = body.children.first.map { [$0.name: $0.json] as JSONValue } ?? .null
        return ConnectorResult(data: result, status: answer.status)
    }

    /// Runs the resource marked `test`, or else asks for the service's WSDL (`?wsdl`): any
    /// answer but 401/403 or a 5xx means the connector can reach its service.
    public func testConnection(call: CallContext) async throws {
        if let resource = transport.configuration.resources.first(where: \.isConnectionTest) {
            _ = try await execute(resource, input: .object([:]), call: call)
            return
        }
        try transport.checkReachable(try await transport.send(method: .GET, path: "", query: [("wsdl", "")], body: nil, call: call))
    }

    /// `template` with each `{{field}}` replaced by the XML-escaped input value.
    static func fill(_ template: String, with input: JSONValue) -> String {
        var text = template
        for (key, value) in input.objectValue ?? [:] {
            text = text.replacingOccurrences(of: "{{\(key)}}", with: XMLText.escape(HTTPRoute.text(value)))
        }
        return text
    }
}
