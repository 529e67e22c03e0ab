import JunctionCore

/// Schema discovery: the tables and views of the connector's schema read from the catalog,
/// offered as `select-<table>` (equality filters typed from the columns, limit, offset,
/// order) and, unless the connector is read-only, `insert-<table>` for the tables the user
/// may insert into. A missing schema or missing privileges fail with
/// `schema_discovery_failed` naming the grant that is missing.
enum PostgresSchema {
    /// One column as discovery read it.
    struct Column: Sendable {
        var name: String
        var type: String
        var baseType: UInt32
        var elementType: UInt32?
        var notNull: Bool
        var hasDefault: Bool
        var generated: Bool
        var comment: String?
        var enumValues: [String]?
    }

    /// One table or view.
    struct Table: Sendable {
        var name: String
        var kind: String
        var comment: String?
        var canSelect: Bool
        var canInsert: Bool
        var columns: [Column]

        var isView: Bool { kind == "v" || kind == "m" }
    }

    /// The most tables offered (the first by name): `options.tables` chooses others.
    static let maximumTables = 500

    /// The schema's existence and the user's USAGE of it.
    static let schemaCheck = """
        SELECT current_user::text AS user_name, EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1) AS schema_exists,
               CASE WHEN EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1) THEN has_schema_privilege($1, 'USAGE') END AS usage
        """

    /// Every column of every table, view, materialized view, partitioned and foreign table.
    static let catalog = """
        SELECT c.relname::text AS table_name, c.relkind::text AS kind, obj_description(c.oid, 'pg_class') AS table_comment,
               has_table_privilege(c.oid, 'SELECT') AS can_select, has_table_privilege(c.oid, 'INSERT') AS can_insert,
               a.attname::text AS column_name, format_type(a.atttypid, a.atttypmod) AS column_type,
               (CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE a.atttypid END)::int8 AS base_type,
               et.oid::int8 AS element_type,
               a.attnotnull AS not_null, a.atthasdef OR a.attidentity <> '' AS has_default, a.attgenerated <> '' AS generated,
               col_description(c.oid, a.attnum) AS column_comment,
               (SELECT array_agg(e.enumlabel::text ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = a.atttypid) AS enum_values
        FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
        JOIN pg_type t ON t.oid = a.atttypid
        LEFT JOIN pg_type et ON et.oid = t.typelem AND t.typcategory = 'A'
        WHERE n.nspname = $1 AND c.relkind IN ('r', 'v', 'm', 'p', 'f')
        ORDER BY c.relname, a.attnum
        """

