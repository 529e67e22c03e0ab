import Foundation
import GRDB
import JunctionCore

/// The embedded store: one SQLite file in WAL mode with one writer and a pool of readers.
public final class SQLiteStore: Store {
    private let pool: DatabasePool

    /// Opens (creating if needed) the database at `path` and runs pending migrations.
    public init(path: String) throws {
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(5)
        configuration.maximumReaderCount = 4
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        pool = try DatabasePool(path: path, configuration: configuration)
        try SQLiteMigrations.migrator.migrate(pool)
    }

    public func checkReadiness() async throws {
        _ = try await pool.read { db in try Int.fetchOne(db, sql: "SELECT 1") }
    }

    /// Runs `body` in a write transaction. Errors `body` throws pass through; a foreign key
    /// violation becomes `not_found` and any other database error `internal`.
    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await pool.write(body)
        } catch let error as DatabaseError {
            throw Self.translate(error)
        }
    }

    /// Runs `body` against a read-only snapshot.
    func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await pool.read(body)
        } catch let error as DatabaseError {
            throw Self.translate(error)
        }
    }

    private static func translate(_ error: DatabaseError) -> JunctionError {
        if error.extendedResultCode == .SQLITE_CONSTRAINT_FOREIGNKEY {
            return JunctionError(.notFound, "A record this change refers to does not exist.", cause: error)
        }
        return .internal("The database failed.", cause: error)
    }

    /// A stored date, brought back to the exact whole millisecond it was written with.
    static func date(_ row: Row, _ column: String) -> Date {
        Timestamp.normalized(row[column])
    }

    static func optionalDate(_ row: Row, _ column: String) -> Date? {
        (row[column] as Date?).map(Timestamp.normalized)
    }

    static func isUniqueViolation(_ error: any Error) -> Bool {
        (error as? DatabaseError)?.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE
            || (error as? DatabaseError)?.extendedResultCode == .SQLITE_CONSTRAINT_PRIMARYKEY
    }
}

/// JSON columns are stored as text.
enum SQLiteJSON {
    static func text(_ value: JSONValue) -> String {
        value.jsonText
    }

    static func text(_ object: [String: JSONValue]) -> String {
        text(.object(object))
    }

    static func value(_ text: String) throws -> JSONValue {
        try JSONCoding.decodeStored(Array(text.utf8))
    }

    static func object(_ text: String) throws -> [String: JSONValue] {
        try value(text).objectValue ?? [:]
    }
}
