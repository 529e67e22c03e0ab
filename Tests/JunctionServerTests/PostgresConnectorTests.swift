import Foundation
import HTTPTypes
import JunctionCore
import JunctionRuntime
import JunctionServer
import JunctionTesting
import Testing

/// The `postgres` connector type against the real PostgreSQL 15 that scripts/test starts:
/// statements with bound parameters, the JSON type mapping, read-only queries, schema
/// discovery with and without privileges, the pool's limit, statement timeouts, TLS modes and
/// logins, as tools over MCP and in a workflow.
@Suite(.enabled(if: TestPostgres.isAvailable, "needs JUNCTION_TEST_POSTGRES_URL (scripts/test starts PostgreSQL)"))
struct PostgresConnectorTests {
    static let password = "pg-Secret-\(UUID().uuidString.prefix(8))"

    /// A tenant with a basic credential `db` for a role that owns schema `shop` with tables
    /// `items` and `orders` and view `cheap_items`.
    static func prepare(_ junction: JunctionHarness, _ database: TestPostgres.Database) async throws -> String {
        let role = try await database.createRole("app", password: password)
        try await database.run("""
            CREATE SCHEMA shop AUTHORIZATION "\(role)";
            SET ROLE "\(role)";
            CREATE TYPE shop.size AS ENUM ('small', 'large');
            CREATE TABLE shop.items (
              id serial PRIMARY KEY, name text NOT NULL, price numeric(12, 2) NOT NULL, size shop.size,
              tags text[] DEFAULT '{}', details jsonb, photo bytea, added timestamptz DEFAULT now(), launch date,
              sku uuid, active boolean NOT NULL DEFAULT true, weight double precision, stock bigint
            );
            COMMENT ON TABLE shop.items IS 'What the shop sells.';
            CREATE TABLE shop.orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, item_id int REFERENCES shop.items, quantity int NOT NULL);
            CREATE VIEW shop.cheap_items AS SELECT id, name, price FROM shop.items WHERE price < 10;
            INSERT INTO shop.items (name, price, size, tags, details, photo, added, launch, sku, weight, stock) VALUES
              ('kettle', 24.50, 'large', '{kitchen,steel}', '{"watts": 2200, "colors": ["red"]}', '\\x00ff10', '2026-12-04 20:59:49.5+00', '2026-01-31',
               'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 1.25, 9007199254740993),
              ('mug', 4.99, 'small', '{}', NULL, NULL, '2026-12-01 08:00:00+00', NULL, NULL, NULL, 12);
            RESET ROLE;
            """)
        let tenant = try await junction.createTenant("acme")
        let credential = try await junction.request(.post, "/api/v1/credentials", key: tenant.key, json: [
            "name": "db", "kind": "basic", "username": .string(role), "password": .string(password),
        ])
        #expect(credential.status == .created, "\(credential.text)")
        return tenant.key
    }

    static func connector(
        _ name: String, _ database: TestPostgres.Database, options: JSONValue = [:], credential: String = "db", timeout: Int = 10_000
    ) -> JSONValue {
        var settings = options.objectValue ?? [:]
        if settings["schema"] == nil { settings["schema"] = "shop" }
        if settings["tls"] == nil { settings["tls"] = "disable" }
        return [
            "connector_name": .string(name), "connector_type": "postgres", "connection_url": .string(database.url),
            "credential": .string(credential), "options": .object(settings), "max_retries": 0, "timeout_ms": .integer(timeout),
        ]
    }

    static func invoke(_ junction: JunctionHarness, _ key: String, _ connector: String, _ resource: String, _ data: JSONValue) async throws -> JunctionHarness.Answer {
        try await junction.request(.post, "/api/v1/invoke", key: key, json: [
            "connector": .string(connector), "resource": .string(resource), "data": data,
        ])
    }

