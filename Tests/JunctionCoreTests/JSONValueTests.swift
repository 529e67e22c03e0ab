import Foundation
import Testing

@testable import JunctionCore

@Suite struct JSONValueTests {
    private func roundTrip(_ value: JSONValue) throws -> JSONValue {
        let data = try JSONCoding.encode(value)
        return try JSONCoding.decode(Array(data))
    }

    private func text(_ value: JSONValue) throws -> String {
        String(decoding: try JSONCoding.encode(value), as: UTF8.self)
    }

    // MARK: Codable

    @Test(arguments: [
        JSONValue.null, true, false, 0, 1, -1, 42, 2.5, -0.125, 1e-7, 1e20, "", "text", "ünïcödé 🙂",
        [], [1, "a", nil, [true]], [:], ["a": 1, "b": ["c": [1.5, "d"]]],
        .integer(Int.max), .integer(Int.min), .integer(9_007_199_254_740_993),
    ] as [JSONValue])
    func roundTripPreservesValue(_ value: JSONValue) throws {
        #expect(try roundTrip(value) == value)
        // The plain Foundation coders agree.
        let data = try JSONEncoder().encode(value)
        #expect(try JSONDecoder().decode(JSONValue.self, from: data) == value)
    }

    @Test func integersAndDoublesStayApart() throws {
        let value: JSONValue = ["int": 3, "double": 3.5, "list": [1, 1.25]]
        let decoded = try roundTrip(value)
        #expect(decoded["int"] == .integer(3))
        #expect(decoded["double"] == .number(3.5))
        #expect(decoded["list"] == .array([.integer(1), .number(1.25)]))
    }

    @Test func largeInt64SurvivesExactly() throws {
        // 2^53 + 1 is not representable as a Double.
        let big: Int = 9_007_199_254_740_993
        let decoded = try JSONCoding.decode(Array("{\"id\": 9007199254740993}".utf8))
        #expect(decoded["id"] == .integer(big))
        #expect(try text(.integer(big)) == "9007199254740993")
        #expect(try text(.integer(Int.max)) == "9223372036854775807")
        #expect(try JSONCoding.decode(Array("9223372036854775807".utf8)) == .integer(Int.max))
        #expect(try JSONCoding.decode(Array("-9223372036854775808".utf8)) == .integer(Int.min))
    }

    @Test func numbersBeyondInt64DecodeAsDoubles() throws {
        let decoded = try JSONCoding.decode(Array("[18446744073709551616, 1e300, 0.1]".utf8))
        #expect(decoded == [.number(18_446_744_073_709_551_616.0), .number(1e300), .number(0.1)])
    }

    @Test func deeplyNestedValueRoundTrips() throws {
        var value: JSONValue = "leaf"
        for depth in 0..<50 {
            value = depth.isMultiple(of: 2) ? ["level\(depth)": value, "n": .integer(depth)] : [value, .number(Double(depth) + 0.5)]
        }
        #expect(try roundTrip(value) == value)
    }

    @Test func encodingSortsKeysAndKeepsSlashes() throws {
        #expect(try text(["b": 1, "a": "x/y", "c": nil]) == #"{"a":"x/y","b":1,"c":null}"#)
    }

    @Test func decodesLiteralJSONText() throws {
        let decoded = try JSONCoding.decode(Array(#"{"s":"x","i":7,"d":7.5,"b":false,"n":null,"a":[],"o":{}}"#.utf8))
        #expect(decoded == ["s": "x", "i": 7, "d": 7.5, "b": false, "n": nil, "a": [], "o": [:]])
        #expect(decoded["n"]?.isNull == true)
    }

    @Test(arguments: ["", "{", "{\"a\":}", "[1 2]", "nul", "{'a':1}", "\u{FF}"])
    func invalidJSONIsInvalidInput(_ text: String) throws {
        let error = try #require(throws: JunctionError.self) { try JSONCoding.decode(Array(text.utf8)) }
        #expect(error.code == .invalidInput)
        #expect(error.message.hasPrefix("Request body is not valid JSON: "))
    }

    // MARK: Literals

    @Test func literalsBuildTheMatchingCases() {
        let null: JSONValue = nil
        let bool: JSONValue = true
        let int: JSONValue = 5
        let double: JSONValue = 5.5
        let string: JSONValue = "s"
        let array: JSONValue = [1]
        let object: JSONValue = ["k": "v"]
        #expect(null == .null)
        #expect(bool == .bool(true))
        #expect(int == .integer(5))
        #expect(double == .number(5.5))
        #expect(string == .string("s"))
        #expect(array == .array([.integer(1)]))
        #expect(object == .object(["k": .string("v")]))
    }

    @Test func duplicateLiteralKeysKeepTheLast() {
        let value: JSONValue = ["k": 1, "k": 2]
        #expect(value == ["k": 2])
    }

    // MARK: Accessors

    @Test(arguments: [
        (JSONValue.null, "null"), (.bool(true), "boolean"), (.integer(1), "integer"), (.number(1.5), "number"),
        (.string("x"), "string"), (.array([]), "array"), (.object([:]), "object"),
    ] as [(JSONValue, String)])
    func typeNames(_ value: JSONValue, name: String) {
        #expect(value.typeName == name)
    }

    @Test func stringBoolObjectArrayAccessors() {
        let string: JSONValue = "x"
        #expect(string.stringValue == "x")
        #expect(string.boolValue == nil)
        #expect(string.objectValue == nil)
        #expect(string.arrayValue == nil)
        #expect(string.intValue == nil)
        #expect(string.doubleValue == nil)
        #expect(!string.isNull)

        let flag: JSONValue = false
        #expect(flag.boolValue == false)
        #expect(flag.stringValue == nil)
        #expect(flag.intValue == nil)

        let array: JSONValue = [1, "a"]
        #expect(array.arrayValue == [1, "a"])
        #expect(array.objectValue == nil)
        #expect(array["a"] == nil)

        let object: JSONValue = ["a": 1]
        #expect(object.objectValue == ["a": 1])
        #expect(object.arrayValue == nil)
        #expect(object["a"] == 1)
        #expect(object["b"] == nil)

        #expect(JSONValue.null.isNull)
        #expect(JSONValue.null.stringValue == nil)
    }

    @Test func intValueAcceptsWholeDoublesOnly() {
        #expect(JSONValue.integer(7).intValue == 7)
        #expect(JSONValue.number(7.0).intValue == 7)
        #expect(JSONValue.number(-2.0).intValue == -2)
        #expect(JSONValue.number(7.5).intValue == nil)
        #expect(JSONValue.number(1e20).intValue == nil)
        #expect(JSONValue.number(.infinity).intValue == nil)
        #expect(JSONValue.number(-.infinity).intValue == nil)
        #expect(JSONValue.number(.nan).intValue == nil)
        #expect(JSONValue.bool(true).intValue == nil)
        #expect(JSONValue.string("7").intValue == nil)
    }

    @Test func doubleValueAcceptsBothNumberKinds() {
        #expect(JSONValue.integer(3).doubleValue == 3.0)
        #expect(JSONValue.number(2.5).doubleValue == 2.5)
        #expect(JSONValue.string("2.5").doubleValue == nil)
        #expect(JSONValue.bool(false).doubleValue == nil)
        #expect(JSONValue.null.doubleValue == nil)
    }

    @Test func integerAndEqualDoubleAreDifferentValues() {
        #expect(JSONValue.integer(1) != JSONValue.number(1.0))
        #expect(Set<JSONValue>([.integer(1), .number(1.0)]).count == 2)
    }
}
