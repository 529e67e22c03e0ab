import ArgumentParser
import Foundation
import JunctionClient
import JunctionConnectors
import JunctionCore

/// `junction agents …`.
struct AgentsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agents",
        abstract: "Manage agents (YAML or JSON definitions) and their links to connectors.",
        subcommands: [List.self, Get.self, Apply.self, Delete.self, Link.self, Unlink.self, Run.self]
    )

    static let columns = [("NAME", "name"), ("TYPE", "type"), ("MODEL", "model"), ("UPDATED", "updated_at")]

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List agents.")
        @OptionGroup var options: ClientOptions

        func run() async throws {
            try await runClient {
                let page = try await options.client().send(.get, "/api/v1/agents")
                try options.output(page, rows: page["agents"]?.arrayValue ?? [], columns: AgentsCommand.columns)
            }
        }
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show an agent with its links and definition (as JSON).")
        @OptionGroup var options: ClientOptions
        @Argument(help: "The agent's name.") var name: String

        func run() async throws {
            try await runClient {
                let agent = try await options.client().send(.get, "/api/v1/agents/\(segment(name))")
                try options.output(agent, columns: [])
            }
        }
    }

    struct Apply: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create or replace the agent a YAML or JSON file defines.",
            discussion: """
                The file is sent as it is, so errors name its line. Links and the agent's id are kept.
                Example:
                  junction agents apply support-triage.yaml
                """
        )
        @OptionGroup var options: ClientOptions
        @Argument(help: "The definition file (YAML or JSON; - for standard input).") var file: String

        func run() async throws {
            let bytes: [UInt8]
            do {
                bytes = Array(file == "-" ? FileHandle.standardInput.readDataToEndOfFile() : try Data(contentsOf: URL(fileURLWithPath: file)))
            } catch {
                throw ValidationError("Cannot read \(file): \(error.localizedDescription)")
            }
            let document: JSONValue
            do {
                document = try DocumentText.parse(bytes)
            } catch {
                throw ValidationError("\(file) is not a YAML or JSON document: \(error.message)")
            }
            guard let name = document["name"]?.stringValue else { throw ValidationError("\(file) names no agent (its `name`).") }
            let contentType = DocumentText.isJSON(bytes) ? "application/json" : "application/yaml"
            try await runClient {
                let agent = try await options.client().send(
                    .put, "/api/v1/agents/\(segment(name))", document: bytes, contentType: contentType)
                try options.output(agent, columns: AgentsCommand.columns)
                for warning in agent["warnings"]?.arrayValue?.compactMap(\.stringValue) ?? [] {
                    FileHandle.standardError.write(Data("warning: \(warning)\n".utf8))
                }
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete an agent and its links.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "The agent's name.") var name: String

        func run() async throws {
            try await runClient {
                _ = try await options.client().send(.delete, "/api/v1/agents/\(segment(name))")
                print("Deleted agent \(name).")
            }
        }
    }

    /// The arguments of `link` and `unlink`, and the request both make.
    struct LinkArguments: ParsableArguments {
        @OptionGroup var options: ClientOptions
        @Argument(help: "The agent's name.") var agent: String
        @Argument(help: "The connector's name.") var connector: String

        /// Sends `method` to the link's URL, then prints `done`.
        func send(_ method: ControlPlaneClient.Method, done: String) async throws {
            try await runClient {
                _ = try await options.client().send(
                    method, "/api/v1/agents/\(segment(agent))/links/\(segment(connector))")
                print("\(done) agent \(agent) and connector \(connector).")
            }
        }
    }

    struct Link: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Link an agent and a connector (an inbound connector starts the agent, an outbound one receives its results).")
        @OptionGroup var link: LinkArguments

        func run() async throws { try await link.send(.post, done: "Linked") }
    }

    struct Unlink: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove the link between an agent and a connector.")
        @OptionGroup var link: LinkArguments

        func run() async throws { try await link.send(.delete, done: "Unlinked") }
    }

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Queue a run of an agent and print it (follow it with `junction runs get ID`).")
        @OptionGroup var options: ClientOptions
        @Argument(help: "The agent's name.") var name: String
        @Option(help: "The run's input as JSON (default null); @PATH reads a file, @- standard input.") var input: String?

        func run() async throws {
            var body: [String: JSONValue] = [:]
            if let input {
                let fields = try parseFields(["input=\(input)"], option: "--input", typed: true)
                body["input"] = fields["input"]
            }
            try await runClient {
                let run = try await options.client().send(
                    .post, "/api/v1/agents/\(segment(name))/runs", body: .object(body))
                try options.output(run, columns: RunsCommand.columns)
            }
        }
    }
}