    @Test func aQueryBindsItsParametersAndMapsEveryTypeToJSON() async throws {
        try await TestPostgres.withDatabase { database in
            try await withJunction { junction in
                let key = try await Self.prepare(junction, database)
                #expect(try await junction.request(.post, "/api/v1/connectors", key: key, json: Self.connector("shop", database)).status == .created)
                let answer = try await Self.invoke(junction, key, "shop", "query", [
                    "sql": "SELECT *, price * 2 AS doubled, interval '1 day 2 hours 3.5 seconds' AS lead_time, time '08:30:00' AS opens FROM items WHERE name = $1 AND price > $2",
                    "params": ["kettle", 10],
                ])
                #expect(answer.json["success"] == true, "\(answer.text)")
                let data = try #require(answer.json["data"])
                #expect(data["row_count"] == 1)
                #expect(data["truncated"] == false)
                #expect(data["command"] == "SELECT")
                let row = try #require(data["rows"]?[0])
                #expect(row["name"] == "kettle")
                #expect(row["price"] == "24.50", "numeric as a string, no precision lost")
                #expect(row["doubled"] == "49.00")
                #expect(row["size"] == "large", "an enum as its label")
                #expect(row["tags"] == ["kitchen", "steel"])
                #expect(row["details"] == ["watts": 2200, "colors": ["red"]], "jsonb as JSON")
                #expect(row["photo"] == "AP8Q", "bytea as base64")
                #expect(row["added"] == "2026-12-04T20:59:49.5Z", "timestamptz in UTC, ISO 8601")
                #expect(row["launch"] == "2026-01-31")
                #expect(row["sku"] == "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11")
                #expect(row["active"] == true)
                #expect(row["weight"] == 1.25)
                #expect(row["stock"] == 9_007_199_254_740_993, "a bigint beyond 2^53 kept whole")
                #expect(row["lead_time"] == "P1DT2H3.5S")
                #expect(row["opens"] == "08:30:00")
                #expect(data["columns"]?.arrayValue?.contains(["name": "price", "type": "numeric"]) == true, "\(data["columns"] ?? .null)")

                // A value is bound, never spliced: this one is only a strange name.
                let hostile = "x'; DROP TABLE items; --"
                let none = try await Self.invoke(junction, key, "shop", "query", ["sql": "SELECT count(*) FROM items WHERE name = $1", "params": [.string(hostile)]])
                #expect(none.json["data"]?["rows"]?[0]?["count"] == 0)
                let nulls = try await Self.invoke(junction, key, "shop", "query", ["sql": "SELECT name FROM items WHERE details IS NULL AND $1::int IS NULL", "params": [.null]])
                #expect(nulls.json["data"]?["rows"] == [["name": "mug"]], "\(nulls.text)")
                let anyOf = try await Self.invoke(junction, key, "shop", "query", ["sql": "SELECT name FROM items WHERE id = ANY($1) ORDER BY id", "params": [[1, 2]]])
                #expect(anyOf.json["data"]?["rows"] == [["name": "kettle"], ["name": "mug"]], "an array as a PostgreSQL array: \(anyOf.text)")
                #expect(try await database.run("SELECT count(*)::text FROM shop.items") == ["2"])
            }
        }
    }

