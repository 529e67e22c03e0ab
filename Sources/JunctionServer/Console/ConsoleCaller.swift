import HTTPTypes
import Hummingbird
import JunctionCore
import JunctionRuntime

/// Who a console request comes from: the signed-in session, the browser's request and its
/// context (for the in-process API calls made on its behalf).
struct ConsoleCaller: Sendable {
    var active: ConsoleSessions.Active
    var request: Request
    var context: JunctionRequestContext
    /// The tenants the key may act on, for the header's switcher (a tenant key: its own).
    var tenants: [(id: String, name: String)] = []

    var principal: Principal { active.principal }

    /// The tenant the console acts on: a tenant key's own, or the one a platform key chose.
    var tenantID: String? { principal.scope.tenantID ?? active.session.tenantID }

    /// The name of the tenant acted on.
    var tenantName: String? { tenants.first(where: { $0.id == tenantID })?.name }

    /// Whether the key's role is at least `role`.
    func may(_ role: KeyRole) -> Bool { principal.role >= role }
}
