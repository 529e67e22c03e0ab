import JunctionConnectors
import Testing

@testable import JunctionCore

/// One field type with a value it accepts and one it rejects.
struct FieldTypeCase: Sendable, CustomTestStringConvertible {
    let type: FieldSpec.FieldType
    let accepted: [JSONValue]
    let rejected: [JSONValue]
    let readableName: String

    var testDescription: String { type.rawValue }
}

@Suite struct FieldSpecTests {
    static let fields: [FieldSpec] = [
        FieldSpec("mode", .string, default: "fast", allowedValues: ["fast", "slow"], description: "Mode."),
        FieldSpec("count", .integer, required: true, description: "Count."),
        FieldSpec("ratio", .number, description: "Ratio."),
        FieldSpec("verbose", .boolean, default: false, description: "Verbose."),
        FieldSpec("token", .string, required: true, secret: true, description: "Token."),
    ]

    static let typeCases: [FieldTypeCase] = [
        FieldTypeCase(type: .string, accepted: ["", "text"], rejected: [1, 1.5, true, [:], ["a"], .null], readableName: "a string"),
        FieldTypeCase(type: .integer, accepted: [0, -5, 3.0], rejected: [1.5, "1", true, [:], [1]], readableName: "an integer"),
        FieldTypeCase(type: .number, accepted: [1, 2.5], rejected: ["2.5", false, [:], [1]], readableName: "a number"),
        FieldTypeCase(type: .boolean, accepted: [true, false], rejected: [0, 1, "true", [:]], readableName: "a boolean"),
        FieldTypeCase(type: .object, accepted: [[:], ["a": 1, "b": [1]]], rejected: [[], "x", 1, true], readableName: "an object"),
        FieldTypeCase(
            type: .stringMap, accepted: [[:], ["a": "b", "c": ""]], rejected: [["a": 1], ["a": .null], ["a": ["b"]], ["a"], "x"],
            readableName: "an object of strings"),
        FieldTypeCase(
            type: .stringArray, accepted: [[], ["a", "b"]], rejected: [[1], ["a", 2], ["a": "b"], "a", [.null]],
            readableName: "an array of strings"),
        FieldTypeCase(
            type: .objectArray, accepted: [[], [[:], ["a": 1]]], rejected: [[1], [[:], "x"], [:], "x", [[[:]]]],
            readableName: "an array of objects"),
    ]

    // MARK: Types

    @Test(arguments: typeCases)
    func acceptsValuesOfItsType(_ testCase: FieldTypeCase) throws {
        let fields = [FieldSpec("value", testCase.type, description: "")]
        for value in testCase.accepted {
            let result = try fields.validate(["value": value], prefix: "options")
            #expect(result["value"] == value, "\(value) should be accepted as \(testCase.type)")
        }
    }