    @Test func queryIsReadOnlyExecuteWritesAndBadSQLNamesTheField() async throws {
        try await TestPostgres.withDatabase { database in
            try await withJunction { junction in
                let key = try await Self.prepare(junction, database)
                _ = try await junction.request(.post, "/api/v1/connectors", key: key, json: Self.connector("shop", database))
                let refused = try await Self.invoke(junction, key, "shop", "query", ["sql": "DELETE FROM items"])
                #expect(refused.json["success"] == false)
                #expect(refused.json["error"]?["code"] == "invalid_input", "\(refused.text)")
                #expect(refused.json["error"]?["message"]?.stringValue?.contains("read-only") == true)
                #expect(try await database.run("SELECT count(*)::text FROM shop.items") == ["2"], "nothing was deleted")

                let written = try await Self.invoke(junction, key, "shop", "execute", [
                    "sql": "UPDATE items SET price = price + $1 WHERE size = $2 RETURNING name, price", "params": [1, "small"],
                ])
                #expect(written.json["success"] == true, "\(written.text)")
                #expect(written.json["data"]?["command"] == "UPDATE")
                #expect(written.json["data"]?["row_count"] == 1)
                #expect(written.json["data"]?["rows"] == [["name": "mug", "price": "5.99"]])

                let syntax = try await Self.invoke(junction, key, "shop", "query", ["sql": "SELEC 1"])
                #expect(syntax.json["error"]?["code"] == "invalid_input")
                #expect(syntax.json["error"]?["message"]?.stringValue?.contains("syntax error") == true, "\(syntax.text)")
                let duplicate = try await Self.invoke(junction, key, "shop", "execute", ["sql": "INSERT INTO items (id, name, price) VALUES (1, 'again', 1)"])
                #expect(duplicate.json["error"]?["code"] == "conflict", "\(duplicate.text)")
                let afterFailures = try await Self.invoke(junction, key, "shop", "query", ["sql": "SELECT 1 AS one"])
                #expect(afterFailures.json["data"]?["rows"] == [["one": 1]], "the pooled connection was rolled back and reused")

                // What raw SQL does to its session does not carry over to the next call on the connection.
                let single = Self.connector("single", database, options: ["pool_size": 1, "discover_tables": false])
                #expect(try await junction.request(.post, "/api/v1/connectors", key: key, json: single).status == .created)
                let tampered = try await Self.invoke(junction, key, "single", "execute", ["sql": "SELECT set_config('application_name', 'tampered', false), pg_advisory_lock(4242)"])
                #expect(tampered.json["success"] == true, "\(tampered.text)")
                let setting = try await Self.invoke(junction, key, "single", "query", ["sql": "SELECT current_setting('application_name') AS name"])
                #expect(setting.json["data"]?["rows"] == [["name": "junction"]], "\(setting.text)")
                #expect(try await database.run("SELECT count(*)::text FROM pg_locks WHERE locktype = 'advisory' AND objid = 4242") == ["0"], "the advisory lock was let go")

                let capped = try await junction.request(.post, "/api/v1/connectors", key: key, json: Self.connector("capped", database, options: ["max_rows": 5]))
                #expect(capped.status == .created)
                let many = try await Self.invoke(junction, key, "capped", "query", ["sql": "SELECT generate_series(1, 20) AS n"])
                #expect(many.json["data"]?["rows"]?.arrayValue?.count == 5)
                #expect(many.json["data"]?["truncated"] == true)
                #expect(many.json["data"]?["row_count"] == 20)
            }
        }
    }

