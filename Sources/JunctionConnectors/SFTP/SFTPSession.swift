import Foundation
import JunctionCore
import NIOCore
import NIOPosix
import NIOSSH
import Synchronization

/// Where and as whom an `sftp` connector logs in.
struct SFTPSettings: Sendable {
    enum Login: Sendable {
        case password(String)
        case key(NIOSSHPrivateKey)
    }

    var host: String
    var port: Int
    var username: String
    var login: Login
    /// The pinned host key fingerprint (`SHA256:…`); nil: every key is refused, naming its fingerprint.
    var hostKeyFingerprint: String?

    var context: String { "SFTP server \(host):\(port)" }
}

/// One SSH connection running the SFTP subsystem (version 3, draft-ietf-secsh-filexfer-02),
/// written here on swift-nio-ssh: requests carry ids and are answered through promises, so
/// a session can be used by one call at a time or several.
final class SFTPSession: RemoteFiles {
    private let connection: any Channel
    private let channel: any Channel
    private let handler: NIOLoopBound<SFTPPacketHandler>
    private let ids = Atomic<UInt32>(0)
    private let context: String

    var isClosed: Bool { !channel.isActive || !connection.isActive }

    func close() async {
        try? await connection.close()
    }

    func abort() {
        connection.close(promise: nil)
    }

    private init(connection: any Channel, channel: any Channel, handler: NIOLoopBound<SFTPPacketHandler>, context: String) {
        self.connection = connection
        self.channel = channel
        self.handler = handler
        self.context = context
    }

    /// Connects to the checked address, verifies the host key, logs in, opens the subsystem
    /// and agrees on version 3.
    static func open(_ settings: SFTPSettings, addressGuard: AddressGuard) async throws -> SFTPSession {
        let address = try await addressGuard.check(host: settings.host)
        let hostKeys = HostKeyCheck(pinned: settings.hostKeyFingerprint)
        let login = LoginOffer(username: settings.username, login: settings.login)
        let connection = try await TCPConnection.open(
            address: address.map(IPAddressBytes.format) ?? settings.host, port: settings.port, context: settings.context
        ) { channel in
            try channel.pipeline.syncOperations.addHandler(NIOSSHHandler(
                role: .client(.init(userAuthDelegate: login, serverAuthDelegate: hostKeys)),
                allocator: channel.allocator, inboundChildChannelInitializer: nil))
            try channel.pipeline.syncOperations.addHandler(CloseOnError())
        }
        do {
            return try await withTaskCancellationHandler {
                try await subsystem(on: connection, context: settings.context)
            } onCancel: {
                connection.close(promise: nil)
            }
        } catch {
            try? await connection.close()
            if let refusal = hostKeys.refusal(context: settings.context) { throw refusal }
            if login.offered, (error as? JunctionError)?.code == .authenticationFailed || !(error is JunctionError), !(error is CancellationError) {
                throw JunctionError(
                    .authenticationFailed, "\(settings.context) refused the login of \(settings.username) (\(login.method)).", cause: error)
            }
            if error is CancellationError || Task.isCancelled { throw CancellationError() }
            throw SocketFailure.map(error, context: settings.context, safeToRepeat: true)
                ?? JunctionError(.connectionReset, "The SSH session with \(settings.context) failed: \(error).", retryable: true, cause: error)
        }
    }

    /// Opens a session channel on the logged-in connection, starts the sftp subsystem and agrees on version 3.
    private static func subsystem(on connection: any Channel, context: String) async throws -> SFTPSession {
        let child: any Channel = try await connection.eventLoop.flatSubmit {
            let promise = connection.eventLoop.makePromise(of: (any Channel).self)
            // A connection that closes first (a refused host key or login) fails the wait.
            connection.closeFuture.whenComplete { _ in
                promise.fail(JunctionError(.connectionReset, "\(context) closed the connection.", retryable: true))
            }
            do {
                let ssh = try connection.pipeline.syncOperations.handler(type: NIOSSHHandler.self)
                ssh.createChannel(promise, channelType: .session) { child, _ in
                    child.eventLoop.makeCompletedFuture { try child.pipeline.syncOperations.addHandler(SFTPPacketHandler()) }
                }
            } catch {
                promise.fail(error)
            }
            return promise.futureResult
        }.get()
        let handler = try await child.eventLoop.submit {
            NIOLoopBound(try child.pipeline.syncOperations.handler(type: SFTPPacketHandler.self), eventLoop: child.eventLoop)
        }.get()
        let session = SFTPSession(connection: connection, channel: child, handler: handler, context: context)
        try await child.triggerUserOutboundEvent(SSHChannelRequestEvent.SubsystemRequest(subsystem: "sftp", wantReply: true)).get()
        try await session.start()
        return session
    }

