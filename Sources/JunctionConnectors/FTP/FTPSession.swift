import Foundation
import JunctionCore
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

/// Where and how an `ftp` connector logs in.
struct FTPSettings: Sendable {
    var host: String
    var port: Int
    /// TLS from the first byte (`ftps://`, port 990).
    var implicitTLS: Bool
    /// `AUTH TLS` is required on a plain connection (false only for a trusted network).
    var requireTLS: Bool
    var tls: NIOSSLContext?
    var username: String
    var password: String

    var context: String { "FTP server \(host):\(port)" }
}

/// One FTP server answer.
struct FTPReply: Sendable {
    var code: Int
    var lines: [String]

    var text: String { lines.joined(separator: " ") }

    /// The failure this answer is to `command` about `path`: 530 `authentication_failed`,
    /// 550 on a missing path `not_found`, 4xx retryable, 5xx not.
    func failure(_ command: String, path: String? = nil, context: String) -> JunctionError {
        let details: JSONValue = ["ftp_code": .integer(code), "command": .string(command)]
        let message = "\(context) answered \(code) to \(command)\(path.map { " \($0)" } ?? ""): \(text.prefix(300))"
        switch code {
        case 530, 532: return JunctionError(.authenticationFailed, message, details: details)
        case 550 where path != nil && Self.meansMissing(text):
            return JunctionError(.notFound, "No such file or directory: \(path!).", field: "data.path", details: details)
        case 400..<500: return JunctionError(.upstreamError, message, retryable: true, details: details)
        default: return JunctionError(.upstreamError, message, details: details)
        }
    }

    private static func meansMissing(_ text: String) -> Bool {
        let lowered = text.lowercased()
        return lowered.contains("no such") || lowered.contains("not found") || lowered.contains("does not exist") || lowered.contains("not exist")
    }
}