    /// The readable tables of `settings.schema` (those named by `options.tables`, if any).
    static func discover(_ runner: PostgresRunner, call: CallContext) async throws -> [Table] {
        let settings = runner.settings
        let check = try await runner.run(schemaCheck, parameters: [.string(settings.schema)], readOnly: true, call: call, trusted: true).rows.first
        let user = check?["user_name"]?.stringValue ?? settings.username
        guard check?["schema_exists"]?.boolValue == true else {
            throw JunctionError(
                .schemaDiscoveryFailed,
                "The database \(settings.database) has no schema '\(settings.schema)' (options.schema), or user \(user) cannot see it.",
                field: "options.schema")
        }
        guard check?["usage"]?.boolValue == true else {
            throw JunctionError(
                .schemaDiscoveryFailed,
                "User \(user) lacks USAGE on schema \(settings.schema): GRANT USAGE ON SCHEMA \(PostgresSQL.identifier(settings.schema)) TO \(PostgresSQL.identifier(user)).",
                details: ["missing": .string("USAGE on schema \(settings.schema)")])
        }
        let result = try await runner.withRowLimit(100_000).run(
            catalog, parameters: [.string(settings.schema)], readOnly: true, call: call, trusted: true)
        var tables: [Table] = []
        for row in result.rows {
            guard let name = row["table_name"]?.stringValue else { continue }
            if tables.last?.name != name {
                tables.append(Table(
                    name: name, kind: row["kind"]?.stringValue ?? "r", comment: row["table_comment"]?.stringValue,
                    canSelect: row["can_select"]?.boolValue ?? false, canInsert: row["can_insert"]?.boolValue ?? false,
                    columns: []))
            }
            tables[tables.count - 1].columns.append(Column(
                name: row["column_name"]?.stringValue ?? "", type: row["column_type"]?.stringValue ?? "text",
                baseType: UInt32(clamping: row["base_type"]?.intValue ?? 25),
                elementType: row["element_type"]?.intValue.map { UInt32(clamping: $0) },
                notNull: row["not_null"]?.boolValue ?? false, hasDefault: row["has_default"]?.boolValue ?? false,
                generated: row["generated"]?.boolValue ?? false, comment: row["column_comment"]?.stringValue,
                enumValues: row["enum_values"]?.arrayValue?.compactMap(\.stringValue)))
        }
        if !settings.tables.isEmpty {
            let known = Set(tables.map(\.name))
            let unknown = settings.tables.filter { !known.contains($0) }
            guard unknown.isEmpty else {
                throw JunctionError(
                    .schemaDiscoveryFailed,
                    "Schema \(settings.schema) has no table or view named \(unknown.prefix(10).joined(separator: ", ")) (options.tables).",
                    field: "options.tables")
            }
            let wanted = Set(settings.tables)
            tables = tables.filter { wanted.contains($0.name) }
        }
        let unreadable = tables.filter { !$0.canSelect }.map(\.name)
        if !tables.isEmpty && unreadable.count == tables.count {
            throw JunctionError(
                .schemaDiscoveryFailed,
                "User \(user) may read none of the \(tables.count) tables of schema \(settings.schema) (it lacks SELECT on \(unreadable.prefix(5).joined(separator: ", "))\(unreadable.count > 5 ? ", …" : "")): GRANT SELECT ON ALL TABLES IN SCHEMA \(PostgresSQL.identifier(settings.schema)) TO \(PostgresSQL.identifier(user)).",
                details: ["missing": .array(unreadable.prefix(50).map { .string("SELECT on \($0)") })])
        }
        return Array(tables.filter(\.canSelect).prefix(maximumTables))
    }

    /// The resources of `tables`: a select each, an insert for the insertable tables unless `readOnly`.
    static func resources(_ tables: [Table], readOnly: Bool, maxRows: Int) -> [Resource] {
        var taken: Set<Slug> = []
        func slug(_ prefix: String, _ name: String) -> Slug? {
            guard let base = Slug(prefix + Slug.kebab(name).prefix(63 - prefix.count)) else { return nil }
            var slug = base
            var suffix = 2
            while taken.contains(slug) {
                let ending = "-\(suffix)"
                slug = Slug(String(base.rawValue.prefix(63 - ending.count)) + ending) ?? base
                suffix += 1
            }
            taken.insert(slug)
            return slug
        }
        var resources: [Resource] = []
        for table in tables {
            if let slug = slug("select-", table.name) { resources.append(select(table, slug: slug, maxRows: maxRows)) }
            if !readOnly, !table.isView, table.canInsert, let slug = slug("insert-", table.name) {
                resources.append(insert(table, slug: slug))
            }
        }
        return resources
    }

