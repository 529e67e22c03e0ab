import Testing

@testable import JunctionCore

/// One keyword exercised with instances that pass and one that fails with a known violation.
struct SchemaCase: Sendable, CustomTestStringConvertible {
    let name: String
    let schema: JSONValue
    let valid: [JSONValue]
    let invalid: JSONValue
    let violation: JSONSchema.Violation

    init(_ name: String, _ schema: JSONValue, valid: [JSONValue], invalid: JSONValue, path: String = "", _ message: String) {
        self.name = name
        self.schema = schema
        self.valid = valid
        self.invalid = invalid
        self.violation = JSONSchema.Violation(path: path, message: message)
    }

    var testDescription: String { name }
}

struct JSONSchemaTests {
    static let keywordCases: [SchemaCase] = [
        // type
        SchemaCase("type string", ["type": "string"], valid: ["a", ""], invalid: 1, "expected string, got integer"),
        SchemaCase(
            "type integer", ["type": "integer"], valid: [3, 3.0, -7, 1e20], invalid: 3.5, "expected integer, got number"),
        SchemaCase("type number", ["type": "number"], valid: [3, 2.5], invalid: "3", "expected number, got string"),
        SchemaCase("type boolean", ["type": "boolean"], valid: [true, false], invalid: 0, "expected boolean, got integer"),
        SchemaCase("type null", ["type": "null"], valid: [.null], invalid: false, "expected null, got boolean"),
        SchemaCase("type array", ["type": "array"], valid: [[], [1]], invalid: ["a": 1], "expected array, got object"),
        SchemaCase("type object", ["type": "object"], valid: [[:], ["a": 1]], invalid: [1], "expected object, got array"),
        SchemaCase(
            "type list", ["type": ["string", "null"]], valid: ["a", .null], invalid: true,
            "expected string or null, got boolean"),
        SchemaCase(
            "type list of three", ["type": ["string", "integer", "null"]], valid: [1], invalid: 1.5,
            "expected string, integer or null, got number"),
        // enum, const
        SchemaCase("enum", ["enum": ["a", "b"]], valid: ["a", "b"], invalid: "foo", "'foo' is not one of: a, b"),
        SchemaCase("enum numbers", ["enum": [1, 2, .null]], valid: [1, 2.0, .null], invalid: 3, "3 is not one of: 1, 2, null"),
        SchemaCase("enum objects", ["enum": [["a": 1]]], valid: [["a": 1.0]], invalid: ["a": 2], "{\"a\":2} is not one of: {\"a\":1}"),
        SchemaCase("const string", ["const": "x"], valid: ["x"], invalid: "y", "must be 'x'"),
        SchemaCase("const number", ["const": 5], valid: [5, 5.0], invalid: 6, "must be 5"),
        SchemaCase("const null", ["const": .null], valid: [.null], invalid: 0, "must be null"),
        // objects
        SchemaCase(
            "required", ["required": ["email"]], valid: [["email": "a"], "not an object"], invalid: ["name": "x"],
            "missing required property 'email'"),
        SchemaCase(
            "properties",
            ["properties": ["age": ["type": "integer"]]], valid: [["age": 3], [:], ["other": "x"]],
            invalid: ["age": "3"], path: "age", "expected integer, got string"),
        SchemaCase(
            "additionalProperties false",
            ["properties": ["a": true], "additionalProperties": false], valid: [["a": 1], [:]],
            invalid: ["a": 1, "x": 2], "unknown property 'x' is not allowed"),
        SchemaCase(
            "additionalProperties schema",
            ["properties": ["a": true], "additionalProperties": ["type": "integer"]], valid: [["a": "s", "x": 2]],
            invalid: ["x": "2"], path: "x", "expected integer, got string"),
        SchemaCase(
            "patternProperties",
            ["patternProperties": ["^x-": ["type": "string"]], "additionalProperties": false],
            valid: [["x-trace": "abc"], [:]], invalid: ["x-trace": 1], path: "x-trace", "expected string, got integer"),
        SchemaCase(
            "patternProperties with additionalProperties false",
            ["patternProperties": ["^x-": true], "additionalProperties": false], valid: [["x-a": 1]],
            invalid: ["y-a": 1], "unknown property 'y-a' is not allowed"),
        SchemaCase(
            "minProperties", ["minProperties": 2], valid: [["a": 1, "b": 2]], invalid: ["a": 1],
            "must have at least 2 properties"),
        SchemaCase(
            "maxProperties", ["maxProperties": 1], valid: [[:], ["a": 1]], invalid: ["a": 1, "b": 2],
            "must have at most 1 property"),
        // arrays
        SchemaCase(
            "items", ["items": ["type": "integer"]], valid: [[], [1, 2]], invalid: [1, "a"], path: "[1]",
            "expected integer, got string"),
        SchemaCase(
            "prefixItems",
            ["prefixItems": [["type": "string"], ["type": "integer"]]], valid: [["a", 1], ["a"], ["a", 1, true]],
            invalid: ["a", "b"], path: "[1]", "expected integer, got string"),
        SchemaCase(
            "prefixItems with items false",
            ["prefixItems": [["type": "string"], ["type": "integer"]], "items": false], valid: [["a", 1]],
            invalid: ["a", 1, 2], "must have at most 2 items"),
        SchemaCase(
            "prefixItems with items schema",
            ["prefixItems": [["type": "string"]], "items": ["type": "boolean"]], valid: [["a", true, false]],
            invalid: ["a", true, 3], path: "[2]", "expected boolean, got integer"),
        SchemaCase(
            "draft-07 tuple items",
            ["items": [["type": "string"]], "additionalItems": false], valid: [["a"], []], invalid: ["a", "b"],
            "must have at most 1 item"),
        SchemaCase("items false", ["items": false], valid: [[]], invalid: [1], "must be empty"),
        SchemaCase("minItems", ["minItems": 2], valid: [[1, 2], "x"], invalid: [1], "must have at least 2 items"),
        SchemaCase("maxItems", ["maxItems": 1], valid: [[], [1]], invalid: [1, 2], "must have at most 1 item"),
        SchemaCase(
            "uniqueItems", ["uniqueItems": true], valid: [[1, 2, "1"], [["a": 1], ["a": 2]]], invalid: [1, 2, 1.0],
            "must not contain duplicate items (items 0 and 2 are equal)"),
        SchemaCase(
            "uniqueItems false", ["uniqueItems": false, "maxItems": 2], valid: [[1, 1]], invalid: [1, 1, 1],
            "must have at most 2 items"),
        SchemaCase(
            "contains", ["contains": ["type": "integer"]], valid: [["a", 1]], invalid: ["a", "b"],
            "must contain at least one item matching the 'contains' schema"),
        SchemaCase(
            "minContains", ["contains": ["type": "integer"], "minContains": 2], valid: [[1, "a", 2]], invalid: [1, "a"],
            "must contain at least 2 items matching the 'contains' schema"),
        SchemaCase(
            "maxContains", ["contains": ["type": "integer"], "maxContains": 1], valid: [[1, "a"]], invalid: [1, 2],
            "must contain at most 1 item matching the 'contains' schema"),
        // strings
        SchemaCase(
            "minLength", ["minLength": 3], valid: ["abc", "💩💩💩", 12], invalid: "ab", "must be at least 3 characters long"),
        SchemaCase(
            "maxLength", ["maxLength": 2], valid: ["ab", "é💩", ""], invalid: "abc", "must be at most 2 characters long"),
        SchemaCase(
            "maxLength counts code points", ["maxLength": 1], valid: ["💩"], invalid: "e\u{301}",
            "must be at most 1 character long"),
        SchemaCase(
            "pattern", ["pattern": "^[a-z]+$"], valid: ["abc", 5], invalid: "ab1", "must match pattern '^[a-z]+$'"),
        SchemaCase("pattern is unanchored", ["pattern": "b+"], valid: ["abbc"], invalid: "ac", "must match pattern 'b+'"),
        SchemaCase("pattern digits are ASCII", ["pattern": "^\\d+$"], valid: ["123"], invalid: "١٢٣", "must match pattern '^\\d+$'"),
        // numbers
        SchemaCase("minimum", ["minimum": 3], valid: [3, 3.5, 100], invalid: 2, "must be at least 3"),
        SchemaCase("minimum float", ["minimum": 1.5], valid: [2, 1.5], invalid: 1, "must be at least 1.5"),
        SchemaCase("maximum", ["maximum": 10], valid: [10, -1, 9.99], invalid: 10.5, "must be at most 10"),
        SchemaCase("exclusiveMinimum", ["exclusiveMinimum": 3], valid: [4, 3.01], invalid: 3, "must be greater than 3"),
        SchemaCase("exclusiveMaximum", ["exclusiveMaximum": 10], valid: [9, 9.99], invalid: 10.0, "must be less than 10"),
        SchemaCase(
            "draft-04 exclusiveMinimum", ["minimum": 3, "exclusiveMinimum": true], valid: [4], invalid: 3,
            "must be greater than 3"),
        SchemaCase(
            "draft-04 exclusiveMaximum", ["maximum": 3, "exclusiveMaximum": true], valid: [2], invalid: 3,
            "must be less than 3"),
        SchemaCase(
            "draft-04 exclusive false", ["minimum": 3, "exclusiveMinimum": false], valid: [3], invalid: 2,
            "must be at least 3"),
        SchemaCase("multipleOf", ["multipleOf": 5], valid: [10, 0, -15, 20.0], invalid: 7, "must be a multiple of 5"),
        SchemaCase(
            "multipleOf float", ["multipleOf": 0.1], valid: [0.3, 1, 0.7], invalid: 0.35, "must be a multiple of 0.1"),
        SchemaCase(
            "multipleOf overflow", ["multipleOf": 0.123456789], valid: [0], invalid: 1e308,
            "must be a multiple of 0.123456789"),
        // combinators
        SchemaCase(
            "allOf", ["allOf": [["type": "integer"], ["minimum": 2]]], valid: [2, 3], invalid: 1, "must be at least 2"),
        SchemaCase(
            "anyOf", ["anyOf": [["type": "string"], ["type": "integer"]]], valid: ["a", 1], invalid: true,
            "must match at least one of the schemas in anyOf"),
        SchemaCase(
            "anyOf explains the branch whose type fits",
            ["anyOf": [["type": "string", "minLength": 2], ["type": "null"]]], valid: ["ab", .null], invalid: "a",
            "must be at least 2 characters long"),
        SchemaCase(
            "oneOf none", ["oneOf": [["type": "string"], ["type": "integer"]]], valid: ["a", 1], invalid: [],
            "must match exactly one of the schemas in oneOf, but matches none"),
        SchemaCase(
            "oneOf many", ["oneOf": [["type": "number"], ["type": "integer"]]], valid: [1.5], invalid: 1,
            "must match exactly one of the schemas in oneOf, but matches 2"),
        SchemaCase("not", ["not": ["type": "string"]], valid: [1, .null], invalid: "a", "must not match the schema in 'not'"),
        // OpenAPI nullable
        SchemaCase(
            "nullable", ["type": "string", "nullable": true], valid: ["a", .null], invalid: 1,
            "expected string or null, got integer"),
        SchemaCase(
            "nullable with enum and allOf",
            ["nullable": true, "enum": ["a"], "allOf": [["type": "string"]]], valid: [.null, "a"], invalid: "b",
            "'b' is not one of: a"),
        SchemaCase(
            "nullable false", ["type": "string", "nullable": false], valid: ["a"], invalid: .null,
            "expected string, got null"),
        // boolean schemas
        SchemaCase("false schema", false, valid: [], invalid: 1, "is not allowed"),
        SchemaCase(
            "false property schema", ["properties": ["secret": false]], valid: [["other": 1]], invalid: ["secret": 1],
            path: "secret", "is not allowed"),
        // annotations and unknown keywords are ignored
        SchemaCase(
            "unknown keywords ignored",
            [
                "type": "string", "description": "d", "title": "t", "example": 5, "default": 1, "x-extra": ["minLength": 9],
                "format": "made-up",
            ],
            valid: ["a"], invalid: 5, "expected string, got integer"),
    ]

