import Foundation
import JunctionCore
import NIOCore
import NIOPosix
import NIOSSL

/// Where and how an `smtp` connector sends.
struct SMTPSettings: Sendable {
    var host: String
    var port: Int
    /// TLS from the first byte (`smtps://`, port 465).
    var implicitTLS: Bool
    /// STARTTLS is required on a plain connection (false only for a trusted local relay).
    var requireSTARTTLS: Bool
    var tls: NIOSSLContext?
    var helo: String
    var username: String?
    var password: String?
    var from: MailMessage.Mailbox
    var maximumBytes: Int

    /// `SMTP server host:port`, for messages.
    var context: String { "SMTP server \(host):\(port)" }
}

/// One server answer: its code and its lines.
struct SMTPReply: Sendable {
    var code: Int
    var lines: [String]

    var text: String { lines.joined(separator: " ") }
    var isPositive: Bool { (200..<400).contains(code) }

    /// The failure this answer is at `stage` (`MAIL`, `RCPT`, …): authentication refusals
    /// are `authentication_failed`, 4xx answers transient (retryable), 5xx permanent.
    func failure(_ stage: String, context: String) -> JunctionError {
        let details: JSONValue = ["smtp_code": .integer(code), "stage": .string(stage)]
        let message = "\(context) answered \(code) to \(stage): \(text.prefix(500))"
        switch code {
        case 530, 534, 535, 538, 454 where stage == "AUTH":
            return JunctionError(.authenticationFailed, message, details: details)
        case 400..<500:
            return JunctionError(.upstreamError, message, retryable: true, details: details)
        default:
            return JunctionError(.upstreamError, message, details: details)
        }
    }
}

/// A hand-written SMTP client (RFC 5321) on SwiftNIO: one connection per call, EHLO,
/// STARTTLS or implicit TLS, AUTH PLAIN or LOGIN, then the caller's commands, then QUIT.
struct SMTPSession {
    private var replies: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    private let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    private let channel: any Channel
    private let settings: SMTPSettings
    /// The server's EHLO keywords (`STARTTLS`, `AUTH`, `SIZE`, …) with their parameters.
    private(set) var capabilities: [String: String] = [:]