    private static func select(_ table: Table, slug: Slug, maxRows: Int) -> Resource {
        var properties: [String: JSONValue] = [:]
        let filterable = table.columns.filter { PostgresColumnType.isFilterable($0) }
        for column in filterable {
            properties[column.name] = PostgresColumnType.schema(column, description: "Rows whose \(column.name) equals this.")
        }
        let reserved = ["limit", "offset", "order_by", "descending"].filter { properties[$0] != nil }
        var parameters: [String: JSONValue] = [
            "limit": ["type": "integer", "minimum": 1, "maximum": .integer(maxRows), "default": .integer(min(100, maxRows)),
                      "description": "The most rows answered."],
            "offset": ["type": "integer", "minimum": 0, "default": 0, "description": "Rows skipped first."],
            "order_by": ["type": "string", "enum": .array(table.columns.map { .string($0.name) }), "description": "The column rows are sorted by."],
            "descending": ["type": "boolean", "default": false, "description": "Sort from the highest value down."],
        ]
        // A column named like a paging parameter keeps the name: the parameter goes under `_`.
        for name in reserved { parameters["_" + name] = parameters.removeValue(forKey: name) }
        properties.merge(parameters) { column, _ in column }
        return Resource(
            slug: slug, name: "Read \(table.name)",
            description: (table.comment.map { $0 + " " } ?? "")
                + "Reads rows of the \(table.isView ? "view" : "table") \(table.name), filtered by column values (all must match). Columns: "
                + table.columns.map { "\($0.name) (\($0.type))" }.joined(separator: ", ") + ".",
            kind: .read,
            inputSchema: ["type": "object", "additionalProperties": false, "properties": .object(properties)],
            outputSchema: outputSchema,
            binding: binding(table, operation: "select", columns: table.columns))
    }

    private static func insert(_ table: Table, slug: Slug) -> Resource {
        let columns = table.columns.filter { !$0.generated }
        var properties: [String: JSONValue] = [:]
        for column in columns {
            var schema = PostgresColumnType.schema(column, description: column.comment)
            if !column.notNull, case .object(var object) = schema {
                switch object["type"] {
                case .string(let type)?: object["type"] = [.string(type), "null"]
                case .array(let types)?: object["type"] = .array(types + ["null"])
                default: break
                }
                schema = .object(object)
            }
            properties[column.name] = schema
        }
        let required = columns.filter { $0.notNull && !$0.hasDefault }.map { JSONValue.string($0.name) }
        return Resource(
            slug: slug, name: "Insert into \(table.name)",
            description: "Inserts one row into \(table.name) and answers it as stored (defaults filled in).",
            kind: .write,
            inputSchema: ["type": "object", "additionalProperties": false, "properties": .object(properties), "required": .array(required)],
            outputSchema: outputSchema,
            binding: binding(table, operation: "insert", columns: columns))
    }

    private static func binding(_ table: Table, operation: String, columns: [Column]) -> [String: JSONValue] {
        [
            "table": .string(table.name), "operation": .string(operation),
            "columns": .array(columns.map { column in
                ["name": .string(column.name), "kind": .string(PostgresColumnType.bindingKind(column))]
            }),
        ]
    }

    /// The output of every statement.
    static let outputSchema: JSONValue = [
        "type": "object", "required": ["rows", "row_count", "truncated", "command"],
        "properties": [
            "rows": ["type": "array", "items": ["type": "object"], "description": "The rows, up to options.max_rows."],
            "row_count": ["type": "integer", "description": "Rows returned or affected."],
            "truncated": ["type": "boolean", "description": "Whether rows were left out past options.max_rows."],
            "command": ["type": "string", "description": "The statement's command (SELECT, INSERT, …)."],
            "columns": ["type": "array", "items": ["type": "object", "properties": ["name": ["type": "string"], "type": ["type": "string"]]]],
        ],
    ]

