import Foundation
import GRDB
import HTTPTypes
import JunctionClient
import JunctionConnectors
import JunctionCore
import JunctionServer
import JunctionTesting
import Testing

/// Policies, approvals and rate limits through the invoke API, the Swift SDK, MCP and agent runs.
@Suite struct GovernanceTests {
    /// A tenant with the `crm` connector of `InvokeTests` on `upstream`.
    static func setUp(_ junction: JunctionHarness, upstream: UpstreamServer) async throws -> (id: String, key: String) {
        let tenant = try await junction.createTenant("acme")
        let created = try await junction.request(
            .post, "/api/v1/connectors", key: tenant.key, json: InvokeTests.connector("crm", url: upstream.url, extra: ["max_retries": 0]))
        #expect(created.status == .created, "\(created.text)")
        return tenant
    }

    @discardableResult
    static func save(_ junction: JunctionHarness, key: String, _ policy: JSONValue) async throws -> JunctionHarness.Answer {
        let saved = try await junction.request(.put, "/api/v1/policies", key: key, json: policy)
        #expect(saved.status == .ok, "\(saved.text)")
        return saved
    }

    @Test func policiesDecideEveryCallAndSayWhy() async throws {
        try await UpstreamServer.with { upstream in
            try await withJunction { junction in
                let tenant = try await Self.setUp(junction, upstream: upstream)
                let none = try await junction.request(.get, "/api/v1/policies", key: tenant.key)
                #expect(none.json["version"] == 0)
                #expect(none.json["policy"]?["defaults"] == ["read": "allow", "write": "allow"])

                let saved = try await Self.save(junction, key: tenant.key, [
                    "defaults": ["write": "require_approval"],
                    "rules": [
                        ["id": "no-tagged-reads", "effect": "deny", "resource": "get-*", "when": ["data.tags exists"]],
                        ["id": "vip", "effect": "allow", "resource": "create-customer", "when": "data.email matches '*@vip.example'"],
                        ["id": "customer-42", "effect": "deny", "connector": "c*", "when": ["data.path.id in [\"42\"]"]],
                    ],
                ])
                #expect(saved.json["version"] == 1)
                #expect(saved.json["policy"]?["rules"]?.arrayValue?.count == 3)

                #expect(try await InvokeTests.invoke(junction, key: tenant.key, "get-customer", data: ["id": "1"]).status == .ok)
                let tagged = try await InvokeTests.invoke(junction, key: tenant.key, "get-customer", data: ["id": "1", "tags": ["x"]])
                #expect(tagged.status == .forbidden)
                #expect(tagged.json["error"]?["code"] == "policy_denied")
                #expect(tagged.json["error"]?["details"]?["rule"] == "no-tagged-reads")
                #expect(tagged.json["error"]?["message"] == "Policy rule 'no-tagged-reads' denies this call.")
                // The rule on `data.path.id` holds for flat and structured input alike.
                for data: JSONValue in [["id": "42"], ["path": ["id": "42"]]] {
                    let denied = try await InvokeTests.invoke(junction, key: tenant.key, "get-customer", data: data)
                    #expect(denied.json["error"]?["details"]?["rule"] == "customer-42", "\(data)")
                }
                #expect(upstream.count("echo") == 1, "denied calls reach nothing")
                #expect(try await InvokeTests.invoke(junction, key: tenant.key, "create-customer", data: ["email": "ana@vip.example"]).status == .ok)
                let other = try await InvokeTests.invoke(junction, key: tenant.key, "create-customer", data: ["email": "bo@example.com"])
                #expect(other.status == .forbidden)
                #expect(other.json["error"]?["code"] == "approval_required")
                let mocked = try await InvokeTests.invoke(junction, key: tenant.key, "get-customer", data: ["id": "1", "tags": []], options: ["mock": true])
                #expect(mocked.json["error"]?["code"] == "policy_denied", "a mock call is governed too")

                let evaluated = try await junction.request(.post, "/api/v1/policies/evaluate", key: tenant.key, json: [
                    "connector": "crm", "resource": "create-customer", "data": ["email": "bo@example.com"],
                ])
                #expect(evaluated.status == .ok)
                #expect(evaluated.json["effect"] == "require_approval")
                #expect(evaluated.json["rule"] == .null)
                #expect(evaluated.json["kind"] == "write")
                #expect(evaluated.json["version"] == 1)
                #expect(evaluated.json["rules"] == [
                    ["rule": "no-tagged-reads", "matched": false, "failed": "resource"],
                    ["rule": "vip", "matched": false, "failed": "when[0]"],
                    ["rule": "customer-42", "matched": false, "failed": "when[0]"],
                ])
                let draft = try await junction.request(.post, "/api/v1/policies/evaluate", key: tenant.key, json: [
                    "connector": "crm", "resource": "create-customer", "data": ["email": "bo@example.com"], "actor": "agent:helper",
                    "policy": ["rules": [["effect": "deny", "actor": "agent:*"]]],
                ])
                #expect(draft.json["effect"] == "deny")
                #expect(draft.json["version"] == .null)
                #expect(upstream.count("echo") == 2, "evaluating calls nothing")

                // Bad documents are refused naming the member at fault, and change nothing.
                for (bad, field) in [
                    (["rules": [["effect": "deny"], ["effect": "deny", "when": ["amount > 5"]]]], "rules[1].when[0]"),
                    (["rules": [["effect": "maybe"]]], "rules[0].effect"),
                    (["limits": [["connector": "nope", "per_second": 1]]], "limits[0].connector"),
                    (["approvals": ["notify": ["crm"]]], "approvals.notify[0]"),
                    (["rulez": []], "rulez"),
                ] as [(JSONValue, String)] {
                    let refused = try await junction.request(.put, "/api/v1/policies", key: tenant.key, json: bad)
                    #expect(refused.status == .badRequest, "\(bad)")
                    #expect(refused.errorField == field, "\(refused.text)")
                }
                let stale = try await junction.request(.put, "/api/v1/policies?expected_version=0", key: tenant.key, json: [:])
                #expect(stale.status == .conflict)
                #expect(try await junction.request(.get, "/api/v1/policies", key: tenant.key).json["version"] == 1)
                #expect(try await junction.request(.put, "/api/v1/policies?expected_version=1", key: tenant.key, json: [:]).json["version"] == 2)
                let versions = try await junction.request(.get, "/api/v1/policies/versions", key: tenant.key)
                #expect(versions.json["versions"]?.arrayValue?.map { $0["version"] } == [2, 1])
                #expect(versions.json["versions"]?[1]?["rules"] == 3)
                #expect(try await junction.request(.get, "/api/v1/policies/versions/1", key: tenant.key).json["policy"]?["rules"]?[0]?["id"] == "no-tagged-reads")
                #expect(try await junction.request(.get, "/api/v1/policies/versions/9", key: tenant.key).status == .notFound)
                // Version 2 allows everything again.
                #expect(try await InvokeTests.invoke(junction, key: tenant.key, "create-customer", data: ["email": "bo@example.com"]).status == .ok)

                // Another tenant has its own policy.
                let other2 = try await junction.createTenant("globex")
                #expect(try await junction.request(.get, "/api/v1/policies", key: other2.key).json["version"] == 0)
            }
        }
    }

    /// Approving lets exactly that call (same arguments, same caller) through once.
    @Test func anApprovalLetsExactlyTheApprovedCallThroughOnce() async throws {
        try await UpstreamServer.with { upstream in
            try await withJunction { junction in
                let tenant = try await Self.setUp(junction, upstream: upstream)
                try await Self.save(junction, key: tenant.key, ["rules": [["id": "writes", "effect": "require_approval", "kind": "write"]]])
                let call = { (data: JSONValue, key: String) in
                    try await InvokeTests.invoke(junction, key: key, "create-customer", data: data)
                }
                let held = try await call(["email": "ana@example.com"], tenant.key)
                #expect(held.status == .forbidden)
                #expect(held.json["error"]?["code"] == "approval_required")
                #expect(held.json["error"]?["retryable"] == true)
                let details = held.json["error"]?["details"]
                let id = try #require(details?["approval_id"]?.stringValue)
                #expect(details?["rule"] == "writes")
                #expect(details?["url"]?.stringValue == "http://localhost/approvals/\(id)", "linked under the host the request came to")
                #expect(try await call(["email": "ana@example.com"], tenant.key).json["error"]?["details"]?["approval_id"]?.stringValue == id,
                        "asking again is the same approval")
                let changed = try await call(["email": "bo@example.com"], tenant.key)
                let changedID = try #require(changed.json["error"]?["details"]?["approval_id"]?.stringValue)
                #expect(changedID != id, "other arguments need their own approval")

                let pending = try await junction.request(.get, "/api/v1/approvals?status=pending", key: tenant.key)
                #expect(pending.json["approvals"]?.arrayValue?.count == 2)
                let shown = try await junction.request(.get, "/api/v1/approvals/\(id)", key: tenant.key)
                #expect(shown.json["connector"] == "crm")
                #expect(shown.json["resource"] == "create-customer")
                #expect(shown.json["arguments"] == ["email": "ana@example.com"])
                #expect(shown.json["status"] == "pending")
                #expect(upstream.count("echo") == 0)

                let approved = try await junction.request(.post, "/api/v1/approvals/\(id)/approve", key: tenant.key, json: ["reason": "known customer"])
                #expect(approved.json["status"] == "approved")
                #expect(approved.json["reason"] == "known customer")
                #expect(try await junction.request(.post, "/api/v1/approvals/\(id)/deny", key: tenant.key).status == .conflict, "decided once")

                // Another key of the tenant is another caller.
                let second = try await junction.request(.post, "/api/v1/keys", key: tenant.key, json: ["name": "ci"])
                let secondKey = try #require(second.json["api_key"]?.stringValue)
                #expect(try await call(["email": "ana@example.com"], secondKey).json["error"]?["code"] == "approval_required")
                #expect(upstream.count("echo") == 0)

                let through = try await call(["email": "ana@example.com"], tenant.key)
                #expect(through.status == .ok, "\(through.text)")
                #expect(upstream.count("echo") == 1)
                let replay = try await call(["email": "ana@example.com"], tenant.key)
                #expect(replay.json["error"]?["code"] == "approval_required", "an approval is spent by its call")
                #expect(replay.json["error"]?["details"]?["approval_id"]?.stringValue != id)
                #expect(try await junction.request(.get, "/api/v1/approvals/\(id)", key: tenant.key).json["status"] == "used")

                let denied = try await junction.request(.post, "/api/v1/approvals/\(changedID)/deny", key: tenant.key, json: ["reason": "not our customer"])
                #expect(denied.json["status"] == "denied")
                let refused = try await call(["email": "bo@example.com"], tenant.key)
                #expect(refused.json["error"]?["code"] == "policy_denied")
                #expect(refused.json["error"]?["message"]?.stringValue?.contains("not our customer") == true, "\(refused.text)")
                #expect(try await call(["email": "bo@example.com"], tenant.key).json["error"]?["code"] == "approval_required",
                        "after the denial is told, the call may ask again")
                #expect(upstream.count("echo") == 1)

                // An approval binds the sending options too: another credential is another call.
                #expect(try await junction.request(.post, "/api/v1/credentials", key: tenant.key, json: [
                    "name": "other-token", "kind": "bearer", "token": "other-secret-0123456789",
                ]).status == .created)
                let first = try await call(["email": "cy@example.com"], tenant.key)
                let firstID = try #require(first.json["error"]?["details"]?["approval_id"]?.stringValue)
                #expect(try await junction.request(.post, "/api/v1/approvals/\(firstID)/approve", key: tenant.key).status == .ok)
                let swapped = try await InvokeTests.invoke(
                    junction, key: tenant.key, "create-customer", data: ["email": "cy@example.com"], options: ["credential": "other-token"])
                #expect(swapped.json["error"]?["code"] == "approval_required", "approved without that credential")
                #expect(swapped.json["error"]?["details"]?["approval_id"]?.stringValue != firstID)
                let withCredential = try await junction.request(.get, "/api/v1/approvals/\(swapped.json["error"]?["details"]?["approval_id"]?.stringValue ?? "")", key: tenant.key)
                #expect(withCredential.json["credential"] == "other-token")

                // A call refused before it runs (here by a rate limit) does not use the approval up.
                try await GovernanceTests.save(junction, key: tenant.key, [
                    "rules": [["id": "writes", "effect": "require_approval", "kind": "write"]], "limits": [["connector": "crm", "per_minute": 1]],
                ])
                #expect(try await InvokeTests.invoke(junction, key: tenant.key, "get-customer", data: ["id": "1"]).status == .ok)
                let limited = try await call(["email": "cy@example.com"], tenant.key)
                #expect(limited.json["error"]?["code"] == "rate_limited")
                #expect(try await junction.request(.get, "/api/v1/approvals/\(firstID)", key: tenant.key).json["status"] == "approved")
                try await GovernanceTests.save(junction, key: tenant.key, ["rules": [["id": "writes", "effect": "require_approval", "kind": "write"]]])
                #expect(try await call(["email": "cy@example.com"], tenant.key).status == .ok, "the approval still lets the call through")
                #expect(upstream.count("echo") == 3)

                // Another tenant sees none of it.
                let globex = try await junction.createTenant("globex")
                #expect(try await junction.request(.get, "/api/v1/approvals/\(id)", key: globex.key).status == .notFound)
                #expect(try await junction.request(.post, "/api/v1/approvals/\(id)/approve", key: globex.key).status == .notFound)

                let audit = try await junction.request(.get, "/api/v1/audit?action=approval.request,approval.approve,approval.deny", key: tenant.key)
                #expect(Set((audit.json["events"]?.arrayValue ?? []).compactMap { $0["action"]?.stringValue })
                        == ["approval.request", "approval.approve", "approval.deny"])
                let invokes = try await junction.request(.get, "/api/v1/audit?action=connector.invoke&outcome=ok", key: tenant.key)
                let spent = (invokes.json["events"]?.arrayValue ?? []).compactMap { $0["details"]?["approval_id"]?.stringValue }
                #expect(spent == [firstID, id], "each call that went through names the approval it spent")
                #expect(invokes.json["events"]?[0]?["details"]?["policy_rule"] == "writes")
            }
        }
    }

    @Test func theApprovalPageShowsTheCallAndTakesADecisionWithAKey() async throws {
        try await UpstreamServer.with { upstream in
            try await withJunction { junction in
                let tenant = try await Self.setUp(junction, upstream: upstream)
                try await Self.save(junction, key: tenant.key, ["defaults": ["write": "require_approval"]])
                let held = try await InvokeTests.invoke(junction, key: tenant.key, "post-default", data: ["note": "<b>ana</b>"])
                let id = try #require(held.json["error"]?["details"]?["approval_id"]?.stringValue)
                let page = try await junction.request(.get, "/approvals/\(id)", key: nil)
                #expect(page.status == .ok)
                #expect(page.headers[.contentType] == "text/html; charset=utf-8")
                #expect(page.headers[HTTPField.Name("X-Frame-Options")!] == "DENY")
                #expect(page.text.contains("post-default"))
                #expect(page.text.contains("&lt;b&gt;ana&lt;/b&gt;"), "arguments are escaped")
                #expect(!page.text.contains("<b>ana"))
                #expect(try await junction.request(.get, "/approvals/apr_nope", key: nil).status == .notFound)

                let form = ["Content-Type": "application/x-www-form-urlencoded"]
                let headers = HTTPFields(form.map { HTTPField(name: HTTPField.Name($0.key)!, value: $0.value) })
                let globex = try await junction.createTenant("globex")
                let wrong = try await junction.request(
                    .post, "/approvals/\(id)", key: nil, raw: "api_key=\(globex.key)&decision=approve", headers: headers)
                #expect(wrong.status == .forbidden)
                let missing = try await junction.request(.post, "/approvals/\(id)", key: nil, raw: "api_key=\(tenant.key)", headers: headers)
                #expect(missing.status == .badRequest)
                let decided = try await junction.request(
                    .post, "/approvals/\(id)", key: nil, raw: "api_key=\(tenant.key)&decision=approve&reason=ok+by+me", headers: headers)
                #expect(decided.status == .ok)
                #expect(decided.text.contains("Approval approved"))
                let approval = try await junction.request(.get, "/api/v1/approvals/\(id)", key: tenant.key)
                #expect(approval.json["status"] == "approved")
                #expect(approval.json["reason"] == "ok by me")
                let again = try await junction.request(
                    .post, "/approvals/\(id)", key: nil, raw: "api_key=\(tenant.key)&decision=deny", headers: headers)
                #expect(again.status == .conflict)
            }
        }
    }

    @Test func anApprovalExpiresUndecided() async throws {
        try await UpstreamServer.with { upstream in
            try await withJunction { junction in
                let tenant = try await Self.setUp(junction, upstream: upstream)
                try await Self.save(junction, key: tenant.key, ["defaults": ["write": "require_approval"], "approvals": ["ttl_ms": 1000]])
                let held = try await InvokeTests.invoke(junction, key: tenant.key, "create-customer", data: ["email": "ana@example.com"])
                let id = try #require(held.json["error"]?["details"]?["approval_id"]?.stringValue)
                try await Task.sleep(for: .milliseconds(1300))
                let late = try await junction.request(.post, "/api/v1/approvals/\(id)/approve", key: tenant.key)
                #expect(late.status == .conflict)
                #expect(late.json["error"]?["message"]?.stringValue?.contains("expired") == true)
                let expired = try await junction.request(.get, "/api/v1/approvals?status=expired", key: tenant.key)
                #expect(expired.json["approvals"]?.arrayValue?.map { $0["id"] } == [.string(id)])
                let again = try await InvokeTests.invoke(junction, key: tenant.key, "create-customer", data: ["email": "ana@example.com"])
                #expect(again.json["error"]?["details"]?["approval_id"]?.stringValue != id, "a new request replaces the expired one")
            }
        }
    }

    /// 50 callers at once through the SDK (real concurrent HTTP): the limits hold exactly.
    @Test func rateLimitsAndConcurrencyCapsAreExactUnderConcurrency() async throws {
        try await UpstreamServer.with { upstream in
            try await withJunction { junction in
                let tenant = try await Self.setUp(junction, upstream: upstream)
                let sdk = Junction(url: junction.baseURL, apiKey: tenant.key)
                func burst(_ count: Int, _ resource: String, _ data: JSONValue) async throws -> [Envelope] {
                    try await withThrowingTaskGroup(of: Envelope.self) { group in
                        for _ in 0..<count {
                            group.addTask { try await sdk.connector("crm", resource, data, options: Junction.InvokeOptions(timeout: .seconds(20))) }
                        }
                        return try await group.reduce(into: []) { $0.append($1) }
                    }
                }
                // One token every 10 s: the 50 calls find exactly the bucket's 6.
                try await Self.save(junction, key: tenant.key, ["limits": [["connector": "crm", "per_minute": 6]]])
                let calls = try await burst(50, "get-customer", ["id": "1"])
                #expect(calls.filter(\.success).count == 6)
                let refused = calls.filter { !$0.success }
                #expect(refused.count == 44)
                #expect(refused.allSatisfy { $0.error?.code == .rateLimited })
                #expect((refused.first?.error?.details?["retry_after_ms"]?.intValue ?? 0) > 0)
                #expect(upstream.count("echo") == 6)
                let answer = try await InvokeTests.invoke(junction, key: tenant.key, "get-customer", data: ["id": "1"])
                #expect(answer.status == .tooManyRequests)
                #expect(answer.headers[.retryAfter] != nil)

                // Three calls in flight at most; the rest are refused at once.
                try await Self.save(junction, key: tenant.key, ["limits": [["max_in_flight": 3]]])
                let slow = try await burst(20, "slow", ["ms": 3000])
                #expect(slow.filter(\.success).count == 3, "\(slow.compactMap(\.error).first.map { "\($0.code): \($0.message)" } ?? "")")
                #expect(upstream.count("slow") == 3)

                // With a queue, calls over the rate wait their turn instead.
                try await Self.save(junction, key: tenant.key, ["limits": [["per_second": 5, "burst": 1, "queue_ms": 5000]]])
                let queued = try await burst(5, "get-customer", ["id": "2"])
                #expect(queued.filter(\.success).count == 5)

                let metrics = try await junction.request(.get, "/metrics", key: nil)
                #expect(metrics.text.contains("junction_rate_limited_total"))
                #expect(metrics.text.contains("junction_rate_limit_waits_total"))
            }
        }
    }

    /// A workflow run waits for its write step's approval, durably: the server restarts, the
    /// approval is granted, and the run goes on from that step (the first step is not repeated).
    @Test func aWorkflowRunWaitsForApprovalAcrossARestart() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("junction-test-\(UUID().uuidString)", isDirectory: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try await UpstreamServer.with { upstream in
            let (key, runID) = try await withJunction(dataDirectory: directory) { junction in
                let tenant = try await junction.createTenant("acme")
                #expect(try await junction.request(.post, "/api/v1/connectors", key: tenant.key, json: RunAPITests.crm(upstream)).status == .created)
                #expect(try await junction.request(.post, "/api/v1/agents", key: tenant.key, json: RunAPITests.workflow(upstream)).status == .created)
                try await Self.save(junction, key: tenant.key, ["defaults": ["write": "require_approval"]])
                let started = try await junction.request(.post, "/api/v1/agents/onboard/runs", key: tenant.key, json: ["input": ["customer_id": "c-7"]])
                let runID = try #require(started.json["id"]?.stringValue)
                let waiting = try await Self.waiting(runID, junction, key: tenant.key)
                #expect(waiting["status"] == "waiting_approval")
                #expect(waiting["trace"]?.arrayValue?.last?["waiting_for"] == waiting["approval_id"])
                #expect(upstream.count("echo") == 1, "the lookup ran; the write waits")
                let approvals = try await junction.request(.get, "/api/v1/approvals?run_id=\(runID)", key: tenant.key)
                #expect(approvals.json["approvals"]?[0]?["actor"] == "agent:onboard")
                #expect(approvals.json["approvals"]?[0]?["id"] == waiting["approval_id"])
                return (tenant.key, runID)
            }
            try await withJunction(dataDirectory: directory) { junction in
                let run = try await junction.request(.get, "/api/v1/runs/\(runID)", key: key).json
                #expect(run["status"] == "waiting_approval", "the wait outlived the server")
                let approvalID = try #require(run["approval_id"]?.stringValue)
                #expect(try await junction.request(.post, "/api/v1/approvals/\(approvalID)/approve", key: key).status == .ok)
                let finished = try await RunAPITests.finished(runID, in: junction, key: key)
                #expect(finished["status"] == "completed", "\(finished)")
                #expect(finished["output"]?["note"] == "Welcome, customer c-7 (GET)")
                #expect(upstream.count("echo") == 2, "the lookup was not repeated")
                #expect(finished["attempts"] == 1)

                // A denied approval fails the run with the reason.
                let started = try await junction.request(.post, "/api/v1/agents/onboard/runs", key: key, json: ["input": ["customer_id": "c-8"]])
                let second = try #require(started.json["id"]?.stringValue)
                let waiting = try await Self.waiting(second, junction, key: key)
                let denied = try #require(waiting["approval_id"]?.stringValue)
                #expect(try await junction.request(.post, "/api/v1/approvals/\(denied)/deny", key: key, json: ["reason": "no"]).status == .ok)
                let failed = try await RunAPITests.finished(second, in: junction, key: key)
                #expect(failed["status"] == "failed")
                #expect(failed["error"]?["code"] == "policy_denied")

                // An agent edited while its run waits: the run does not go on with other steps.
                let third = try #require(try await junction.request(
                    .post, "/api/v1/agents/onboard/runs", key: key, json: ["input": ["customer_id": "c-9"]]).json["id"]?.stringValue)
                let held = try #require(try await Self.waiting(third, junction, key: key)["approval_id"]?.stringValue)
                var edited = RunAPITests.workflow(upstream).objectValue ?? [:]
                let extra: JSONValue = ["id": "extra", "connector": "crm", "resource": "get-customer", "data": ["id": "x"]]
                edited["steps"] = .array([extra] + (edited["steps"]?.arrayValue ?? []))
                let replaced = try await junction.request(.put, "/api/v1/agents/onboard", key: key, json: .object(edited))
                #expect(replaced.status == .ok, "\(replaced.text)")
                #expect(try await junction.request(.post, "/api/v1/approvals/\(held)/approve", key: key).status == .ok)
                let stopped = try await RunAPITests.finished(third, in: junction, key: key)
                #expect(stopped["error"]?["code"] == "conflict", "\(stopped)")
                #expect(upstream.count("echo") == 4, "nothing more was called")
            }
        }
    }

    /// Waits until run `id` waits for an approval.
    static func waiting(_ id: String, _ junction: JunctionHarness, key: String) async throws -> JSONValue {
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            let run = try await junction.request(.get, "/api/v1/runs/\(id)", key: key).json
            if run["status"] == "waiting_approval" { return run }
            if run["status"] == "completed" || run["status"] == "failed" { throw HarnessError("run \(id) ended without waiting: \(run)") }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw HarnessError("run \(id) did not wait for an approval within 20 s")
    }

    /// A model key bound to its provider's host is not sent to another `base_url`.
    @Test func anLLMAgentSendsABoundKeyToNoOtherHost() async throws {
        try await UpstreamServer.with { upstream in
            try await ScriptedServer.with(script: []) { model in
                try await withJunction { junction in
                    let key = try await LLMAgentTests.setUp(junction, upstream: upstream, model: "openai/gpt-test", base: model.url + "/v1")
                    #expect(try await junction.request(.post, "/api/v1/credentials", key: key, json: [
                        "name": "openai-key", "kind": "api_key", "value": "sk-bound-0123456789", "allowed_hosts": ["api.openai.com"],
                    ]).status == .created)
                    let agent: JSONValue = [
                        "name": "helper", "type": "llm", "model": "openai/gpt-test", "base_url": .string(model.url + "/v1"),
                        "credential": "openai-key", "tools": ["crm__get-customer"],
                    ]
                    #expect(try await junction.request(.put, "/api/v1/agents/helper", key: key, json: agent).status == .ok)
                    let run = try await LLMAgentTests.run(junction, key: key)
                    #expect(run["status"] == "failed")
                    #expect(run["error"]?["code"] == "policy_denied", "\(run)")
                    #expect(model.received.isEmpty, "the key went nowhere")
                }
            }
        }
    }

    /// An `llm` run whose tool call needs approval stops, then goes on with the same transcript:
    /// the model is not asked again for the turn that called the tool.
    @Test func anLLMRunWaitsForApprovalAndGoesOnWithItsTranscript() async throws {
        let script: [ScriptedServer.Answer] = [
            .init(["choices": [["message": [
                "role": "assistant", "content": nil,
                "tool_calls": [
                    ["id": "call_1", "type": "function", "function": ["name": "crm__get-customer", "arguments": "{\"id\":\"c-9\"}"]],
                    ["id": "call_2", "type": "function", "function": ["name": "crm__create-note", "arguments": "{\"text\":\"hello\"}"]],
                ],
            ], "finish_reason": "tool_calls"]], "usage": ["prompt_tokens": 10, "completion_tokens": 5]]),
            .init(["choices": [["message": ["role": "assistant", "content": "{\"summary\":\"noted\"}"], "finish_reason": "stop"]],
                   "usage": ["prompt_tokens": 20, "completion_tokens": 3]]),
        ]
        try await UpstreamServer.with { upstream in
            try await ScriptedServer.with(script: script) { model in
                try await withJunction { junction in
                    let key = try await LLMAgentTests.setUp(
                        junction, upstream: upstream, model: "openai/gpt-test", base: model.url + "/v1",
                        agent: ["tools": ["crm__get-customer", "crm__create-note"]])
                    try await Self.save(junction, key: key, ["rules": [["effect": "require_approval", "resource": "create-note"]]])
                    let started = try await junction.request(.post, "/api/v1/agents/helper/runs", key: key, json: ["input": ["customer": "c-9"]])
                    let runID = try #require(started.json["id"]?.stringValue)
                    let waiting = try await Self.waiting(runID, junction, key: key)
                    #expect(model.received.count == 1)
                    #expect(upstream.count("echo") == 1, "the read ran, the write waits")
                    let approvalID = try #require(waiting["approval_id"]?.stringValue)
                    #expect(try await junction.request(.get, "/api/v1/approvals/\(approvalID)", key: key).json["arguments"] == ["text": "hello"])
                    #expect(try await junction.request(.post, "/api/v1/approvals/\(approvalID)/approve", key: key).status == .ok)
                    let run = try await RunAPITests.finished(runID, in: junction, key: key)
                    #expect(run["status"] == "completed", "\(run)")
                    #expect(run["output"] == ["summary": "noted"])
                    #expect(run["usage"] == ["input_tokens": 30, "output_tokens": 8])
                    #expect(upstream.count("echo") == 2, "the read was not repeated")
                    let requests = model.received
                    try #require(requests.count == 2, "the model was not asked again for the waiting turn")
                    let messages = requests[1].json["messages"]?.arrayValue ?? []
                    #expect(messages.count == 5)
                    #expect(messages[2]["tool_calls"]?.arrayValue?.count == 2)
                    #expect(messages[3]["tool_call_id"] == "call_1")
                    #expect(messages[4]["tool_call_id"] == "call_2")
                    #expect(LLMAgentTests.steps(run) == ["model", "tool", "tool", "tool", "model"], "the waiting call and its retry are both traced")
                }
            }
        }
    }
}