    // MARK: The protocol

    private enum Packet {
        static let initialize: UInt8 = 1, version: UInt8 = 2, open: UInt8 = 3, close: UInt8 = 4, read: UInt8 = 5, write: UInt8 = 6
        static let lstat: UInt8 = 7, opendir: UInt8 = 11, readdir: UInt8 = 12, remove: UInt8 = 13, mkdir: UInt8 = 14
        static let rmdir: UInt8 = 15, stat: UInt8 = 17, rename: UInt8 = 18
        static let status: UInt8 = 101, handle: UInt8 = 102, data: UInt8 = 103, name: UInt8 = 104, attrs: UInt8 = 105
    }

    private static let chunk = 32 * 1024

    private func start() async throws {
        var packet = channel.allocator.buffer(capacity: 9)
        packet.writeInteger(UInt32(5))
        packet.writeInteger(Packet.initialize)
        packet.writeInteger(UInt32(3))
        let version = try await exchange(id: 0, packet)
        guard version.type == Packet.version else { throw JunctionError(.upstreamError, "\(context) did not start SFTP.") }
    }

    /// Sends a request of `type` whose body `write` fills (after its id) and awaits the answer.
    private func request(_ type: UInt8, _ write: (inout ByteBuffer) -> Void) async throws -> SFTPPacket {
        let id = ids.wrappingAdd(1, ordering: .relaxed).newValue
        var body = channel.allocator.buffer(capacity: 64)
        body.writeInteger(type)
        body.writeInteger(id)
        write(&body)
        var packet = channel.allocator.buffer(capacity: body.readableBytes + 4)
        packet.writeInteger(UInt32(body.readableBytes))
        packet.writeBuffer(&body)
        return try await exchange(id: id, packet)
    }

    private func exchange(id: UInt32, _ packet: ByteBuffer) async throws -> SFTPPacket {
        let handler = handler
        let channel = channel
        let context = context
        return try await channel.eventLoop.flatSubmit {
            guard channel.isActive else {
                return channel.eventLoop.makeFailedFuture(JunctionError(.connectionReset, "\(context) closed the session.", retryable: true))
            }
            let answer = handler.value.expect(id, on: channel.eventLoop)
            channel.writeAndFlush(SSHChannelData(type: .channel, data: .byteBuffer(packet))).whenFailure { error in
                handler.value.fail(id, error)
            }
            return answer
        }.get()
    }

    /// Throws unless `packet` is an OK status; `path` names what it was about.
    private func checkStatus(_ packet: SFTPPacket, _ path: String) throws {
        guard packet.type == Packet.status else { throw JunctionError(.upstreamError, "\(context) answered out of turn.") }
        var body = packet.body
        let code = body.readInteger(as: UInt32.self) ?? 4
        guard code != 0 else { return }
        throw Self.failure(code, message: body.readSSHString() ?? "", path: path, context: context)
    }

    static func failure(_ code: UInt32, message: String, path: String, context: String) -> JunctionError {
        switch code {
        case 2: return JunctionError(.notFound, "No such file or directory: \(path).", field: "data.path")
        case 3: return JunctionError(.upstreamError, "\(context) denied access to \(path): \(message).", details: ["sftp_status": 3])
        case 1: return JunctionError(.upstreamError, "\(path) ended early.", details: ["sftp_status": 1])
        case 6, 7: return JunctionError(.connectionReset, "\(context) lost the connection: \(message).", retryable: true)
        default: return JunctionError(.upstreamError, "\(context) refused the operation on \(path): \(message.isEmpty ? "failure" : message).",
                                      details: ["sftp_status": .integer(Int(code))])
        }
    }