    @Test func discoveryOffersTypedTableResourcesAndTheirCallsWork() async throws {
        try await TestPostgres.withDatabase { database in
            try await withJunction { junction in
                let key = try await Self.prepare(junction, database)
                _ = try await junction.request(.post, "/api/v1/connectors", key: key, json: Self.connector("shop", database))
                let tested = try await junction.request(.post, "/api/v1/connectors/shop/test", key: key)
                #expect(tested.json["success"] == true, "\(tested.text)")
                let listed = try await junction.request(.get, "/api/v1/connectors/shop/resources", key: key)
                let resources = listed.json["resources"]?.arrayValue ?? []
                let slugs = Set(resources.compactMap { $0["slug"]?.stringValue })
                #expect(slugs == ["query", "execute", "select-items", "insert-items", "select-orders", "insert-orders", "select-cheap-items"], "\(slugs)")
                let select = try #require(resources.first { $0["slug"] == "select-items" })
                #expect(select["kind"] == "read")
                #expect(select["description"]?.stringValue?.hasPrefix("What the shop sells.") == true)
                let filters = try #require(select["input_schema"]?["properties"])
                #expect(filters["price"]?["type"] == ["string", "number"], "numeric as a decimal string or a number")
                #expect(filters["size"]?["enum"] == ["small", "large"])
                #expect(filters["active"]?["type"] == "boolean")
                #expect(filters["details"] == nil, "no equality filter on jsonb")
                #expect(filters["order_by"]?["enum"]?.arrayValue?.contains("added") == true)
                let insert = try #require(resources.first { $0["slug"] == "insert-orders" })
                #expect(insert["input_schema"]?["required"] == ["quantity"], "identity and nullable columns are optional")
                #expect(insert["kind"] == "write")

                let found = try await Self.invoke(junction, key, "shop", "select-items", ["size": "small", "active": true])
                #expect(found.json["data"]?["rows"]?.arrayValue?.map { $0["name"] } == ["mug"], "\(found.text)")
                let sorted = try await Self.invoke(junction, key, "shop", "select-items", ["order_by": "price", "descending": true, "limit": 1])
                #expect(sorted.json["data"]?["rows"]?.arrayValue?.map { $0["name"] } == ["kettle"], "\(sorted.text)")
                let stored = try await Self.invoke(junction, key, "shop", "insert-items", [
                    "name": "teapot", "price": "12.00", "size": "large", "tags": ["china"], "details": ["handle": true], "photo": "AQID",
                ])
                #expect(stored.json["success"] == true, "\(stored.text)")
                let row = try #require(stored.json["data"]?["rows"]?[0])
                #expect(row["id"] == 3)
                #expect(row["details"] == ["handle": true])
                #expect(row["photo"] == "AQID")
                #expect(row["active"] == true, "the default filled in")
                #expect(try await database.run("SELECT encode(photo, 'hex') || ' ' || tags::text FROM shop.items WHERE name = 'teapot'") == ["010203 {china}"])
                let numberPrice = try await Self.invoke(junction, key, "shop", "insert-items", ["name": "cup", "price": 3.5])
                #expect(numberPrice.json["data"]?["rows"]?[0]?["price"] == "3.50", "\(numberPrice.text)")
                let badInput = try await Self.invoke(junction, key, "shop", "insert-items", ["name": "x", "price": "cheap"])
                #expect(badInput.json["error"]?["code"] == "invalid_input", "\(badInput.text)")
                let view = try await Self.invoke(junction, key, "shop", "select-cheap-items", [:])
                #expect(view.json["data"]?["rows"]?.arrayValue?.count == 2, "mug and cup")

                // An explicit discover call reads the catalog again.
                try await database.run("CREATE TABLE shop.returns (id int)")
                try await database.run("ALTER TABLE shop.returns OWNER TO \"\(database.name)_app\"")
                let discovered = try await junction.request(.post, "/api/v1/connectors/shop/discover", key: key)
                #expect(discovered.status == .ok, "\(discovered.text)")
                #expect(discovered.json["resources"]?.arrayValue?.contains { $0["slug"] == "select-returns" } == true)

                let unknown = Self.connector("unknown", database, options: ["tables": ["items", "nothing_here"]])
                #expect(try await junction.request(.post, "/api/v1/connectors", key: key, json: unknown).status == .created)
                let named = try await junction.request(.post, "/api/v1/connectors/unknown/test", key: key)
                #expect(named.json["error"]?["code"] == "schema_discovery_failed", "\(named.text)")
                #expect(named.json["error"]?["message"]?.stringValue?.contains("nothing_here") == true, "the missing table is named: \(named.text)")

                let readOnly = Self.connector("reporting", database, options: ["read_only": true, "tables": ["items"]])
                #expect(try await junction.request(.post, "/api/v1/connectors", key: key, json: readOnly).status == .created)
                let reporting = try await junction.request(.get, "/api/v1/connectors/reporting/resources", key: key)
                #expect(Set(reporting.json["resources"]?.arrayValue?.compactMap { $0["slug"]?.stringValue } ?? []) == ["query", "select-items"])

                let own = Self.connector("fixed", database, options: [
                    "raw_sql": false, "discover_tables": false,
                    "resources": [[
                        "slug": "item-by-name", "kind": "read", "sql": "SELECT id, price FROM items WHERE name = $1", "parameters": ["name"],
                        "input_schema": ["type": "object", "required": ["name"], "properties": ["name": ["type": "string"]]],
                    ]],
                ])
                #expect(try await junction.request(.post, "/api/v1/connectors", key: key, json: own).status == .created)
                let fixed = try await Self.invoke(junction, key, "fixed", "item-by-name", ["name": "mug"])
                #expect(fixed.json["data"]?["rows"] == [["id": 2, "price": "4.99"]], "\(fixed.text)")
                let noRaw = try await Self.invoke(junction, key, "fixed", "query", ["sql": "SELECT 1"])
                #expect(noRaw.json["error"]?["code"] == "not_found", "raw SQL is off: \(noRaw.text)")
                var unbound = own.objectValue ?? [:]
                unbound["connector_name"] = "unbound"
                unbound["options"] = ["resources": [["slug": "x", "sql": "SELECT $1", "parameters": ["missing"]]]]
                let refused = try await junction.request(.post, "/api/v1/connectors", key: key, json: .object(unbound))
                #expect(refused.status == .badRequest)
                #expect(refused.errorField == "options.resources[0].parameters", "\(refused.text)")
            }
        }
    }

