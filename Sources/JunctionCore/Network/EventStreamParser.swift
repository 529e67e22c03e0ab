/// An incremental parser of `text/event-stream` bodies (server-sent events, as the WHATWG
/// HTML standard defines them): feed bytes as they arrive and take the events they complete.
///
/// Lines end with LF, CRLF or CR, also when the CR and LF arrive in different chunks. A line
/// starting with `:` is a comment, and a leading byte order mark is skipped. `data` lines
/// accumulate (joined by LF); an empty line dispatches the event unless its data is empty.
/// ``lastEventID`` takes an event's `id` when the event ends, also for an event without data
/// (a server's "priming" event), because a client reconnects with it as `Last-Event-ID`.
public struct EventStreamParser: Sendable {
    /// One dispatched event.
    public struct Event: Sendable, Equatable {
        /// The event's data: its `data` lines joined by LF.
        public var data: String
        /// The `event` field, when one was given.
        public var type: String?
        /// The last event id when this event was dispatched.
        public var id: String?

        public init(data: String, type: String? = nil, id: String? = nil) {
            self.data = data
            self.type = type
            self.id = id
        }
    }

    /// The id of the last complete event, to send as `Last-Event-ID` on reconnection; `nil`
    /// when none was given (or an empty one reset it).
    public private(set) var lastEventID: String?
    /// The reconnection delay the server asked for with a `retry` field, in milliseconds.
    public private(set) var retryMilliseconds: Int?

    private var line: [UInt8] = []
    private var data: [UInt8] = []
    private var hasData = false
    private var type: String?
    private var pendingID: String?
    private var skipLineFeed = false
    private var atStart = true

    public init() {}

    /// Forgets the event in progress, for a new connection after one dropped; keeps
    /// ``lastEventID`` and ``retryMilliseconds``.
    public mutating func reconnected() {
        self = EventStreamParser(lastEventID: lastEventID, retryMilliseconds: retryMilliseconds)
    }

    private init(lastEventID: String?, retryMilliseconds: Int?) {
        self.lastEventID = lastEventID
        self.pendingID = lastEventID
        self.retryMilliseconds = retryMilliseconds
    }

    /// The events completed by `bytes`.
    public mutating func feed(_ bytes: some Sequence<UInt8>) -> [Event] {
        var events: [Event] = []
        for byte in bytes {
            if skipLineFeed {
                skipLineFeed = false
                if byte == UInt8(ascii: "\n") { continue }
            }
            switch byte {
            case UInt8(ascii: "\n"), UInt8(ascii: "\r"):
                skipLineFeed = byte == UInt8(ascii: "\r")
                if let event = endLine() { events.append(event) }
            default:
                line.append(byte)
            }
        }
        return events
    }

    /// The event left unterminated when the stream ended, if it has data. The standard drops
    /// it; servers that end a complete response body without the final blank line are common
    /// enough that a client keeps it.
    public mutating func finish() -> Event? {
        if !line.isEmpty, let event = endLine() { return event }
        return dispatch()
    }

    private mutating func endLine() -> Event? {
        defer { line.removeAll(keepingCapacity: true) }
        if atStart {
            atStart = false
            if line.starts(with: [0xEF, 0xBB, 0xBF]) { line.removeFirst(3) }
        }
        guard let first = line.first else { return dispatch() }
        if first == UInt8(ascii: ":") { return nil }
        let colon = line.firstIndex(of: UInt8(ascii: ":"))
        let name = String(decoding: line[..<(colon ?? line.endIndex)], as: UTF8.self)
        var valueStart = colon.map { line.index(after: $0) } ?? line.endIndex
        if valueStart < line.endIndex, line[valueStart] == UInt8(ascii: " ") { valueStart += 1 }
        let value = line[valueStart...]
        switch name {
        case "data":
            if hasData { data.append(UInt8(ascii: "\n")) }
            data.append(contentsOf: value)
            hasData = true
        case "event":
            type = String(decoding: value, as: UTF8.self)
        case "id" where !value.contains(0):
            pendingID = value.isEmpty ? nil : String(decoding: value, as: UTF8.self)
        case "retry":
            if value.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
               let milliseconds = Int(String(decoding: value, as: UTF8.self)) {
                retryMilliseconds = milliseconds
            }
        default:
            break
        }
        return nil
    }

    private mutating func dispatch() -> Event? {
        lastEventID = pendingID
        defer {
            data.removeAll(keepingCapacity: true)
            hasData = false
            type = nil
        }
        guard hasData, !data.isEmpty else { return nil }
        return Event(data: String(decoding: data, as: UTF8.self), type: type, id: lastEventID)
    }
}
