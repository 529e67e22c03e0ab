import Foundation

/// Where a credential may be sent: the hosts (name patterns such as `api.hubspot.com` or
/// `*.slack.com`) and the connectors it may be used by. Using it elsewhere — a connector whose
/// URL points at another host, or `options.credential` on a connector it is not bound to — is
/// refused with `policy_denied`, so a tenant key cannot send a stored secret to any URL.
public struct CredentialBinding: Sendable, Hashable {
    /// Hosts it may be sent to (`nil`: any).
    public var hosts: GlobSet?
    /// Connectors that may use it (`nil`: any).
    public var connectors: GlobSet?

    public init(hosts: GlobSet? = nil, connectors: GlobSet? = nil) {
        self.hosts = hosts
        self.connectors = connectors
    }

    /// Bound to nothing.
    public static let unbound = CredentialBinding()

    public var isBound: Bool { hosts != nil || connectors != nil }

    /// Why `credential` may not be used by `connector` (`nil`: by no connector, such as an
    /// `llm` agent's model key) reaching `url`, or `nil` when it may.
    public func refusal(credential: Slug, connector: Slug?, url: String?) -> JunctionError? {
        if let connectors, !(connector.map { connectors.matches($0.rawValue) } ?? false) {
            let user = connector.map { "connector '\($0)'" } ?? "anything but a connector"
            return JunctionError(
                .policyDenied, "Credential '\(credential)' may not be used by \(user) (it is bound to \(connectors)).",
                details: ["rule": "credential_binding"])
        }
        if let hosts {
            let host = url.flatMap { URLComponents(string: $0)?.host?.lowercased() }
            guard let host, hosts.matches(host) else {
                return JunctionError(
                    .policyDenied,
                    "Credential '\(credential)' may not be sent to \(host.map { "host '\($0)'" } ?? "a connector without a URL") (it is bound to \(hosts)).",
                    details: ["rule": "credential_binding"])
            }
        }
        return nil
    }

    /// `{"hosts": […], "connectors": […]}`, absent lists `null`.
    public var json: JSONValue {
        [
            "hosts": hosts?.list ?? .null,
            "connectors": connectors?.list ?? .null,
        ]
    }

    /// Reads the stored form.
    public init(json: JSONValue) throws(JunctionError) {
        var reader = try FieldReader(json)
        hosts = try reader.globs("hosts", field: "allowed_hosts")
        connectors = try reader.globs("connectors", field: "allowed_connectors")
    }
}
