import ArgumentParser
import JunctionClient
import JunctionCore

/// `junction tenants …` (platform key).
struct TenantsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tenants", abstract: "Create and list tenants.", subcommands: [Create.self, List.self])

    static let columns = [("ID", "id"), ("NAME", "name"), ("CREATED", "created_at")]

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a tenant and print its first API key (shown once).")
        @OptionGroup var options: ClientOptions
        @Argument(help: "The tenant's name (a slug).") var name: String

        func run() async throws {
            try await runClient {
                let tenant = try await options.client(scoped: false).send(.post, "/api/v1/tenants", body: ["name": .string(name)])
                try options.output(tenant, columns: TenantsCommand.columns + [("API KEY (shown once)", "api_key")])
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List tenants.")
        @OptionGroup var options: ClientOptions

        func run() async throws {
            try await runClient {
                let page = try await options.client(scoped: false).send(.get, "/api/v1/tenants")
                try options.output(page, rows: page["tenants"]?.arrayValue ?? [], columns: TenantsCommand.columns)
            }
        }
    }
}

/// `junction keys …`.
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "Create, list and revoke API keys.", subcommands: [Create.self, List.self, Delete.self])

    static let columns = [("ID", "id"), ("NAME", "name"), ("TENANT", "tenant_id"), ("ROLE", "role"), ("CREATED", "created_at")]

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an API key (printed once).",
            discussion: """
                A tenant's key by default: the tenant of --tenant, or the only one there is. With the platform key
                and several tenants, --tenant is needed; another platform key needs --platform.
                """)
        @OptionGroup var options: ClientOptions
        @Option(help: "A label for the key.") var name = "default"
        @Flag(help: "Make another platform key (only the platform key may).") var platform = false
        @Option(help: "What the key may do: admin (default), operator (no keys, policies or approvals) or invoke (tool calls only).")
        var role: String?
        @Option(help: "Only these connectors (comma separated name patterns, e.g. crm,billing-*).") var connectors: String?
        @Option(help: "Only these resources (comma separated slug patterns, e.g. get-*,list-*).") var resources: String?

        func validate() throws {
            if platform, options.tenant != nil { throw ValidationError("--platform makes a key for no tenant: drop --tenant.") }
        }

        func run() async throws {
            try await runClient {
                let client = try await options.client(scoped: !platform)
                var body: [String: JSONValue] = ["name": .string(name)]
                if let role { body["role"] = .string(role) }
                for (field, list) in [("connectors", connectors), ("resources", resources)] {
                    guard let list else { continue }
                    body[field] = commaList(list)
                }
                if platform {
                    body["platform"] = true
                } else if let tenant = client.tenant {
                    body["tenant"] = .string(tenant)
                }
                let key = try await client.send(.post, "/api/v1/keys", body: .object(body))
                try options.output(key, columns: KeysCommand.columns + [("API KEY (shown once)", "api_key")])
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List API keys (never their secrets).")
        @OptionGroup var options: ClientOptions

        func run() async throws {
            try await runClient {
                let page = try await options.client(scoped: options.tenant != nil).send(.get, "/api/v1/keys")
                try options.output(page, rows: page["keys"]?.arrayValue ?? [], columns: KeysCommand.columns)
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke an API key.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "The key's id (key_…).") var id: String

        func run() async throws {
            try await runClient {
                _ = try await options.client(scoped: false).send(.delete, "/api/v1/keys/\(segment(id))")
                print("Revoked \(id).")
            }
        }
    }
}
