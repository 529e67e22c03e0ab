import Testing

@testable import JunctionCore

@Suite struct FieldReaderTests {
    // MARK: Input

    @Test(arguments: [JSONValue.null, true, 1, 1.5, "text", [1, 2]])
    func nonObjectInputIsRejected(_ value: JSONValue) throws {
        let error = try #require(throws: JunctionError.self) { try FieldReader(value, field: "body") }
        #expect(error.code == .invalidInput)
        #expect(error.field == "body")
        #expect(error.message == "Expected a JSON object, got \(value.typeName).")
    }

    @Test func nonObjectInputWithoutFieldHasNoField() throws {
        let error = try #require(throws: JunctionError.self) { try FieldReader([1]) }
        #expect(error.field == nil)
    }

    @Test func pathIsPrefixedOnlyWhenAFieldIsGiven() throws {
        #expect(try FieldReader([:]).path("name") == "name")
        #expect(try FieldReader([:], field: "options").path("name") == "options.name")
    }

    // MARK: Strings

    @Test func stringReadsValueAndTreatsAbsentOrNullAsNil() throws {
        var reader = try FieldReader(["a": "x", "b": .null])
        #expect(try reader.string("a") == "x")
        #expect(try reader.string("b") == nil)
        #expect(try reader.string("c") == nil)
        try reader.finish()
    }

    @Test func stringWrongTypeNamesField() throws {
        var reader = try FieldReader(["name": 5], field: "connector")
        let error = try #require(throws: JunctionError.self) { try reader.string("name") }
        #expect(error.code == .invalidInput)
        #expect(error.field == "connector.name")
        #expect(error.message == "Expected a string, got integer.")
    }

    @Test func stringMaxLengthIsInclusive() throws {
        var reader = try FieldReader(["a": "abcd", "b": "abcde"])
        #expect(try reader.string("a", maxLength: 4) == "abcd")
        let error = try #require(throws: JunctionError.self) { try reader.string("b", maxLength: 4) }
        #expect(error.field == "b")
        #expect(error.message.contains("4"))
    }

    @Test func requiredStringMissingNullAndEmpty() throws {
        var reader = try FieldReader(["empty": "", "null": .null, "ok": "v"], field: "body")
        #expect(try reader.requiredString("ok") == "v")

        let missing = try #require(throws: JunctionError.self) { try reader.requiredString("absent") }
        #expect(missing.field == "body.absent")
        #expect(missing.message.contains("Missing required field"))

        let null = try #require(throws: JunctionError.self) { try reader.requiredString("null") }
        #expect(null.field == "body.null")

        let empty = try #require(throws: JunctionError.self) { try reader.requiredString("empty") }
        #expect(empty.field == "body.empty")
        #expect(empty.message == "Must not be empty.")
    }

    @Test func requiredStringWrongType() throws {
        var reader = try FieldReader(["name": ["nested": 1]])
        let error = try #require(throws: JunctionError.self) { try reader.requiredString("name") }
        #expect(error.message == "Expected a string, got object.")
        #expect(error.field == "name")
    }

    // MARK: Slugs

    @Test func slugReadsValidSlug() throws {
        var reader = try FieldReader(["name": "my-api", "none": .null])
        #expect(try reader.slug("name") == Slug("my-api"))
        #expect(try reader.slug("none") == nil)
        #expect(try reader.slug("absent") == nil)
    }

    @Test(arguments: [JSONValue.string("Bad Name"), "-x", "", .string(String(repeating: "a", count: 64)), 3])
    func slugErrorsNameTheField(_ value: JSONValue) throws {
        var reader = try FieldReader(["name": value], field: "connector")
        let error = try #require(throws: JunctionError.self) { try reader.slug("name") }
        #expect(error.code == .invalidInput)
        #expect(error.field == "connector.name")
    }

    @Test func slugRejectsOverlongTextByLength() throws {
        var reader = try FieldReader(["name": .string(String(repeating: "a", count: 201))])
        let error = try #require(throws: JunctionError.self) { try reader.slug("name") }
        #expect(error.field == "name")
    }

    @Test func requiredSlug() throws {
        var reader = try FieldReader(["name": "ok", "bad": "BAD"], field: "x")
        #expect(try reader.requiredSlug("name").rawValue == "ok")
        let bad = try #require(throws: JunctionError.self) { try reader.requiredSlug("bad") }
        #expect(bad.field == "x.bad")
        let missing = try #require(throws: JunctionError.self) { try reader.requiredSlug("absent") }
        #expect(missing.field == "x.absent")
        #expect(missing.message.contains("Missing required field"))
    }

    // MARK: Integers

