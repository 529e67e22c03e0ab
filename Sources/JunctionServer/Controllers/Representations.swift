import Foundation
import JunctionConnectors
import JunctionCore

/// The API's JSON shapes of stored values. Absent optional fields are rendered as `null`, so
/// every record has the same keys.
extension ConnectorRecord {
    /// The representation, with `webhook_url` (under `publicURL`) for connectors that receive
    /// requests (inbound and sync webhooks).
    func representation(publicURL: String, registry: ConnectorRegistry) -> JSONValue {
        guard registry.receivesRequests(type: type, mode: mode), case .object(var members) = representation else {
            return representation
        }
        members["webhook_url"] = .string(publicURL + "/hooks/" + id)
        return .object(members)
    }

    var representation: JSONValue {
        .object([
            "id": .string(id),
            "tenant_id": .string(tenantID),
            "connector_name": .string(name.rawValue),
            "connector_type": .string(type),
            "template": template.map(JSONValue.string) ?? .null,
            "display_name": displayName.map(JSONValue.string) ?? .null,
            "description": description.map(JSONValue.string) ?? .null,
            "connection_url": connectionURL.map(JSONValue.string) ?? .null,
            "options": .object(options.merging(secretOptionHints, uniquingKeysWith: { plain, _ in plain })),
            "credential": credential.map { .string($0.rawValue) } ?? .null,
            "timeout_ms": .integer(timeoutMilliseconds),
            "max_retries": .integer(maxRetries),
            "enabled": .bool(enabled),
            "mode": mode.map(JSONValue.string) ?? .null,
            "health_status": .string(healthStatus.rawValue),
            "last_health_check": lastHealthCheck.map { .string(Timestamp.format($0)) } ?? .null,
            "last_error": lastError.map(JSONValue.string) ?? .null,
            "created_at": .string(Timestamp.format(createdAt)),
            "updated_at": .string(Timestamp.format(updatedAt)),
        ])
    }
}

extension Credential {
    /// Public fields and masked hints in place of secrets; never a secret value.
    var representation: JSONValue {
        var object = config.merging(hints, uniquingKeysWith: { plain, _ in plain })
        object["id"] = .string(id)
        object["tenant_id"] = .string(tenantID)
        object["name"] = .string(name.rawValue)
        object["kind"] = .string(kind.rawValue)
        object["created_at"] = .string(Timestamp.format(createdAt))
        object["updated_at"] = .string(Timestamp.format(updatedAt))
        object["allowed_hosts"] = binding.json["hosts"] ?? .null
        object["allowed_connectors"] = binding.json["connectors"] ?? .null
        return .object(object)
    }

    /// The representation of an `oauth2` credential: `status` (`pending`, `connected`,
    /// `needs_reauth`), when its token expires, the scopes granted, and why it needs
    /// re-authorization; never a token.
    func representation(connection state: OAuthTokenState?) -> JSONValue {
        guard case .object(var object) = representation else { return representation }
        object["status"] = .string((state?.status ?? .pending).rawValue)
        object["expires_at"] = state?.expiresAt.map { .string(Timestamp.format($0)) } ?? .null
        object["scope"] = state?.scope.map(JSONValue.string) ?? .null
        object["connected_at"] = state?.connectedAt.map { .string(Timestamp.format($0)) } ?? .null
        object["last_error"] = state?.lastError.map(JSONValue.string) ?? .null
        if let instance = state?.extra["instance_url"]?.stringValue { object["instance_url"] = .string(instance) }
        return .object(object)
    }
}

extension Tenant {
    var representation: JSONValue {
        ["id": .string(id), "name": .string(name.rawValue), "created_at": .string(Timestamp.format(createdAt))]
    }
}

extension APIKey {
    var representation: JSONValue {
        [
            "id": .string(id),
            "name": .string(name),
            "tenant_id": tenantID.map(JSONValue.string) ?? .null,
            "created_at": .string(Timestamp.format(createdAt)),
            "role": .string(role.rawValue),
            "connectors": access.json["connectors"] ?? .null,
            "resources": access.json["resources"] ?? .null,
        ]
    }
}