    @Test func missingPrivilegesFailDiscoveryNamingTheGrant() async throws {
        try await TestPostgres.withDatabase { database in
            try await withJunction { junction in
                let key = try await Self.prepare(junction, database)
                let outsider = try await database.createRole("outsider", password: Self.password)
                let reader = try await database.createRole("reader", password: Self.password)
                try await database.run("""
                    GRANT USAGE ON SCHEMA shop TO "\(reader)";
                    GRANT SELECT ON shop.items TO "\(reader)";
                    """)
                for (name, role) in [("outsider", outsider), ("reader", reader)] {
                    _ = try await junction.request(.post, "/api/v1/credentials", key: key, json: [
                        "name": .string(name), "kind": "basic", "username": .string(role), "password": .string(Self.password),
                    ])
                    _ = try await junction.request(.post, "/api/v1/connectors", key: key, json: Self.connector(name, database, credential: name))
                }
                let outside = try await junction.request(.post, "/api/v1/connectors/outsider/test", key: key)
                #expect(outside.json["success"] == false)
                #expect(outside.json["error"]?["code"] == "schema_discovery_failed", "\(outside.text)")
                #expect(outside.json["error"]?["message"]?.stringValue?.contains("lacks USAGE on schema shop") == true, "\(outside.text)")
                let call = try await Self.invoke(junction, key, "outsider", "query", ["sql": "SELECT 1"])
                #expect(call.json["error"]?["code"] == "schema_discovery_failed")

                let readable = try await junction.request(.get, "/api/v1/connectors/reader/resources", key: key)
                #expect(Set(readable.json["resources"]?.arrayValue?.compactMap { $0["slug"]?.stringValue } ?? []) == ["query", "execute", "select-items"],
                        "only the table it may read, and no insert: \(readable.text)")

                try await database.run("REVOKE SELECT ON shop.items FROM \"\(reader)\"")
                let none = try await junction.request(.post, "/api/v1/connectors/reader/test", key: key)
                #expect(none.json["error"]?["code"] == "schema_discovery_failed")
                #expect(none.json["error"]?["message"]?.stringValue?.contains("lacks SELECT on") == true, "\(none.text)")

                var missing = Self.connector("elsewhere", database).objectValue ?? [:]
                missing["options"] = ["schema": "nowhere", "tls": "disable"]
                _ = try await junction.request(.post, "/api/v1/connectors", key: key, json: .object(missing))
                let elsewhere = try await junction.request(.post, "/api/v1/connectors/elsewhere/test", key: key)
                #expect(elsewhere.json["error"]?["code"] == "schema_discovery_failed")
                #expect(elsewhere.json["error"]?["message"]?.stringValue?.contains("no schema 'nowhere'") == true, "\(elsewhere.text)")
            }
        }
    }

    @Test func aFullPoolAnswersTooManyConnectionsAndAStatementTimesOut() async throws {
        try await TestPostgres.withDatabase { database in
            try await withJunction { junction in
                let key = try await Self.prepare(junction, database)
                let one = Self.connector("one", database, options: ["pool_size": 1, "pool_timeout_ms": 300, "discover_tables": false])
                #expect(try await junction.request(.post, "/api/v1/connectors", key: key, json: one).status == .created)
                // The slow call goes straight to the runtime: the harness's client sends one request at a time.
                let tenantID = try #require(try await junction.request(.get, "/api/v1/tenants/acme", key: junction.adminKey).json["id"]?.stringValue)
                let invoker = junction.junction.runtime.invoker
                let slow = Task {
                    await invoker.invoke(InvokeRequest(
                        tenantID: tenantID, connector: "one", resource: "query", data: ["sql": "SELECT pg_sleep(2)"],
                        options: InvokeOptions(), requestID: "req_slow", idempotencyKey: nil,
                        actor: AuditActor(keyID: "test", scope: .platform, requestID: nil)))
                }
                var busy: JunctionHarness.Answer?
                for _ in 0..<50 {
                    try await Task.sleep(for: .milliseconds(100))
                    let active = try await database.run("SELECT count(*)::text FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(2)%' AND state = 'active'")
                    if active == ["1"] {
                        busy = try await Self.invoke(junction, key, "one", "query", ["sql": "SELECT 1"])
                        break
                    }
                }
                let refused = try #require(busy, "the first call reached the database")
                #expect(refused.json["error"]?["code"] == "too_many_connections", "\(refused.text)")
                #expect(refused.json["error"]?["retryable"] == true)
                #expect(refused.json["error"]?["message"]?.stringValue?.contains("pool_size") == true)
                #expect(await slow.value.success, "the slow call finished")
                let after = try await Self.invoke(junction, key, "one", "query", ["sql": "SELECT 1 AS one"])
                #expect(after.json["success"] == true, "the connection came back to the pool")

                let quick = Self.connector("quick", database, options: ["discover_tables": false], timeout: 500)
                #expect(try await junction.request(.post, "/api/v1/connectors", key: key, json: quick).status == .created)
                let late = try await Self.invoke(junction, key, "quick", "query", ["sql": "SELECT pg_sleep(5)"])
                #expect(late.json["error"]?["code"] == "timeout", "\(late.text)")
                #expect(late.json["error"]?["message"]?.stringValue?.contains("statement_timeout") == true, "the server cancelled it: \(late.text)")
                let stillRunning = try await database.run("SELECT count(*)::text FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(5)%' AND state = 'active'")
                #expect(stillRunning == ["0"], "the statement was stopped on the server")
                let next = try await Self.invoke(junction, key, "quick", "query", ["sql": "SELECT 2 AS two"])
                #expect(next.json["data"]?["rows"] == [["two": 2]])

                // A call given less time than its connector's timeout gets a statement timeout of its own.
                let short = try await junction.request(.post, "/api/v1/invoke", key: key, json: [
                    "connector": "one", "resource": "query", "data": ["sql": "SELECT pg_sleep(5)"], "options": ["timeout_ms": 500],
                ])
                #expect(short.json["error"]?["code"] == "timeout", "\(short.text)")
                #expect(short.json["error"]?["message"]?.stringValue?.contains("statement_timeout") == true, "the server cancelled it: \(short.text)")
            }
        }
    }

    @Test func tlsModesAndLoginsAreEnforced() async throws {
        try await TestPostgres.withDatabase { database in
            try await withJunction { junction in
                let key = try await Self.prepare(junction, database)
                try await TestPostgres.ensureRole("tls_only", password: Self.password)
                try await database.run("GRANT CONNECT ON DATABASE \(database.name) TO tls_only")
                _ = try await junction.request(.post, "/api/v1/credentials", key: key, json: [
                    "name": "tls-login", "kind": "basic", "username": "tls_only", "password": .string(Self.password),
                ])
                let plain = ["discover_tables": false, "tls": "disable"] as JSONValue
                _ = try await junction.request(.post, "/api/v1/connectors", key: key, json: Self.connector("plain", database, options: plain, credential: "tls-login"))
                let refused = try await junction.request(.post, "/api/v1/connectors/plain/test", key: key)
                #expect(refused.json["error"]?["code"] == "authentication_failed", "the server takes this user over TLS only: \(refused.text)")
                #expect(refused.json["error"]?["message"]?.stringValue?.contains("no encryption") == true, "\(refused.text)")

                let encrypted = ["discover_tables": false, "tls": "require"] as JSONValue
                _ = try await junction.request(.post, "/api/v1/connectors", key: key, json: Self.connector("encrypted", database, options: encrypted, credential: "tls-login"))
                let ssl = try await Self.invoke(junction, key, "encrypted", "query", ["sql": "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"])
                #expect(ssl.json["data"]?["rows"] == [["ssl": true]], "\(ssl.text)")

                let ca = try #require(TestPostgres.certificateAuthority)
                var verified = Self.connector("verified", database, options: ["discover_tables": false, "tls": "verify-full", "tls_ca": .string(ca)], credential: "tls-login").objectValue ?? [:]
                verified["connection_url"] = .string(database.localhostURL)
                _ = try await junction.request(.post, "/api/v1/connectors", key: key, json: .object(verified))
                let checked = try await junction.request(.post, "/api/v1/connectors/verified/test", key: key)
                #expect(checked.json["success"] == true, "the certificate names localhost: \(checked.text)")
                let mismatch = Self.connector("mismatch", database, options: ["discover_tables": false, "tls": "verify-full", "tls_ca": .string(ca)], credential: "tls-login")
                _ = try await junction.request(.post, "/api/v1/connectors", key: key, json: mismatch)
                let wrongName = try await junction.request(.post, "/api/v1/connectors/mismatch/test", key: key)
                #expect(wrongName.json["error"]?["code"] == "tls_error", "the certificate does not name 127.0.0.1: \(wrongName.text)")
                let untrusted = Self.connector("untrusted", database, options: ["discover_tables": false, "tls": "verify-full"], credential: "tls-login")
                _ = try await junction.request(.post, "/api/v1/connectors", key: key, json: untrusted)
                #expect(try await junction.request(.post, "/api/v1/connectors/untrusted/test", key: key).json["error"]?["code"] == "tls_error")

                _ = try await junction.request(.post, "/api/v1/credentials", key: key, json: [
                    "name": "wrong", "kind": "basic", "username": .string("\(database.name)_app"), "password": "not-the-password",
                ])
                _ = try await junction.request(.post, "/api/v1/connectors", key: key, json: Self.connector("wrong", database, credential: "wrong"))
                let wrong = try await junction.request(.post, "/api/v1/connectors/wrong/test", key: key)
                #expect(wrong.json["error"]?["code"] == "authentication_failed", "\(wrong.text)")
                #expect(wrong.json["health_status"] == "unhealthy")
                let everything = try await junction.request(.get, "/api/v1/connectors", key: key).text + wrong.text + refused.text
                #expect(!everything.contains(Self.password))

                let badCA = try await junction.request(.post, "/api/v1/connectors", key: key, json: Self.connector(
                    "bad-ca", database, options: ["tls": "verify-full", "tls_ca": "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----"]))
                #expect(badCA.status == .badRequest, "a bad CA is refused when saved, not at the first call: \(badCA.text)")
                #expect(badCA.errorField == "options.tls_ca")

                let bad = try await junction.request(.post, "/api/v1/connectors", key: key, json: [
                    "connector_name": "leaky", "connector_type": "postgres", "connection_url": .string("postgres://app:\(Self.password)@127.0.0.1/db"),
                ])
                #expect(bad.status == .badRequest)
                #expect(bad.errorField == "connection_url")
                #expect(!bad.text.contains(Self.password))
            }
        }
    }

    @Test func tablesAreToolsOverMCPAndStepsOfAWorkflow() async throws {
        try await TestPostgres.withDatabase { database in
            try await withJunction { junction in
                let key = try await Self.prepare(junction, database)
                _ = try await junction.request(.post, "/api/v1/connectors", key: key, json: Self.connector("shop", database))
                let session = try await MCPServerTests.openSession(junction, key: key)
                let listed = try await junction.request(.post, "/mcp", key: key, json: ["jsonrpc": "2.0", "id": 2, "method": "tools/list"], headers: session)
                let tools = listed.json["result"]?["tools"]?.arrayValue ?? []
                let select = try #require(tools.first { $0["name"] == "shop__select-items" }, "\(listed.text.prefix(500))")
                #expect(select["inputSchema"]?["properties"]?["size"]?["enum"] == ["small", "large"])
                #expect(select["annotations"]?["readOnlyHint"] == true)
                let called = try await junction.request(.post, "/mcp", key: key, json: [
                    "jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": ["name": "shop__select-items", "arguments": ["name": "kettle"]],
                ], headers: session)
                #expect(called.json["result"]?["isError"] == false, "\(called.text)")
                #expect(called.json["result"]?["structuredContent"]?["rows"]?[0]?["price"] == "24.50", "\(called.text)")

                let agent: JSONValue = [
                    "name": "restock", "type": "workflow",
                    "steps": [
                        ["id": "find", "connector": "shop", "resource": "select-items", "data": ["name": "{{input.item}}"]],
                        ["id": "order", "connector": "shop", "resource": "insert-orders", "data": ["item_id": "{{steps.find.data.rows.0.id}}", "quantity": 3]],
                    ],
                    "output": ["order": "{{steps.order.data.rows.0.id}}", "item": "{{steps.find.data.rows.0.name}}"],
                ]
                #expect(try await junction.request(.post, "/api/v1/agents", key: key, json: agent).status == .created)
                let started = try await junction.request(.post, "/api/v1/agents/restock/runs", key: key, json: ["input": ["item": "mug"]])
                let run = try await RunAPITests.finished(try #require(started.json["id"]?.stringValue), in: junction, key: key)
                #expect(run["status"] == "completed", "\(run)")
                #expect(run["output"]?["item"] == "mug")
                #expect(try await database.run("SELECT item_id || 'x' || quantity FROM shop.orders") == ["2x3"])
            }
        }
    }
}
