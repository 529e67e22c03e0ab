/// Runs `body` with `resource`, then `close`s it however `body` ends: the one shape of the
/// scoped lifetimes (`withX { }`) of pools and clients. A failure of `body` wins over one of
/// `close`.
public func withClosing<Resource: Sendable, T>(
    _ resource: Resource,
    close: (Resource) async throws -> Void,
    isolation: isolated (any Actor)? = #isolation,
    _ body: (Resource) async throws -> sending T
) async throws -> sending T {
    let result: T
    do {
        result = try await body(resource)
    } catch {
        try? await close(resource)
        throw error
    }
    try await close(resource)
    return result
}
