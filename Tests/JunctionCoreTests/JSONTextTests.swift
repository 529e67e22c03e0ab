import Foundation
import Testing

@testable import JunctionCore

/// The hand-written JSON reader and writer, checked against Foundation's coders.
@Suite struct JSONTextTests {
    private func foundationDecode(_ text: String) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
    }

    private func foundationEncode(_ value: JSONValue) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    @Test(arguments: [
        "0", "-0", "7", "-12", "1.5", "-0.25", "1E-2", "2.5e-3", "123456789012345678",
        "9223372036854775807", "-9223372036854775808", "9223372036854775808", "-9223372036854775809",
        "1e308", "5e-324", "0.1", "true", "false", "null", #""""#, #""plain""#,
        #""esc \" \\ \/ \b \f \n \r \t""#, #""\u00e9\u4e2d\ud83d\ude00""#, #""ünï 🙂""#, #""\u0000""#,
        "[]", "{}", " [ 1 , [ 2 , { } ] ] ", #"{"a":{"b":[true,false,null,"x"]},"c":-1.5}"#,
        "\u{FEFF}{\"bom\":1}", "\t\r\n 42 \n",
    ])
    func parsesAsFoundationDoes(_ text: String) throws {
        #expect(try JSONValue(parsing: Array(text.utf8)) == foundationDecode(text))
        // Text kept unparsed is accepted alike, and reads as the same value.
        #expect(try JSONText(validating: Array(text.utf8)).value == foundationDecode(text))
    }

    /// Where Foundation differs: a number written with a fraction or an exponent stays a
    /// number (Foundation makes `1.0` and `1e3` integers), and a repeated key keeps its last
    /// value, as in JavaScript and Python.
    @Test func numbersKeepTheirSpellingsKindAndTheLastKeyWins() throws {
        #expect(try JSONValue(parsing: Array("[1.0, 1e3, -2.5E+1, 10]".utf8)) == [.number(1), .number(1000), .number(-25), .integer(10)])
        #expect(try JSONValue(parsing: Array(#"{"dup":1,"dup":2}"#.utf8)) == ["dup": 2])
    }

    @Test(arguments: [
        ("", "unexpected end of text", 0), ("{", "unexpected end of text", 1),
        ("{\"a\" 1}", "unexpected '1'", 5), ("{'a':1}", "unexpected '''", 1), ("01", "leading zero in a number", 1),
        ("1.", "unexpected end of text", 2), (".5", "unexpected '.'", 0), ("+1", "unexpected '+'", 0),
        ("-", "unexpected end of text", 1), ("1e", "unexpected end of text", 2), ("nul", "unexpected 'n'", 0),
        ("truex", "unexpected 'x'", 4), ("[1 2]", "unexpected '2'", 3), ("\"a\nb\"", "unescaped control character in a string", 2),
        (#""\x""#, "invalid escape", 2), (#""\u12""#, "invalid \u{5C}u escape", 5), (#""\u12"#, "unterminated string", 5), (#""\ud800""#, "unpaired surrogate escape", 7),
        (#""\udc00x""#, "unpaired surrogate escape", 7), (#""\ud800\u0041""#, "unpaired surrogate escape", 13),
        ("\"open", "unterminated string", 5), ("1e999", "number out of range", 0), ("{\"a\":1}}", "unexpected '}'", 7),
        ("[1,]", "unexpected ']'", 3), ("{\"a\":1,}", "unexpected '}'", 7),
    ] as [(String, String, Int)])
    func rejectsBadTextSayingWhatAndWhere(_ text: String, reason: String, offset: Int) {
        #expect(throws: JSONValue.SyntaxError(reason: reason, offset: offset)) {
            try JSONValue(parsing: Array(text.utf8))
        }
        #expect(throws: JSONValue.SyntaxError(reason: reason, offset: offset)) {
            try JSONText(validating: Array(text.utf8))
        }
    }

    @Test func rejectsInvalidUTF8() {
        for bytes: [UInt8] in [[0x22, 0xFF, 0x22], [0x22, 0xC3, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22]] {
            #expect(throws: JSONValue.SyntaxError.self) { try JSONValue(parsing: bytes) }
            #expect(throws: JSONValue.SyntaxError.self) { try JSONText(validating: bytes) }
        }
        #expect(throws: JSONValue.SyntaxError.self) { try JSONValue(parsing: [0x22, 0x5C, 0x6E, 0xFF, 0x22]) }
        #expect(throws: JSONValue.SyntaxError.self) { try JSONText(validating: [0x22, 0x5C, 0x6E, 0xFF, 0x22]) }
        #expect(throws: JSONValue.SyntaxError.self) { try JSONText(validating: [0x7B, 0x22, 0xC3, 0x5C, 0x6E, 0x22, 0x3A, 0x31, 0x7D]) }
    }

    @Test func nestingIsLimited() throws {
        let deepest = String(repeating: "[", count: JSONValue.maximumNestingDepth) + String(repeating: "]", count: JSONValue.maximumNestingDepth)
        #expect(try JSONValue(parsing: Array(deepest.utf8)).arrayValue != nil)
        let tooDeep = "[" + deepest + "]"
        let error = try #require(throws: JSONValue.SyntaxError.self) { try JSONValue(parsing: Array(tooDeep.utf8)) }
        #expect(error.reason == "nested deeper than 512 levels")
        #expect(try JSONText(validating: Array(deepest.utf8)).bytes.count == deepest.utf8.count)
        #expect(throws: error) { try JSONText(validating: Array(tooDeep.utf8)) }
    }

    @Test func parsesNonContiguousCollections() throws {
        let bytes = Array(#"{"k":[1,2.5,"v"]}"#.utf8)
        #expect(try JSONValue(parsing: bytes.lazy.map { $0 }) == ["k": [1, 2.5, "v"]])
    }

    @Test func writesWhatFoundationWrites() throws {
        var generator = SplitMix64(seed: 0x6A75_6E63)
        for _ in 0..<300 {
            let value = Self.randomValue(depth: 0, using: &generator)
            #expect(value.jsonText == (try foundationEncode(value)))
            // Read back, it is the same document (an integral double may come back an integer).
            #expect(try JSONValue(parsing: value.jsonBytes).jsonText == value.jsonText)
        }
    }

    @Test(arguments: [
        (JSONValue.number(3.0), "3"), (.number(-0.5), "-0.5"), (.number(1e20), "1e+20"), (.number(1e-7), "1e-07"),
        (.number(.nan), "null"), (.number(.infinity), "null"), (.string("a/b\u{7}\"\\\u{1F}"), #""a/b\u0007\"\\\u001f""#),
        (["b": 1, "a": [nil, true]], #"{"a":[null,true],"b":1}"#),
    ] as [(JSONValue, String)])
    func writesExactText(_ value: JSONValue, text: String) {
        #expect(value.jsonText == text)
    }

    @Test func keysAreOrderedByTheirUTF8Bytes() {
        // "e" + combining acute sorts before "ff" by bytes, after it in Unicode's canonical order.
        let value: JSONValue = ["ff": 1, "e\u{301}": 2]
        #expect(value.jsonText == "{\"e\u{301}\":2,\"ff\":1}")
    }

    @Test func encodeTakesTheFastPathForJSONValues() throws {
        let value: JSONValue = ["z": "ü", "a": [1, 2.5]]
        #expect(try JSONCoding.encode(value) == Data(value.jsonBytes))
    }

    // MARK: Random documents

    private static let alphabet: [String] = ["a", "Z", "0", " ", "/", "\"", "\\", "\n", "\t", "\u{1}", "\u{1F}", "é", "中", "🙂", "_", "-"]

    private static func randomString(using generator: inout SplitMix64) -> String {
        (0..<Int.random(in: 0...8, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! }.joined()
    }

    private static func randomKey(using generator: inout SplitMix64) -> String {
        // Non-ASCII and decomposed keys too: both writers order keys by their UTF-8 bytes.
        let pieces = ["a", "b", "X", "0", "_", "-", "é", "e\u{301}", "ff", "中", "🙂", "Z"]
        return (0..<Int.random(in: 1...4, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined()
    }

    private static func randomValue(depth: Int, using generator: inout SplitMix64) -> JSONValue {
        switch Int.random(in: 0...(depth > 3 ? 4 : 6), using: &generator) {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &generator))
        case 2: return .integer(Int.random(in: Int.min...Int.max, using: &generator) >> Int.random(in: 0...63, using: &generator))
        case 3:
            let magnitude = Double.random(in: 1..<10, using: &generator) * pow(10, Double(Int.random(in: -30...30, using: &generator)))
            // Integral ones too (not -0, which reads back as the integer 0).
            return .number(Bool.random(using: &generator) ? magnitude : -(magnitude.rounded() + 1))
        case 4: return .string(randomString(using: &generator))
        case 5: return .array((0..<Int.random(in: 0...4, using: &generator)).map { _ in randomValue(depth: depth + 1, using: &generator) })
        default:
            var members: [String: JSONValue] = [:]
            for _ in 0..<Int.random(in: 0...4, using: &generator) {
                members[randomKey(using: &generator)] = randomValue(depth: depth + 1, using: &generator)
            }
            return .object(members)
        }
    }
}

/// A small seeded generator, so that a failing document can be found again.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
