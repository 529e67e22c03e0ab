import Foundation
import Logging
import MCP
import Synchronization

/// MCP's stdio transport to a server Junction started: newline-delimited JSON-RPC over the
/// child's pipes.
///
/// Unlike the swift-sdk's `StdioTransport` (which polls non-blocking descriptors every 10 ms
/// and can read a descriptor after its owner closed it, when the number was already reused),
/// output is read by a readability handler that holds the process until end of file, so its
/// pipes close only after the server has exited and the reader is done. Writes run off the
/// cooperative pool, on one serial queue.
actor MCPProcessTransport: MCP.Transport {
    nonisolated let logger = Logger(label: "junction.mcp.client")
    private let child: MCPChildProcess
    private let messages: AsyncThrowingStream<Data, any Error>
    private let continuation: AsyncThrowingStream<Data, any Error>.Continuation
    private let writes = DispatchQueue(label: "junction.mcp.stdio.write")

    init(child: MCPChildProcess) {
        self.child = child
        (messages, continuation) = AsyncThrowingStream<Data, any Error>.makeStream()
    }

    func connect() async throws {
        let lines = LineSplitter()
        let continuation = continuation
        let child = child
        child.output.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            guard !data.isEmpty else {
                // End of file: the server exited. Releasing the handler releases the process.
                handle.readabilityHandler = nil
                continuation.finish()
                _ = child
                return
            }
            for line in lines.append(data) { continuation.yield(line) }
        }
    }

    /// Stops the server; the stream ends when its output closes.
    func disconnect() async {
        child.terminate()
    }

    func receive() -> AsyncThrowingStream<Data, any Error> { messages }

    func send(_ data: Data) async throws {
        let handle = child.input.fileHandleForWriting
        let line = data + [UInt8(ascii: "\n")]
        try await withCheckedThrowingContinuation { (waiting: CheckedContinuation<Void, any Error>) in
            writes.async {
                do {
                    try handle.write(contentsOf: line)
                    waiting.resume()
                } catch {
                    waiting.resume(throwing: MCPError.connectionClosed)
                }
            }
        }
    }
}

/// Cuts a byte stream into its non-empty newline-terminated lines.
final class LineSplitter: Sendable {
    private let pending = Mutex(Data())

    /// The complete lines now available after `data`.
    func append(_ data: Data) -> [Data] {
        pending.withLock { pending in
            pending.append(data)
            var lines: [Data] = []
            while let end = pending.firstIndex(of: UInt8(ascii: "\n")) {
                let line = pending[pending.startIndex..<end]
                if !line.isEmpty { lines.append(Data(line)) }
                pending = Data(pending[(end + 1)...])
            }
            return lines
        }
    }
}
