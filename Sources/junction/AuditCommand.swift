import ArgumentParser
import Foundation
import JunctionClient
import JunctionCore
import NIOCore

/// `junction audit …`.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Read, export and verify the tamper-evident audit log.",
        subcommands: [List.self, Export.self, Verify.self]
    )

    /// The filters the listing and the export share.
    struct Filters: ParsableArguments {
        @Option(help: "Only these actions (comma separated, e.g. connector.invoke).") var action: String?
        @Option(help: "Only these actors (comma separated key ids, agent:NAME).") var actor: String?
        @Option(help: "Only events about these connectors (comma separated).") var connector: String?
        @Option(help: "Only these outcomes (comma separated: ok or error codes).") var outcome: String?
        @Option(help: "Only events at or after this time (RFC 3339).") var since: String?
        @Option(help: "Only events before this time (RFC 3339).") var until: String?

        var query: [String: String?] {
            ["action": action, "actor": actor, "connector": connector, "outcome": outcome, "since": since, "until": until]
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List audit events, newest first.")
        @OptionGroup var options: ClientOptions
        @OptionGroup var filters: Filters
        @Option(help: "At most this many (1-1000, default 100).") var limit: Int?

        func run() async throws {
            try await runClient {
                var query = filters.query
                query["limit"] = limit.map(String.init)
                let page = try await options.client().send(.get, "/api/v1/audit", query: query)
                try options.output(
                    page, rows: page["events"]?.arrayValue ?? [],
                    columns: [("SEQ", "sequence"), ("AT", "at"), ("ACTOR", "actor"), ("ACTION", "action"), ("TARGET", "target"), ("OUTCOME", "outcome")])
            }
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write matching events as JSON Lines, oldest first.")
        @OptionGroup var options: ClientOptions
        @OptionGroup var filters: Filters
        @Option(help: "Write to this file instead of standard output.") var output: String?

        func run() async throws {
            let handle: FileHandle
            if let output {
                guard FileManager.default.createFile(atPath: output, contents: nil) , let file = FileHandle(forWritingAtPath: output) else {
                    throw ValidationError("Cannot write \(output).")
                }
                handle = file
            } else {
                handle = .standardOutput
            }
            try await runClient {
                try await options.client().download("/api/v1/audit/export", query: filters.query) { buffer in
                    handle.write(Data(buffer.readableBytesView))
                }
            }
            if output != nil { try handle.close() }
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check the audit log's hash chain: exits 1 when an event was changed, removed or reordered.")
        @OptionGroup var options: ClientOptions

        func run() async throws {
            var valid = true
            try await runClient {
                let answer = try await options.client().send(.get, "/api/v1/audit/verify")
                valid = answer["valid"]?.boolValue == true
                if options.json { return try options.output(answer, columns: []) }
                let events = answer["events"]?.intValue ?? 0
                if valid {
                    print("The audit log holds: \(events) chained events, head \(answer["head"]?.stringValue ?? "(empty)").")
                } else {
                    let problem = answer["problem"] ?? .null
                    let at = problem["sequence"]?.intValue.map { " at event \($0)" } ?? ""
                    print("The audit log was tampered with\(at): \(problem["message"]?.stringValue ?? "").")
                }
            }
            if !valid { throw ExitCode(1) }
        }
    }
}