/// A hand-written FTP client (RFC 959, RFC 4217 for FTPS, RFC 2428 EPSV, RFC 3659 MLSD/MLST)
/// on SwiftNIO: one control connection per session, passive data connections (TLS-protected
/// with `PROT P` when the control connection is), binary transfers.
actor FTPSession: RemoteFiles {
    private let control: any Channel
    /// The data connection of the transfer in progress, closed by `abort()` too.
    private let transfer = Mutex<(any Channel)?>(nil)
    private let replies: NIOLoopBound<FTPReplyHandler>
    private let endpoint: Endpoint
    /// TLS for data connections: set once the control connection is protected (PROT P).
    private var tls: NIOSSLContext?
    private let context: String
    private var supportsMLSD = true

    /// The host and checked address data connections go to (the control connection's, never
    /// the one a PASV answer names: a server cannot point Junction elsewhere).
    struct Endpoint: Sendable {
        var host: String
        var address: String
    }

    nonisolated var isClosed: Bool { !control.isActive }

    nonisolated func abort() {
        transfer.withLock { $0 }?.close(promise: nil)
        control.close(promise: nil)
    }

    /// Says QUIT without waiting for the answer (a dropped connection would never give one) and closes.
    func close() async {
        var buffer = control.allocator.buffer(capacity: 6)
        buffer.writeString("QUIT\r\n")
        try? await control.writeAndFlush(buffer)
        try? await control.close()
    }

    private init(control: any Channel, replies: NIOLoopBound<FTPReplyHandler>, endpoint: Endpoint, context: String) {
        self.control = control
        self.replies = replies
        self.endpoint = endpoint
        self.context = context
    }

    /// Connects, secures the control connection, logs in and sets binary mode.
    static func open(_ settings: FTPSettings, addressGuard: AddressGuard) async throws -> FTPSession {
        let checked = try await addressGuard.check(host: settings.host)
        let address = checked.map(IPAddressBytes.format) ?? settings.host
        let serverName = IPAddressBytes.parse(settings.host) == nil ? settings.host : nil
        let implicit = settings.implicitTLS ? settings.tls : nil
        let control = try await TCPConnection.open(address: address, port: settings.port, context: settings.context) { channel in
            if let implicit {
                try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: implicit, serverHostname: serverName))
            }
            try channel.pipeline.syncOperations.addHandler(FTPReplyHandler())
        }
        do {
            return try await withTaskCancellationHandler {
                let replies = try await control.eventLoop.submit {
                    NIOLoopBound(try control.pipeline.syncOperations.handler(type: FTPReplyHandler.self), eventLoop: control.eventLoop)
                }.get()
                let session = FTPSession(
                    control: control, replies: replies, endpoint: Endpoint(host: settings.host, address: address), context: settings.context)
                try await session.start(settings, serverName: serverName)
                return session
            } onCancel: {
                control.close(promise: nil)
            }
        } catch {
            try? await control.close()
            if error is CancellationError || Task.isCancelled { throw CancellationError() }
            throw error
        }
    }

    private func start(_ settings: FTPSettings, serverName: String?) async throws {
        let greeting = try await reply()
        guard greeting.code == 220 else { throw greeting.failure("the greeting", context: context) }
        var secured = settings.implicitTLS
        if !settings.implicitTLS, let tls = settings.tls {
            let answer = try await command("AUTH TLS")
            if answer.code == 234 {
                let control = control
                let replies = replies
                let context = context
                try await control.eventLoop.submit {
                    // Anything the server sent after 234 arrived in plain text: refuse it, or it would read as protected.
                    guard replies.value.isDrained else {
                        throw JunctionError(.tlsError, "\(context) sent data after agreeing to TLS (a possible injection); the connection was dropped.")
                    }
                    try control.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: tls, serverHostname: serverName), position: .first)
                }.get()
                secured = true
            } else if settings.requireTLS {
                throw JunctionError(
                    .tlsError, "\(context) does not offer AUTH TLS (\(answer.code) \(answer.text.prefix(100))), which this connector requires (options.tls; none only on a trusted network).")
            }
        }
        var login = try await command("USER " + settings.username)
        if login.code == 331 { login = try await command("PASS " + settings.password, shown: "PASS [redacted]") }
        guard login.code == 230 else {
            if login.code == 430 { throw JunctionError(.authenticationFailed, "\(context) refused the login of \(settings.username).") }
            throw login.failure("the login", context: context)
        }
        if secured {
            _ = try await command("PBSZ 0")
            let protect = try await command("PROT P")
            guard protect.code == 200 else { throw protect.failure("PROT P", context: context) }
            tls = settings.tls
        }
        let binary = try await command("TYPE I")
        guard binary.code == 200 else { throw binary.failure("TYPE I", context: context) }
    }

    // MARK: Control connection

    @discardableResult
    private func command(_ line: String, shown: String? = nil) async throws -> FTPReply {
        guard !line.contains("\r"), !line.contains("\n") else {
            throw JunctionError.invalidInput("A path may not hold line breaks.", field: "data.path")
        }
        var buffer = control.allocator.buffer(capacity: line.utf8.count + 2)
        buffer.writeString(line + "\r\n")
        let replies = replies
        let control = control
        let context = context
        return try await control.eventLoop.flatSubmit {
            guard control.isActive else {
                return control.eventLoop.makeFailedFuture(JunctionError(.connectionReset, "\(context) closed the connection.", retryable: true))
            }
            let answer = replies.value.next(on: control.eventLoop)
            control.writeAndFlush(buffer, promise: nil)
            return answer
        }.get()
    }

    private func reply() async throws -> FTPReply {
        let replies = replies
        let control = control
        return try await control.eventLoop.flatSubmit { replies.value.next(on: control.eventLoop) }.get()
    }

    // MARK: Data connections

    /// Opens a passive data connection (EPSV, else PASV) to the control connection's address.
    private func passive() async throws -> DataConnection {
        var port: Int?
        let extended = try await command("EPSV")
        if extended.code == 229, let open = extended.text.firstIndex(of: "("), let close = extended.text.lastIndex(of: ")") {
            port = Int(extended.text[extended.text.index(after: open)..<close].split(separator: "|").last ?? "")
        }
        if port == nil {
            let classic = try await command("PASV")
            guard classic.code == 227, let open = classic.text.firstIndex(of: "("), let close = classic.text.lastIndex(of: ")") else {
                throw classic.failure("PASV", context: context)
            }
            let numbers = classic.text[classic.text.index(after: open)..<close].split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard numbers.count == 6 else { throw JunctionError(.upstreamError, "\(context) sent a malformed PASV answer.") }
            port = numbers[4] * 256 + numbers[5]
        }
        guard let port, (1...65535).contains(port) else { throw JunctionError(.upstreamError, "\(context) named no data port.") }
        let data = try await DataConnection.open(
            host: endpoint.address, port: port, tls: tls, serverName: IPAddressBytes.parse(endpoint.host) == nil ? endpoint.host : nil,
            context: context)
        transfer.withLock { $0 = data.channel }
        return data
    }

    /// Closes a transfer's data connection (done, or given up).
    private func finish(_ data: DataConnection) {
        data.channel.close(promise: nil)
        transfer.withLock { $0 = nil }
    }

    /// Runs a transfer command whose data arrives on a data connection, after `restart`
    /// (REST, sent last before the command); answers the bytes (at most `limit` + 1).
    private func download(_ line: String, restart: Int = 0, path: String, limit: Int) async throws -> Data {
        let data = try await passive()
        defer { finish(data) }
        if restart > 0 {
            let marker = try await command("REST \(restart)")
            guard marker.code == 350 else { throw marker.failure("REST", path: path, context: context) }
        }
        let started = try await command(line)
        guard started.code == 125 || started.code == 150 else {
            // A refused transfer may leave the restart marker: clear it for the session's next transfer.
            if restart > 0 { _ = try? await command("REST 0") }
            throw started.failure(String(line.prefix(4)), path: path, context: context)
        }
        let bytes = try await data.readAll(limit: limit)
        let finished = try await reply()
        guard finished.code == 226 || finished.code == 250 || (bytes.count > limit && (finished.code == 426 || finished.code == 451)) else {
            throw finished.failure(String(line.prefix(4)), path: path, context: context)
        }
        return bytes
    }

    // MARK: RemoteFiles

    func list(_ path: String) async throws -> [RemoteEntry] {
        if supportsMLSD {
            let data = try await passive()
            defer { finish(data) }
            let started = try await command("MLSD " + path)
            if started.code == 125 || started.code == 150 {
                let bytes = try await data.readAll(limit: 64 << 20)
                let finished = try await reply()
                guard finished.code == 226 || finished.code == 250 else { throw finished.failure("MLSD", path: path, context: context) }
                return String(decoding: bytes, as: UTF8.self).split(whereSeparator: \.isNewline).compactMap { FTPListing.machine(String($0)) }
                    .filter { $0.kind != .other || !$0.name.isEmpty }
            }
            guard started.code == 500 || started.code == 502 else { throw started.failure("MLSD", path: path, context: context) }
            supportsMLSD = false
        }
        let bytes = try await download("LIST " + path, path: path, limit: 64 << 20)
        return String(decoding: bytes, as: UTF8.self).split(whereSeparator: \.isNewline).compactMap { FTPListing.unix(String($0)) }
    }

    func stat(_ path: String) async throws -> RemoteEntry {
        let name = String(path.split(separator: "/").last ?? "/")
        if supportsMLSD {
            let answer = try await command("MLST " + path)
            if answer.code == 250, let facts = answer.lines.dropFirst().first, var entry = FTPListing.machine(facts.trimmingCharacters(in: .whitespaces)) {
                entry.name = name
                return entry
            }
            if answer.code == 550 { throw answer.failure("MLST", path: path, context: context) }
        }
        // Without MLST: the entry as the parent directory lists it.
        let parent = path.split(separator: "/").dropLast().joined(separator: "/")
        guard let entry = try await list("/" + parent).first(where: { $0.name == name }) else {
            throw JunctionError(.notFound, "No such file or directory: \(path).", field: "data.path")
        }
        return entry
    }

    func read(_ path: String, offset: Int, limit: Int) async throws -> Data {
        try await download("RETR " + path, restart: offset, path: path, limit: limit)
    }

    func write(_ path: String, data: Data, overwrite: Bool) async throws {
        if !overwrite {
            let size = try await command("SIZE " + path)
            if size.code == 213 { throw JunctionError(.conflict, "\(path) exists (overwrite is false).", field: "data.path") }
        }
        let connection = try await passive()
        defer { finish(connection) }
        let started = try await command("STOR " + path)
        guard started.code == 125 || started.code == 150 else { throw started.failure("STOR", path: path, context: context) }
        try await connection.send(data)
        let finished = try await reply()
        guard finished.code == 226 || finished.code == 250 else { throw finished.failure("STOR", path: path, context: context) }
    }

    func remove(_ path: String, directory: Bool) async throws {
        let answer = try await command((directory ? "RMD " : "DELE ") + path)
        guard answer.code == 250 else { throw answer.failure(directory ? "RMD" : "DELE", path: path, context: context) }
    }

    func rename(_ from: String, to: String) async throws {
        let first = try await command("RNFR " + from)
        guard first.code == 350 else { throw first.failure("RNFR", path: from, context: context) }
        let second = try await command("RNTO " + to)
        guard second.code == 250 else { throw second.failure("RNTO", path: to, context: context) }
    }

    func makeDirectory(_ path: String) async throws {
        let answer = try await command("MKD " + path)
        guard answer.code == 257 || answer.code == 250 else { throw answer.failure("MKD", path: path, context: context) }
    }
}

