import JunctionCore
import NIOCore
import NIOPosix
import Synchronization

/// Runs `operation`, and once `deadline` passes cancels it and throws `lateError()`: a
/// deadline that covers everything the operation does (an upstream's whole answer, not just
/// its headers; a request body that trickles in), whatever the operation does with the
/// deadline it was given. The operation must stop on cancellation; it is awaited.
///
/// The timer is an event loop's scheduled task, removed the moment the operation ends: a
/// cancelled `Task.sleep` would keep its timer (and memory) until the deadline, which on a
/// busy server is hundreds of thousands of pending timers.
public func withDeadline<T: Sendable>(
    _ deadline: ContinuousClock.Instant,
    lateError: @escaping @Sendable () -> any Error,
    _ operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    let remaining = deadline - .now
    guard remaining > .zero else { throw lateError() }
    let work = Task { try await operation() }
    let expired = Expired()
    let timer = MultiThreadedEventLoopGroup.singleton.any().scheduleTask(in: TimeAmount(remaining)) {
        expired.flag.withLock { $0 = true }
        work.cancel()
    }
    defer { timer.cancel() }
    do {
        return try await withTaskCancellationHandler { try await work.value } onCancel: { work.cancel() }
    } catch {
        // Cut off by the timer (whatever the operation threw on being cancelled), not by the caller.
        if expired.flag.withLock({ $0 }) && !Task.isCancelled { throw lateError() }
        throw error
    }
}

/// Whether a deadline's timer fired.
private final class Expired: Sendable {
    let flag = Mutex(false)
}
