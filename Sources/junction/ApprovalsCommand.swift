import ArgumentParser
import JunctionClient
import JunctionCore

/// `junction approvals …`.
struct ApprovalsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "approvals",
        abstract: "List the calls waiting for approval, and approve or deny them.",
        subcommands: [List.self, Show.self, Approve.self, Deny.self]
    )

    static let columns = [
        ("ID", "id"), ("STATUS", "status"), ("CONNECTOR", "connector"), ("RESOURCE", "resource"), ("ACTOR", "actor"),
        ("EXPIRES", "expires_at"),
    ]

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List approvals, newest first.")
        @OptionGroup var options: ClientOptions
        @Option(help: "Only these states (comma separated: pending, approved, denied, used, expired).") var status: String?
        @Option(name: .customLong("run-id"), help: "Only this run's.") var runID: String?
        @Option(help: "At most this many (1-500, default 100).") var limit: Int?

        func run() async throws {
            try await runClient {
                let page = try await options.client().send(
                    .get, "/api/v1/approvals", query: ["status": status, "run_id": runID, "limit": limit.map(String.init)])
                try options.output(page, rows: page["approvals"]?.arrayValue ?? [], columns: ApprovalsCommand.columns)
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show an approval with the call's arguments (as JSON).")
        @OptionGroup var options: ClientOptions
        @Argument(help: "The approval's id.") var id: String

        func run() async throws {
            try await runClient {
                try options.output(try await options.client().send(.get, "/api/v1/approvals/\(segment(id))"), columns: [])
            }
        }
    }

    /// The arguments of `approve` and `deny`.
    struct Decision: ParsableArguments {
        @OptionGroup var options: ClientOptions
        @Argument(help: "The approval's id.") var id: String
        @Option(help: "Why (kept in the audit log; a denial's reason is told to the caller).") var reason: String?
    }

    struct Approve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Let the call through once.")
        @OptionGroup var decision: Decision

        func run() async throws {
            try await ApprovalsCommand.decide(decision, verb: "approve")
        }
    }

    struct Deny: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Refuse the call.")
        @OptionGroup var decision: Decision

        func run() async throws {
            try await ApprovalsCommand.decide(decision, verb: "deny")
        }
    }

    static func decide(_ decision: Decision, verb: String) async throws {
        try await runClient {
            let body: JSONValue = .object(decision.reason.map { ["reason": .string($0)] } ?? [:])
            let approval = try await decision.options.client().send(
                .post, "/api/v1/approvals/\(segment(decision.id))/\(verb)", body: body)
            try decision.options.output(approval, columns: ApprovalsCommand.columns)
        }
    }
}
