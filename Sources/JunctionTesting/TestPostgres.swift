import Foundation
import JunctionCore
import Logging
import PostgresNIO

/// The real PostgreSQL 15 server `scripts/test` starts (`JUNCTION_TEST_POSTGRES_URL`, a
/// superuser's URL, and `JUNCTION_TEST_POSTGRES_CA`, the CA of its `localhost` certificate):
/// each test gets a database and roles of its own, dropped afterwards.
public enum TestPostgres {
    /// The superuser URL, if the server is running.
    public static var url: String? { ProcessInfo.processInfo.environment["JUNCTION_TEST_POSTGRES_URL"] }

    /// Whether a server is there to test against.
    public static var isAvailable: Bool { url != nil }

    /// The PEM of the CA that signed the server's certificate for `localhost`.
    public static var certificateAuthority: String? {
        ProcessInfo.processInfo.environment["JUNCTION_TEST_POSTGRES_CA"].flatMap { try? String(contentsOfFile: $0, encoding: .utf8) }
    }

    /// The server's superuser login.
    struct Superuser {
        var host: String
        var port: Int
        var user: String
        var password: String?
    }

    static func superuser() throws -> Superuser {
        guard let text = url, let components = URLComponents(string: text), let host = components.host, let port = components.port else {
            throw HarnessError("JUNCTION_TEST_POSTGRES_URL is not set: run the tests with scripts/test")
        }
        return Superuser(host: host, port: port, user: components.user ?? "postgres", password: components.password)
    }

    /// A database of one test.
    public struct Database: Sendable {
        /// Its name.
        public var name: String
        /// The server's host and port.
        public var host: String
        public var port: Int

        /// `postgres://host:port/name`, for a connector.
        public var url: String { "postgres://\(host):\(port)/\(name)" }

        /// The same database reached by the name `localhost` (the server's certificate names it).
        public var localhostURL: String { "postgres://localhost:\(port)/\(name)" }

        /// Runs `sql` (statements ending with `;` at a line's end) as the superuser in this
        /// database; answers the first column of each row of the last one as text.
        @discardableResult
        public func run(_ sql: String) async throws -> [String?] {
            try await TestPostgres.run(sql, database: name)
        }

        /// Makes a login role named `<database>_<suffix>` with `password`, dropped with the
        /// database; answers its name.
        @discardableResult
        public func createRole(_ suffix: String, password: String) async throws -> String {
            let role = "\(name)_\(suffix)"
            try await run("CREATE ROLE \"\(role)\" LOGIN PASSWORD '\(password.replacingOccurrences(of: "'", with: "''"))'")
            return role
        }
    }

    /// Makes (or keeps) the login role `name` with `password`, for fixtures whose user name is
    /// fixed; it outlives the test.
    public static func ensureRole(_ name: String, password: String) async throws {
        let quoted = password.replacingOccurrences(of: "'", with: "''")
        try await run(
            "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '\(name)') THEN CREATE ROLE \"\(name)\" LOGIN; END IF; END $$",
            database: "postgres")
        try await run("ALTER ROLE \"\(name)\" LOGIN PASSWORD '\(quoted)'", database: "postgres")
    }

    /// Runs `body` with a new, empty database, dropping it and the roles it made afterwards.
    public static func withDatabase<T: Sendable>(_ body: @Sendable (Database) async throws -> T) async throws -> T {
        let server = try superuser()
        let name = "jt_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased()
        try await run("CREATE DATABASE \(name)", database: "postgres")
        let database = Database(name: name, host: server.host, port: server.port)
        let result: Result<T, any Error>
        do {
            result = .success(try await body(database))
        } catch {
            result = .failure(error)
        }
        // Roles made for this database are named after it.
        let roles = try await run("SELECT rolname::text FROM pg_roles WHERE rolname LIKE '\(name)%'", database: "postgres")
        try await run("DROP DATABASE IF EXISTS \(name) WITH (FORCE)", database: "postgres")
        for role in roles.compactMap({ $0 }) { try await run("DROP ROLE IF EXISTS \"\(role)\"", database: "postgres") }
        return try result.get()
    }

    private static let logger = Logger(label: "junction.test-postgres")

    static func run(_ sql: String, database: String) async throws -> [String?] {
        let server = try superuser()
        var configuration = PostgresConnection.Configuration(
            host: server.host, port: server.port, username: server.user, password: server.password, database: database, tls: .disable)
        configuration.options.connectTimeout = .seconds(10)
        let connection = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: logger)
        do {
            // One statement per message (the extended protocol): statements end with ";" at a line's end.
            var rows: [PostgresRow] = []
            for statement in sql.components(separatedBy: ";\n") where !statement.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                rows = try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger).get().rows
            }
            try? await connection.close()
            return rows.map { row in row.first.flatMap { cell in cell.bytes.flatMap { $0.getString(at: $0.readerIndex, length: $0.readableBytes) } } }
        } catch {
            try? await connection.close()
            throw HarnessError("PostgreSQL refused \(sql.prefix(200)): \(String(reflecting: error))")
        }
    }
}
