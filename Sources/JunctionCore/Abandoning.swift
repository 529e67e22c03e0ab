import Synchronization

/// Runs `operation` in its own task and answers its result — or, whichever comes first,
/// `CancellationError` once the caller is cancelled, or `lateError()` once `deadline` passes.
/// The operation is then cancelled but not waited for: for work that does not stop promptly on
/// cancellation (an SDK's requests, a build other callers share).
public func abandoning<T: Sendable>(
    at deadline: ContinuousClock.Instant? = nil,
    with lateError: @escaping @Sendable () -> any Error = { CancellationError() },
    _ operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    let outcome = FirstOutcome<T>()
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { continuation in
            outcome.wait(continuation)
            let work = Task { outcome.resolve(await Result { try await operation() }) }
            outcome.onResolved { work.cancel() }
            if let deadline {
                Task {
                    try? await Task.sleep(until: deadline)
                    outcome.resolve(.failure(lateError()))
                }
            }
            // Cancelled before the handler could find the continuation: resolve here.
            if Task.isCancelled { outcome.resolve(.failure(CancellationError())) }
        }
    } onCancel: {
        outcome.resolve(.failure(CancellationError()))
    }
}

/// Resumes a continuation with whichever result comes first.
private final class FirstOutcome<T: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<T, any Error>?
        var resolved = false
        var onResolved: (@Sendable () -> Void)?
    }

    private let state = Mutex(State())

    func wait(_ waiting: CheckedContinuation<T, any Error>) {
        state.withLock { $0.continuation = waiting }
    }

    /// Calls `action` once a result has won (now, if one already has).
    func onResolved(_ action: @escaping @Sendable () -> Void) {
        let lostAlready = state.withLock { state in
            if state.resolved { return true }
            state.onResolved = action
            return false
        }
        if lostAlready { action() }
    }

    /// Resumes with `result` unless a result came first; answers whether this one won.
    @discardableResult
    func resolve(_ result: Result<T, any Error>) -> Bool {
        let (waiting, resolved) = state.withLock { state -> (CheckedContinuation<T, any Error>?, (@Sendable () -> Void)?) in
            guard !state.resolved, let continuation = state.continuation else { return (nil, nil) }
            state.resolved = true
            state.continuation = nil
            defer { state.onResolved = nil }
            return (continuation, state.onResolved)
        }
        guard let waiting else { return false }
        waiting.resume(with: result)
        resolved?()
        return true
    }
}

extension Result where Failure == any Error {
    /// The result of an async throwing body.
    public init(catching body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}