    /// Connects to the checked address, greets, secures and logs in, then runs `body`.
    static func with<T: Sendable>(
        _ settings: SMTPSettings, addressGuard: AddressGuard, _ body: (inout SMTPSession) async throws -> T
    ) async throws -> T {
        let address = try await addressGuard.check(host: settings.host)
        let serverName = IPAddressBytes.parse(settings.host) == nil ? settings.host : nil
        let implicit = settings.implicitTLS ? settings.tls : nil
        let connection = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(10))
            .connect(host: address.map(IPAddressBytes.format) ?? settings.host, port: settings.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let implicit {
                        try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: implicit, serverHostname: serverName))
                    }
                    try channel.pipeline.syncOperations.addHandler(ReplyLines())
                    return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        let channel = connection.channel
        return try await withTaskCancellationHandler {
            try await connection.executeThenClose { inbound, outbound in
                var session = SMTPSession(
                    replies: inbound.makeAsyncIterator(), outbound: outbound, channel: channel, settings: settings)
                try await session.open(serverName: serverName)
                let result = try await body(&session)
                _ = try? await session.command("QUIT")
                return result
            }
        } onCancel: {
            channel.close(promise: nil)
        }
    }

    private init(
        replies: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator, outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>,
        channel: any Channel, settings: SMTPSettings
    ) {
        self.replies = replies
        self.outbound = outbound
        self.channel = channel
        self.settings = settings
    }

    /// The greeting, EHLO, STARTTLS (then EHLO again) and AUTH.
    private mutating func open(serverName: String?) async throws {
        let greeting = try await reply()
        guard greeting.code == 220 else { throw greeting.failure("the greeting", context: settings.context) }
        try await hello()
        if !settings.implicitTLS, let tls = settings.tls {
            if capabilities["STARTTLS"] != nil {
                let channel = channel
                let context = settings.context
                try await channel.eventLoop.submit { try channel.pipeline.syncOperations.handler(type: ReplyLines.self).holdAfterNextReply() }.get()
                let ready = try await command("STARTTLS")
                guard ready.code == 220 else { throw ready.failure("STARTTLS", context: settings.context) }
                try await channel.eventLoop.submit {
                    let lines = try channel.pipeline.syncOperations.handler(type: ReplyLines.self)
                    // Anything sent after 220 arrived in plain text: refuse it, or it would read as protected.
                    guard lines.isDrained else {
                        throw JunctionError(.tlsError, "\(context) sent data after agreeing to STARTTLS (a possible injection); the connection was dropped.")
                    }
                    try channel.pipeline.syncOperations.addHandler(
                        try NIOSSLClientHandler(context: tls, serverHostname: serverName), position: .first)
                    lines.resume()
                }.get()
                try await hello()
            } else if settings.requireSTARTTLS {
                throw JunctionError(
                    .tlsError,
                    "\(settings.context) does not offer STARTTLS, which this connector requires (options.starttls; turn it off only for a trusted local relay).")
            }
        }
        if let username = settings.username, let password = settings.password { try await authenticate(username, password) }
    }

    private mutating func hello() async throws {
        let answer = try await command("EHLO " + settings.helo)
        guard answer.code == 250 else { throw answer.failure("EHLO", context: settings.context) }
        capabilities = [:]
        for line in answer.lines.dropFirst() {
            let parts = line.split(separator: " ", maxSplits: 1)
            guard let keyword = parts.first else { continue }
            capabilities[keyword.uppercased()] = parts.count > 1 ? String(parts[1]) : ""
        }
    }

    private mutating func authenticate(_ username: String, _ password: String) async throws {
        let mechanisms = Set((capabilities["AUTH"] ?? "").uppercased().split(separator: " ").map(String.init))
        if mechanisms.contains("PLAIN") {
            let token = Data(([0] + Array(username.utf8) + [0] + Array(password.utf8))).base64EncodedString()
            let answer = try await command("AUTH PLAIN " + token, shown: "AUTH PLAIN [redacted]")
            guard answer.code == 235 else { throw answer.failure("AUTH", context: settings.context) }
        } else if mechanisms.contains("LOGIN") {
            var answer = try await command("AUTH LOGIN")
            guard answer.code == 334 else { throw answer.failure("AUTH", context: settings.context) }
            answer = try await command(Data(username.utf8).base64EncodedString())
            guard answer.code == 334 else { throw answer.failure("AUTH", context: settings.context) }
            answer = try await command(Data(password.utf8).base64EncodedString())
            guard answer.code == 235 else { throw answer.failure("AUTH", context: settings.context) }
        } else {
            throw JunctionError(
                .authenticationFailed,
                mechanisms.isEmpty
                    ? "\(settings.context) offers no login on this connection (no AUTH after EHLO); it may want TLS first."
                    : "\(settings.context) offers only \(mechanisms.sorted().joined(separator: ", ")); Junction logs in with PLAIN or LOGIN.")
        }
    }

    /// Sends one command line and reads the answer. `shown` is how the command may appear in
    /// errors (never a secret).
    @discardableResult
    mutating func command(_ line: String, shown: String? = nil) async throws -> SMTPReply {
        var buffer = channel.allocator.buffer(capacity: line.utf8.count + 2)
        buffer.writeString(line)
        buffer.writeString("\r\n")
        try await outbound.write(buffer)
        return try await reply()
    }

    /// Sends the message body after a 354 and reads the answer to its final `.`.
    mutating func data(_ message: [UInt8]) async throws -> SMTPReply {
        var buffer = channel.allocator.buffer(capacity: message.count + 3)
        buffer.writeBytes(message)
        buffer.writeString(".\r\n")
        try await outbound.write(buffer)
        return try await reply()
    }

    /// Reads one (possibly multi-line) answer.
    mutating func reply() async throws -> SMTPReply {
        var lines: [String] = []
        while true {
            guard var line = try await replies.next() else {
                throw JunctionError(.connectionReset, "\(settings.context) closed the connection.", retryable: false)
            }
            let text = line.readString(length: line.readableBytes) ?? ""
            guard text.utf8.count >= 3, let code = Int(text.prefix(3)) else {
                throw JunctionError(.upstreamError, "\(settings.context) does not speak SMTP (it sent '\(text.prefix(80))').")
            }
            lines.append(String(text.dropFirst(4)))
            if text.utf8.count < 4 || text.dropFirst(3).first != "-" { return SMTPReply(code: code, lines: lines) }
            guard lines.count < 1000 else { throw JunctionError(.upstreamError, "\(settings.context) sent an endless answer.") }
        }
    }
}

/// Splits the server's stream into lines (CRLF or LF), at most 4 KiB each. Before STARTTLS
/// it can hold back everything after the next reply, so that nothing sent in plain text
/// after the server's 220 is ever read as part of the protected session.
final class ReplyLines: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private var buffer = ByteBuffer()
    private var awaitingReply = false
    private var holding = false

    /// Stops passing lines on once the next reply is complete.
    func holdAfterNextReply() {
        awaitingReply = true
    }

    /// Whether nothing is held back.
    var isDrained: Bool { buffer.readableBytes == 0 }

    /// Passes lines on again (TLS is in place).
    func resume() {
        holding = false
        awaitingReply = false
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        buffer.writeBuffer(&incoming)
        while !holding, let end = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) {
            var line = buffer.readSlice(length: end - buffer.readerIndex + 1)!
            line.moveWriterIndex(to: line.writerIndex - 1)
            if line.readableBytesView.last == UInt8(ascii: "\r") { line.moveWriterIndex(to: line.writerIndex - 1) }
            // A reply's last line has a space (or nothing) after its code.
            let last = line.readableBytes <= 3 || line.getInteger(at: line.readerIndex + 3, as: UInt8.self) != UInt8(ascii: "-")
            context.fireChannelRead(wrapInboundOut(line))
            if awaitingReply && last {
                awaitingReply = false
                holding = true
            }
        }
        buffer.discardReadBytes()
        if buffer.readableBytes > 4096 && !holding {
            context.fireErrorCaught(JunctionError(.upstreamError, "The SMTP server sent a line of over 4 KiB."))
            context.close(promise: nil)
        }
    }
}