    @Test(arguments: typeCases)
    func rejectsValuesOfOtherTypesNamingTheField(_ testCase: FieldTypeCase) throws {
        let fields = [FieldSpec("value", testCase.type, description: "")]
        for value in testCase.rejected where !value.isNull {
            let error = try #require(throws: JunctionError.self, "\(value) should be rejected as \(testCase.type)") {
                try fields.validate(["value": value], prefix: "options")
            }
            #expect(error.code == .invalidInput)
            #expect(error.field == "options.value")
            #expect(error.message == "Expected \(testCase.readableName), got \(value.typeName).")
        }
    }

    @Test func checkNamesTheGivenPath() throws {
        let field = FieldSpec("n", .integer, description: "")
        let error = try #require(throws: JunctionError.self) { try field.check("1", path: "a.b.c") }
        #expect(error.field == "a.b.c")
        #expect(error.code == .invalidInput)
    }

    // MARK: Unknown fields

    @Test func unknownFieldIsRejectedWithPrefixedPath() throws {
        let error = try #require(throws: JunctionError.self) {
            try Self.fields.validate(["count": 1, "token": "t", "colour": "red"], prefix: "options")
        }
        #expect(error.code == .invalidInput)
        #expect(error.field == "options.colour")
        #expect(error.message.contains("colour"))
        #expect(error.message.contains("Known fields: mode, count, ratio, verbose, token."))
    }

    @Test func unknownFieldWithoutPrefixIsTheBareKey() throws {
        let error = try #require(throws: JunctionError.self) {
            try Self.fields.validate(["count": 1, "token": "t", "colour": "red"])
        }
        #expect(error.field == "colour")
    }

    @Test func firstUnknownFieldAlphabeticallyIsReported() throws {
        let error = try #require(throws: JunctionError.self) {
            try Self.fields.validate(["zeta": 1, "alpha": 2, "count": 1, "token": "t"], prefix: "p")
        }
        #expect(error.field == "p.alpha")
    }

    @Test func unknownFieldIsReportedEvenWhenPartialOrNull() throws {
        let error = try #require(throws: JunctionError.self) {
            try Self.fields.validate(["nope": .null], prefix: "options", partial: true)
        }
        #expect(error.field == "options.nope")
    }

    @Test func unknownFieldOfAnEmptySpecListsNoKnownFields() throws {
        let error = try #require(throws: JunctionError.self) {
            try [FieldSpec]().validate(["x": 1], prefix: "options")
        }
        #expect(error.field == "options.x")
        #expect(!error.message.contains("Known fields"))
    }

    // MARK: Allowed values

    @Test func allowedValuesAreEnforced() throws {
        let error = try #require(throws: JunctionError.self) {
            try Self.fields.validate(["mode": "medium", "count": 1, "token": "t"], prefix: "options")
        }
        #expect(error.code == .invalidInput)
        #expect(error.field == "options.mode")
        #expect(error.message.contains("fast, slow"))

        let ok = try Self.fields.validate(["mode": "slow", "count": 1, "token": "t"], prefix: "options")
        #expect(ok["mode"] == "slow")
    }

    @Test func allowedValuesAreCaseSensitive() throws {
        #expect(throws: JunctionError.self) {
            try Self.fields.validate(["mode": "FAST", "count": 1, "token": "t"])
        }
    }

    // MARK: Required and defaults

    @Test func defaultsAreFilledIn() throws {
        let result = try Self.fields.validate(["count": 2, "token": "t"], prefix: "options")
        #expect(result == ["mode": "fast", "count": 2, "verbose": false, "token": "t"])
        #expect(result["ratio"] == nil)
    }

    @Test func givenValuesWinOverDefaults() throws {
        let result = try Self.fields.validate(["count": 2, "token": "t", "verbose": true, "mode": "slow"])
        #expect(result["verbose"] == true)
        #expect(result["mode"] == "slow")
    }

    @Test func missingRequiredFieldIsRejected() throws {
        let error = try #require(throws: JunctionError.self) {
            try Self.fields.validate(["token": "t"], prefix: "options")
        }
        #expect(error.code == .invalidInput)
        #expect(error.field == "options.count")
        #expect(error.message.contains("count"))
    }

    @Test func nullForARequiredFieldCountsAsMissing() throws {
        let error = try #require(throws: JunctionError.self) {
            try Self.fields.validate(["count": .null, "token": "t"], prefix: "options")
        }
        #expect(error.field == "options.count")
    }

    @Test func requiredFieldWithDefaultIsSatisfiedByTheDefault() throws {
        let fields = [FieldSpec("region", .string, required: true, default: "eu", description: "")]
        #expect(try fields.validate([:]) == ["region": "eu"])
    }

    @Test func nullRemovesTheValueAndFallsBackToTheDefault() throws {
        let result = try Self.fields.validate(["count": 1, "token": "t", "ratio": .null, "verbose": .null])
        #expect(result["ratio"] == nil)
        #expect(result.keys.contains("ratio") == false)
        #expect(result["verbose"] == false)
    }

    // MARK: Partial

    @Test func partialSkipsRequiredFieldsAndDefaults() throws {
        let result = try Self.fields.validate(["ratio": 0.5], prefix: "options", partial: true)
        #expect(result == ["ratio": 0.5])
    }

    @Test func partialOfNothingIsNothing() throws {
        #expect(try Self.fields.validate([:], partial: true) == [:])
    }

    @Test func partialStillChecksTypesAndAllowedValues() throws {
        let typeError = try #require(throws: JunctionError.self) {
            try Self.fields.validate(["count": "many"], prefix: "options", partial: true)
        }
        #expect(typeError.field == "options.count")
        let enumError = try #require(throws: JunctionError.self) {
            try Self.fields.validate(["mode": "medium"], prefix: "options", partial: true)
        }
        #expect(enumError.field == "options.mode")
    }

    @Test func partialNullRemovesTheKey() throws {
        let result = try Self.fields.validate(["verbose": .null, "ratio": 1], partial: true)
        #expect(result == ["ratio": 1])
    }

    // MARK: Specs

    @Test func specSecretFieldNames() {
        let spec = ConnectorSpec(
            type: "t", displayName: "T", description: "", category: "api", capabilities: [.invoke],
            connectionURL: .none, fields: Self.fields)
        #expect(spec.secretFieldNames == ["token"])
        #expect(ConnectorSpec.http.secretFieldNames.isEmpty)
    }

    @Test func credentialKindFieldsValidate() throws {
        let bearer = try CredentialKind.bearer.fields.validate(["token": "abc"])
        #expect(bearer == ["token": "abc"])
        let apiKey = try CredentialKind.apiKey.fields.validate(["value": "k"])
        #expect(apiKey == ["value": "k", "in": "header", "key_name": "X-API-Key"])
        let error = try #require(throws: JunctionError.self) {
            try CredentialKind.apiKey.fields.validate(["value": "k", "in": "body"])
        }
        #expect(error.field == "in")
        let headers = try #require(throws: JunctionError.self) {
            try CredentialKind.headers.fields.validate(["headers": ["X-A": 1]])
        }
        #expect(headers.field == "headers")
    }

    /// Every kind a user fills in holds a secret; `oauth2` holds none itself (its tokens come
    /// from the connect flow and are sealed apart, its client secret is its app's).
    @Test(arguments: CredentialKind.allCases)
    func everyCredentialKindHasASecretField(_ kind: CredentialKind) {
        #expect(kind.fields.contains { $0.secret } == (kind != .oauth2))
        #expect(throws: JunctionError.self) { try kind.fields.validate([:]) }
    }

    // MARK: HTTP spec options

    @Test func httpOptionsDefaults() throws {
        let options = try ConnectorSpec.http.validateOptions([:])
        #expect(options == ["headers": [:], "query": [:], "insecure_skip_verify": false, "resources": []])
    }

    @Test func httpOptionsKeepGivenValues() throws {
        let options = try ConnectorSpec.http.validateOptions([
            "headers": ["Accept": "application/json"], "test_path": "/health",
        ])
        #expect(options["headers"] == ["Accept": "application/json"])
        #expect(options["test_path"] == "/health")
        #expect(options["query"] == [:])
    }

    @Test(arguments: [
        (["headers": ["X-Count": 1]], "options.headers"),
        (["headers": "Accept: */*"], "options.headers"),
        (["query": ["page": true]], "options.query"),
        (["insecure_skip_verify": "yes"], "options.insecure_skip_verify"),
        (["test_path": 42], "options.test_path"),
        (["resources": [["slug": "a"], "b"]], "options.resources"),
        (["resources": ["slug": "a"]], "options.resources"),
        (["header": ["A": "b"]], "options.header"),
    ] as [([String: JSONValue], String)])
    func httpOptionErrorsNameTheOption(_ options: [String: JSONValue], field: String) throws {
        let error = try #require(throws: JunctionError.self) {
            try ConnectorSpec.http.validateOptions(options)
        }
        #expect(error.code == .invalidInput)
        #expect(error.field == field)
    }
}
