import HTTPTypes
import JunctionCore
import JunctionRuntime

/// The console's sections, in the order of its navigation.
enum ConsoleSection: String, CaseIterable, Sendable {
    case overview, connectors, credentials, templates, tools, agents, runs, deliveries, approvals, audit, keys, tenants

    var title: String {
        switch self {
        case .overview: "Overview"
        case .connectors: "Connectors"
        case .credentials: "Credentials"
        case .templates: "Templates"
        case .tools: "Tools"
        case .agents: "Agents"
        case .runs: "Runs"
        case .deliveries: "Deliveries"
        case .approvals: "Approvals"
        case .audit: "Audit log"
        case .keys: "API keys"
        case .tenants: "Tenants"
        }
    }

    /// Where the section's page is.
    var path: String { self == .overview ? "/console" : "/console/\(rawValue)" }

    /// The heading the section is listed under.
    var group: String {
        switch self {
        case .overview, .connectors, .credentials, .templates, .tools: "Connect"
        case .agents, .runs, .deliveries: "Automate"
        case .approvals, .audit, .keys, .tenants: "Govern"
        }
    }

    /// Whether the section reads a tenant's data (a platform key must choose a tenant first).
    var needsTenant: Bool { self != .overview && self != .tenants && self != .templates }

    /// Whether `caller` sees the section: its role reaches the pages' routes, and a platform
    /// key's section of tenants replaces a tenant key's keys.
    func isShown(to caller: ConsoleCaller) -> Bool {
        switch self {
        case .tenants: caller.principal.isPlatform
        case .keys: !caller.principal.isPlatform && caller.may(.admin)
        case .tools: true
        default: caller.may(.operator)
        }
    }
}