/// One passive data connection: its bytes read until the server closes it, or written and closed.
struct DataConnection: Sendable {
    let channel: any Channel
    let received: NIOLoopBound<DataCollector>

    static func open(host: String, port: Int, tls: NIOSSLContext?, serverName: String?, context: String) async throws -> DataConnection {
        let channel = try await TCPConnection.open(address: host, port: port, context: "the data port of \(context)") { channel in
            if let tls { try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: tls, serverHostname: serverName)) }
            try channel.pipeline.syncOperations.addHandler(DataCollector())
        }
        let received = try await channel.eventLoop.submit {
            NIOLoopBound(try channel.pipeline.syncOperations.handler(type: DataCollector.self), eventLoop: channel.eventLoop)
        }.get()
        return DataConnection(channel: channel, received: received)
    }

    /// Everything until the server closes the connection, or the first `limit` + 1 bytes.
    func readAll(limit: Int) async throws -> Data {
        let received = received
        let channel = channel
        return try await channel.eventLoop.flatSubmit { received.value.all(limit: limit, on: channel) }.get()
    }

    func send(_ data: Data) async throws {
        var buffer = channel.allocator.buffer(capacity: data.count)
        buffer.writeBytes(data)
        try await channel.writeAndFlush(buffer)
        try await close()
    }

    func close() async {
        try? await channel.close()
    }
}