    @Test func intAcceptsIntegersAndWholeDoubles() throws {
        var reader = try FieldReader(["a": 5, "b": 7.0, "c": .null])
        #expect(try reader.int("a", in: 0...10) == 5)
        #expect(try reader.int("b", in: 0...10) == 7)
        #expect(try reader.int("c", in: 0...10) == nil)
        #expect(try reader.int("d", in: 0...10) == nil)
    }

    @Test(arguments: [JSONValue.number(1.5), "5", true, [5], ["n": 5]])
    func intWrongType(_ value: JSONValue) throws {
        var reader = try FieldReader(["n": value], field: "options")
        let error = try #require(throws: JunctionError.self) { try reader.int("n", in: 0...10) }
        #expect(error.field == "options.n")
        #expect(error.message == "Expected an integer, got \(value.typeName).")
    }

    @Test(arguments: [-1, 11, Int.max, Int.min])
    func intOutOfRange(_ number: Int) throws {
        var reader = try FieldReader(["n": .integer(number)])
        let error = try #require(throws: JunctionError.self) { try reader.int("n", in: 0...10) }
        #expect(error.field == "n")
        #expect(error.message == "Must be between 0 and 10.")
    }

    @Test func intRangeBoundsAreInclusive() throws {
        var reader = try FieldReader(["lo": 0, "hi": 10])
        #expect(try reader.int("lo", in: 0...10) == 0)
        #expect(try reader.int("hi", in: 0...10) == 10)
    }

    // MARK: Booleans and objects

    @Test func boolReadsAndRejects() throws {
        var reader = try FieldReader(["t": true, "f": false, "n": .null, "bad": 1], field: "b")
        #expect(try reader.bool("t") == true)
        #expect(try reader.bool("f") == false)
        #expect(try reader.bool("n") == nil)
        #expect(try reader.bool("absent") == nil)
        let error = try #require(throws: JunctionError.self) { try reader.bool("bad") }
        #expect(error.field == "b.bad")
        #expect(error.message == "Expected a boolean, got integer.")
    }

    @Test func objectReadsAndRejects() throws {
        var reader = try FieldReader(["o": ["k": "v"], "n": .null, "bad": ["k"]], field: "b")
        #expect(try reader.object("o") == ["k": "v"])
        #expect(try reader.object("n") == nil)
        #expect(try reader.object("absent") == nil)
        let error = try #require(throws: JunctionError.self) { try reader.object("bad") }
        #expect(error.field == "b.bad")
        #expect(error.message == "Expected an object, got array.")
    }

    // MARK: Bookkeeping

    @Test func containsSeesNullMembers() throws {
        let reader = try FieldReader(["a": .null])
        #expect(reader.contains("a"))
        #expect(!reader.contains("b"))
    }

    @Test func valueMarksAsReadAndReturnsRaw() throws {
        var reader = try FieldReader(["a": [1, 2], "b": 2])
        #expect(reader.value("a") == [1, 2])
        #expect(reader.value("missing") == nil)
        #expect(reader.remaining == ["b": 2])
    }

    @Test func remainingShrinksAsMembersAreRead() throws {
        var reader = try FieldReader(["a": 1, "b": "x", "c": true])
        #expect(reader.remaining == ["a": 1, "b": "x", "c": true])
        _ = try reader.string("b")
        #expect(reader.remaining == ["a": 1, "c": true])
        reader.skip(["a", "zzz"])
        #expect(reader.remaining == ["c": true])
        _ = try reader.bool("c")
        #expect(reader.remaining.isEmpty)
        try reader.finish()
    }

    @Test func aFailedReadStillCountsAsRead() throws {
        var reader = try FieldReader(["a": 1])
        #expect(throws: JunctionError.self) { try reader.string("a") }
        #expect(reader.remaining.isEmpty)
    }

    @Test func finishReportsFirstUnknownFieldAlphabetically() throws {
        var reader = try FieldReader(["name": "x", "zeta": 1, "beta": 2], field: "body")
        _ = try reader.string("name")
        let error = try #require(throws: JunctionError.self) { try reader.finish() }
        #expect(error.code == .invalidInput)
        #expect(error.field == "body.beta")
        #expect(error.message == "Unknown field 'beta'.")
    }

    @Test func finishTruncatesLongUnknownNames() throws {
        let long = String(repeating: "k", count: 300)
        let reader = try FieldReader([long: 1])
        let error = try #require(throws: JunctionError.self) { try reader.finish() }
        #expect(error.field == long)
        #expect(!error.message.contains(String(repeating: "k", count: 81)))
    }

    @Test func finishOnEmptyObjectSucceeds() throws {
        let reader = try FieldReader([:])
        try reader.finish()
        #expect(reader.remaining.isEmpty)
    }
}
