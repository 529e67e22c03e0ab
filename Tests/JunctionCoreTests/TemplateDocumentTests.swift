import Foundation
import Testing

import JunctionConnectors
@testable import JunctionCore

/// A template's stored form keeps the component schemas its resources share once, and reads
/// back to resources whose schemas are self-contained again.
struct TemplateDocumentTests {
    static let address: JSONValue = ["type": "object", "properties": ["city": ["type": "string"]]]
    static let customer: JSONValue = [
        "type": "object", "properties": ["name": ["type": "string"], "address": ["$ref": "#/$defs/Address"]],
    ]

    static func resource(_ slug: String, input: JSONValue, output: JSONValue?) throws -> Resource {
        var definition: [String: JSONValue] = ["slug": .string(slug), "input_schema": input]
        if let output { definition["output_schema"] = output }
        return try Resource(definition: .object(definition), bindingFields: [], field: "resource")
    }

    @Test func sharedComponentSchemasAreStoredOnceAndReadBackIntoEachSchema() throws {
        let defs: JSONValue = ["Customer": Self.customer, "Address": Self.address]
        let getCustomer = try Self.resource(
            "get-customer", input: ["type": "object"],
            output: ["$ref": "#/$defs/Customer", "$defs": defs])
        let updateAddress = try Self.resource(
            "update-address",
            input: ["type": "object", "properties": ["address": ["$ref": "#/$defs/Address"]], "$defs": ["Address": Self.address]],
            output: nil)
        let template = Template(
            slug: Slug("crm")!, displayName: "CRM", description: "", connectorType: "http", baseURL: "https://crm.example.com",
            authRequired: false, authentication: nil, resources: [getCustomer, updateAddress], source: .imported)

        let stored = template.document
        #expect(stored["$defs"] == defs)
        for resource in stored["resources"]?.arrayValue ?? [] {
            #expect(resource["input_schema"]?["$defs"] == nil)
            #expect(resource["output_schema"]?["$defs"] == nil)
        }
        // Address once, though two resources use it.
        #expect(stored.jsonText.components(separatedBy: #""city""#).count - 1 == 1)

        let read = try Template(document: stored, bindingFields: [], source: .imported)
        #expect(read.resources.map(\.definition) == template.resources.map(\.definition))
        #expect(read.resources[1].inputSchema["$defs"] == ["Address": Self.address])
        #expect(read.document == stored)
    }

    @Test func aSchemaKeepsItsOwnDefinitionWhenTheNameMeansSomethingElseElsewhere() throws {
        let first = try Self.resource(
            "first", input: ["$ref": "#/$defs/Item", "$defs": ["Item": ["type": "string"]]], output: nil)
        let second = try Self.resource(
            "second", input: ["$ref": "#/$defs/Item", "$defs": ["Item": ["type": "integer"]]], output: nil)
        let template = Template(
            slug: Slug("odd")!, displayName: "Odd", description: "", connectorType: "http", baseURL: nil,
            authRequired: false, authentication: nil, resources: [first, second], source: .imported)
        let read = try Template(document: template.document, bindingFields: [], source: .imported)
        #expect(read.resources.map(\.inputSchema) == [first.inputSchema, second.inputSchema])
    }
}

/// Definitions written back as YAML read as they were.
@Suite struct YAMLWritingTests {
    @Test func aDocumentWrittenAsYAMLReadsBackTheSame() throws {
        let value: JSONValue = [
            "version": "1.0", "name": "triage", "type": "llm", "max_steps": 8, "temperature": 0.5, "strict": true, "nothing": nil,
            "system_prompt": "Line one.\nLine two: with a colon.\n", "tools": ["crm", "billing__list"],
            "tricky": ["true", "123", "null", "- dash", "# hash", "key: value", "", " padded "],
            "steps": [["id": "a", "data": ["id": "{{input.id}}"]]],
        ]
        let yaml = DocumentText.yaml(value, keyOrder: ["version", "name", "type"])
        let read = try DocumentText.parse(Array(yaml.utf8))
        for (key, expected) in value.objectValue ?? [:] {
            #expect(read[key] == expected, "\(key) in:\n\(yaml)")
        }
        #expect(read == value)
        #expect(yaml.hasPrefix("version: "))
        #expect(yaml.contains("system_prompt: |"))
    }
}
