import ArgumentParser
import Foundation
import JunctionClient
import JunctionConnectors
import JunctionCore

/// `junction policies …`.
struct PoliciesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policies",
        abstract: "Show, change and try the tenant's policy: rules, defaults, approvals, rate limits.",
        subcommands: [Get.self, Apply.self, Versions.self, Evaluate.self]
    )

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the current policy (or one saved version) as JSON.")
        @OptionGroup var options: ClientOptions
        @Option(help: "A saved version instead of the current one.") var version: Int?

        func run() async throws {
            try await runClient {
                let path = version.map { "/api/v1/policies/versions/\($0)" } ?? "/api/v1/policies"
                try options.output(try await options.client().send(.get, path), columns: [])
            }
        }
    }

    struct Apply: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Save the policy a YAML or JSON file holds as the next version.",
            discussion: """
                The whole policy is replaced; errors name the member at fault (rules[2].when[0]).
                Example policy.yaml:
                  defaults: {read: allow, write: require_approval}
                  rules:
                    - {id: no-deletes, effect: deny, resource: "delete-*"}
                    - {id: big-refunds, effect: require_approval, connector: billing, when: ["data.body.amount > 1000"]}
                  limits:
                    - {per_second: 20, burst: 40}
                """
        )
        @OptionGroup var options: ClientOptions
        @Argument(help: "The policy file (YAML or JSON; - for standard input).") var file: String
        @Option(name: .customLong("expected-version"), help: "Refuse if the current version is not this one.")
        var expectedVersion: Int?

        func run() async throws {
            let document = try readDocument(file)
            try await runClient {
                let saved = try await options.client().send(
                    .put, "/api/v1/policies", query: ["expected_version": expectedVersion.map(String.init)], body: document)
                print("Saved policy version \(saved["version"]?.intValue ?? 0).")
            }
        }
    }

    struct Versions: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the saved versions of the policy, newest first.")
        @OptionGroup var options: ClientOptions

        func run() async throws {
            try await runClient {
                let page = try await options.client().send(.get, "/api/v1/policies/versions")
                try options.output(
                    page, rows: page["versions"]?.arrayValue ?? [],
                    columns: [("VERSION", "version"), ("RULES", "rules"), ("SAVED", "created_at"), ("BY", "created_by")])
            }
        }
    }

    struct Evaluate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Say what a call would get from the policy, and why (nothing is called).",
            discussion: "Example: junction policies evaluate billing refund --data '{\"body\":{\"amount\":5000}}'")
        @OptionGroup var options: ClientOptions
        @Argument(help: "The connector's name.") var connector: String
        @Argument(help: "The resource's slug.") var resource: String
        @Option(help: "The call's input as a JSON object.") var data: String?
        @Option(help: "Who calls (default: this key): key_…, agent:NAME.") var actor: String?
        @Option(help: "The MCP client's name.") var client: String?
        @Option(help: "A draft policy file to try instead of the current policy.") var policy: String?

        func run() async throws {
            var body: [String: JSONValue] = ["connector": .string(connector), "resource": .string(resource)]
            body["data"] = .object(try parseBody(data))
            if let actor { body["actor"] = .string(actor) }
            if let client { body["client"] = .string(client) }
            if let policy { body["policy"] = try readDocument(policy) }
            try await runClient {
                let answer = try await options.client().send(.post, "/api/v1/policies/evaluate", body: .object(body))
                if options.json { return try options.output(answer, columns: []) }
                print("\(answer["effect"]?.stringValue ?? "?"): \(answer["reason"]?.stringValue ?? "")")
                for rule in answer["rules"]?.arrayValue ?? [] {
                    let name = rule["rule"]?.stringValue ?? "?"
                    print(rule["matched"]?.boolValue == true ? "  \(name): matched" : "  \(name): no (\(rule["failed"]?.stringValue ?? ""))")
                }
            }
        }
    }
}

/// Reads a YAML or JSON document from `file` (`-`: standard input).
func readDocument(_ file: String) throws -> JSONValue {
    let bytes: [UInt8]
    do {
        bytes = Array(file == "-" ? FileHandle.standardInput.readDataToEndOfFile() : try Data(contentsOf: URL(fileURLWithPath: file)))
    } catch {
        throw ValidationError("Cannot read \(file): \(error.localizedDescription)")
    }
    do {
        return try DocumentText.parse(bytes)
    } catch {
        throw ValidationError("\(file) is not a YAML or JSON document: \(error.message)")
    }
}