    /// The SQL and parameters of a discovered resource's call.
    static func statement(_ resource: Resource, input: JSONValue, schema: String) throws(JunctionError) -> (String, [JSONValue], Set<Int>) {
        guard let table = resource.binding["table"]?.stringValue, let columns = resource.binding["columns"]?.arrayValue else {
            throw .internal("The resource \(resource.slug) has no table.")
        }
        let target = PostgresSQL.table(schema, table)
        let input = input.objectValue ?? [:]
        var parameters: [JSONValue] = []
        var jsonParameters: Set<Int> = []
        func placeholder(_ value: JSONValue, kind: String) -> String {
            parameters.append(value)
            if kind == "json" { jsonParameters.insert(parameters.count - 1) }
            return kind == "bytea" ? "decode($\(parameters.count), 'base64')" : "$\(parameters.count)"
        }
        let known = columns.compactMap { column -> (String, String)? in
            guard let name = column["name"]?.stringValue else { return nil }
            return (name, column["kind"]?.stringValue ?? "text")
        }
        if resource.binding["operation"]?.stringValue == "insert" {
            let given = known.filter { input[$0.0] != nil }
            guard !given.isEmpty else { return ("INSERT INTO \(target) DEFAULT VALUES RETURNING *", [], []) }
            let names = given.map { PostgresSQL.identifier($0.0) }.joined(separator: ", ")
            let values = given.map { placeholder(input[$0.0]!, kind: $0.1) }.joined(separator: ", ")
            return ("INSERT INTO \(target) (\(names)) VALUES (\(values)) RETURNING *", parameters, jsonParameters)
        }
        let columnNames = Set(known.map(\.0))
        func option(_ name: String) -> JSONValue? { columnNames.contains(name) ? input["_" + name] : input[name] }
        let filters = known.filter { input[$0.0] != nil && $0.1 != "json" && $0.1 != "bytea" }
            .map { "\(PostgresSQL.identifier($0.0)) = \(placeholder(input[$0.0]!, kind: $0.1))" }
        var sql = "SELECT * FROM \(target)"
        if !filters.isEmpty { sql += " WHERE " + filters.joined(separator: " AND ") }
        if let order = option("order_by")?.stringValue, columnNames.contains(order) {
            sql += " ORDER BY \(PostgresSQL.identifier(order))" + (option("descending")?.boolValue == true ? " DESC" : "")
        }
        sql += " LIMIT \(placeholder(.integer(option("limit")?.intValue ?? 100), kind: "int"))"
        sql += " OFFSET \(placeholder(.integer(option("offset")?.intValue ?? 0), kind: "int"))"
        return (sql, parameters, jsonParameters)
    }
}

/// JSON Schemas for PostgreSQL column types (matching `PostgresValue`'s mapping).
enum PostgresColumnType {
    /// The JSON Schema of a value of `column`.
    static func schema(_ column: PostgresSchema.Column, description: String?) -> JSONValue {
        var schema = type(column.baseType, enumValues: column.enumValues)
        if column.elementType != nil || column.type.hasSuffix("[]") {
            schema = ["type": "array", "items": .object(type(column.elementType ?? 25, enumValues: nil))]
        }
        var text = column.type
        if let description, !description.isEmpty { text = description + " (" + column.type + ")" }
        schema["description"] = .string(text)
        return .object(schema)
    }

    private static func type(_ oid: UInt32, enumValues: [String]?) -> [String: JSONValue] {
        if let enumValues, !enumValues.isEmpty { return ["type": "string", "enum": .array(enumValues.map(JSONValue.string))] }
        switch oid {
        case 16: return ["type": "boolean"]
        case 20, 21, 23, 26: return ["type": "integer"]
        case 700, 701: return ["type": "number"]
        case 1700: return ["type": ["string", "number"], "pattern": "^-?[0-9]+(\\.[0-9]+)?$"]
        case 114, 3802: return [:]
        case 2950: return ["type": "string", "format": "uuid"]
        case 1082: return ["type": "string", "format": "date"]
        case 1114, 1184: return ["type": "string", "format": "date-time"]
        case 17: return ["type": "string", "contentEncoding": "base64"]
        default: return ["type": "string"]
        }
    }

    /// How a value of the column is bound: `json`, `bytea` (base64 decoded by the server) or as text.
    static func bindingKind(_ column: PostgresSchema.Column) -> String {
        guard column.elementType == nil else { return "text" }
        switch column.baseType {
        case 114, 3802: return "json"
        case 17: return "bytea"
        default: return "text"
        }
    }

    /// Whether rows can be filtered by equality on the column (not json, bytea or arrays).
    static func isFilterable(_ column: PostgresSchema.Column) -> Bool {
        column.elementType == nil && ![114, 3802, 17].contains(column.baseType) && !column.type.hasSuffix("[]")
    }
}
