/// Runs `operation`, and once `deadline` passes cancels it and throws `lateError()`: a
/// deadline that covers everything the operation does (an upstream's whole answer, not just
/// its headers), whatever the operation does with the deadline it was given. Unlike
/// `abandoning`, the operation is awaited: use it for work that stops on cancellation.
public func withDeadline<T: Sendable>(
    _ deadline: ContinuousClock.Instant,
    lateError: @escaping @Sendable () -> any Error,
    _ operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(until: deadline, clock: .continuous)
            throw lateError()
        }
        defer { group.cancelAll() }
        guard let first = try await group.next() else { throw CancellationError() }
        return first
    }
}