    private func handle(_ packet: SFTPPacket, _ path: String) throws -> ByteBuffer {
        guard packet.type == Packet.handle else {
            try checkStatus(packet, path)
            throw JunctionError(.upstreamError, "\(context) gave no handle for \(path).")
        }
        var body = packet.body
        guard let handle = body.readSSHBytes() else { throw JunctionError(.upstreamError, "\(context) sent a malformed handle.") }
        return handle
    }

    private func closeHandle(_ handle: ByteBuffer) async {
        _ = try? await request(Packet.close) { $0.writeSSHBytes(handle) }
    }

    func list(_ path: String) async throws -> [RemoteEntry] {
        let handle = try handle(try await request(Packet.opendir) { $0.writeSSHString(path) }, path)
        var entries: [RemoteEntry] = []
        do {
            while entries.count < 100_000 {
                let answer = try await request(Packet.readdir) { $0.writeSSHBytes(handle) }
                if answer.type == Packet.status {
                    var body = answer.body
                    if body.getInteger(at: body.readerIndex, as: UInt32.self) == 1 { break }
                    try checkStatus(answer, path)
                    break
                }
                guard answer.type == Packet.name else { throw JunctionError(.upstreamError, "\(context) answered out of turn.") }
                var body = answer.body
                let count = body.readInteger(as: UInt32.self) ?? 0
                for _ in 0..<count {
                    guard let name = body.readSSHString(), body.readSSHString() != nil else { break }
                    entries.append(Self.attributes(&body, name: name))
                }
            }
        } catch {
            await closeHandle(handle)
            throw error
        }
        await closeHandle(handle)
        return entries
    }

    func stat(_ path: String) async throws -> RemoteEntry {
        let answer = try await request(Packet.stat) { $0.writeSSHString(path) }
        guard answer.type == Packet.attrs else {
            try checkStatus(answer, path)
            throw JunctionError(.upstreamError, "\(context) answered out of turn.")
        }
        var body = answer.body
        return Self.attributes(&body, name: String(path.split(separator: "/").last ?? "/"))
    }

    func read(_ path: String, offset: Int, limit: Int) async throws -> Data {
        let handle = try handle(try await request(Packet.open) { body in
            body.writeSSHString(path)
            body.writeInteger(UInt32(1))  // READ
            body.writeInteger(UInt32(0))  // no attributes
        }, path)
        var data = Data()
        do {
            var position = offset
            while data.count <= limit {
                let answer = try await request(Packet.read) { body in
                    body.writeSSHBytes(handle)
                    body.writeInteger(UInt64(position))
                    body.writeInteger(UInt32(Self.chunk))
                }
                if answer.type == Packet.status {
                    var body = answer.body
                    if body.getInteger(at: body.readerIndex, as: UInt32.self) == 1 { break }
                    try checkStatus(answer, path)
                    break
                }
                var body = answer.body
                guard answer.type == Packet.data, let bytes = body.readSSHBytes() else {
                    throw JunctionError(.upstreamError, "\(context) answered out of turn.")
                }
                data.append(contentsOf: bytes.readableBytesView)
                position += bytes.readableBytes
                if bytes.readableBytes == 0 { break }
            }
        } catch {
            await closeHandle(handle)
            throw error
        }
        await closeHandle(handle)
        return data
    }

    func write(_ path: String, data: Data, overwrite: Bool) async throws {
        let handle = try handle(try await request(Packet.open) { body in
            body.writeSSHString(path)
            body.writeInteger(UInt32(0x02 | 0x08 | (overwrite ? 0x10 : 0x20)))  // WRITE | CREAT | TRUNC or EXCL
            body.writeInteger(UInt32(0))
        }, path)
        do {
            var offset = 0
            repeat {
                let end = min(data.count, offset + Self.chunk)
                let piece = data[data.startIndex + offset..<data.startIndex + end]
                try checkStatus(try await request(Packet.write) { body in
                    body.writeSSHBytes(handle)
                    body.writeInteger(UInt64(offset))
                    body.writeInteger(UInt32(piece.count))
                    body.writeBytes(piece)
                }, path)
                offset = end
            } while offset < data.count
        } catch {
            await closeHandle(handle)
            throw error
        }
        try checkStatus(try await request(Packet.close) { $0.writeSSHBytes(handle) }, path)
    }

