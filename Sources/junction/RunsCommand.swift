import ArgumentParser
import JunctionClient
import JunctionCore

/// `junction runs …`.
struct RunsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs",
        abstract: "List and inspect agent runs.",
        subcommands: [List.self, Get.self]
    )

    static let columns = [("ID", "id"), ("AGENT", "agent_name"), ("STATUS", "status"), ("CREATED", "created_at"), ("FINISHED", "finished_at")]

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List runs, newest first.")
        @OptionGroup var options: ClientOptions
        @Option(help: "Only this agent's runs.") var agent: String?
        @Option(help: "Only runs in these states (comma separated: queued, running, completed, failed).") var status: String?
        @Option(help: "Only runs started by this inbound connector.") var connector: String?
        @Option(help: "Only runs created at or after this RFC 3339 time.") var since: String?
        @Option(help: "Only runs created before this RFC 3339 time.") var until: String?
        @Option(help: "At most this many (1-500, default 100).") var limit: Int?

        func run() async throws {
            try await runClient {
                var query: [String: String?] = [:]
                query["agent"] = agent
                query["status"] = status
                query["connector"] = connector
                query["since"] = since
                query["until"] = until
                query["limit"] = limit.map(String.init)
                let page = try await options.client().send(.get, "/api/v1/runs", query: query)
                try options.output(page, rows: page["runs"]?.arrayValue ?? [], columns: RunsCommand.columns)
            }
        }
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a run with its output, error, trace and usage (as JSON).")
        @OptionGroup var options: ClientOptions
        @Argument(help: "The run's id.") var id: String

        func run() async throws {
            try await runClient {
                let run = try await options.client().send(.get, "/api/v1/runs/\(segment(id))")
                try options.output(run, columns: [])
            }
        }
    }
}
