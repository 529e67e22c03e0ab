import Foundation

extension JSONValue {
    /// The text secrets are replaced with.
    public static let redactionMarker = "[redacted]"

    /// This value with every occurrence of each of `secrets` inside its strings replaced by
    /// `[redacted]` (an upstream that echoes the credential it was sent must not hand it to
    /// the caller). A value holding none is returned as it is, without being copied: the
    /// invoke path calls this on every answer.
    public func redacting(_ secrets: [String]) -> JSONValue {
        redactingReporting(secrets).value
    }

    /// `redacting(secrets)`, and whether anything was replaced.
    public func redactingReporting(_ secrets: [String]) -> (value: JSONValue, redacted: Bool) {
        guard !secrets.isEmpty, contains(anyOf: secrets) else { return (self, false) }
        return (replacing(secrets), true)
    }

    /// Whether any string inside holds one of `secrets`.
    private func contains(anyOf secrets: [String]) -> Bool {
        switch self {
        case .string(let text): secrets.contains { text.contains($0) }
        case .array(let items): items.contains { $0.contains(anyOf: secrets) }
        case .object(let members): members.values.contains { $0.contains(anyOf: secrets) }
        default: false
        }
    }

    private func replacing(_ secrets: [String]) -> JSONValue {
        switch self {
        case .string(let text):
            var redacted = text
            for secret in secrets where redacted.contains(secret) {
                redacted = redacted.replacingOccurrences(of: secret, with: Self.redactionMarker)
            }
            return .string(redacted)
        case .array(let items):
            return .array(items.map { $0.redacting(secrets) })
        case .object(let members):
            return .object(members.mapValues { $0.redacting(secrets) })
        default:
            return self
        }
    }

    /// The strings a secret value holds: the value itself, or every string in it (a map of
    /// secret headers), each at least `minimumLength` long (shorter ones would redact ordinary text).
    public func secretStrings(minimumLength: Int = 6) -> [String] {
        switch self {
        case .string(let text): text.count >= minimumLength ? [text] : []
        case .array(let items): items.flatMap { $0.secretStrings(minimumLength: minimumLength) }
        case .object(let members): members.values.flatMap { $0.secretStrings(minimumLength: minimumLength) }
        default: []
        }
    }
}

extension ResolvedCredential {
    /// The secret values this credential holds (a token, a password, secret headers), to
    /// redact from what an upstream echoes back.
    public var secretValues: [String] {
        kind.fields.filter(\.secret).flatMap { fields[$0.name]?.secretStrings() ?? [] }
    }
}