/// Governance as the official MCP Python SDK meets it: a call held for approval names the page
/// to open, and goes through once approved; a rule on the MCP client's name holds.
@Suite(.enabled(if: PythonPeer.isAvailable, "needs JUNCTION_TEST_PYTHON with the mcp package (scripts/test sets it)"))
struct GovernanceMCPTests {
    @Test(arguments: [MCPClientDriver.Mode.modern, .legacy])
    func anMCPCallWaitsForApprovalThenGoesThrough(_ mode: MCPClientDriver.Mode) async throws {
        try await UpstreamServer.with { upstream in
            try await withJunction { junction in
                let tenant = try await MCPServerTests.prepare(junction, upstream: upstream)
                try await GovernanceTests.save(junction, key: tenant.key, [
                    "rules": [
                        ["id": "writes", "effect": "require_approval", "resource": "create-customer"],
                        ["id": "no-sdk-reads", "effect": "deny", "client": "junction-test-*", "resource": "get-customer"],
                    ],
                ])
                try await MCPModernTests.client(junction, key: tenant.key, mode: mode).use { client in
                    let held = try await client.callTool("crm__create-customer", arguments: ["email": "rui@example.com"])
                    #expect(held["result"]?["isError"] == true, "\(held)")
                    let text = held["result"]?["content"]?[0]?["text"]?.stringValue ?? ""
                    #expect(text.hasPrefix("approval_required: "), "\(text)")
                    let page = junction.baseURL + "/approvals/"
                    let link = try #require(text.range(of: page + "apr_").map { text[$0.lowerBound...] }, "linked under the host the client called")
                    let id = String(link.dropFirst(page.count).prefix { $0 != " " })
                    #expect(upstream.count("echo") == 0)
                    #expect(try await junction.request(.post, "/api/v1/approvals/\(id)/approve", key: tenant.key).status == .ok)
                    let through = try await client.callTool("crm__create-customer", arguments: ["email": "rui@example.com"])
                    #expect(through["result"]?["isError"] == false, "\(through)")
                    #expect(upstream.count("echo") == 1)

                    let denied = try await client.callTool("crm__get-customer", arguments: ["id": "1"])
                    #expect(denied["result"]?["content"]?[0]?["text"]?.stringValue?.hasPrefix("policy_denied: Policy rule 'no-sdk-reads'") == true,
                            "the test client names itself junction-test-client: \(denied)")
                }
                let audit = try await junction.request(.get, "/api/v1/audit?action=connector.invoke&outcome=policy_denied", key: tenant.key)
                #expect(audit.json["events"]?[0]?["details"]?["client"] == "junction-test-client")
            }
        }
    }
}

