import Foundation

extension JSONValue {
    /// The text secrets are replaced with.
    public static let redactionMarker = "[redacted]"

    /// This value with every occurrence of each of `secrets` inside its strings replaced by
    /// `[redacted]` (an upstream that echoes the credential it was sent must not hand it to
    /// the caller). Values without one are returned as they are, unchanged.
    public func redacting(_ secrets: [String]) -> JSONValue {
        guard !secrets.isEmpty else { return self }
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
