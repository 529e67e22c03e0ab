import Foundation

/// The connector-type reference (`docs/connector-types.md`), written from the registered specs
/// so that it never says other than what the server validates.
public enum ConnectorReference {
    /// The whole reference in Markdown: one section per type, its options and resource fields.
    public static func markdown(for registry: ConnectorRegistry) -> String {
        var lines = [
            "# Connector types",
            "",
            "<!-- Generated from the registered connector specs by `ConnectorReference`; do not edit by hand.",
            "     `JUNCTION_UPDATE_GOLDEN=1 swift test --filter ConnectorReferenceTests` writes it anew. -->",
            "",
            "Each type's `options` are checked against these fields when a connector is saved: unknown, missing,",
            "mistyped and out-of-range values are refused with `invalid_input` naming `options.FIELD`, and defaults",
            "are filled in. `GET /api/v1/connector-types` serves the same specs as JSON.",
            "",
            "| type | name | category | capabilities |",
            "|---|---|---|---|",
        ]
        for spec in registry.specs {
            lines.append("| [`\(spec.type)`](#\(spec.type)) | \(spec.displayName) | \(spec.category) | \(spec.capabilities.names.joined(separator: ", ")) |")
        }
        for spec in registry.specs {
            lines += ["", "## `\(spec.type)`", "", "**\(spec.displayName).** \(spec.description)", ""]
            lines.append("- `connection_url`: \(urlRule(spec))")
            if !spec.modes.isEmpty {
                lines.append("- `mode`: \(spec.modes.map { "`\($0)`" }.joined(separator: ", ")) (default `\(spec.modes[0])`)")
            }
            let kinds = spec.credentialKinds.map { "`\($0.rawValue)`" }.joined(separator: ", ")
            lines.append("- `credential`: \(kinds.isEmpty ? "none" : kinds)")
            if !spec.fields.isEmpty {
                lines += ["", "Options:", ""] + table(spec.fields)
            }
            if !spec.resourceFields.isEmpty {
                lines += ["", "Fields of each resource in `options.\(ConnectorSpec.resourcesOption)` (besides `slug`, `description`, `kind`, `input_schema`, `output_schema`, `mock`):", ""]
                    + table(spec.resourceFields)
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func urlRule(_ spec: ConnectorSpec) -> String {
        let schemes = spec.urlSchemes.isEmpty ? "" : " (\(spec.urlSchemes.joined(separator: ", ")))"
        if !spec.urlModes.isEmpty {
            return "required in \(spec.urlModes.map { "`\($0)`" }.joined(separator: ", ")) mode\(schemes), none otherwise"
        }
        switch spec.connectionURL {
        case .required: return "required\(schemes)"
        case .optional: return "optional\(schemes)"
        case .none: return "none"
        }
    }

    private static func table(_ fields: [FieldSpec]) -> [String] {
        var rows = ["| field | type | required | default | allowed | description |", "|---|---|---|---|---|---|"]
        for field in fields {
            var allowed: [String] = []
            if let values = field.allowedValues { allowed.append(values.map { "`\($0)`" }.joined(separator: ", ")) }
            if let range = field.range { allowed.append("\(range.lowerBound)–\(range.upperBound)") }
            var notes = field.description
            if field.secret { notes += " Secret: sealed at rest, never returned." }
            if field.generated { notes += " Generated when not given, shown once." }
            if let example = field.example { notes += " Example: `\(String(decoding: example.jsonBytes, as: UTF8.self))`." }
            let defaultText = field.defaultValue.map { "`\(String(decoding: $0.jsonBytes, as: UTF8.self))`" } ?? ""
            rows.append(
                "| `\(field.name)` | \(field.type.rawValue) | \(field.required ? "yes" : "") | \(defaultText) | \(allowed.joined(separator: "; ")) | \(escape(notes)) |")
        }
        return rows
    }

    private static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "|", with: "\\|")
    }
}