    func remove(_ path: String, directory: Bool) async throws {
        try checkStatus(try await request(directory ? Packet.rmdir : Packet.remove) { $0.writeSSHString(path) }, path)
    }

    func rename(_ from: String, to: String) async throws {
        try checkStatus(try await request(Packet.rename) { body in
            body.writeSSHString(from)
            body.writeSSHString(to)
        }, from)
    }

    func makeDirectory(_ path: String) async throws {
        try checkStatus(try await request(Packet.mkdir) { body in
            body.writeSSHString(path)
            body.writeInteger(UInt32(0))
        }, path)
    }

    /// SFTP v3 ATTRS: flags, then size, uid/gid, permissions, atime/mtime, extensions.
    static func attributes(_ body: inout ByteBuffer, name: String) -> RemoteEntry {
        let flags = body.readInteger(as: UInt32.self) ?? 0
        var entry = RemoteEntry(name: name, kind: .other)
        if flags & 0x1 != 0 { entry.size = body.readInteger(as: UInt64.self).flatMap { Int(exactly: $0) } }
        if flags & 0x2 != 0 { _ = body.readInteger(as: UInt64.self) }
        if flags & 0x4 != 0, let mode = body.readInteger(as: UInt32.self) {
            entry.permissions = Int(mode & 0o7777)
            switch mode & 0o170000 {
            case 0o040000: entry.kind = .directory
            case 0o100000: entry.kind = .file
            case 0o120000: entry.kind = .symlink
            default: entry.kind = .other
            }
        }
        if flags & 0x8 != 0 {
            _ = body.readInteger(as: UInt32.self)
            entry.modified = body.readInteger(as: UInt32.self).map { Date(timeIntervalSince1970: TimeInterval($0)) }
        }
        if flags & 0x8000_0000 != 0, let count = body.readInteger(as: UInt32.self) {
            for _ in 0..<count {
                guard body.readSSHBytes() != nil, body.readSSHBytes() != nil else { break }
            }
        }
        return entry
    }
}

/// Closes the SSH connection on any error NIOSSH reports (a refused host key or login, a
/// protocol error), so that whatever waits on it fails at once.
final class CloseOnError: ChannelInboundHandler, Sendable {
    typealias InboundIn = Any

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}

/// One SFTP answer: its type and what follows its id.
struct SFTPPacket: Sendable {
    var type: UInt8
    var body: ByteBuffer
}

/// Frames the subsystem's byte stream into packets and hands each to the request waiting
/// for its id; a closed channel fails every request still waiting.
final class SFTPPacketHandler: ChannelInboundHandler {
    typealias InboundIn = SSHChannelData

    private var buffer = ByteBuffer()
    private var waiting: [UInt32: EventLoopPromise<SFTPPacket>] = [:]
    /// The largest packet taken: reads ask for 32 KiB, names and listings stay far below this.
    static let maximumPacket: UInt32 = 1 << 20

    /// The answer to request `id`.
    func expect(_ id: UInt32, on eventLoop: any EventLoop) -> EventLoopFuture<SFTPPacket> {
        let promise = eventLoop.makePromise(of: SFTPPacket.self)
        waiting[id] = promise
        return promise.futureResult
    }

    /// Fails request `id`, if it still waits.
    func fail(_ id: UInt32, _ error: any Error) {
        waiting.removeValue(forKey: id)?.fail(error)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let message = unwrapInboundIn(data)
        guard message.type == .channel, case .byteBuffer(var bytes) = message.data else { return }
        buffer.writeBuffer(&bytes)
        if let length = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self), length > Self.maximumPacket {
            errorCaught(context: context, error: JunctionError(.upstreamError, "The SFTP server sent a packet of \(length) bytes (at most \(Self.maximumPacket) are taken)."))
            return
        }
        while let length = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self), buffer.readableBytes >= 4 + Int(length) {
            buffer.moveReaderIndex(forwardBy: 4)
            var packet = buffer.readSlice(length: Int(length))!
            guard let type = packet.readInteger(as: UInt8.self) else { continue }
            // VERSION carries no id: it answers INIT, sent as request 0.
            let id = type == 2 ? 0 : packet.readInteger(as: UInt32.self) ?? 0
            waiting.removeValue(forKey: id)?.succeed(SFTPPacket(type: type, body: packet))
        }
        buffer.discardReadBytes()
    }

    func channelInactive(context: ChannelHandlerContext) {
        failAll(JunctionError(.connectionReset, "The SFTP server closed the session.", retryable: true))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        failAll(error)
        context.close(promise: nil)
    }

    private func failAll(_ error: any Error) {
        let pending = waiting
        waiting = [:]
        for promise in pending.values { promise.fail(error) }
    }
}

