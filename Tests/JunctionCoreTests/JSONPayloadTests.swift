import Foundation
import Testing

@testable import JunctionCore

/// Upstream JSON kept as its text: what is answered, what redaction sees, and when it is parsed.
@Suite struct JSONPayloadTests {
    private func text(_ json: String) throws -> JSONText {
        try JSONText(validating: Array(json.utf8))
    }

    @Test func textIsKeptCompactInTheSendersOrderWithItsSpellings() throws {
        let kept = try text("\u{FEFF} {\"b\": 1,\n \"a\": [1.0, 2e3, \" sp \\\" ace \\\\\"],\t\"c\" : {} } \r\n")
        #expect(String(decoding: kept.bytes, as: UTF8.self) == #"{"b":1,"a":[1.0,2e3," sp \" ace \\"],"c":{}}"#)
        #expect(kept.value == ["a": [.number(1), .number(2000), " sp \" ace \\"], "b": 1, "c": [:]])
        #expect(try text(" 42 ").bytes == Array("42".utf8))
    }

    @Test func secretsAreLookedForAsTheyWouldBeWritten() throws {
        let echo = try text(#"{"message":"bad token sk_live_123456","quoted":"pa\"ss\\word"}"#)
        #expect(echo.mayContain(anyOf: ["sk_live_123456"]))
        #expect(echo.mayContain(anyOf: [#"pa"ss\word"#]))
        #expect(!echo.mayContain(anyOf: ["sk_live_999999", "another-secret"]))
        #expect(!echo.mayContain(anyOf: []))
        // Escapes a writer need not use could hide a secret, and non-ASCII has other spellings:
        // then the text may hold it, and the value decides.
        #expect(try text(#"{"m":"sk_live\u005f123456"}"#).mayContain(anyOf: ["zzzzzz"]))
        #expect(try text(#"{"url":"a\/b"}"#).mayContain(anyOf: ["zzzzzz"]))
        #expect(try text(#"{"m":"x"}"#).mayContain(anyOf: ["s\u{E9}cret-value"]))
    }

    @Test func textWithoutTheSecretIsAnsweredUnparsedAndAnEchoIsRedacted() throws {
        let clean = JSONPayload.text(try text(#"{"z":1,"a":"fine"}"#))
        let unchanged = clean.redactingReporting(["sk_live_123456"])
        #expect(unchanged.payload == clean && !unchanged.redacted)

        let echoed = JSONPayload.text(try text(#"{"error":"token sk_live_123456 is revoked"}"#))
        let shown = echoed.redactingReporting(["sk_live_123456"])
        #expect(shown.redacted)
        #expect(shown.payload == .value(["error": "token [redacted] is revoked"]))

        // Escaped in the text, found in the value.
        let escaped = JSONPayload.text(try text(#"{"error":"token sk_live\u005f123456"}"#))
        #expect(escaped.redactingReporting(["sk_live_123456"]).payload == .value(["error": "token [redacted]"]))

        // Found in the bytes but not in any string (a key): the text stays as it came.
        let key = JSONPayload.text(try text(#"{"sk_live_123456":1}"#))
        let kept = key.redactingReporting(["sk_live_123456"])
        #expect(!kept.redacted && kept.payload == key)
    }

    @Test func anEnvelopeWritesUpstreamTextAsItCameAndValuesAsJSONDoes() throws {
        let metadata = InvokeEnvelope.Metadata(connector: "crm", resource: "list", tenant: "t1", status: 200, requestID: "r1")
        let passed = InvokeEnvelope.success(.text(try text(#"{ "z": [1.0, "x"], "a": null }"#)), metadata: metadata)
        let written = String(decoding: passed.jsonBytes, as: UTF8.self)
        #expect(written.hasPrefix(#"{"data":{"z":[1.0,"x"],"a":null},"metadata":{"#))
        #expect(written.hasSuffix(#""success":true}"#))
        let decoded = try JSONCoding.decode(passed.jsonBytes)
        #expect(decoded == passed.json)
        #expect(decoded["data"] == ["z": [.number(1), "x"], "a": .null])

        // A built value: the same text as `json`, on success and on failure.
        let built = InvokeEnvelope.success(["b": 2, "a": [true]], metadata: metadata)
        #expect(built.jsonBytes == built.json.jsonBytes)
        let failed = InvokeEnvelope.failure(
            JunctionError(.upstreamError, "Upstream said no.", upstreamStatus: 502, upstreamBody: ["detail": "no"]), metadata: metadata)
        #expect(failed.jsonBytes == failed.json.jsonBytes)
        let bare = InvokeEnvelope.failure(JunctionError(.timeout, "Too slow."), metadata: metadata)
        #expect(bare.jsonBytes == bare.json.jsonBytes)
        #expect(bare.json["data"] == nil)

        // The SDK reads the text back.
        let read = try JSONDecoder().decode(InvokeEnvelope.self, from: Data(passed.jsonBytes))
        #expect(read.success && read.data?["z"]?[1] == "x" && read.metadata.requestID == "r1")
    }

    @Test func structuredTextIsTheUpstreamsTextButAStringIsItself() throws {
        #expect(StructuredOutput.text(.text(try text(#"{"b":1, "a":2}"#))) == #"{"b":1,"a":2}"#)
        #expect(StructuredOutput.text(.text(try text(#"  "plain words""#))) == "plain words")
        #expect(StructuredOutput.text(.value(["b": 1, "a": 2])) == #"{"a":2,"b":1}"#)
    }
}
