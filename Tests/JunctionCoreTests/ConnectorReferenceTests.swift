import Foundation
import JunctionConnectors
import JunctionCore
import Testing

/// `docs/connector-types.md` is what the registered specs say: a change to a spec without the
/// document (or the reverse) fails here. `JUNCTION_UPDATE_GOLDEN=1` writes the document anew.
@Suite struct ConnectorReferenceTests {
    static let document = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("docs/connector-types.md")

    @Test func theReferenceMatchesTheRegisteredSpecs() throws {
        let generated = ConnectorReference.markdown(for: .builtIn)
        if ProcessInfo.processInfo.environment["JUNCTION_UPDATE_GOLDEN"] == "1" {
            try FileManager.default.createDirectory(at: Self.document.deletingLastPathComponent(), withIntermediateDirectories: true)
            try generated.write(to: Self.document, atomically: true, encoding: .utf8)
        }
        let stored = try String(contentsOf: Self.document, encoding: .utf8)
        #expect(stored == generated, "docs/connector-types.md is stale: run JUNCTION_UPDATE_GOLDEN=1 swift test --filter ConnectorReferenceTests")
    }

    @Test func everyTypeAndOptionIsDocumented() {
        let generated = ConnectorReference.markdown(for: .builtIn)
        for spec in ConnectorRegistry.builtIn.specs {
            #expect(generated.contains("## `\(spec.type)`"))
            for field in spec.fields { #expect(generated.contains("| `\(field.name)` |"), "\(spec.type).\(field.name)") }
        }
        #expect(generated.contains("| `max_attempts` | integer |  | `17` | 1–100 |"), "defaults and ranges come from the spec")
    }
}