/// Collects a data connection's bytes until it closes (or past a limit, when it is closed).
final class DataCollector: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private var bytes = Data()
    private var limit = Int.max
    private var done: EventLoopPromise<Data>?
    private var finished = false

    func all(limit: Int, on channel: any Channel) -> EventLoopFuture<Data> {
        self.limit = limit
        if finished || bytes.count > limit { return channel.eventLoop.makeSucceededFuture(bytes) }
        let promise = channel.eventLoop.makePromise(of: Data.self)
        done = promise
        return promise.futureResult
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        bytes.append(contentsOf: buffer.readableBytesView)
        if bytes.count > limit {
            done?.succeed(bytes)
            done = nil
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        finished = true
        done?.succeed(bytes)
        done = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A TLS data connection the server closes without close_notify still delivered its bytes.
        if let error = error as? NIOSSLError, case .uncleanShutdown = error { return }
        done?.fail(error)
        done = nil
        context.close(promise: nil)
    }
}

/// Splits the control connection into replies (`123-first … 123 last`, or one `123 text` line)
/// and hands each to the next waiting caller, in order.
final class FTPReplyHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private var buffer = ByteBuffer()
    private var pending: [FTPReply] = []
    private var current: FTPReply?
    private var waiting: [EventLoopPromise<FTPReply>] = []
    private var closed = false

    func next(on eventLoop: any EventLoop) -> EventLoopFuture<FTPReply> {
        if !pending.isEmpty { return eventLoop.makeSucceededFuture(pending.removeFirst()) }
        if closed { return eventLoop.makeFailedFuture(JunctionError(.connectionReset, "The FTP server closed the connection.", retryable: true)) }
        let promise = eventLoop.makePromise(of: FTPReply.self)
        waiting.append(promise)
        return promise.futureResult
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        buffer.writeBuffer(&incoming)
        while let end = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) {
            var line = buffer.readString(length: end - buffer.readerIndex + 1) ?? ""
            while line.hasSuffix("\n") || line.hasSuffix("\r") { line.removeLast() }
            take(line)
        }
        buffer.discardReadBytes()
        if buffer.readableBytes > 8192 {
            errorCaught(context: context, error: JunctionError(.upstreamError, "The FTP server sent a line of over 8 KiB."))
        }
    }

    /// Whether nothing is waiting to be read (no reply queued, no partial line): checked before TLS starts.
    var isDrained: Bool { pending.isEmpty && current == nil && buffer.readableBytes == 0 }

    private func take(_ line: String) {
        let code = line.count >= 3 ? Int(line.prefix(3)) : nil
        // A reply's last line is its code and a space (or the code alone).
        let separator = line.dropFirst(3).first ?? " "
        if var reply = current {
            let last = code == reply.code && separator == " "
            reply.lines.append(String(last ? line.dropFirst(4) : Substring(line)))
            if last { deliver(reply) } else { current = reply }
            return
        }
        guard let code else { return }
        let reply = FTPReply(code: code, lines: [String(line.dropFirst(4))])
        if separator == "-" { current = reply } else { deliver(reply) }
    }

    private func deliver(_ reply: FTPReply) {
        current = nil
        if waiting.isEmpty { pending.append(reply) } else { waiting.removeFirst().succeed(reply) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        closed = true
        for promise in waiting { promise.fail(JunctionError(.connectionReset, "The FTP server closed the connection.", retryable: true)) }
        waiting = []
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        for promise in waiting { promise.fail(error) }
        waiting = []
        context.close(promise: nil)
    }
}