/// Key roles on every route, allow-lists in every surface, and credentials bound to where they may go.
@Suite struct ScopedKeyTests {
    static func key(_ junction: JunctionHarness, _ admin: String, _ body: JSONValue) async throws -> String {
        let created = try await junction.request(.post, "/api/v1/keys", key: admin, json: body)
        #expect(created.status == .created, "\(created.text)")
        return try #require(created.json["api_key"]?.stringValue)
    }

    @Test func rolesDecideWhichRoutesAKeyMayUse() async throws {
        try await UpstreamServer.with { upstream in
            try await withJunction { junction in
                let tenant = try await GovernanceTests.setUp(junction, upstream: upstream)
                let operatorKey = try await Self.key(junction, tenant.key, ["name": "ops", "role": "operator"])
                let invokeKey = try await Self.key(junction, tenant.key, ["name": "bot", "role": "invoke"])
                let keys = try await junction.request(.get, "/api/v1/keys", key: tenant.key)
                #expect(keys.json["keys"]?.arrayValue?.compactMap { $0["role"]?.stringValue } == ["admin", "operator", "invoke"])

                // (method, path, body, the least role that may)
                let routes: [(HTTPRequest.Method, String, JSONValue?, KeyRole)] = [
                    (.post, "/api/v1/invoke", ["connector": "crm", "resource": "get-customer", "data": ["id": "1"]], .invoke),
                    (.post, "/api/v1/connectors/crm/resources/get-customer/invoke", ["data": ["id": "1"]], .invoke),
                    (.get, "/api/v1/connectors/crm/resources", nil, .invoke),
                    (.get, "/api/v1/tools", nil, .invoke),
                    (.get, "/api/v1/connectors", nil, .operator),
                    (.post, "/api/v1/connectors/crm/test", nil, .operator),
                    (.get, "/api/v1/credentials", nil, .operator),
                    (.get, "/api/v1/agents", nil, .operator),
                    (.get, "/api/v1/runs", nil, .operator),
                    (.get, "/api/v1/audit", nil, .operator),
                    (.get, "/api/v1/audit/verify", nil, .operator),
                    (.get, "/api/v1/policies", nil, .operator),
                    (.get, "/api/v1/approvals", nil, .operator),
                    (.put, "/api/v1/policies", [:], .admin),
                    (.get, "/api/v1/keys", nil, .admin),
                    (.post, "/api/v1/keys", ["name": "x"], .admin),
                ]
                for (method, path, body, least) in routes {
                    for (role, key) in [(KeyRole.invoke, invokeKey), (.operator, operatorKey), (.admin, tenant.key)] {
                        let answer = try await junction.request(method, path, key: key, json: body)
                        if role >= least {
                            #expect(answer.status != .forbidden, "\(role) \(method) \(path): \(answer.text)")
                        } else {
                            #expect(answer.status == .forbidden, "\(role) \(method) \(path): \(answer.status)")
                            #expect(answer.errorCode == "forbidden")
                        }
                    }
                }
                let deleted = try await junction.request(.delete, "/api/v1/keys/\(tenant.key.split(separator: "_")[1])", key: operatorKey)
                #expect(deleted.status == .forbidden, "an operator revokes no key")
                let unlimitable = try await junction.request(
                    .post, "/api/v1/keys", key: tenant.key, json: ["name": "x", "role": "operator", "connectors": ["crm"]])
                #expect(unlimitable.status == .badRequest, "an operator could get around allow-lists")
                let bad = try await junction.request(.post, "/api/v1/keys", key: tenant.key, json: ["name": "x", "role": "owner"])
                #expect(bad.status == .badRequest)
                #expect(bad.errorField == "role")
                let platform = try await junction.request(.post, "/api/v1/keys", key: junction.adminKey, json: ["platform": true, "role": "invoke"])
                #expect(platform.status == .badRequest)
            }
        }
    }

