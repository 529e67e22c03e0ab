import Foundation
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
}
