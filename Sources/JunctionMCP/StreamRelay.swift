extension AsyncThrowingStream.Continuation where Failure == any Error, Element: Sendable {
    /// Yields every element of `source`, then finishes as `source` finished (with its error, if
    /// any). Returns when `source` ends or the calling task is cancelled.
    public func forward(_ source: AsyncThrowingStream<Element, any Error>) async {
        do {
            for try await element in source { yield(element) }
            finish()
        } catch {
            finish(throwing: error)
        }
    }
}