    /// Every documented route under `/api/v1` and `/mcp`, with an `invoke` and an `operator`
    /// key: each is refused by role exactly where this list says it needs more.
    @Test func everyDocumentedRouteNeedsItsRole() async throws {
        let invokeRoutes: Set<String> = [
            "invoke", "invokeResource", "listConnectorResources", "listTools", "listTenants", "mcpPost", "mcpListen", "mcpEndSession",
        ]
        let adminRoutes: Set<String> = [
            "createTenant", "listApiKeys", "createApiKey", "deleteApiKey", "savePolicy", "approveApproval", "denyApproval",
        ]
        let document = try JSONCoding.decode(Array(try Data(contentsOf: ReadmeTourTests.repository
            .appendingPathComponent("Sources/JunctionServer/Resources/openapi.json"))))
        var operations: [(HTTPRequest.Method, String, String)] = []
        for (path, item) in document["paths"]?.objectValue ?? [:] where path.hasPrefix("/api/v1") || path == "/mcp" {
            for (method, operation) in item.objectValue ?? [:] {
                guard let verb = HTTPRequest.Method(method.uppercased()), let id = operation["operationId"]?.stringValue else { continue }
                // Path parameters get values that name nothing: the role is checked before anything is looked up.
                let concrete = path.replacingOccurrences(of: #"\{[a-z_]+\}"#, with: "x-1", options: .regularExpression)
                operations.append((verb, concrete, id))
            }
        }
        #expect(operations.count >= 55, "\(operations.count) documented operations")
        let sorted = operations.sorted { $0.2 < $1.2 }
        try await withJunction { junction in
            let tenant = try await junction.createTenant("acme")
            let invokeKey = try await Self.key(junction, tenant.key, ["name": "bot", "role": "invoke"])
            let operatorKey = try await Self.key(junction, tenant.key, ["name": "ops", "role": "operator"])
            for (method, path, id) in sorted {
                let least: KeyRole = invokeRoutes.contains(id) ? .invoke : adminRoutes.contains(id) ? .admin : .operator
                for (role, key) in [(KeyRole.invoke, invokeKey), (.operator, operatorKey)] {
                    let body: JSONValue? = [.post, .put].contains(method) ? [:] : nil
                    let answer = try await junction.request(method, path, key: key, json: body)
                    let refusedByRole = answer.status == .forbidden && answer.json["error"]?["message"]?.stringValue?.contains("needs") == true
                    #expect(refusedByRole == (role < least), "\(role) key, \(method) \(path) (\(id)): \(answer.status) \(answer.text.prefix(200))")
                }
            }
        }
    }

    @Test func allowListsHoldForInvokeToolListingsAndMCP() async throws {
        try await UpstreamServer.with { upstream in
            try await withJunction { junction in
                let tenant = try await GovernanceTests.setUp(junction, upstream: upstream)
                let narrow = try await Self.key(
                    junction, tenant.key, ["name": "reader", "role": "invoke", "connectors": ["crm"], "resources": ["get-*"]])
                let listed = try await junction.request(.get, "/api/v1/keys", key: tenant.key)
                #expect(listed.json["keys"]?[1]?["resources"] == ["get-*"])
                #expect(try await InvokeTests.invoke(junction, key: narrow, "get-customer", data: ["id": "1"]).status == .ok)
                let outside = try await InvokeTests.invoke(junction, key: narrow, "create-customer", data: ["email": "a@example.com"])
                #expect(outside.status == .forbidden)
                #expect(outside.json["error"]?["code"] == "policy_denied")
                #expect(outside.json["error"]?["details"]?["rule"] == "key_access")
                let tools = try await junction.request(.get, "/api/v1/tools?format=junction", key: narrow)
                #expect(tools.json["tools"]?.arrayValue?.compactMap { $0["name"]?.stringValue } == ["crm__get-customer"])
                let all = try await junction.request(.get, "/api/v1/tools?format=junction", key: tenant.key)
                #expect((all.json["tools"]?.arrayValue?.count ?? 0) > 1)
                #expect(upstream.count("echo") == 1)
            }
        }
    }

    @Test func aCredentialGoesOnlyWhereItIsBound() async throws {
        try await UpstreamServer.with { upstream in
            try await withJunction { junction in
                let tenant = try await junction.createTenant("acme")
                // Bound to the upstream's host and to crm: crm may use it, a look-alike connector to another host may not.
                let bound = try await junction.request(.post, "/api/v1/credentials", key: tenant.key, json: [
                    "name": "crm-token", "kind": "bearer", "token": "bound-secret-0123456789",
                    "allowed_hosts": ["127.0.0.1"], "allowed_connectors": ["crm"],
                ])
                #expect(bound.status == .created, "\(bound.text)")
                #expect(bound.json["allowed_hosts"] == ["127.0.0.1"])
                let crm = InvokeTests.connector("crm", url: upstream.url, credential: "crm-token", extra: ["max_retries": 0])
                #expect(try await junction.request(.post, "/api/v1/connectors", key: tenant.key, json: crm).status == .created)
                let used = try await InvokeTests.invoke(junction, key: tenant.key, "get-customer", data: ["id": "1"])
                #expect(used.status == .ok)
                #expect(used.json["data"]?["headers"]?["authorization"] == "Bearer [redacted]")

                // Another connector reaching the same host through `localhost` is another host.
                let elsewhere = upstream.url.replacingOccurrences(of: "127.0.0.1", with: "localhost")
                #expect(try await junction.request(
                    .post, "/api/v1/connectors", key: tenant.key, json: InvokeTests.connector("exfil", url: elsewhere, extra: ["max_retries": 0])
                ).status == .created)
                let borrowed = try await InvokeTests.invoke(
                    junction, key: tenant.key, connector: "exfil", "get-customer", data: ["id": "1"], options: ["credential": "crm-token"])
                #expect(borrowed.status == .forbidden)
                #expect(borrowed.json["error"]?["code"] == "policy_denied")
                #expect(borrowed.json["error"]?["details"]?["rule"] == "credential_binding")
                let moved = try await junction.request(
                    .post, "/api/v1/connectors", key: tenant.key,
                    json: InvokeTests.connector("exfil2", url: elsewhere, credential: "crm-token", extra: ["max_retries": 0]))
                #expect(moved.status == .created)
                let refused = try await InvokeTests.invoke(junction, key: tenant.key, connector: "exfil2", "get-customer", data: ["id": "1"])
                #expect(refused.json["error"]?["code"] == "policy_denied", "\(refused.text)")
                #expect(upstream.count("echo") == 1, "the secret went nowhere else")

                // A template binds the credential to its base URL's host.
                let templated = try await junction.request(.post, "/api/v1/credentials", key: tenant.key, json: [
                    "name": "slack-token", "kind": "bearer", "token": "xoxb-0123456789", "template": "slack",
                ])
                #expect(templated.status == .created, "\(templated.text)")
                #expect(templated.json["allowed_hosts"] == ["slack.com"])
                let unknown = try await junction.request(.post, "/api/v1/credentials", key: tenant.key, json: [
                    "name": "x-token", "kind": "bearer", "token": "t-0123456789", "template": "no-such-template",
                ])
                #expect(unknown.errorField == "template")
            }
        }
    }
}