/// Directory listings: MLSD's facts (RFC 3659) and, for servers without it, `ls -l` lines.
enum FTPListing {
    /// `type=file;size=12;modify=20261204213000;perm=r; name`.
    static func machine(_ line: String) -> RemoteEntry? {
        guard let space = line.firstIndex(of: " ") else { return nil }
        let name = String(line[line.index(after: space)...])
        var entry = RemoteEntry(name: name, kind: .other)
        for fact in line[..<space].split(separator: ";") {
            let parts = fact.split(separator: "=", maxSplits: 1)
            guard parts.count == 2 else { continue }
            let value = String(parts[1])
            switch parts[0].lowercased() {
            case "type":
                switch value.lowercased() {
                case "file": entry.kind = .file
                case "dir": entry.kind = .directory
                case "cdir", "pdir": return nil
                case let other where other.contains("slink"): entry.kind = .symlink
                default: entry.kind = .other
                }
            case "size": entry.size = Int(value)
            case "modify": entry.modified = timestamp(value)
            case "unix.mode": entry.permissions = Int(value, radix: 8)
            default: break
            }
        }
        return entry
    }

    /// `-rw-r--r-- 1 owner group 12 Dec 04 21:30 name`.
    static func unix(_ line: String) -> RemoteEntry? {
        let fields = line.split(separator: " ", maxSplits: 8, omittingEmptySubsequences: true)
        guard fields.count == 9, let mode = fields.first, mode.count >= 10 else { return nil }
        var entry = RemoteEntry(name: String(fields[8]), kind: .other)
        switch mode.first {
        case "-": entry.kind = .file
        case "d": entry.kind = .directory
        case "l":
            entry.kind = .symlink
            entry.name = String(entry.name.components(separatedBy: " -> ").first ?? entry.name)
        default: break
        }
        entry.size = Int(fields[4])
        var bits = 0
        for (index, character) in mode.dropFirst().prefix(9).enumerated() where character != "-" { bits |= 1 << (8 - index) }
        entry.permissions = bits
        return entry
    }

    /// `YYYYMMDDHHMMSS[.sss]` in UTC.
    static func timestamp(_ text: String) -> Date? {
        let digits = text.prefix(14)
        guard digits.count == 14, digits.allSatisfy(\.isNumber) else { return nil }
        var components = DateComponents()
        components.timeZone = TimeZone(identifier: "UTC")
        let value = { (start: Int, length: Int) in Int(digits.dropFirst(start).prefix(length)) }
        components.year = value(0, 4)
        components.month = value(4, 2)
        components.day = value(6, 2)
        components.hour = value(8, 2)
        components.minute = value(10, 2)
        components.second = value(12, 2)
        return Calendar(identifier: .gregorian).date(from: components)
    }
}
