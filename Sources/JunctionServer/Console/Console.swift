import HTTPTypes
import Hummingbird

/// The web console: server-rendered pages under `/console` over the REST API (see `ConsoleAPI`),
/// signed in with an API key (see `ConsoleSessions`).
struct Console: Sendable {
    let gate: ConsoleGate
    /// The largest API description the import page accepts.
    let importLimit: Int

    func register(on router: Router<JunctionRequestContext>) {
        let routes = ConsoleRoutes(router: router, gate: gate)
        let api = gate.api
        SessionPages(gate: gate).register(on: routes)
        OverviewPage(api: api).register(on: routes)
        ConnectorPages(api: api).register(on: routes)
        CredentialPages(api: api).register(on: routes)
        OAuthAppPages(api: api, publicURL: gate.publicURL).register(on: routes)
        TemplatePages(api: api, importReader: gate.forms.limited(to: importLimit)).register(on: routes)
        ToolPages(api: api).register(on: routes)
        AgentPages(api: api).register(on: routes)
        RunPages(api: api).register(on: routes)
        DeliveryPages(api: api).register(on: routes)
        ApprovalPages(api: api).register(on: routes)
        AuditPages(api: api).register(on: routes)
        KeyPages(api: api).register(on: routes)
    }
}
