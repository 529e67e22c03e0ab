import Foundation
import JunctionCore
@testable import JunctionServer
import Testing

/// The console's parts on their own: markup escaping, values from schemas, metrics text, and
/// form text read back by a field's type.
@Suite struct ConsolePartsTests {
    @Test func interpolatedTextIsEscapedAndOnlyMarkupGoesInAsItIs() {
        let name = #"<script>alert("x")</script>&'"#
        let inner: HTML = "<b>\(name)</b>"
        let page: HTML = "<p title=\"\(name)\">\(inner)\([inner, inner])</p>"
        #expect(!page.markup.contains("<script>"))
        #expect(page.markup.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;"))
        #expect(page.markup.hasPrefix("<p title=\"&lt;script&gt;"))
        #expect(page.markup.components(separatedBy: "<b>").count == 4, "markup values are kept, not escaped again")
    }

    @Test func schemaExamplesPreferWhatTheSchemaSays() {
        let schema: JSONValue = [
            "type": "object", "required": ["id", "kind", "tags", "count", "when"],
            "properties": [
                "id": ["type": "string", "example": "42"], "kind": ["enum": ["a", "b"]], "tags": ["type": "array", "items": ["type": "string"]],
                "count": ["type": "integer", "minimum": 1], "when": ["type": "string", "format": "date-time"], "optional": ["type": "string"],
            ],
        ]
        #expect(SchemaExample.value(for: schema) == ["id": "42", "kind": "a", "tags": [""], "count": 1, "when": "<date-time>"])
        #expect(SchemaExample.value(for: ["type": ["null", "boolean"]]) == false)
        // A schema that refers to itself ends.
        var deep: JSONValue = ["type": "object", "required": ["child"], "properties": [:]]
        for _ in 0..<10 { deep = ["type": "object", "required": ["child"], "properties": ["child": deep]] }
        #expect(SchemaExample.value(for: deep).jsonText.count < 200)
    }

    @Test func callFiguresComeFromTheInvokeCountersAndHistogram() throws {
        let text = """
            # TYPE junction_invoke_total counter
            junction_invoke_total{connector_type="http",outcome="ok"} 8
            junction_invoke_total{connector_type="http",outcome="timeout"} 2
            junction_invoke_total{connector_type="soap",outcome="ok"} 1
            junction_invoke_duration_seconds_bucket{connector_type="http",le="0.005"} 5
            junction_invoke_duration_seconds_bucket{connector_type="http",le="0.05"} 9
            junction_invoke_duration_seconds_bucket{connector_type="http",le="+Inf"} 10
            junction_invoke_duration_seconds_sum{connector_type="http"} 0.2
            junction_invoke_duration_seconds_count{connector_type="http"} 10
            not a sample
            """
        let figures = CallFigures.byLabel(
            "connector_type", in: PrometheusText(text), calls: "junction_invoke_total", duration: "junction_invoke_duration_seconds")
        let http = try #require(figures["http"])
        #expect(http.calls == 10 && http.errors == 2)
        #expect(http.meanMilliseconds == 20)
        #expect(http.percentileMilliseconds(0.5) == 5)
        #expect(http.percentileMilliseconds(0.9) == 50)
        #expect(figures["soap"]?.errors == 0)
    }

    @Test func formTextIsReadByTheFieldsType() throws {
        let headers = SpecField(["name": "headers", "type": "headers"])
        #expect(try headers.value(of: "X-One: 1\r\n\nX-Two:two words ", path: "options.headers") == ["X-One": "1", "X-Two": "two words"])
        #expect(throws: ConsoleAPI.Problem.self) { try headers.value(of: "no separator", path: "options.headers") }
        #expect(try SpecField(["name": "n", "type": "integer"]).value(of: " 12 ", path: "n") == 12)
        #expect(try SpecField(["name": "n", "type": "integer"]).value(of: "twelve", path: "n") == "twelve", "left for the API to refuse by name")
        #expect(try SpecField(["name": "l", "type": "string_array"]).value(of: "a\n\n b ", path: "l") == ["a", "b"])
        let resources = SpecField(["name": "resources", "type": "object_array"])
        #expect(try resources.value(of: #"[{"slug": "x"}]"#, path: "options.resources") == [["slug": "x"]])
        let problem = try #require(throws: ConsoleAPI.Problem.self) { try resources.value(of: "[{", path: "options.resources") }
        #expect(problem.field == "options.resources")
    }

    @Test func aSecretFieldIsNeverShownInItsControl() {
        let field = SpecField(["name": "secret", "type": "string", "secret": true, "required": false, "description": "The shared secret."])
        let control = field.control(key: "option.secret", current: "••••1218", entered: "typed-secret", creating: false, error: nil)
        #expect(control.markup.contains("type=\"password\""))
        #expect(!control.markup.contains("typed-secret") && !control.markup.contains("value=\"••••"))
        #expect(control.markup.contains("Stored: ••••1218"))
    }

    @Test func signInSendsOnlyToConsolePaths() {
        #expect(SessionPages.next("/console/runs?status=failed") == "/console/runs?status=failed")
        for away in [nil, "//evil.example", "https://evil.example/console", "/console\\@evil", "/api/v1/keys", "/console/sign-out"] {
            #expect(SessionPages.next(away) == "/console", "\(away ?? "nil")")
        }
    }
}
