import JunctionRuntime
import Synchronization
import Testing

struct GroupCommitTests {
    final class Written: Sendable {
        let groups = Mutex<[[Int]]>([])
        /// Callers that returned before their item was written.
        let early = Mutex(0)
        var items: Set<Int> { groups.withLock { Set($0.joined()) } }
    }

    @Test func concurrentItemsShareWritesAndEachCallerReturnsAfterItsItemIsWritten() async {
        let written = Written()
        let commit = GroupCommit<Int> { items in
            try? await Task.sleep(for: .milliseconds(2))  // a write that takes a while, like a transaction
            written.groups.withLock { $0.append(items) }
        }
        await withTaskGroup(of: Void.self) { group in
            for item in 0..<200 {
                group.addTask {
                    await commit.submit(item)
                    if !written.items.contains(item) { written.early.withLock { $0 += 1 } }
                }
            }
        }
        let groups = written.groups.withLock { $0 }
        #expect(groups.flatMap { $0 }.sorted() == Array(0..<200), "every item written exactly once")
        #expect(groups.count < 200, "concurrent items shared writes")
        #expect(written.early.withLock { $0 } == 0, "no caller returned before its item was written")
        // Alone, an item is written at once.
        await commit.submit(1000)
        #expect(written.groups.withLock { $0.last } == [1000])
    }
}
