import ArgumentParser
import JunctionClient
import JunctionCore

/// `junction deliveries …`.
struct DeliveriesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deliveries",
        abstract: "List run results sent to outbound connectors, and re-drive dead ones.",
        subcommands: [List.self, Redrive.self]
    )

    static let columns = [
        ("ID", "id"), ("CONNECTOR", "connector"), ("RUN", "run_id"), ("STATUS", "status"), ("ATTEMPTS", "attempts"),
        ("LAST ERROR", "last_error"),
    ]

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List deliveries, newest first.")
        @OptionGroup var options: ClientOptions
        @Option(help: "Only deliveries in these states (comma separated: pending, delivered, dead).") var status: String?
        @Option(help: "Only deliveries to this outbound connector.") var connector: String?
        @Option(name: .customLong("run-id"), help: "Only this run's deliveries.") var runID: String?
        @Option(help: "At most this many (1-500, default 100).") var limit: Int?

        func run() async throws {
            try await runClient {
                var query: [String: String?] = [:]
                query["status"] = status
                query["connector"] = connector
                query["run_id"] = runID
                query["limit"] = limit.map(String.init)
                let page = try await options.client().send(.get, "/api/v1/deliveries", query: query)
                try options.output(page, rows: page["deliveries"]?.arrayValue ?? [], columns: DeliveriesCommand.columns)
            }
        }
    }

    struct Redrive: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Send a dead delivery again, with fresh attempts.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "The delivery's id.") var id: String

        func run() async throws {
            try await runClient {
                let delivery = try await options.client().send(
                    .post, "/api/v1/deliveries/\(segment(id))/redrive")
                try options.output(delivery, columns: DeliveriesCommand.columns)
            }
        }
    }
}
