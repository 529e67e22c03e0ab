import Foundation
import HTTPTypes
import JunctionCore
import JunctionServer
import JunctionTesting
import Testing

/// Clients that hold connections without finishing their requests are let go: the idle
/// timeout closes a connection whose headers or body stop coming, and the body timeout answers
/// 408 to a body that trickles in.
struct SlowClientTests {
    static func configure(_ configuration: inout ServerConfiguration) {
        configuration.idleTimeout = .milliseconds(300)
        configuration.requestBodyTimeout = .milliseconds(800)
    }

    static let head = "POST /api/v1/tenants HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"

    @Test func headersThatStopComingCloseTheConnection() async throws {
        try await withJunction(configure: Self.configure) { junction in
            let port = try #require(junction.port)
            let outcome = try await SlowClient.converse(port: port, parts: [Self.head], pause: .zero, waitingAtMost: .seconds(15))
            #expect(outcome.closedByServer)
        }
    }

    @Test func aBodyShorterThanItsLengthClosesTheConnection() async throws {
        try await withJunction(configure: Self.configure) { junction in
            let port = try #require(junction.port)
            let outcome = try await SlowClient.converse(
                port: port, parts: [Self.head + "Content-Length: 100\r\n\r\n{\"name\":"], pause: .zero, waitingAtMost: .seconds(15))
            #expect(outcome.closedByServer)
        }
    }

    @Test func aBodyThatTricklesInIsAnsweredWithRequestTimeout() async throws {
        try await withJunction(configure: Self.configure) { junction in
            let port = try #require(junction.port)
            let body = Array("{\"name\": \"acme-slow\"}")
            // One byte every 100 ms: never idle for 300 ms, but 2 s in all, past the 800 ms body timeout.
            let parts = [Self.head + "Authorization: Bearer \(junction.adminKey)\r\nContent-Length: \(body.count)\r\n\r\n"] + body.map(String.init)
            let outcome = try await SlowClient.converse(port: port, parts: parts, pause: .milliseconds(100), waitingAtMost: .seconds(15))
            #expect(outcome.received.hasPrefix("HTTP/1.1 408"), "\(outcome.received.prefix(300))")
            #expect(outcome.received.contains("request_timeout"))
        }
    }

    /// A head that keeps coming a byte at a time is never idle: the header timeout cuts it off.
    @Test func aHeadSentAByteAtATimeIsCutOffAtTheHeaderTimeout() async throws {
        try await withJunction(configure: { $0.requestHeaderTimeout = .milliseconds(500) }) { junction in
            let port = try #require(junction.port)
            // 100 bytes, one every 100 ms: 10 s in all, while the idle timeout is 30 s.
            let parts = Array("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + String(repeating: "a", count: 60)).map(String.init)
            let outcome = try await SlowClient.converse(port: port, parts: parts, pause: .milliseconds(100), waitingAtMost: .seconds(5))
            #expect(outcome.closedByServer)
            #expect(outcome.received.isEmpty, "closed, not answered: \(outcome.received.prefix(200))")
            let metrics = try await junction.request(.get, "/metrics", key: nil)
            #expect(metrics.text.contains(#"junction_connections_closed_total{reason="header_timeout"} 1"#))

            // A head sent at once, however long the connection waited before it, is answered.
            let prompt = try await HeldConnection(port: port)
            try await Task.sleep(for: .seconds(1))
            try await prompt.send("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            try await Self.eventually { prompt.received.hasPrefix("HTTP/1.1 200") }
            await prompt.close()
        }
    }

    /// Past max_connections each new connection closes the one idle the longest; a busy one is
    /// never closed, and a new client is served.
    @Test func pastTheConnectionLimitTheLongestIdleConnectionsMakeWay() async throws {
        try await UpstreamServer.with { upstream in
            try await withJunction(configure: { $0.maxConnections = 8 }) { junction in
                let tenant = try await junction.createTenant("acme")
                let crm: JSONValue = [
                    "connector_name": "crm", "connector_type": "http", "connection_url": .string(upstream.url), "max_retries": 0,
                    "options": ["resources": [["slug": "slow", "path": "/slow?ms=1500"]]],
                ]
                #expect(try await junction.request(.post, "/api/v1/connectors", key: tenant.key, json: crm).status == .created)
                let port = try #require(junction.port)
                // The harness's own connections are idle now, and older than any below.
                let busy = try await HeldConnection(port: port)
                try await busy.send("""
                    POST /api/v1/connectors/crm/resources/slow/invoke HTTP/1.1\r\nHost: 127.0.0.1\r\n\
                    Authorization: Bearer \(tenant.key)\r\nContent-Length: 0\r\n\r\n
                    """)
                try await Self.eventually { upstream.count("slow") == 1 }
                var idle: [HeldConnection] = []
                for _ in 0..<11 {
                    idle.append(try await HeldConnection(port: port))
                    try await Task.sleep(for: .milliseconds(20))
                }
                // 12 opened past the harness's: at most 8 open, so the 4 idle the longest of ours went.
                try await Self.eventually { !idle[3].isOpen }
                try await Task.sleep(for: .milliseconds(200))
                #expect(idle.map(\.isOpen) == Array(repeating: false, count: 4) + Array(repeating: true, count: 7))
                #expect(busy.isOpen, "a connection with a request under way is not closed")

                let health = try await SlowClient.converse(
                    port: port, parts: ["GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"], pause: .zero,
                    waitingAtMost: .seconds(5))
                #expect(health.received.hasPrefix("HTTP/1.1 200"), "\(health.received.prefix(200))")
                try await Self.eventually { busy.received.contains("\"success\":true") }
                #expect(busy.received.hasPrefix("HTTP/1.1 200"))
                // The harness's pooled connections were closed too: a fresh one reads the metrics.
                let metrics = try await SlowClient.converse(
                    port: port, parts: ["GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"], pause: .zero,
                    waitingAtMost: .seconds(5))
                #expect(metrics.received.contains("junction_connections_closed_total{reason=\"idle_evicted\"}"))
                for connection in idle + [busy] { await connection.close() }
            }
        }
    }

    /// Waits up to 10 s for `condition`.
    static func eventually(_ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while try await !condition() {
            guard ContinuousClock.now < deadline else { throw HarnessError("the condition did not hold within 10 s") }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}
