import Foundation
import Testing

@testable import JunctionCore

@Suite struct SlugTests {
    @Test(arguments: [
        "a", "0", "abc", "my-connector", "a1-b2-c3", "9lives", "trailing-", "a--b",
        String(repeating: "a", count: 63),
        "a" + String(repeating: "-", count: 62),
    ])
    func acceptsValidSlugs(_ text: String) throws {
        #expect(Slug.isValid(text))
        let slug = try #require(Slug(text))
        #expect(slug.rawValue == text)
        #expect(slug.description == text)
        let validated = try Slug(validating: text, field: "name")
        #expect(validated == slug)
    }

    @Test(arguments: [
        "",
        String(repeating: "a", count: 64),
        "-leading",
        "-",
        "Upper",
        "ABC",
        "with space",
        "under_score",
        "dot.ted",
        "slash/",
        "café",
        "日本",
        "emoji-🙂",
        "tab\t",
        "new\nline",
        "é",  // a single non-ASCII character
    ])
    func rejectsInvalidSlugs(_ text: String) {
        #expect(!Slug.isValid(text))
        #expect(Slug(text) == nil)
    }

    @Test func lengthLimitCountsExactly() {
        #expect(Slug(String(repeating: "x", count: 62)) != nil)
        #expect(Slug(String(repeating: "x", count: 63)) != nil)
        #expect(Slug(String(repeating: "x", count: 64)) == nil)
        #expect(Slug(String(repeating: "x", count: 200)) == nil)
    }

    @Test func validatingThrowsInvalidInputNamingTheField() throws {
        let error = try #require(throws: JunctionError.self) {
            try Slug(validating: "Not A Slug", field: "connector_name")
        }
        #expect(error.code == .invalidInput)
        #expect(error.field == "connector_name")
        #expect(error.message.contains("Not A Slug"))
    }

    @Test(arguments: ["", "-x", "UPPER", String(repeating: "a", count: 64)])
    func validatingUsesTheGivenDottedField(_ text: String) throws {
        let error = try #require(throws: JunctionError.self) {
            try Slug(validating: text, field: "options.name")
        }
        #expect(error.code == .invalidInput)
        #expect(error.field == "options.name")
    }

    @Test func validatingTruncatesLongInputInTheMessage() throws {
        let long = String(repeating: "Z", count: 500)
        let error = try #require(throws: JunctionError.self) {
            try Slug(validating: long, field: "name")
        }
        #expect(error.message.contains(String(repeating: "Z", count: 80)))
        #expect(!error.message.contains(String(repeating: "Z", count: 81)))
    }

    @Test func comparesByRawValue() throws {
        let a = try #require(Slug("alpha"))
        let b = try #require(Slug("beta"))
        #expect(a < b)
        #expect(!(b < a))
        #expect([b, a].sorted() == [a, b])
    }

    @Test func codableRoundTripAsPlainString() throws {
        let slug = try #require(Slug("my-api"))
        let data = try JSONEncoder().encode([slug])
        #expect(String(decoding: data, as: UTF8.self) == #"["my-api"]"#)
        let decoded = try JSONDecoder().decode([Slug].self, from: data)
        #expect(decoded == [slug])
    }

    @Test func decodingRejectsInvalidSlug() {
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode([Slug].self, from: Data(#"["Bad Name"]"#.utf8))
        }
    }
}
