import ArgumentParser
import JunctionClient
import JunctionCore

/// `junction connectors …`.
struct ConnectorsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "connectors",
        abstract: "Manage connectors.",
        subcommands: [List.self, Get.self, Create.self, Update.self, RotateSecret.self, Delete.self]
    )

    static let columns = [
        ("NAME", "connector_name"), ("TYPE", "connector_type"), ("ENABLED", "enabled"), ("HEALTH", "health_status"),
        ("URL", "connection_url"), ("CREDENTIAL", "credential"), ("CREATED", "created_at"),
    ]

    /// Prints `connector` (a create or rotate answer) with what it shows only this once: the
    /// values Junction generated (a webhook's secret, per its type's spec) and its `webhook_url`.
    static func outputRevealing(_ connector: JSONValue, client: ControlPlaneClient, options: ClientOptions) async throws {
        guard !options.json else { return try options.output(connector, columns: columns) }
        try options.output(connector, columns: columns)
        let types = try await client.send(.get, "/api/v1/connector-types")["connector_types"]?.arrayValue ?? []
        let spec = types.first { $0["type"] == connector["connector_type"] }
        let generated = (spec?["fields"]?.arrayValue ?? []).filter { $0["generated"] == true }.compactMap { $0["name"]?.stringValue }
        for name in generated {
            if let value = connector[name]?.stringValue { print("\(name) (shown once): \(value)") }
        }
        if let url = connector["webhook_url"]?.stringValue { print("webhook_url: \(url)") }
    }

    /// The settable fields shared by create and update.
    struct Fields: ParsableArguments {
        @Option(name: .customLong("connection-url"), help: "Base URL or address.") var connectionURL: String?
        @Option(help: "Credential name (empty to unlink on update).") var credential: String?
        @Option(name: .customLong("display-name"), help: "Human name.") var displayName: String?
        @Option(help: "What the connector is for.") var description: String?
        @Option(name: .customLong("timeout-ms"), help: "Per-call timeout in milliseconds.") var timeoutMilliseconds: Int?
        @Option(name: .customLong("max-retries"), help: "Retries of retryable failures.") var maxRetries: Int?
        @Option(help: "true or false.") var enabled: Bool?
        @Option(help: "inbound, sync or outbound (trigger types).") var mode: String?
        @Option(name: .customLong("option"), help: "A type option as KEY=VALUE (JSON objects allowed).")
        var options: [String] = []
        @Option(help: "Extra fields as a JSON object, merged under the flags.") var body: String?

        func json() throws -> [String: JSONValue] {
            var object = try parseBody(body)
            if let connectionURL { object["connection_url"] = .string(connectionURL) }
            if let credential { object["credential"] = credential.isEmpty ? .null : .string(credential) }
            if let displayName { object["display_name"] = .string(displayName) }
            if let description { object["description"] = .string(description) }
            if let timeoutMilliseconds { object["timeout_ms"] = .integer(timeoutMilliseconds) }
            if let maxRetries { object["max_retries"] = .integer(maxRetries) }
            if let enabled { object["enabled"] = .bool(enabled) }
            if let mode { object["mode"] = .string(mode) }
            if !options.isEmpty {
                var merged = object["options"]?.objectValue ?? [:]
                merged.merge(try parseFields(options, option: "--option", typed: true)) { _, flag in flag }
                object["options"] = .object(merged)
            }
            return object
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List connectors.")
        @OptionGroup var options: ClientOptions
        @Option(help: "Only this connector type.") var type: String?
        @Option(help: "Only enabled (true) or disabled (false) connectors.") var enabled: Bool?

        func run() async throws {
            try await runClient {
                var query: [String: String?] = [:]
                query["type"] = type
                query["enabled"] = enabled.map { $0 ? "true" : "false" }
                let page = try await options.client().send(.get, "/api/v1/connectors", query: query)
                try options.output(page, rows: page["connectors"]?.arrayValue ?? [], columns: ConnectorsCommand.columns)
            }
        }
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one connector.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "The connector's name.") var name: String

        func run() async throws {
            try await runClient {
                let connector = try await options.client().send(
                    .get, "/api/v1/connectors/\(segment(name))")
                try options.output(connector, columns: ConnectorsCommand.columns)
            }
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a connector.",
            discussion: """
                Examples:
                  junction connectors create crm --type http --connection-url https://api.example.com --credential crm-key
                  junction connectors create mail --template gmail --credential ana-gmail
                """
        )
        @OptionGroup var options: ClientOptions
        @Argument(help: "The connector's name (a slug).") var name: String
        @Option(help: "The connector type (see 'junction connector-types'); a template gives its own.") var type: String?
        @Option(help: "A catalog template (see GET /api/v1/templates) whose base URL and resources it takes.") var template: String?
        @OptionGroup var fields: Fields

        func validate() throws {
            guard type != nil || template != nil else { throw ValidationError("Give --type or --template.") }
        }

        func run() async throws {
            try await runClient {
                var body = try fields.json()
                body["connector_name"] = .string(name)
                if let type { body["connector_type"] = .string(type) }
                if let template { body["template"] = .string(template) }
                let client = try await options.client()
                let connector = try await client.send(.post, "/api/v1/connectors", body: .object(body))
                try await ConnectorsCommand.outputRevealing(connector, client: client, options: options)
            }
        }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Change some fields of a connector.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "The connector's name.") var name: String
        @Option(help: "A new name.") var rename: String?
        @OptionGroup var fields: Fields

        func run() async throws {
            try await runClient {
                var body = try fields.json()
                if let rename { body["connector_name"] = .string(rename) }
                guard !body.isEmpty else { throw ValidationError("Nothing to change: pass at least one field.") }
                let connector = try await options.client().send(
                    .put, "/api/v1/connectors/\(segment(name))", body: .object(body))
                try options.output(connector, columns: ConnectorsCommand.columns)
            }
        }
    }

    struct RotateSecret: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rotate-secret", abstract: "Replace a webhook connector's secret; the new one is shown once.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "The connector's name.") var name: String

        func run() async throws {
            try await runClient {
                let client = try await options.client()
                let connector = try await client.send(.post, "/api/v1/connectors/\(segment(name))/rotate-secret")
                try await ConnectorsCommand.outputRevealing(connector, client: client, options: options)
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a connector.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "The connector's name.") var name: String
        @Flag(help: "Delete even while agents are linked to it (removes the links).") var force = false

        func run() async throws {
            try await runClient {
                var query: [String: String?] = [:]
                if force { query["force"] = "true" }
                _ = try await options.client().send(.delete, "/api/v1/connectors/\(segment(name))", query: query)
                print("Deleted connector \(name).")
            }
        }
    }
}

/// `junction connector-types`: the registered types and their option fields.
struct ConnectorTypesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "connector-types", abstract: "List the connector types this server knows.")
    @OptionGroup var options: ClientOptions

    func run() async throws {
        try await runClient {
            let page = try await options.client(scoped: false).send(.get, "/api/v1/connector-types")
            try options.output(
                page, rows: page["connector_types"]?.arrayValue ?? [],
                columns: [("TYPE", "type"), ("NAME", "display_name"), ("CATEGORY", "category"), ("CAPABILITIES", "capabilities")]
            )
        }
    }
}
