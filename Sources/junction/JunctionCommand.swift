import ArgumentParser
import JunctionCore

/// `junction`: the Junction server and its command-line client.
@main
struct JunctionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "junction",
        abstract: "A self-hosted connector gateway for AI agents and workflows.",
        version: BuildInfo.version,
        subcommands: [
            ServeCommand.self, TenantsCommand.self, KeysCommand.self, CredentialsCommand.self, ConnectorsCommand.self,
            ConnectorTypesCommand.self, AgentsCommand.self, RunsCommand.self, DeliveriesCommand.self, InvokeCommand.self, MCPCommand.self,
            PoliciesCommand.self, ApprovalsCommand.self, AuditCommand.self, OAuthAppsCommand.self,
        ]
    )
}
