import JunctionRuntime
import Synchronization
import Testing

struct GroupCommitTests {
    final class Written: Sendable {
        let groups = Mutex<[[Int]]>([])
        /// Callers that returned before their item was written.
        let early = Mutex(0)
        /// Callers answered another item's outcome.
        let wrongOutcomes = Mutex(0)
        var items: Set<Int> { groups.withLock { Set($0.joined()) } }
    }

    @Test func concurrentItemsShareWritesAndEachCallerReturnsItsOwnOutcomeAfterItsItemIsWritten() async {
        let written = Written()
        let commit = GroupCommit<Int, String> { items in
            try? await Task.sleep(for: .milliseconds(2))  // a write that takes a while, like a transaction
            written.groups.withLock { $0.append(items) }
            return items.map { "stored \($0)" }
        }
        await withTaskGroup(of: Void.self) { group in
            for item in 0..<200 {
                group.addTask {
                    let outcome = await commit.submit(item)
                    if !written.items.contains(item) { written.early.withLock { $0 += 1 } }
                    if outcome != "stored \(item)" { written.wrongOutcomes.withLock { $0 += 1 } }
                }
            }
        }
        #expect(written.wrongOutcomes.withLock { $0 } == 0, "each caller got its own item's outcome")
        let groups = written.groups.withLock { $0 }
        #expect(groups.flatMap { $0 }.sorted() == Array(0..<200), "every item written exactly once")
        #expect(groups.count < 200, "concurrent items shared writes")
        #expect(written.early.withLock { $0 } == 0, "no caller returned before its item was written")
        // Alone, an item is written at once.
        #expect(await commit.submit(1000) == "stored 1000")
        #expect(written.groups.withLock { $0.last } == [1000])
    }
}
