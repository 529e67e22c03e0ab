import JunctionCore
import JunctionRuntime
import Testing

struct InvokeAdmissionTests {
    static func admission(perServer: Int, perTenant: Int) -> InvokeAdmission {
        var limits = InvokeAdmission.Limits()
        limits.perServer = perServer
        limits.perTenant = perTenant
        return InvokeAdmission(limits: limits)
    }

    @Test func aTenantPastItsLimitIsRefusedWhileOthersAreTaken() throws {
        let admission = Self.admission(perServer: 10, perTenant: 2)
        try admission.enter(tenantID: "acme")
        try admission.enter(tenantID: "acme")
        let refusal = #expect(throws: JunctionError.self) { try admission.enter(tenantID: "acme") }
        #expect(refusal?.code == .rateLimited && refusal?.retryable == true && refusal?.retryAfter == .seconds(1))
        #expect(refusal?.details?["limit"] == "max_invokes_per_tenant")
        try admission.enter(tenantID: "globex")
        admission.leave(tenantID: "acme")
        try admission.enter(tenantID: "acme")
    }

    @Test func theServerPastItsLimitRefusesEveryone() throws {
        let admission = Self.admission(perServer: 3, perTenant: 2)
        try admission.enter(tenantID: "a")
        try admission.enter(tenantID: "b")
        try admission.enter(tenantID: "c")
        let refusal = #expect(throws: JunctionError.self) { try admission.enter(tenantID: "d") }
        #expect(refusal?.code == .unavailable && refusal?.details?["limit"] == "max_invokes_in_flight")
        for tenant in ["a", "b", "c"] { admission.leave(tenantID: tenant) }
        for _ in 0..<2 { try admission.enter(tenantID: "d") }
    }
}
