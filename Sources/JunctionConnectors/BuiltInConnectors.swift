import JunctionCore

extension ConnectorRegistry {
    /// The connector types built into this Junction: adding a type is its folder and one line here.
    public static var builtIn: ConnectorRegistry {
        var registry = ConnectorRegistry()
        registry.register(HTTPConnector.self)
        registry.register(GraphQLConnector.self)
        registry.register(SOAPConnector.self)
        registry.register(MCPConnector.self)
        registry.register(WebhookConnector.self)
        registry.register(CronConnector.self)
        registry.register(LLMConnector.self)
        registry.register(PostgresConnector.self)
        registry.register(SMTPConnector.self)
        registry.register(SFTPConnector.self)
        registry.register(FTPConnector.self)
        return registry
    }
}
