import JunctionCore
import Testing

/// Secrets an upstream echoes are replaced wherever they stand in an answer; nothing else changes.
@Suite struct RedactionTests {
    @Test func everyOccurrenceInNestedStringsIsRedacted() {
        let answer: JSONValue = [
            "headers": ["authorization": "Bearer sk_live_123456"], "path": "/bot sk_live_123456/x",
            "list": ["sk_live_123456sk_live_123456", 42, true, nil], "sk_live_123456": "keys stay",
        ]
        let redacted = answer.redacting(["sk_live_123456"])
        #expect(redacted["headers"]?["authorization"] == "Bearer [redacted]")
        #expect(redacted["path"] == "/bot [redacted]/x")
        #expect(redacted["list"] == ["[redacted][redacted]", 42, true, nil])
        #expect(redacted["sk_live_123456"] == "keys stay")
    }

    @Test func anAnswerWithoutSecretsIsReturnedAsItIs() {
        let answer: JSONValue = ["name": "Ana", "items": [1, 2, ["deep": "text"]]]
        #expect(answer.redacting(["sk_live_123456"]) == answer)
        #expect(answer.redacting([]) == answer)
    }

    @Test func onlyACredentialsSecretFieldsLongEnoughToBeSecretsAreRedacted() {
        let credential = ResolvedCredential(
            id: "cred_1", name: Slug("k")!, kind: .apiKey,
            fields: ["in": "header", "key_name": "X-API-Key", "value": "key-0123456789"])
        #expect(credential.secretValues == ["key-0123456789"], "the header's name is no secret")
        let headers = ResolvedCredential(
            id: "cred_2", name: Slug("h")!, kind: .headers, fields: ["headers": ["X-Key": "abcdef-123", "X-Short": "ab"]])
        #expect(headers.secretValues == ["abcdef-123"], "a two-letter value would redact ordinary text")
    }
}
