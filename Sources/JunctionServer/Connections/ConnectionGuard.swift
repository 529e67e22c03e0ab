import NIOCore
import NIOHTTPTypes

/// Keeps one inbound connection in the server's `ConnectionRegistry` (busy from a request's
/// head until its answer's end, idle otherwise) and closes it when a request head takes longer
/// than the header timeout to arrive, from its first byte: a client sending its headers a byte
/// at a time is not idle, so only this stops it. Sits after the HTTP codec and puts its
/// `HeadDeadline` in front of the codec, where the bytes arrive.
final class ConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let registry: ConnectionRegistry
    private let deadline: HeadDeadline
    private var id: UInt64?

    /// - Parameters:
    ///   - headerTimeout: how long a request head may take from its first byte.
    ///   - onHeaderTimeout: called for each connection closed for a late head.
    init(registry: ConnectionRegistry, headerTimeout: TimeAmount, onHeaderTimeout: @escaping @Sendable () -> Void) {
        self.registry = registry
        deadline = HeadDeadline(timeout: headerTimeout, onTimeout: onHeaderTimeout)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        id = registry.open(context.channel)
        do {
            try context.pipeline.syncOperations.addHandler(deadline, position: .first)
        } catch {
            context.close(promise: nil)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        forget()
    }

    func channelInactive(context: ChannelHandlerContext) {
        forget()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head = unwrapInboundIn(data) {
            deadline.headArrived()
            if let id { registry.busy(id) }
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) {
            deadline.awaitNextHead()
            if let id { registry.idle(id) }
        }
        context.write(data, promise: promise)
    }

    private func forget() {
        guard let id else { return }
        registry.close(id)
        self.id = nil
        deadline.cancel()
    }
}

/// Starts the header timeout at the first byte of a request head and closes the connection
/// if `ConnectionGuard` has not seen the head by then.
final class HeadDeadline: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let timeout: TimeAmount
    private let onTimeout: @Sendable () -> Void
    private var awaitingHead = true
    private var timer: Scheduled<Void>?

    init(timeout: TimeAmount, onTimeout: @escaping @Sendable () -> Void) {
        self.timeout = timeout
        self.onTimeout = onTimeout
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if awaitingHead, timer == nil {
            let channel = context.channel
            let onTimeout = onTimeout
            timer = context.eventLoop.scheduleTask(in: timeout) {
                onTimeout()
                channel.close(promise: nil)
            }
        }
        context.fireChannelRead(data)
    }

    /// The head arrived: the timeout is off until the answer is sent.
    func headArrived() {
        awaitingHead = false
        cancel()
    }

    /// The answer was sent: the next head's first byte starts the timeout again.
    func awaitNextHead() {
        awaitingHead = true
    }

    func cancel() {
        timer?.cancel()
        timer = nil
    }
}
