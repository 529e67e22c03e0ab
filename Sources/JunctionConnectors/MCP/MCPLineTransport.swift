import Foundation
import Logging
import MCP
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// MCP's stdio transport: newline-delimited JSON-RPC over a pair of file handles, either a
/// server Junction started (its output and input pipes) or this process's own standard input
/// and output (when Junction is the stdio server).
///
/// Unlike the swift-sdk's `StdioTransport` (which polls non-blocking descriptors every 10 ms
/// and can read a descriptor after its owner closed it, when the number was already reused),
/// input is read by blocking reads on a queue of its own that hold the owner until end of
/// file, so a child's pipes close only after it has exited and the reader is done. Writes run off the
/// cooperative pool, on one serial queue, so messages sent at once never interleave.
public actor MCPLineTransport: MCP.Transport {
    public nonisolated let logger = Logger(label: "junction.mcp.stdio")
    private let reading: FileHandle
    private let writing: FileHandle
    private let owner: (any Sendable)?
    private let stop: (@Sendable () -> Void)?
    private let messages: AsyncThrowingStream<Data, any Error>
    private let continuation: AsyncThrowingStream<Data, any Error>.Continuation
    private let writes = DispatchQueue(label: "junction.mcp.stdio.write")

    /// A transport reading messages from `reading` and writing them to `writing`.
    ///
    /// - Parameters:
    ///   - owner: kept alive until `reading` ends (a child process whose pipes these are).
    ///   - stop: how ``disconnect()`` ends the peer (terminating a child, whose output then
    ///     closes); without one, `disconnect` stops reading at once.
    public init(reading: FileHandle, writing: FileHandle, owner: (any Sendable)? = nil, stop: (@Sendable () -> Void)? = nil) {
        self.reading = reading
        self.writing = writing
        self.owner = owner
        self.stop = stop
        (messages, continuation) = AsyncThrowingStream<Data, any Error>.makeStream()
    }

    /// This process's standard input and output.
    public static func standardIO() -> MCPLineTransport {
        _ = ignoreBrokenPipes
        return MCPLineTransport(reading: .standardInput, writing: .standardOutput)
    }

    /// A write to a pipe whose reader died must fail with `EPIPE`, not end Junction.
    static let ignoreBrokenPipes: Void = { signal(SIGPIPE, SIG_IGN) }()

    public func connect() async throws {
        let lines = LineSplitter()
        let continuation = continuation
        let owner = owner
        let reading = reading
        // A blocking read on its own queue: a readability handler is not told of end of file
        // on a pipe on Linux, so a client closing its input would leave the server running.
        DispatchQueue(label: "junction.mcp.stdio.read").async {
            defer { _ = owner }  // released once the input ended and the reader is done
            while true {
                let data = reading.availableData
                guard !data.isEmpty else {
                    // End of file: a last line without its newline still counts.
                    if let last = lines.remainder() { continuation.yield(last) }
                    continuation.finish()
                    return
                }
                do {
                    for line in try lines.append(data) { continuation.yield(line) }
                } catch {
                    continuation.finish(throwing: error)
                    return
                }
            }
        }
    }

    public func disconnect() async {
        if let stop {
            stop()
        } else {
            // The reader stops at its next read; whoever waits for messages stops now.
            continuation.finish()
        }
    }

    public func receive() -> AsyncThrowingStream<Data, any Error> { messages }

    public func send(_ data: Data) async throws {
        let handle = writing
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

/// Cuts a byte stream into its non-empty newline-terminated lines, looking at each byte once.
final class LineSplitter: Sendable {
    /// The longest line kept: a peer that never ends its line must not take all memory.
    static let maximumLineBytes = 64 << 20
    private let partial = Mutex(Data())

    /// The complete lines now available after `data`.
    func append(_ data: Data) throws(MCPError) -> [Data] {
        try partial.withLock { partial throws(MCPError) in
            var lines: [Data] = []
            var start = data.startIndex
            while let end = data[start...].firstIndex(of: UInt8(ascii: "\n")) {
                var line = partial
                line.append(data[start..<end])
                partial = Data()
                if !line.isEmpty { lines.append(line) }
                start = end + 1
            }
            partial.append(data[start...])
            guard partial.count <= Self.maximumLineBytes else {
                partial = Data()
                throw MCPError.parseError("A message is longer than \(Self.maximumLineBytes >> 20) MiB without a line break.")
            }
            return lines
        }
    }

    /// The unterminated rest, at end of input.
    func remainder() -> Data? {
        partial.withLock { partial in
            defer { partial = Data() }
            return partial.isEmpty ? nil : partial
        }
    }
}