extension GovernanceMCPTests {
    /// An MCP session of a key limited to some resources lists and calls only those.
    @Test(arguments: [MCPClientDriver.Mode.modern, .legacy])
    func aLimitedKeysSessionSeesOnlyItsTools(_ mode: MCPClientDriver.Mode) async throws {
        try await UpstreamServer.with { upstream in
            try await withJunction { junction in
                let tenant = try await MCPServerTests.prepare(junction, upstream: upstream)
                let limited = try await ScopedKeyTests.key(junction, tenant.key, ["name": "bot", "role": "invoke", "resources": ["get-*"]])
                try await MCPModernTests.client(junction, key: limited, mode: mode).use { client in
                    #expect(try await client.listTools().compactMap { $0["name"]?.stringValue } == ["crm__get-customer"])
                    let hidden = try await client.callTool("crm__create-customer", arguments: ["email": "rui@example.com"])
                    #expect(hidden["code"] == -32602, "a tool outside the key's lists is unknown: \(hidden)")
                    #expect(upstream.count("echo") == 0)
                }
                try await MCPModernTests.client(junction, key: limited, mode: mode, query: "?tools=meta").use { client in
                    let described = try await client.callTool("describe_tool", arguments: ["name": "crm__create-customer"])
                    #expect(described["code"] == -32602, "\(described)")
                }
            }
        }
    }
}

