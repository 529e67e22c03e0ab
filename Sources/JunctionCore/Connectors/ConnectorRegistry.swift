/// The connector types a Junction server knows, by type name.
///
/// A type is registered either with its implementation or, while its execution is not
/// available in this build, with its spec alone (connectors of it can be configured and
/// validated but not run).
public struct ConnectorRegistry: Sendable {
    private struct Entry: Sendable {
        var spec: ConnectorSpec
        var implementation: (any Connector.Type)?
    }

    private var entries: [String: Entry] = [:]

    /// An empty registry.
    public init() {}

    /// Registers a connector type with its implementation.
    public mutating func register(_ type: any Connector.Type) {
        entries[type.spec.type] = Entry(spec: type.spec, implementation: type)
    }

    /// Registers a type by its spec alone.
    public mutating func register(spec: ConnectorSpec) {
        entries[spec.type] = Entry(spec: spec, implementation: entries[spec.type]?.implementation)
    }

    /// The spec of the type named `type`, if registered.
    public func spec(for type: String) -> ConnectorSpec? {
        entries[type]?.spec
    }

    /// The implementation of the type named `type`, if one is registered.
    public func implementation(for type: String) -> (any Connector.Type)? {
        entries[type]?.implementation
    }

    /// Whether a connector of `type` in `mode` receives requests at `/hooks/{connector_id}`:
    /// its type is `RequestReceiving` and receives events in that mode.
    public func receivesRequests(type: String, mode: String?) -> Bool {
        guard let entry = entries[type], entry.spec.receivesEvents(inMode: mode) else { return false }
        return entry.implementation is any RequestReceiving.Type
    }

    /// Every registered spec, sorted by type name.
    public var specs: [ConnectorSpec] {
        entries.values.map(\.spec).sorted { $0.type < $1.type }
    }
}
