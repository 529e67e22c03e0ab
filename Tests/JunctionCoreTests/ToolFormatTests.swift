import Testing

@testable import JunctionCore

@Suite struct ToolFormatTests {
    // MARK: ToolName

    @Test func toolNameJoinsSlugs() throws {
        let name = ToolName.make(connector: try #require(Slug("hubspot-prod")), resource: try #require(Slug("create-contact")))
        #expect(name == "hubspot-prod__create-contact")
        #expect(ToolName.isValid(name))
    }

    @Test func toolNameGetsPrefixWhenLeadingDigit() throws {
        let name = ToolName.make(connector: try #require(Slug("9lives")), resource: try #require(Slug("get")))
        #expect(name == "_9lives__get")
        #expect(ToolName.isValid(name))
    }

    @Test func longToolNamesAreCappedWithStableDistinctHash() throws {
        let connector = try #require(Slug(String(repeating: "c", count: 40)))
        let first = ToolName.make(connector: connector, resource: try #require(Slug(String(repeating: "r", count: 40))))
        let second = ToolName.make(connector: connector, resource: try #require(Slug(String(repeating: "r", count: 39) + "s")))
        let kept = ToolName.maximumLength - 9
        #expect(first.utf8.count == ToolName.maximumLength)
        #expect(second.utf8.count == ToolName.maximumLength)
        #expect(first != second)
        #expect(first.prefix(kept) == second.prefix(kept))
        let again = ToolName.make(connector: connector, resource: try #require(Slug(String(repeating: "r", count: 40))))
        #expect(first == again)
        #expect(first.dropFirst(kept).first == "_")
        #expect(first.suffix(8).allSatisfy { $0.isHexDigit })
        #expect(ToolName.isValid(first))
    }

    @Test(arguments: ["a", "_x", "A-b_9", String(repeating: "a", count: ToolName.maximumLength)])
    func validToolNames(_ name: String) {
        #expect(ToolName.isValid(name))
    }

    @Test(arguments: ["", "9a", "-a", "a.b", "a b", "é", String(repeating: "a", count: ToolName.maximumLength + 1)])
    func invalidToolNames(_ name: String) {
        #expect(!ToolName.isValid(name))
    }

    // MARK: ToolSchema

    @Test func cleanedDropsInternalKeywordsButKeepsPropertiesNamedLikeThem() {
        let schema: JSONValue = [
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "type": "object",
            "x-junction": true,
            "properties": [
                "x-foo": ["type": "string", "x-in": "header"],
                "id": ["type": "integer", "x-in": "path"],
                "tags": ["type": "array", "items": ["type": "string", "x-in": "query"]],
                "either": ["anyOf": [["type": "string", "x-a": 1], ["$ref": "#/$defs/Thing"]]],
            ],
            "$defs": ["Thing": ["type": "object", "x-in": "body", "properties": ["x-bar": ["type": "number"]]]],
            "enum": [["x-in": "data, not a schema"]],
        ]
        let expected: JSONValue = [
            "type": "object",
            "properties": [
                "x-foo": ["type": "string"],
                "id": ["type": "integer"],
                "tags": ["type": "array", "items": ["type": "string"]],
                "either": ["anyOf": [["type": "string"], ["$ref": "#/$defs/Thing"]]],
            ],
            "$defs": ["Thing": ["type": "object", "properties": ["x-bar": ["type": "number"]]]],
            "enum": [["x-in": "data, not a schema"]],
        ]
        #expect(ToolSchema.cleaned(schema) == expected)
        #expect(ToolSchema.cleaned(true) == true)
    }

    @Test func objectSchemaCompletesObjectSchemas() {
        #expect(ToolSchema.objectSchema(["type": "object"]) == ["type": "object", "properties": [:]])
        #expect(ToolSchema.objectSchema([:]) == ["type": "object", "properties": [:]])
        #expect(ToolSchema.objectSchema(true) == ["type": "object", "properties": [:]])
        #expect(
            ToolSchema.objectSchema(["properties": ["a": ["type": "string", "x-in": "query"]], "required": ["a"]])
                == ["type": "object", "properties": ["a": ["type": "string"]], "required": ["a"]])
    }

    @Test func objectSchemaWrapsOtherSchemas() {
        let schema: JSONValue = [
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "type": "array", "items": ["$ref": "#/$defs/Item"],
            "$defs": ["Item": ["type": "string"]],
        ]
        #expect(
            ToolSchema.objectSchema(schema) == [
                "type": "object",
                "properties": ["input": ["type": "array", "items": ["$ref": "#/$defs/Item"]]],
                "required": ["input"],
                "$defs": ["Item": ["type": "string"]],
            ])
        let union: JSONValue = ["anyOf": [["type": "string"], ["type": "integer"]]]
        #expect(ToolSchema.objectSchema(union) == ["type": "object", "properties": ["input": union], "required": ["input"]])
        #expect(ToolSchema.objectSchema(["type": ["object", "null"]])["properties"]?["input"] == ["type": ["object", "null"]])
    }

    @Test func toolDefinitionFromResourceUsesCleanObjectSchema() throws {
        let resource = Resource(
            slug: try #require(Slug("get-user")), name: "Get user",
            inputSchema: ["properties": ["id": ["type": "string", "x-in": "path"]]], outputSchema: ["type": "array", "x-note": 1])
        let tool = ToolDefinition(connector: try #require(Slug("crm")), resource: resource)
        #expect(tool.name == "crm__get-user")
        #expect(tool.description == "Get user")
        #expect(tool.inputSchema == ["type": "object", "properties": ["id": ["type": "string"]]])
        #expect(tool.outputSchema == ["type": "array"])
    }

    // MARK: ToolFormat

    private static let schema: JSONValue = [
        "type": "object", "properties": ["email": ["type": "string", "format": "email"]], "required": ["email"],
    ]

    private static func tool(description: String = "Creates a contact.", schema: JSONValue = schema) -> ToolDefinition {
        ToolDefinition(
            name: "crm__create-contact", connector: Slug("crm")!, resource: Slug("create-contact")!, title: "Create contact",
            description: description, kind: .write, inputSchema: schema, outputSchema: nil)
    }

    @Test func openAIShape() {
        #expect(
            ToolFormat.openai.render([Self.tool()]) == [[
                "type": "function",
                "function": ["name": "crm__create-contact", "description": "Creates a contact.", "parameters": Self.schema],
            ]])
    }

    @Test func anthropicShape() {
        #expect(
            ToolFormat.anthropic.render([Self.tool()]) == [[
                "name": "crm__create-contact", "description": "Creates a contact.", "input_schema": Self.schema,
            ]])
    }

    @Test func geminiShape() {
        let parameters: JSONValue = [
            "type": "OBJECT", "properties": ["email": ["type": "STRING", "description": "Format: email."]],
            "required": ["email"],
        ]
        #expect(
            ToolFormat.gemini.render([Self.tool(), Self.tool(schema: ["type": "object", "properties": [:]])]) == [[
                "functionDeclarations": [
                    ["name": "crm__create-contact", "description": "Creates a contact.", "parameters": parameters],
                    ["name": "crm__create-contact", "description": "Creates a contact."],
                ]
            ]])
    }

    @Test(arguments: ToolFormat.allCases)
    func noToolsRenderEmpty(_ format: ToolFormat) {
        #expect(format.render([]) == [])
    }

    @Test(arguments: ToolFormat.allCases)
    func descriptionsFallBackAndAreCapped(_ format: ToolFormat) {
        func description(_ rendered: JSONValue) -> String? {
            let first = rendered.arrayValue?.first
            return (first?["function"] ?? first?["functionDeclarations"]?.arrayValue?.first ?? first)?["description"]?.stringValue
        }
        #expect(description(format.render([Self.tool(description: "  \n")])) == "Create contact")
        let long = description(format.render([Self.tool(description: String(repeating: "é", count: 5000))]))
        #expect(long?.unicodeScalars.count == ToolFormat.maximumDescriptionLength)
        #expect(long?.hasSuffix("é…") == true)
    }

    // MARK: GeminiSchema

    @Test func geminiTypesAndNullability() {
        #expect(GeminiSchema.translate(["type": ["string", "null"]]) == ["type": "STRING", "nullable": true])
        #expect(
            GeminiSchema.translate(["type": ["string", "integer"], "description": "An id"]) == [
                "description": "An id", "anyOf": [["type": "STRING"], ["type": "INTEGER"]],
            ])
        #expect(
            GeminiSchema.translate(["anyOf": [["type": "integer", "minimum": 1], ["type": "null"]], "description": "Count"])
                == ["type": "INTEGER", "minimum": 1, "nullable": true, "description": "Count"])
        #expect(GeminiSchema.translate(["type": "number", "nullable": true]) == ["type": "NUMBER", "nullable": true])
    }

    @Test func geminiInlinesReferences() {
        let schema: JSONValue = [
            "type": "object",
            "properties": [
                "address": ["$ref": "#/$defs/Address", "description": "Where to ship"],
                "billing": ["$ref": "#/definitions/Address"],
            ],
            "$defs": ["Address": ["type": "object", "description": "A postal address", "properties": ["city": ["type": "string"]]]],
            "definitions": ["Address": ["type": "object", "properties": ["zip": ["type": "string"]]]],
        ]
        #expect(
            GeminiSchema.translate(schema) == [
                "type": "OBJECT",
                "properties": [
                    "address": ["type": "OBJECT", "description": "Where to ship", "properties": ["city": ["type": "STRING"]]],
                    "billing": ["type": "OBJECT", "properties": ["zip": ["type": "STRING"]]],
                ],
            ])
    }

    @Test func geminiCutsReferenceCycles() {
        let schema: JSONValue = [
            "type": "object",
            "properties": ["root": ["$ref": "#/$defs/Node"], "missing": ["$ref": "#/$defs/Nothing"]],
            "$defs": [
                "Node": [
                    "type": "object", "description": "A tree node",
                    "properties": ["name": ["type": "string"], "children": ["type": "array", "items": ["$ref": "#/$defs/Node"]]],
                ]
            ],
        ]
        let node: JSONValue = [
            "type": "OBJECT", "description": "A tree node",
            "properties": [
                "name": ["type": "STRING"],
                "children": ["type": "ARRAY", "items": ["type": "OBJECT", "description": "A tree node"]],
            ],
        ]
        #expect(GeminiSchema.translate(schema) == ["type": "OBJECT", "properties": ["root": node, "missing": ["type": "OBJECT"]]])
        // A self-reference to the root terminates too.
        let list: JSONValue = ["type": "object", "properties": ["next": ["$ref": "#"], "value": ["type": "integer"]]]
        let translated = GeminiSchema.translate(list)
        #expect(translated["properties"]?["next"]?["properties"]?["next"] == ["type": "OBJECT"])
    }

    @Test func geminiReferenceDepthIsBounded() {
        // A chain of distinct definitions, longer than the bound.
        let count = GeminiSchema.maximumReferenceDepth + 4
        var defs: [String: JSONValue] = [:]
        for index in 0..<count {
            defs["D\(index)"] = ["type": "object", "properties": ["next": ["$ref": .string("#/$defs/D\(index + 1)")]]]
        }
        defs["D\(count)"] = ["type": "string"]
        var node = GeminiSchema.translate(["$ref": "#/$defs/D0", "$defs": .object(defs)])
        var depth = 0
        while let next = node["properties"]?["next"] {
            node = next
            depth += 1
        }
        #expect(depth == GeminiSchema.maximumReferenceDepth)
        #expect(node == ["type": "OBJECT"])
    }

    @Test func geminiConstAndEnum() {
        #expect(GeminiSchema.translate(["const": "fixed"]) == ["type": "STRING", "format": "enum", "enum": ["fixed"]])
        #expect(GeminiSchema.translate(["type": "integer", "const": 3]) == ["type": "INTEGER"])
        #expect(
            GeminiSchema.translate(["type": "string", "enum": ["a", 1, true, nil]])
                == ["type": "STRING", "format": "enum", "enum": ["a", "1", "true"], "nullable": true])
        #expect(GeminiSchema.translate(["type": "integer", "enum": [1, 2]]) == ["type": "INTEGER"])
        #expect(GeminiSchema.translate(["enum": ["x", 2]]) == [:])
    }

    @Test func geminiOneOfBecomesAnyOf() {
        #expect(
            GeminiSchema.translate(["oneOf": [["type": "string"], ["type": "object", "properties": ["a": ["type": "boolean"]]]]])
                == ["anyOf": [["type": "STRING"], ["type": "OBJECT", "properties": ["a": ["type": "BOOLEAN"]]]]])
    }

    @Test func geminiMergesAllOfObjects() {
        let schema: JSONValue = [
            "description": "A person",
            "allOf": [
                ["$ref": "#/$defs/Named"],
                ["type": "object", "properties": ["age": ["type": "integer"]], "required": ["age", "name"]],
            ],
            "$defs": ["Named": ["type": "object", "properties": ["name": ["type": "string"]], "required": ["name"]]],
        ]
        #expect(
            GeminiSchema.translate(schema) == [
                "type": "OBJECT", "description": "A person",
                "properties": ["name": ["type": "STRING"], "age": ["type": "INTEGER"]],
                "required": ["name", "age"],
            ])
        #expect(
            GeminiSchema.translate(["allOf": [["type": "string", "maxLength": 3], ["minLength": 1]]])
                == ["type": "STRING", "maxLength": 3])
    }

    @Test func geminiDropsUnsupportedKeywords() {
        let schema: JSONValue = [
            "$id": "https://example.com/s", "type": "object", "additionalProperties": false,
            "patternProperties": ["^x": ["type": "string"]], "not": ["required": ["a"]], "if": ["type": "object"],
            "readOnly": true, "x-in": "body",
            "properties": [
                "n": ["type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 10, "multipleOf": 2],
                "s": ["type": "string", "examples": ["first", "second"], "default": "first", "pattern": "^[a-z]+$"],
                "list": ["type": "array", "items": ["type": "string"], "minItems": 1, "uniqueItems": true],
                "empty": ["type": "object", "required": ["ghost"]],
            ],
            "required": ["n", "ghost", "list"],
        ]
        #expect(
            GeminiSchema.translate(schema) == [
                "type": "OBJECT",
                "properties": [
                    "n": ["type": "NUMBER", "minimum": 0, "maximum": 10],
                    "s": ["type": "STRING", "example": "first", "default": "first", "pattern": "^[a-z]+$"],
                    "list": ["type": "ARRAY", "items": ["type": "STRING"], "minItems": 1],
                    "empty": ["type": "OBJECT"],
                ],
                "required": ["n", "list"],
            ])
    }

    @Test func geminiKeepsOnlySupportedFormats() {
        #expect(GeminiSchema.translate(["type": "string", "format": "date-time"]) == ["type": "STRING", "format": "date-time"])
        #expect(GeminiSchema.translate(["type": "integer", "format": "int64"]) == ["type": "INTEGER", "format": "int64"])
        #expect(GeminiSchema.translate(["type": "number", "format": "double"]) == ["type": "NUMBER", "format": "double"])
        #expect(
            GeminiSchema.translate(["type": "string", "format": "uuid", "description": "The id."])
                == ["type": "STRING", "description": "The id. Format: uuid."])
        #expect(GeminiSchema.translate(["type": "integer", "format": "double"]) == ["type": "INTEGER", "description": "Format: double."])
    }
}