/// Pending approvals are told, signed, to the outbound connectors the policy names.
struct ApprovalNoticeTests {
    @Test func aPendingApprovalIsNoticedToTheNamedOutboundWebhook() async throws {
        try await UpstreamServer.with { upstream in
            try await ScriptedServer.with(script: [.init(status: 204)]) { hook in
                try await withJunction(configure: { $0.publicURL = "https://junction.example.com" }) { junction in
                    let tenant = try await GovernanceTests.setUp(junction, upstream: upstream)
                    let created = try await junction.request(.post, "/api/v1/connectors", key: tenant.key, json: [
                        "connector_name": "ops-hook", "connector_type": "webhook", "mode": "outbound", "connection_url": .string(hook.url + "/approvals"),
                    ])
                    let secret = try #require(created.json["secret"]?.stringValue)
                    try await GovernanceTests.save(junction, key: tenant.key, [
                        "defaults": ["write": "require_approval"], "approvals": ["notify": ["ops-hook"]],
                    ])
                    let held = try await InvokeTests.invoke(junction, key: tenant.key, "create-customer", data: ["email": "ana@example.com"])
                    let id = try #require(held.json["error"]?["details"]?["approval_id"]?.stringValue)
                    #expect(held.json["error"]?["details"]?["url"]?.stringValue == "https://junction.example.com/approvals/\(id)")
                    let delivered = try await OutboundTests.deliveries(junction, key: tenant.key, query: "connector=ops-hook") {
                        $0.first?["status"] == "delivered"
                    }
                    #expect(delivered.count == 1)
                    #expect(delivered[0]["run_id"]?.stringValue == id, "a notice of no run is filed under its approval")
                    let notice = try #require(hook.received.first)
                    #expect(notice.path == "/approvals")
                    #expect(notice.json["event"] == "approval.requested")
                    #expect(notice.json["approval"]?["id"]?.stringValue == id)
                    #expect(notice.json["approval"]?["arguments"] == ["email": "ana@example.com"])
                    #expect(notice.json["approval"]?["url"]?.stringValue == "https://junction.example.com/approvals/\(id)")
                    try WebhookSignature.verify(
                        try #require(notice.headers["x-junction-signature"]), body: notice.body, secret: secret, now: Date(), tolerance: .seconds(300))
                    // Asking again is the same approval: no second notice.
                    _ = try await InvokeTests.invoke(junction, key: tenant.key, "create-customer", data: ["email": "ana@example.com"])
                    #expect(try await junction.request(.get, "/api/v1/deliveries?connector=ops-hook", key: tenant.key).json["deliveries"]?.arrayValue?.count == 1)
                }
            }
        }
    }
}

/// The audit log's hash chain through the API, and its export.
struct AuditChainAPITests {
    @Test func verifyCatchesAnEditedEventAndExportFilters() async throws {
        try await UpstreamServer.with { upstream in
            try await withJunction { junction in
                let tenant = try await GovernanceTests.setUp(junction, upstream: upstream)
                for id in ["1", "2", "3"] {
                    #expect(try await InvokeTests.invoke(junction, key: tenant.key, "get-customer", data: ["id": .string(id)]).status == .ok)
                }
                _ = try await InvokeTests.invoke(junction, key: tenant.key, "nope")
                let intact = try await junction.request(.get, "/api/v1/audit/verify", key: tenant.key)
                #expect(intact.json["valid"] == true, "\(intact.text)")
                #expect((intact.json["events"]?.intValue ?? 0) >= 5)
                let head = try #require(intact.json["head"]?.stringValue)
                let listed = try await junction.request(.get, "/api/v1/audit?limit=1", key: tenant.key)
                #expect(listed.json["events"]?[0]?["digest"]?.stringValue == head, "the newest event's digest is the head")
                #expect(try await junction.request(.get, "/api/v1/audit/verify", key: junction.adminKey).json["valid"] == true,
                        "the platform's own chain")

                let export = try await junction.request(
                    .get, "/api/v1/audit/export?action=connector.invoke&outcome=ok&connector=crm", key: tenant.key)
                #expect(export.status == .ok)
                #expect(export.headers[.contentType] == "application/x-ndjson")
                let lines = export.text.split(separator: "\n").map { try? JSONCoding.decode(Array($0.utf8)) }
                #expect(lines.count == 3)
                #expect(lines.map { $0?["details"]?["outcome"] } == ["ok", "ok", "ok"])
                let sequences = lines.compactMap { $0?["sequence"]?.intValue }
                #expect(sequences == sequences.sorted(), "oldest first")
                let later = try await junction.request(.get, "/api/v1/audit/export?since=2999-01-01T00:00:00Z", key: tenant.key)
                #expect(later.text.isEmpty)
                #expect(try await junction.request(.get, "/api/v1/audit/export?since=yesterday", key: tenant.key).errorField == "since")

                // Someone with the database file edits an event's outcome.
                let database = try DatabaseQueue(path: junction.dataDirectory.appendingPathComponent("junction.sqlite").path)
                try await database.write { db in
                    try db.execute(
                        sql: "UPDATE audit_events SET outcome = 'ok' WHERE sequence = (SELECT MAX(sequence) FROM audit_events WHERE outcome = 'not_found')")
                }
                let tampered = try await junction.request(.get, "/api/v1/audit/verify", key: tenant.key)
                #expect(tampered.json["valid"] == false)
                #expect(tampered.json["problem"]?["message"] == "This event was changed after it was written.")
                #expect(tampered.json["problem"]?["sequence"]?.intValue != nil)
            }
        }
    }
}