/// Pins the server's host key: an unpinned or different key is refused, and the refusal says
/// which fingerprint was seen, so that it can be pinned.
final class HostKeyCheck: NIOSSHClientServerAuthenticationDelegate, Sendable {
    private let pinned: String?
    private let seen = Mutex<String?>(nil)

    init(pinned: String?) {
        self.pinned = pinned
    }

    func validateHostKey(hostKey: NIOSSHPublicKey, validationCompletePromise: EventLoopPromise<Void>) {
        let fingerprint = SSHKeys.fingerprint(hostKey)
        if let pinned, pinned == fingerprint || pinned == fingerprint.dropFirst("SHA256:".count) {
            validationCompletePromise.succeed()
            return
        }
        seen.withLock { $0 = fingerprint }
        validationCompletePromise.fail(JunctionError(.tlsError, "The host key was refused."))
    }

    /// The failure to report when the host key was refused.
    func refusal(context: String) -> JunctionError? {
        guard let fingerprint = seen.withLock({ $0 }) else { return nil }
        guard pinned != nil else {
            return JunctionError(
                .tlsError,
                "\(context) presented the host key \(fingerprint); no host key is pinned: if that is the server's key (ssh-keygen -lf on its public key), set options.host_key_fingerprint to it.",
                field: "options.host_key_fingerprint", details: ["host_key_fingerprint": .string(fingerprint)])
        }
        return JunctionError(
            .tlsError,
            "\(context) presented the host key \(fingerprint), not the pinned one (options.host_key_fingerprint): the server's key changed, or this is not the server.",
            field: "options.host_key_fingerprint", details: ["host_key_fingerprint": .string(fingerprint)])
    }
}

/// Offers the credential's password or private key, once.
final class LoginOffer: NIOSSHClientUserAuthenticationDelegate, Sendable {
    private let username: String
    private let login: SFTPSettings.Login
    private let state = Mutex(false)

    init(username: String, login: SFTPSettings.Login) {
        self.username = username
        self.login = login
    }

    /// Whether the login was offered (so a failure after it is a refusal).
    var offered: Bool { state.withLock { $0 } }

    var method: String {
        if case .key = login { return "public key" }
        return "password"
    }

    func nextAuthenticationType(
        availableMethods: NIOSSHAvailableUserAuthenticationMethods, nextChallengePromise: EventLoopPromise<NIOSSHUserAuthenticationOffer?>
    ) {
        let first = state.withLock { offered in
            defer { offered = true }
            return !offered
        }
        // Failing the promise ends the connection (an empty offer would leave it waiting).
        guard first else {
            nextChallengePromise.fail(JunctionError(.authenticationFailed, "The server refused the login."))
            return
        }
        switch login {
        case .password(let password) where availableMethods.contains(.password):
            nextChallengePromise.succeed(.init(username: username, serviceName: "", offer: .password(.init(password: password))))
        case .key(let key) where availableMethods.contains(.publicKey):
            nextChallengePromise.succeed(.init(username: username, serviceName: "", offer: .privateKey(.init(privateKey: key))))
        default:
            nextChallengePromise.fail(JunctionError(.authenticationFailed, "The server does not take a \(method) login."))
        }
    }
}

extension ByteBuffer {
    /// Writes an SSH `string` holding `bytes`.
    @discardableResult
    mutating func writeSSHBytes(_ bytes: ByteBuffer) -> Int {
        var copy = bytes
        return writeInteger(UInt32(bytes.readableBytes)) + writeBuffer(&copy)
    }
}
