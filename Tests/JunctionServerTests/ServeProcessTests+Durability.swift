import AsyncHTTPClient
import Foundation
import JunctionCore
import JunctionTesting
import NIOCore
import NIOHTTP1
import Synchronization
import Testing

extension ServeProcessTests {
    /// What one webhook request came to.
    enum Answer: Sendable {
        case answered(runIDs: [String])
        case unanswered
    }

    /// The state the senders of one round share.
    final class SendingRound: Sendable {
        let answers = Mutex<[Int: Answer]>([:])
        let killed = Mutex(false)
        let next = Mutex(0)
    }

    /// POSTs event `n` to `url` with its idempotency key; `unanswered` when no 200 came back.
    static func send(_ n: Int, to url: String, secret: String, client: HTTPClient) async -> Answer {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "X-Junction-Secret", value: secret)
        request.headers.add(name: "Idempotency-Key", value: "event-\(n)")
        request.body = .bytes(ByteBuffer(string: "{\"n\":\(n)}"))
        do {
            let response = try await client.execute(request, timeout: .seconds(30))
            let body = try await response.body.collect(upTo: 1 << 20)
            guard response.status == .ok else { return .unanswered }
            let ids = try JSONCoding.decode(body.readableBytesView)["run_ids"]?.arrayValue?.compactMap(\.stringValue) ?? []
            return .answered(runIDs: ids)
        } catch {
            return .unanswered
        }
    }

    /// Every run of the tenant, paging through the API.
    static func allRuns(url: String, key: String, client: HTTPClient) async throws -> [JSONValue] {
        var runs: [JSONValue] = []
        var after: String?
        while true {
            var request = HTTPClientRequest(url: url + "/api/v1/runs?limit=500" + (after.map { "&after=\($0)" } ?? ""))
            request.headers.add(name: "Authorization", value: "Bearer \(key)")
            let response = try await client.execute(request, timeout: .seconds(30))
            let page = try JSONCoding.decode(try await response.body.collect(upTo: 64 << 20).readableBytesView)["runs"]?.arrayValue ?? []
            runs += page
            guard page.count == 500, let last = page.last?["id"]?.stringValue else { return runs }
            after = last
        }
    }

    @Test(.enabled(if: executable != nil, "needs the junction executable built by swift build"))
    func webhookEventsSurviveKillNineExactlyOncePerLinkedAgent() async throws {
        let events = 2000
        try await UpstreamServer.with { upstream in
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("junction-durable-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let executable = try #require(Self.executable)
            let settings = ["JUNCTION_RUN_LEASE_MS": "1500", "JUNCTION_RUN_WORKERS": "8", "JUNCTION_LOG_LEVEL": "error"]
            let server = try Server(executable: executable, directory: directory, environment: settings)
            let url = try await server.url()
            let adminKey = try String(contentsOf: directory.appendingPathComponent("junction-data/admin.key"), encoding: .utf8)
                .trimmingCharacters(in: .whitespacesAndNewlines)
            let (_, tenantOut, _) = try Self.cli(["tenants", "create", "acme", "--json"], url: url, key: adminKey)
            let key = try #require(try JSONCoding.decode(Array(tenantOut.utf8))["api_key"]?.stringValue)
            #expect(try Self.cli(
                ["connectors", "create", "crm", "--type", "http", "--connection-url", upstream.url, "--max-retries", "0",
                 "--body", #"{"options":{"resources":[{"slug":"note","method":"POST","path":"/echo/notes"}]}}"#],
                url: url, key: key).0 == 0)
            let (_, hookOut, hookErr) = try Self.cli(
                ["connectors", "create", "events", "--type", "webhook", "--mode", "inbound", "--json"], url: url, key: key)
            let hook = try JSONCoding.decode(Array(hookOut.utf8))
            let created = try #require(hook["secret"]?.stringValue, "\(hookOut) \(hookErr)")
            // The CLI rotates the secret; the new one is the one that works from here on.
            let (rotatedStatus, rotatedOut, _) = try Self.cli(["connectors", "rotate-secret", "events", "--json"], url: url, key: key)
            #expect(rotatedStatus == 0)
            let secret = try #require(try JSONCoding.decode(Array(rotatedOut.utf8))["secret"]?.stringValue)
            #expect(secret != created)
            let (listStatus, listOut, _) = try Self.cli(["deliveries", "list"], url: url, key: key)
            #expect(listStatus == 0)
            #expect(listOut.contains("ATTEMPTS"))
            let (redriveStatus, _, redriveErr) = try Self.cli(["deliveries", "redrive", "dlv_nothing"], url: url, key: key)
            #expect(redriveStatus == 1)
            #expect(redriveErr.contains("not_found") || redriveErr.contains("No delivery"), "\(redriveErr)")
            let path = try #require(hook["webhook_url"]?.stringValue.flatMap { URLComponents(string: $0)?.path })
            for agent in ["ledger", "mailer"] {
                let file = directory.appendingPathComponent("\(agent).yaml")
                try """
                    name: \(agent)
                    type: workflow
                    steps:
                      - id: note
                        connector: crm
                        resource: note
                        data: {event: "{{input.n}}"}
                    output: {event: "{{input.n}}"}
                    """.write(to: file, atomically: true, encoding: .utf8)
                #expect(try Self.cli(["agents", "apply", file.path], url: url, key: key).0 == 0)
                #expect(try Self.cli(["agents", "link", agent, "events"], url: url, key: key).0 == 0)
            }

            // A request to the dead server fails at once rather than trying to connect until its deadline.
            var configuration = HTTPClient.Configuration()
            configuration.connectionPool.retryConnectionEstablishment = false
            configuration.timeout.connect = .seconds(2)
            let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
            do {
                try await Self.sendThroughACrash(
                    events: events, server: server, url: url, path: path, secret: secret, key: key, executable: executable,
                    directory: directory, settings: settings, client: client)
            } catch {
                try? await client.shutdown()
                throw error
            }
            try await client.shutdown()
        }
    }

    /// Sends `events` events, kills the server mid-stream, restarts it, sends what was not
    /// answered again, and checks every run.
    static func sendThroughACrash(
        events: Int, server: Server, url: String, path: String, secret: String, key: String, executable: URL, directory: URL,
        settings: [String: String], client: HTTPClient
    ) async throws {

        // 2,000 events from 16 senders; the server is killed once 800 are answered.
        let round = SendingRound()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<16 {
                group.addTask {
                    while true {
                        // After the kill, the rest waits for the restarted server.
                        let n = round.next.withLock { value -> Int? in
                            guard value < events, !round.killed.withLock({ $0 }) else { return nil }
                            defer { value += 1 }
                            return value
                        }
                        guard let n else { return }
                        let delivery = await Self.send(n, to: url + path, secret: secret, client: client)
                        let answered = round.answers.withLock { answers -> Int in
                            answers[n] = delivery
                            return answers.values.filter { if case .answered = $0 { true } else { false } }.count
                        }
                        if answered >= 800, round.killed.withLock({ was in defer { was = true }; return !was }) {
                            try await server.kill9()
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        let firstRound = round.answers.withLock { $0 }
        let answeredBefore = firstRound.filter { if case .answered = $0.value { true } else { false } }
        #expect(answeredBefore.count >= 800)
        #expect(answeredBefore.count < events, "the kill cut the stream short")
        #expect(answeredBefore.values.allSatisfy { if case .answered(let ids) = $0 { ids.count == 2 } else { false } })

        // Restarted, every event not answered is sent again with its key.
        let again = try Server(executable: executable, directory: directory, environment: settings)
        let secondURL = try await again.url()
        var final = firstRound
        for n in 0..<events {
            if case .answered = final[n] { continue }
            final[n] = await Self.send(n, to: secondURL + path, secret: secret, client: client)
        }
        // Answers given before the crash stand: a repeat of their key answers the same runs.
        for (n, delivery) in answeredBefore.prefix(50) {
            let repeated = await Self.send(n, to: secondURL + path, secret: secret, client: client)
            if case .answered(let first) = delivery, case .answered(let second) = repeated { #expect(first == second) } else {
                Issue.record("event \(n) was not answered again")
            }
        }

        // Every run ends; each event has exactly one run per linked agent.
        let deadline = ContinuousClock.now + .seconds(240)
        var runs: [JSONValue] = []
        while ContinuousClock.now < deadline {
            runs = try await Self.allRuns(url: secondURL, key: key, client: client)
            if runs.count == 2 * events, runs.allSatisfy({ $0["status"] == "completed" || $0["status"] == "failed" }) { break }
            try await Task.sleep(for: .milliseconds(500))
        }
        #expect(runs.count == 2 * events, "one run per agent per event, none twice, none partial")
        var perEvent: [Int: [String]] = [:]
        for run in runs {
            perEvent[run["input"]?["n"]?.intValue ?? -1, default: []].append(run["agent_name"]?.stringValue ?? "")
        }
        #expect(perEvent.count == events)
        #expect(perEvent.values.allSatisfy { $0.sorted() == ["ledger", "mailer"] })
        #expect(runs.allSatisfy { $0["status"] == "completed" }, "every run completed")
        let byID = Dictionary(runs.map { ($0["id"]?.stringValue ?? "", $0) }, uniquingKeysWith: { first, _ in first })
        for (n, delivery) in final {
            guard case .answered(let ids) = delivery else {
                Issue.record("event \(n) was never answered")
                continue
            }
            #expect(ids.allSatisfy { byID[$0]?["input"]?["n"]?.intValue == n }, "event \(n)'s answered runs are its own")
        }
        #expect(try await again.terminate() == 0)
    }
}
