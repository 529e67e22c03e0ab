/// An action's output: a value built in memory, or an upstream's JSON text passed through as
/// it came (see ``JSONText``), parsed only by whoever needs the value.
public enum JSONPayload: Sendable, Hashable {
    case value(JSONValue)
    case text(JSONText)

    /// The output as a value (text is parsed on each call).
    public var value: JSONValue {
        switch self {
        case .value(let value): value
        case .text(let text): text.value
        }
    }

    /// Appends the output as JSON text: a value written compactly with sorted keys, text as it came.
    public func write(to output: inout [UInt8]) {
        switch self {
        case .value(let value): value.write(to: &output)
        case .text(let text): output.append(contentsOf: text.bytes)
        }
    }

    /// The output as JSON text (see `write(to:)`).
    public var jsonText: String {
        switch self {
        case .value(let value): value.jsonText
        case .text(let text): String(decoding: text.bytes, as: UTF8.self)
        }
    }

    /// This output with each of `secrets` replaced by `[redacted]` (see
    /// `JSONValue.redactingReporting`), and whether anything was. Text that cannot hold a
    /// secret is returned as it is, unparsed.
    public func redactingReporting(_ secrets: [String]) -> (payload: JSONPayload, redacted: Bool) {
        switch self {
        case .value(let value):
            let shown = value.redactingReporting(secrets)
            return (.value(shown.value), shown.redacted)
        case .text(let text):
            guard text.mayContain(anyOf: secrets) else { return (self, false) }
            let shown = text.value.redactingReporting(secrets)
            return shown.redacted ? (.value(shown.value), true) : (self, false)
        }
    }
}
