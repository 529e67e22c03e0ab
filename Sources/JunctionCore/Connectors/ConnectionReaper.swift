/// Closes what a connector's last user let go of. A `deinit` cannot await a session's
/// goodbye, so it hands the closing here: `close(_:)` only enqueues it, and the runtime's
/// scope runs `run()`, which awaits every close it is given and, once `finish()` is called,
/// the ones still queued. Nothing closes in an unowned task.
public final class ConnectionReaper: Sendable {
    private let closings: AsyncStream<@Sendable () async -> Void>
    private let continuation: AsyncStream<@Sendable () async -> Void>.Continuation

    public init() {
        (closings, continuation) = AsyncStream.makeStream(bufferingPolicy: .unbounded)
    }

    /// Queues `closing` (safe from a `deinit`: it never waits).
    /// - Returns: `false` once the reaper has finished; the caller's process is ending then.
    @discardableResult
    public func close(_ closing: @escaping @Sendable () async -> Void) -> Bool {
        if case .enqueued = continuation.yield(closing) { return true }
        return false
    }

    /// Runs the queued closes, concurrently, until `finish()` and every one of them is done.
    public func run() async {
        await withDiscardingTaskGroup { group in
            for await closing in closings {
                group.addTask { await closing() }
            }
        }
    }

    /// Takes no more closes: `run()` returns once the queued ones are done.
    public func finish() {
        continuation.finish()
    }

    /// Runs `body` with a reaper running beside it; when `body` ends, the reaper finishes
    /// and every close it was given is awaited before this returns.
    public static func with<T>(
        isolation: isolated (any Actor)? = #isolation,
        _ body: (ConnectionReaper) async throws -> sending T
    ) async throws -> sending T {
        let reaper = ConnectionReaper()
        async let reaping: Void = reaper.run()
        let result: Result<T, any Error>
        do {
            result = .success(try await body(reaper))
        } catch {
            result = .failure(error)
        }
        reaper.finish()
        await reaping
        return try result.get()
    }
}

/// The runtime's `ConnectionReaper` in `ServiceValues`.
public enum ConnectionReaperKey: ServiceKey {
    public typealias Value = ConnectionReaper
}
