import JunctionCore
import Testing

/// `text/event-stream` parsing as the WHATWG standard describes it, fed in awkward pieces.
struct EventStreamParserTests {
    /// All events of `chunks` fed one after another, plus the unterminated last one.
    static func parse(_ chunks: [String]) -> (events: [EventStreamParser.Event], parser: EventStreamParser) {
        var parser = EventStreamParser()
        var events = chunks.flatMap { parser.feed(Array($0.utf8)) }
        if let last = parser.finish() { events.append(last) }
        return (events, parser)
    }

    @Test func dataLinesJoinAndBlankLinesDispatch() {
        let (events, _) = Self.parse(["event: message\ndata: {\"a\":\ndata:1}\n\n: a comment\ndata:two\n\n"])
        #expect(events == [
            .init(data: "{\"a\":\n1}", type: "message"),
            .init(data: "two"),
        ])
    }

    @Test func everyLineEndingCountsAlsoWhenSplitAcrossChunks() {
        // CR LF split between chunks is one line break, not two (which would dispatch early).
        let (events, _) = Self.parse(["data: a\r", "\ndata: b\r\r", "data: c\n", "\n"])
        #expect(events.map(\.data) == ["a\nb", "c"])
        let (bytewise, _) = Self.parse("id: 7\r\ndata: x\r\n\r\n".map { String($0) })
        #expect(bytewise == [.init(data: "x", id: "7")])
    }

    @Test func idsAndRetryAreKeptEvenForEventsWithoutData() {
        // A priming event: an id and a retry but empty data, which is not dispatched.
        let (events, parser) = Self.parse(["id: s_1\nretry: 2500\ndata: \n\n", "id: s_2\ndata: {}\n\n", "id: s_3\n\n"])
        #expect(events == [.init(data: "{}", id: "s_2")])
        #expect(parser.lastEventID == "s_3")
        #expect(parser.retryMilliseconds == 2500)
    }

    @Test func malformedFieldsAreIgnored() {
        let (events, parser) = Self.parse(["retry: soon\nid: a\u{0}b\nunknown: x\ndata\n\n"])
        // `data` without a colon is a data field with an empty value: nothing to dispatch.
        #expect(events.isEmpty)
        #expect(parser.retryMilliseconds == nil)
        #expect(parser.lastEventID == nil)
    }

    @Test func anUnterminatedLastEventIsKeptAtTheEnd() {
        let (events, _) = Self.parse(["data: whole\n\ndata: tail"])
        #expect(events.map(\.data) == ["whole", "tail"])
    }

    @Test func anEventsIDCountsOnlyOnceTheEventIsComplete() {
        // The connection drops inside event 2: a reconnection must ask for what follows 1.
        var parser = EventStreamParser()
        #expect(parser.feed(Array("id: 1\ndata: one\n\nid: 2\ndata: tw".utf8)) == [.init(data: "one", id: "1")])
        #expect(parser.lastEventID == "1")
        // A new connection starts clean: the half event is not glued to its first line.
        parser.reconnected()
        #expect(parser.feed(Array("data: two\n\n".utf8)) == [.init(data: "two", id: "1")])
        #expect(parser.lastEventID == "1")
    }

    @Test func aByteOrderMarkIsSkippedAndAnEmptyIDResets() {
        let (events, parser) = Self.parse(["\u{FEFF}id: 9\ndata: first\n\nid:\ndata: second\n\n"])
        #expect(events == [.init(data: "first", id: "9"), .init(data: "second")])
        #expect(parser.lastEventID == nil)
    }

    @Test func aRetryTooLargeForIntKeepsThePreviousOne() {
        let (_, parser) = Self.parse(["retry: 1500\n\nretry: 99999999999999999999999\n\n"])
        #expect(parser.retryMilliseconds == 1500)
    }
}