/// The governance commands of the CLI, run as the `junction` executable against a live server.
@Suite(.enabled(if: ServeProcessTests.executable != nil, "needs the junction executable built by swift build"))
struct GovernanceCLITests {
    @Test func policiesApprovalsKeysAndTheAuditLogFromTheCommandLine() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("junction-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try await UpstreamServer.with { upstream in
            try await withJunction { junction in
                let tenant = try await GovernanceTests.setUp(junction, upstream: upstream)
                let cli = { (arguments: [String]) in try ServeProcessTests.cli(arguments, url: junction.baseURL, key: tenant.key) }
                let policy = directory.appendingPathComponent("policy.yaml")
                try """
                    defaults: {write: require_approval}
                    rules:
                      - {id: no-tagged, effect: deny, resource: "get-*", when: ["data.tags exists"]}
                    """.write(to: policy, atomically: true, encoding: .utf8)
                let (applied, appliedOut, appliedErr) = try cli(["policies", "apply", policy.path])
                #expect(applied == 0, "\(appliedErr)")
                #expect(appliedOut.contains("Saved policy version 1."))
                let bad = directory.appendingPathComponent("bad.yaml")
                try "rules:\n  - {effect: sometimes}\n".write(to: bad, atomically: true, encoding: .utf8)
                let (refused, _, refusedErr) = try cli(["policies", "apply", bad.path])
                #expect(refused == 1)
                #expect(refusedErr.contains("rules[0].effect"), "\(refusedErr)")
                let (_, evaluated, _) = try cli(["policies", "evaluate", "crm", "get-customer", "--data", #"{"id":"1","tags":["x"]}"#])
                #expect(evaluated.hasPrefix("deny: Policy rule 'no-tagged' denies this call."), "\(evaluated)")

                let held = try await InvokeTests.invoke(junction, key: tenant.key, "create-customer", data: ["email": "ana@example.com"])
                let id = try #require(held.json["error"]?["details"]?["approval_id"]?.stringValue)
                let (listed, listedOut, _) = try cli(["approvals", "list", "--status", "pending"])
                #expect(listed == 0)
                #expect(listedOut.contains(id))
                let (approved, approvedOut, approvedErr) = try cli(["approvals", "approve", id, "--reason", "checked"])
                #expect(approved == 0, "\(approvedErr)")
                #expect(approvedOut.contains("approved"))
                #expect(try await junction.request(.get, "/api/v1/approvals/\(id)", key: tenant.key).json["reason"] == "checked")

                let (_, keyOut, _) = try cli(["keys", "create", "--name", "bot", "--role", "invoke", "--resources", "get-*,list-*", "--json"])
                let key = try JSONCoding.decode(Array(keyOut.utf8))
                #expect(key["role"] == "invoke")
                #expect(key["resources"] == ["get-*", "list-*"])

                let (verified, verifiedOut, _) = try cli(["audit", "verify"])
                #expect(verified == 0)
                #expect(verifiedOut.hasPrefix("The audit log holds:"), "\(verifiedOut)")
                let exported = directory.appendingPathComponent("audit.jsonl")
                let (exportedStatus, _, exportErr) = try cli(["audit", "export", "--action", "approval.approve", "--output", exported.path])
                #expect(exportedStatus == 0, "\(exportErr)")
                let lines = try String(contentsOf: exported, encoding: .utf8).split(separator: "\n")
                #expect(lines.count == 1)
                #expect(lines.first?.contains(#""action":"approval.approve""#) == true)

                let database = try DatabaseQueue(path: junction.dataDirectory.appendingPathComponent("junction.sqlite").path)
                try await database.write { db in
                    try db.execute(sql: "DELETE FROM audit_events WHERE action = 'approval.request'")
                }
                let (tampered, tamperedOut, _) = try cli(["audit", "verify"])
                #expect(tampered == 1, "a broken chain fails the command")
                #expect(tamperedOut.contains("tampered with"), "\(tamperedOut)")
            }
        }
    }
}