    @Test(arguments: keywordCases)
    func keyword(_ testCase: SchemaCase) {
        let schema = JSONSchema(testCase.schema)
        for instance in testCase.valid {
            #expect(schema.validate(instance) == [], "\(instance) should be valid")
            #expect(schema.isValid(instance))
        }
        #expect(schema.validate(testCase.invalid) == [testCase.violation])
        #expect(!schema.isValid(testCase.invalid))
    }

    @Test(arguments: [true, [:]] as [JSONValue])
    func trueSchemasAcceptEverything(_ schema: JSONValue) {
        let schema = JSONSchema(schema)
        for instance: JSONValue in [.null, 1, 1.5, "a", [1], ["a": 1], false] {
            #expect(schema.validate(instance) == [])
        }
    }

    @Test func invalidPatternIsIgnored() {
        let schema = JSONSchema(["type": "string", "pattern": "(unclosed"])
        #expect(schema.validate("anything") == [])
        #expect(schema.validate(1) == [JSONSchema.Violation(path: "", message: "expected string, got integer")])
    }

    @Test func uniqueItemsOnLongArrays() {
        let distinct = JSONValue.array((0..<100).map { JSONValue.integer($0) })
        var repeated = (0..<100).map { JSONValue.integer($0) }
        repeated.append(.number(42.0))
        let schema = JSONSchema(["uniqueItems": true])
        #expect(schema.validate(distinct) == [])
        #expect(
            schema.validate(.array(repeated)) == [
                JSONSchema.Violation(path: "", message: "must not contain duplicate items (items 42 and 100 are equal)")
            ])
    }

    // MARK: Formats

    static let formatCases: [(format: String, valid: [String], invalid: [String])] = [
        (
            "date-time",
            ["2024-05-01T12:30:00Z", "2024-05-01t12:30:00.250+02:00", "2024-02-29T00:00:00-05:30", "2016-12-31T23:59:60Z",
             "2016-12-31T15:59:60-08:00"],
            ["2024-05-01", "2024-05-01 12:30:00Z", "2024-05-01T12:30:00", "2024-13-01T00:00:00Z", "2023-02-29T00:00:00Z",
             "2024-05-01T24:00:00Z", "2024-05-01T12:30:00.Z", "2024-05-01T12:30:00+2:00", "2024-05-01T12:30:60Z", "x"]
        ),
        (
            "date",
            ["2024-05-01", "2000-02-29", "1999-12-31"],
            ["2024-5-01", "2024-05-32", "1900-02-29", "2024-04-31", "2024-05-01T00:00:00Z", "20240501", ""]
        ),
        (
            "email",
            ["joe@example.com", "first.last+tag@sub.example.co", "a@localhost", "o'brien@example.org"],
            ["plainaddress", "@example.com", "joe@", "joe@@example.com", ".joe@example.com", "jo..e@example.com",
             "joe.@example.com", "joe@-example.com", "joe@exa mple.com", "joe@example..com", "jöe@example.com"]
        ),
        (
            "uri",
            ["https://example.com", "http://user:pw@example.com:8080/a/b?q=1#frag", "urn:isbn:0451450523",
             "mailto:joe@example.com", "http://[::1]:80/", "file:///tmp/x", "https://example.com/%20a"],
            ["/relative/path", "example.com", "//example.com", "https://exa mple.com", "http://example.com:80a/",
             "https://example.com/%zz", "https://example.com/a#b#c", "1http://x", "https://example.com/<>", "http://é.com"]
        ),
        (
            "uuid",
            ["123e4567-e89b-12d3-a456-426614174000", "123E4567-E89B-12D3-A456-426614174000"],
            ["123e4567e89b12d3a456426614174000", "123e4567-e89b-12d3-a456-42661417400", "g23e4567-e89b-12d3-a456-426614174000",
             "123e4567-e89b-12d3-a456_426614174000"]
        ),
        (
            "ipv4",
            ["192.168.0.1", "0.0.0.0", "255.255.255.255"],
            ["256.0.0.1", "1.2.3", "1.2.3.4.5", "01.2.3.4", "1..2.3", "1.2.3.4.", "a.b.c.d", "١.2.3.4", ""]
        ),
    ]

    @Test(arguments: formatCases.map { $0.format })
    func format(_ name: String) throws {
        let formatCase = try #require(Self.formatCases.first { $0.format == name })
        let schema = JSONSchema(["type": "string", "format": .string(name)])
        for text in formatCase.valid {
            #expect(schema.validate(.string(text)) == [], "\(name): '\(text)' should be valid")
        }
        let label = try #require(JSONSchema.Format(name: name)).label
        for text in formatCase.invalid {
            #expect(
                schema.validate(.string(text)) == [JSONSchema.Violation(path: "", message: "must be a valid \(label)")],
                "\(name): '\(text)' should be invalid")
        }
        #expect(schema.validate(1) == [JSONSchema.Violation(path: "", message: "expected string, got integer")])
    }

    @Test func formatMessages() {
        #expect(JSONSchema(["format": "email"]).validate("nope").map(\.message) == ["must be a valid email address"])
        #expect(JSONSchema(["format": "date-time"]).validate("nope").map(\.message) == ["must be a valid RFC 3339 date-time"])
        // Formats apply to strings only; unknown formats are ignored.
        #expect(JSONSchema(["format": "email"]).validate(5) == [])
        #expect(JSONSchema(["format": "hostname-ish"]).validate("!!!") == [])
    }

    // MARK: Paths

    static let orderSchema: JSONValue = [
        "type": "object",
        "required": ["items"],
        "properties": [
            "items": [
                "type": "array",
                "items": [
                    "type": "object",
                    "required": ["email"],
                    "properties": [
                        "email": ["type": "string", "format": "email"],
                        "tags": ["type": "array", "items": ["type": "string"]],
                    ],
                ],
            ]
        ],
    ]

    @Test func pathsForNestedObjectsAndArrays() {
        let schema = JSONSchema(Self.orderSchema)
        let instance: JSONValue = [
            "items": [
                ["email": "a@example.com"],
                ["email": "b@example.com", "tags": ["x", 2]],
                ["email": "not-an-email"],
                ["name": "no email"],
            ]
        ]
        #expect(
            schema.validate(instance) == [
                JSONSchema.Violation(path: "items[1].tags[1]", message: "expected string, got integer"),
                JSONSchema.Violation(path: "items[2].email", message: "must be a valid email address"),
                JSONSchema.Violation(path: "items[3]", message: "missing required property 'email'"),
            ])
    }

    @Test func rootArrayPaths() {
        let schema = JSONSchema(["items": ["properties": ["id": ["type": "integer"]]]])
        #expect(schema.validate([["id": 1], ["id": "2"]]) == [JSONSchema.Violation(path: "[1].id", message: "expected integer, got string")])
    }

    @Test func collectsEveryViolationInStableOrder() {
        let schema = JSONSchema([
            "type": "object",
            "required": ["a", "b"],
            "properties": ["z": ["type": "string"], "m": ["minimum": 0], "c": ["maxLength": 1]],
            "additionalProperties": false,
        ])
        let instance: JSONValue = ["z": 1, "m": -1, "c": "long", "y": true, "d": .null]
        let expected = [
            JSONSchema.Violation(path: "", message: "missing required property 'a'"),
            JSONSchema.Violation(path: "", message: "missing required property 'b'"),
            JSONSchema.Violation(path: "c", message: "must be at most 1 character long"),
            JSONSchema.Violation(path: "", message: "unknown property 'd' is not allowed"),
            JSONSchema.Violation(path: "m", message: "must be at least 0"),
            JSONSchema.Violation(path: "", message: "unknown property 'y' is not allowed"),
            JSONSchema.Violation(path: "z", message: "expected string, got integer"),
        ]
        for _ in 0..<5 {
            #expect(schema.validate(instance) == expected)
        }
    }

    @Test func keywordsOfOneSchemaAllReport() {
        let schema = JSONSchema(["type": "string", "minLength": 5, "pattern": "^[0-9]+$"])
        #expect(schema.validate("abc").map(\.message) == ["must be at least 5 characters long", "must match pattern '^[0-9]+$'"])
    }

    // MARK: check

    @Test func checkThrowsTheFirstViolationWithItsField() {
        let schema = JSONSchema(Self.orderSchema)
        let instance: JSONValue = ["items": [["email": "a@example.com"], ["email": 3]]]
        let error = #expect(throws: JunctionError.self) { try schema.check(instance, field: "body") }
        #expect(error?.code == .invalidInput)
        #expect(error?.field == "body.items[1].email")
        #expect(error?.message == "expected string, got integer")
    }

    @Test func checkFieldWithoutPrefix() {
        let schema = JSONSchema(Self.orderSchema)
        let error = #expect(throws: JunctionError.self) { try schema.check(["items": [["email": 3]]]) }
        #expect(error?.field == "items[0].email")
    }

    @Test func checkRootViolationUsesTheGivenField() {
        let schema = JSONSchema(Self.orderSchema)
        let named = #expect(throws: JunctionError.self) { try schema.check([:], field: "body") }
        #expect(named?.field == "body")
        #expect(named?.message == "missing required property 'items'")
        let unnamed = #expect(throws: JunctionError.self) { try schema.check("x") }
        #expect(unnamed?.field == nil)
        #expect(unnamed?.message == "expected object, got string")
    }

    @Test func checkJoinsArrayPathsWithoutDot() {
        let schema = JSONSchema(["items": ["type": "integer"]])
        let error = #expect(throws: JunctionError.self) { try schema.check([1, "x"], field: "args") }
        #expect(error?.field == "args[1]")
    }

    @Test func checkPassesValidInput() throws {
        let schema = JSONSchema(Self.orderSchema)
        try schema.check(["items": [["email": "a@example.com", "tags": ["x"]]]], field: "body")
        #expect(schema.isValid(["items": []]))
    }

    // MARK: $ref

    @Test(arguments: ["#/$defs/Email", "#/definitions/Email"])
    func localReferences(_ reference: String) {
        let defsKey = reference.contains("$defs") ? "$defs" : "definitions"
        let schema = JSONSchema([
            "properties": ["email": ["$ref": .string(reference)]],
            defsKey: ["Email": ["type": "string", "format": "email"]],
        ])
        #expect(schema.validate(["email": "a@example.com"]) == [])
        #expect(schema.validate(["email": "nope"]) == [JSONSchema.Violation(path: "email", message: "must be a valid email address")])
    }

    @Test func referencesResolveAgainstAnOpenAPIRoot() {
        let document: JSONValue = [
            "openapi": "3.0.3",
            "components": [
                "schemas": [
                    "Pet": [
                        "type": "object",
                        "required": ["name"],
                        "properties": [
                            "name": ["type": "string"],
                            "owner": ["$ref": "#/components/schemas/Owner"],
                        ],
                    ],
                    "Owner": ["type": "object", "properties": ["age": ["type": "integer", "minimum": 0]]],
                    "a/b~c": ["const": 1],
                ]
            ],
        ]
        let pet = JSONSchema(["$ref": "#/components/schemas/Pet"], root: document)
        #expect(pet.validate(["name": "Rex", "owner": ["age": 3]]) == [])
        #expect(pet.validate(["name": "Rex", "owner": ["age": -1]]) == [JSONSchema.Violation(path: "owner.age", message: "must be at least 0")])
        #expect(pet.validate(["owner": [:]]) == [JSONSchema.Violation(path: "", message: "missing required property 'name'")])

        // JSON pointer escapes: ~1 is '/', ~0 is '~', and percent-encoding is decoded.
        let escaped = JSONSchema(["$ref": "#/components/schemas/a~1b~0c"], root: document)
        #expect(escaped.validate(1) == [])
        #expect(escaped.validate(2) == [JSONSchema.Violation(path: "", message: "must be 1")])
        let percent = JSONSchema(["$ref": "#/components/schemas/a~1b%7E0c"], root: document)
        #expect(percent.validate(2).map(\.message) == ["must be 1"])
    }

    @Test func referenceSiblingsApply() {
        let schema = JSONSchema(["$ref": "#/$defs/S", "maxLength": 3, "$defs": ["S": ["type": "string"]]])
        #expect(schema.validate("abc") == [])
        #expect(schema.validate("abcd").map(\.message) == ["must be at most 3 characters long"])
        #expect(schema.validate(1).map(\.message) == ["expected string, got integer"])
    }

    @Test func unresolvableReferencesFail() {
        for reference: JSONValue in ["#/$defs/Missing", "other.json#/x", "#/properties/a/0", "#nope"] {
            let schema = JSONSchema(["properties": ["a": ["$ref": reference]]])
            #expect(
                schema.validate(["a": 1])
                    == [JSONSchema.Violation(path: "a", message: "cannot resolve schema reference '\(reference.stringValue!)'")])
            #expect(schema.validate(["b": 1]) == [])
        }
    }

    @Test func recursiveSchemasValidateTrees() {
        let schema = JSONSchema([
            "$defs": [
                "Node": [
                    "type": "object",
                    "required": ["value"],
                    "properties": [
                        "value": ["type": "integer"],
                        "children": ["type": "array", "items": ["$ref": "#/$defs/Node"]],
                    ],
                ]
            ],
            "$ref": "#/$defs/Node",
        ])
        let tree: JSONValue = ["value": 1, "children": [["value": 2], ["value": 3, "children": [["value": 4]]]]]
        #expect(schema.validate(tree) == [])
        let broken: JSONValue = ["value": 1, "children": [["value": 2], ["value": 3, "children": [["value": "4"]]]]]
        #expect(schema.validate(broken) == [JSONSchema.Violation(path: "children[1].children[0].value", message: "expected integer, got string")])
    }

    @Test func selfReferenceDoesNotRecurseForever() {
        let schema = JSONSchema(["$ref": "#"])
        #expect(schema.validate(1) == [JSONSchema.Violation(path: "", message: "schema reference '#' refers back to itself")])
    }

    @Test func mutualReferencesDoNotRecurseForever() {
        let schema = JSONSchema([
            "$defs": ["A": ["$ref": "#/$defs/B"], "B": ["allOf": [["$ref": "#/$defs/A"]]]],
            "properties": ["x": ["$ref": "#/$defs/A"]],
        ])
        #expect(schema.validate(["y": 1]) == [])
        #expect(schema.validate(["x": 1]) == [JSONSchema.Violation(path: "x", message: "schema reference '#/$defs/A' refers back to itself")])
    }

    @Test func branchingReferenceLoopsTerminate() {
        // Without loop detection this would explore 2^64 branches.
        let schema = JSONSchema([
            "$defs": ["A": ["anyOf": [["$ref": "#/$defs/A"], ["$ref": "#/$defs/A"]]]],
            "$ref": "#/$defs/A",
        ])
        #expect(!schema.isValid(1))
        #expect(schema.validate(1) == [JSONSchema.Violation(path: "", message: "must match at least one of the schemas in anyOf")])
    }

    @Test func referenceDepthIsLimited() {
        let schema = JSONSchema(["$ref": "#/$defs/List", "$defs": ["List": ["items": ["$ref": "#/$defs/List"]]]])
        func nested(_ depth: Int) -> JSONValue {
            (0..<depth).reduce(JSONValue.array([])) { inner, _ in .array([inner]) }
        }
        // Each nesting level follows one $ref, plus the one at the root.
        #expect(schema.validate(nested(JSONSchema.maxReferenceDepth - 1)) == [])
        let violations = schema.validate(nested(JSONSchema.maxReferenceDepth))
        #expect(violations.map(\.message) == ["schema references nest deeper than 64 levels"])
        #expect(violations.first?.path.hasPrefix("[0][0][0]") == true)
    }

    @Test func referencesInsideOneOfAreExplained() {
        let document: JSONValue = [
            "components": [
                "schemas": [
                    "Cat": ["type": "object", "required": ["meows"]],
                    "Count": ["type": "integer"],
                ]
            ]
        ]
        let schema = JSONSchema(
            ["oneOf": [["$ref": "#/components/schemas/Cat"], ["$ref": "#/components/schemas/Count"]]], root: document)
        #expect(schema.validate(["meows": true]) == [])
        #expect(schema.validate(3) == [])
        #expect(schema.validate([:]) == [JSONSchema.Violation(path: "", message: "missing required property 'meows'")])
    }

    // MARK: Identity

    @Test func equalityFollowsTheDocuments() {
        let a = JSONSchema(["type": "string"])
        let b = JSONSchema(["type": "string"])
        let c = JSONSchema(["type": "string"], root: ["x": 1])
        #expect(a == b)
        #expect(a.hashValue == b.hashValue)
        #expect(a != c)
        #expect(Set([a, b, c]).count == 2)
        #expect(a.schema == ["type": "string"])
    }

    @Test func violationDescription() {
        #expect(JSONSchema.Violation(path: "a.b", message: "bad").description == "a.b: bad")
        #expect(JSONSchema.Violation(path: "", message: "bad").description == "bad")
    }
}
