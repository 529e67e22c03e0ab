import Foundation
import HTTPTypes
import JunctionCore
import JunctionServer
import JunctionTesting
import Testing

/// Cron connectors firing on a short schedule against the real scheduler.
struct CronTests {
    @Test func aCronConnectorStartsRunsWithItsPromptOnSchedule() async throws {
        try await UpstreamServer.with { upstream in
            try await withJunction { junction in
                let tenant = try await junction.createTenant("acme")
                #expect(try await junction.request(.post, "/api/v1/connectors", key: tenant.key, json: RunAPITests.crm(upstream)).status == .created)
                let agent: JSONValue = [
                    "name": "digest", "type": "workflow",
                    "steps": [["id": "look", "connector": "crm", "resource": "get-customer", "data": ["id": "all"]]],
                    "output": ["asked": "{{input}}"],
                ]
                #expect(try await junction.request(.post, "/api/v1/agents", key: tenant.key, json: agent).status == .created)
                let cron = try await junction.request(.post, "/api/v1/connectors", key: tenant.key, json: [
                    "connector_name": "every-second", "connector_type": "cron",
                    "options": ["schedule": "* * * * * *", "timezone": "Europe/Berlin", "prompt": "Summarise the day."],
                ])
                #expect(cron.status == .created, "\(cron.text)")
                #expect(try await junction.request(.post, "/api/v1/agents/digest/links/every-second", key: tenant.key).status == .created)

                let deadline = ContinuousClock.now + .seconds(20)
                var runs: [JSONValue] = []
                while ContinuousClock.now < deadline {
                    runs = try await junction.request(.get, "/api/v1/runs?connector=every-second&status=completed", key: tenant.key)
                        .json["runs"]?.arrayValue ?? []
                    if runs.count >= 2 { break }
                    try await Task.sleep(for: .milliseconds(100))
                }
                try #require(runs.count >= 2, "two ticks fired within 20 s")
                #expect(runs.allSatisfy { $0["trigger"] == ["kind": "cron", "connector": "every-second"] })
                #expect(runs.allSatisfy { $0["input"] == "Summarise the day." })
                #expect(runs.allSatisfy { $0["output"] == ["asked": "Summarise the day."] })
                let seconds = runs.compactMap { $0["created_at"]?.stringValue?.prefix(19) }
                #expect(Set(seconds).count == runs.count, "one run per tick: no second has two")
            }
        }
    }

    @Test func cronConnectorsAreValidated() async throws {
        try await withJunction { junction in
            let tenant = try await junction.createTenant("acme")
            func create(_ options: JSONValue, url: String? = nil) async throws -> JunctionHarness.Answer {
                var body: [String: JSONValue] = ["connector_name": "tick", "connector_type": "cron", "options": options]
                body["connection_url"] = url.map(JSONValue.string)
                return try await junction.request(.post, "/api/v1/connectors", key: tenant.key, json: .object(body))
            }
            #expect(try await create([:]).errorField == "options.schedule")
            #expect(try await create(["schedule": "every day"]).errorField == "options.schedule")
            #expect(try await create(["schedule": "0 9 * * *", "timezone": "Moon/Base"]).errorField == "options.timezone")
            #expect(try await create(["schedule": "0 9 * * *", "catch_up": "all"]).errorField == "options.catch_up")
            #expect(try await create(["schedule": "0 9 * * *"], url: "https://example.com").errorField == "connection_url")
            let created = try await create(["schedule": "0 9 * * MON-FRI", "timezone": "Europe/Berlin"])
            #expect(created.status == .created)
            #expect(created.json["options"]?["catch_up"] == "once")
        }
    }
}
