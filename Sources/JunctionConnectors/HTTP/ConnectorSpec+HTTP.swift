import JunctionCore

extension FieldSpec {
    /// `headers`: fixed HTTP headers of an HTTP-based type (no credential headers).
    static let upstreamHeaders = FieldSpec(
        "headers", .headers, default: [:], description: "Headers sent with every request (not for secrets: use a credential).")

    /// `insecure_skip_verify`: accept untrusted certificates, for development.
    static let insecureSkipVerify = FieldSpec(
        "insecure_skip_verify", .boolean, default: false,
        description: "Accept untrusted TLS certificates (development only; logged as a warning).")
}

extension ConnectorSpec {
    /// A type that speaks HTTP(S) to `connection_url` with any credential kind: its fields are
    /// `extraFields`, then `headers`, `insecure_skip_verify` and `resources` (described by
    /// `resourcesDescription`).
    static func httpBased(
        type: String,
        displayName: String,
        description: String,
        capabilities: Capabilities,
        extraFields: [FieldSpec] = [],
        resourcesDescription: String,
        resourceFields: [FieldSpec]
    ) -> ConnectorSpec {
        ConnectorSpec(
            type: type,
            displayName: displayName,
            description: description,
            category: "api",
            capabilities: capabilities,
            connectionURL: .required,
            urlSchemes: ["http", "https"],
            credentialKinds: CredentialKind.http,
            fields: extraFields + [
                .upstreamHeaders,
                .insecureSkipVerify,
                FieldSpec(ConnectorSpec.resourcesOption, .objectArray, default: [], description: resourcesDescription),
            ],
            resourceFields: resourceFields
        )
    }

    /// `http`: a REST (or any HTTP) API at a base URL, with resources defined on the connector
    /// or its template.
    public static let http = ConnectorSpec.httpBased(
        type: "http",
        displayName: "HTTP / REST API",
        description: "Calls an HTTP API at connection_url. Resources map inputs to method, path, query, headers and body; the linked credential authenticates each request.",
        capabilities: [.invoke, .test],
        extraFields: [
            FieldSpec("query", .stringMap, default: [:],
                      description: "Query parameters added to every request."),
            FieldSpec("test_path", .string,
                      description: "Path requested by the live connectivity test (default: the connection URL itself)."),
        ],
        resourcesDescription: "Actions this connector exposes, each with a slug, method, path and input schema.",
        resourceFields: [
            FieldSpec("method", .string, default: "GET", allowedValues: ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"],
                      description: "The HTTP method."),
            FieldSpec("path", .string, default: "",
                      description: "Path after connection_url, with {name} parameters filled from the input."),
            FieldSpec("headers", .headers, default: [:], description: "Headers sent with this resource's requests."),
            FieldSpec("query", .stringMap, default: [:], description: "Query parameters sent with this resource's requests."),
            FieldSpec("body_encoding", .string, default: "json", allowedValues: ["json", "form", "multipart"],
                      description: "How body fields are sent: JSON, application/x-www-form-urlencoded (nested values in brackets, metadata[key]=v) or multipart/form-data (x-file fields as file parts)."),
        ]
    )
}
