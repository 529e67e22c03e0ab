import Foundation
import JunctionCore
import JunctionRuntime
import Prometheus
import Synchronization
import Testing

struct AuditWriterTests {
    /// What the writer stored, batch by batch; fails the first `failures` writes.
    final class Sink: Sendable {
        let batches = Mutex<[[String]]>([])
        let failures: Mutex<Int>

        init(failures: Int = 0) {
            self.failures = Mutex(failures)
        }

        var targets: [String] { batches.withLock { $0.flatMap { $0 } } }

        func write(_ events: [AuditEvent]) throws {
            if failures.withLock({ failures in
                defer { failures = max(0, failures - 1) }
                return failures > 0
            }) {
                throw JunctionError(.unavailable, "disk full")
            }
            batches.withLock { $0.append(events.map { $0.target ?? "" }) }
        }
    }

    private func event(_ number: Int) -> AuditEvent {
        AuditEvent(tenantID: "ten_1", actor: "key_1", action: "connector.invoke", targetType: "connector", target: "c\(number)")
    }

    private func metric(_ name: String, in registry: PrometheusCollectorRegistry) -> String? {
        registry.emitToString().split(separator: "\n").first { $0.hasPrefix(name + " ") }.map { String($0.dropFirst(name.count + 1)) }
    }

    @Test func recordReturnsAtOnceAndFlushWaitsUntilEverythingRecordedIsWritten() async throws {
        let sink = Sink()
        let writer = AuditWriter(retryDelays: []) { events in
            try? await Task.sleep(for: .milliseconds(5))  // a transaction that takes a while
            try sink.write(events)
        }
        let running = Task { try await writer.run() }
        await writer.flush()  // nothing recorded: returns at once
        for number in 0..<500 { writer.record(event(number)) }
        await writer.flush()
        #expect(sink.targets == (0..<500).map { "c\($0)" }, "all written, in order, once")
        #expect(sink.batches.withLock { $0.count } < 500, "events share transactions")
        running.cancel()
        try await running.value
    }

    @Test func aFullQueueDropsAndCountsWhatItCannotHold() async throws {
        let registry = PrometheusCollectorRegistry()
        let sink = Sink()
        let writer = AuditWriter(capacity: 10, metrics: PrometheusMetricsFactory(registry: registry), retryDelays: []) { events in
            try sink.write(events)
        }
        // Not running yet: the queue fills.
        for number in 0..<15 { writer.record(event(number)) }
        #expect(writer.droppedCount == 5)
        let running = Task { try await writer.run() }
        await writer.flush()
        #expect(sink.targets == (0..<10).map { "c\($0)" })
        #expect(metric("junction_audit_events_dropped_total", in: registry) == "5")
        #expect(metric("junction_audit_events_written_total", in: registry) == "10")
        running.cancel()
        try await running.value
    }

    @Test func aFailedWriteIsRetriedAndGivenUpOnlyAfterTheLastRetry() async throws {
        let registry = PrometheusCollectorRegistry()
        let sink = Sink(failures: 2)
        let writer = AuditWriter(
            metrics: PrometheusMetricsFactory(registry: registry), retryDelays: [.milliseconds(1), .milliseconds(1)]
        ) { events in try sink.write(events) }
        let running = Task { try await writer.run() }
        writer.record(event(1))
        await writer.flush()
        #expect(sink.targets == ["c1"], "written on the third attempt")

        sink.failures.withLock { $0 = 3 }
        writer.record(event(2))
        await writer.flush()
        #expect(sink.targets == ["c1"])
        #expect(metric("junction_audit_events_failed_total", in: registry) == "1")
        running.cancel()
        try await running.value
    }

    @Test func aCancelledWriterStillWritesWhatIsQueuedAndLateEventsOnTheirOwn() async throws {
        let sink = Sink()
        // Like GRDB, the write refuses to start in a cancelled task.
        let writer = AuditWriter(retryDelays: []) { events in
            if Task.isCancelled { throw CancellationError() }
            try sink.write(events)
        }
        for number in 0..<50 { writer.record(event(number)) }
        let running = Task { try await writer.run() }
        running.cancel()
        try await running.value
        #expect(sink.targets.count == 50)

        // Recorded after the writer stopped (work that outlived the server): written on its own,
        // and flush does not wait for a writer that is gone.
        writer.record(event(50))
        await writer.flush()
        for _ in 0..<200 where sink.targets.count < 51 { try await Task.sleep(for: .milliseconds(5)) }
        #expect(sink.targets.last == "c50")
    }

    @Test func finishingWritesWhatIsQueuedBeforeRunReturns() async throws {
        let sink = Sink()
        let writer = AuditWriter(retryDelays: []) { events in try sink.write(events) }
        for number in 0..<50 { writer.record(event(number)) }
        writer.finish()
        try await writer.run()
        #expect(sink.targets.count == 50)
    }
}
