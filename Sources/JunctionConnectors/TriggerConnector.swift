import JunctionCore

/// A connector type that starts runs or receives their results (webhook, cron) rather than
/// serving actions: it has no resources, and what its options allow is checked on save.
public protocol TriggerConnector: ConfigurationChecking {}

extension TriggerConnector {
    public func execute(_ resource: Resource, input: JSONValue, call: CallContext) async throws -> ConnectorResult {
        throw JunctionError.invalidInput("\(Self.spec.type) connectors have no resources to invoke.")
    }
}
