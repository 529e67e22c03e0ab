import JunctionCore
import Logging
import NIOCore
import NIOSSL
import PostgresNIO
import Synchronization

/// One pooled PostgreSQL connection.
struct PostgresSession: PooledConnection {
    let connection: PostgresConnection

    var isClosed: Bool { connection.isClosed }

    func close() async {
        try? await connection.close()
    }
}

/// What one statement returned: its rows (up to the cap), how many there were, and the
/// command tag's verb.
struct StatementResult: Sendable {
    var rows: [JSONValue]
    var columns: [JSONValue]
    var rowCount: Int
    var truncated: Bool
    var command: String

    /// The result as a resource answers it.
    var json: JSONValue {
        [
            "rows": .array(rows), "row_count": .integer(rowCount), "truncated": .bool(truncated),
            "command": .string(command), "columns": .array(columns),
        ]
    }
}

/// Runs statements on a connector's pool: each in its own transaction (`READ ONLY` for
/// reads), with `statement_timeout` set to the call's remaining time and `search_path` to
/// the connector's schema, rolled back on failure so the connection is clean for the next.
struct PostgresRunner: Sendable {
    let settings: PostgresSettings
    let pool: ConnectionPool<PostgresSession>

    /// PostgresNIO logs nothing below errors here: its trace output would show statements' data.
    private static let logger: Logger = {
        var logger = Logger(label: "junction.postgres")
        logger.logLevel = .error
        return logger
    }()

    /// The connector's pool, shared across rebuilds of the connector.
    static func pool(for settings: PostgresSettings, connectorID: String, services: ServiceValues) throws -> ConnectionPool<PostgresSession> {
        let tls = try tlsConfiguration(settings)
        let addressGuard = services[AddressGuardKey.self] ?? AddressGuard(policy: NetworkPolicy())
        let make = { ConnectionPool<PostgresSession>(limit: settings.poolSize) { try await connect(settings, tls: tls, addressGuard: addressGuard) } }
        guard let pools = services[ConnectionPoolsKey.self] else { return make() }
        return pools.pool(settings.poolKey(connectorID: connectorID), make: make)
    }

    private static func tlsConfiguration(_ settings: PostgresSettings) throws(JunctionError) -> PostgresConnection.Configuration.TLS {
        guard settings.tls != .disable else { return .disable }
        let context = try ClientTLS.context(caPEM: settings.caPEM, verify: settings.tls == .verifyFull)
        return settings.tls == .prefer ? .prefer(context) : .require(context)
    }

    private static let connectionIDs = Atomic<Int>(0)

    /// Opens a connection to the checked address (the network policy applies to databases too).
    private static func connect(
        _ settings: PostgresSettings, tls: PostgresConnection.Configuration.TLS, addressGuard: AddressGuard
    ) async throws -> PostgresSession {
        do {
            let address = try await addressGuard.check(host: settings.host)
            var configuration = PostgresConnection.Configuration(
                host: address.map(IPAddressBytes.format) ?? settings.host, port: settings.port, username: settings.username,
                password: settings.password, database: settings.database, tls: tls)
            configuration.options.tlsServerName = IPAddressBytes.parse(settings.host) == nil ? settings.host : nil
            // The session's defaults: DISCARD ALL after raw SQL brings them back.
            configuration.options.additionalStartupParameters = [
                ("application_name", "junction"), ("statement_timeout", String(settings.sessionStatementTimeout)),
                ("search_path", settings.searchPath),
            ]
            let id = connectionIDs.wrappingAdd(1, ordering: .relaxed).newValue
            return PostgresSession(connection: try await PostgresConnection.connect(configuration: configuration, id: id, logger: logger))
        } catch {
            throw PostgresFailure.map(error, context: settings.context, safeToRepeat: true)
        }
    }

    /// The same runner keeping up to `limit` rows (discovery reads the whole catalog).
    func withRowLimit(_ limit: Int) -> PostgresRunner {
        var settings = settings
        settings.maxRows = limit
        return PostgresRunner(settings: settings, pool: pool)
    }

    /// Runs `sql` with `parameters` bound to `$1…`, by `call.deadline`, keeping at most
    /// `settings.maxRows` rows. `field` names the input at fault when the server refuses the
    /// statement. SQL Junction did not write (`trusted` false) may change the session (`SET ROLE`,
    /// temporary tables, prepared statements, advisory locks): the session is reset after it
    /// (`DISCARD ALL`), so that nothing carries over to the next call on the connection.
    func run(
        _ sql: String, parameters: [JSONValue] = [], jsonParameters: Set<Int> = [], readOnly: Bool, call: CallContext,
        field: String? = nil, trusted: Bool = false
    ) async throws -> StatementResult {
        let settings = settings
        let start = ContinuousClock.now
        let readOnly = readOnly || settings.readOnly
        do {
            return try await withDeadline(call.deadline, lateError: {
                JunctionError(.timeout, "No answer from \(settings.context) in time (\((call.deadline - start).wholeMilliseconds) ms).")
            }) { [pool] in
                try await pool.withConnection(waitUntil: min(call.deadline, .now + settings.poolTimeout)) { session in
                    let outcome: Result<StatementResult, any Error>
                    do {
                        outcome = .success(try await Self.transaction(
                            session.connection, sql: sql, bindings: TextParameter.bindings(parameters, jsonColumns: jsonParameters),
                            readOnly: readOnly, deadline: call.deadline, settings: settings))
                    } catch let discard as ConnectionPool<PostgresSession>.DiscardConnection {
                        throw discard
                    } catch {
                        outcome = .failure(error)
                    }
                    if !trusted {
                        // Even a failed statement may have taken a session-level lock.
                        do {
                            try await session.connection.query("DISCARD ALL", logger: Self.logger)
                        } catch {
                            if case .failure(let failure) = outcome { throw ConnectionPool<PostgresSession>.DiscardConnection(failure) }
                            throw ConnectionPool<PostgresSession>.DiscardConnection(error)
                        }
                    }
                    return try outcome.get()
                }
            }
        } catch {
            throw PostgresFailure.map(error, context: settings.context, field: field, safeToRepeat: readOnly)
        }
    }

    private static func transaction(
        _ connection: PostgresConnection, sql: String, bindings: PostgresBindings, readOnly: Bool,
        deadline: ContinuousClock.Instant, settings: PostgresSettings
    ) async throws -> StatementResult {
        try await withTaskCancellationHandler {
            // The server gives up a little before the caller does, so its own error is the one seen.
            let budget = max(1, (deadline - .now).wholeMilliseconds * 9 / 10)
            try await connection.query(readOnly ? "BEGIN READ ONLY" : "BEGIN", logger: logger)
            do {
                // The session's statement_timeout (set at connect, restored by DISCARD ALL) is 90 % of
                // the connector's timeout, within any call with at least 90 % of it left; a call with
                // less time left (a retry, a shorter options.timeout_ms) gets its own.
                if budget * 10 < settings.sessionStatementTimeout * 9 {
                    try await connection.query("SELECT set_config('statement_timeout', \(String(budget)), true)", logger: logger)
                }
                let collector = RowCollector(limit: settings.maxRows)
                let metadata = try await connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger) { row in
                    collector.add(row)
                }.get()
                try await connection.query("COMMIT", logger: logger)
                return collector.result(command: metadata.command, rowCount: metadata.rows)
            } catch {
                // The transaction is aborted: roll it back, or let the connection go.
                let failure = error
                do {
                    try await connection.query("ROLLBACK", logger: logger)
                } catch {
                    throw ConnectionPool<PostgresSession>.DiscardConnection(failure)
                }
                throw failure
            }
        } onCancel: {
            // A statement in flight cannot be abandoned on a live connection: close it.
            _ = connection.close() as EventLoopFuture<Void>
        }
    }
}

/// Gathers rows on the connection's event loop, up to a cap.
private final class RowCollector: Sendable {
    private struct State {
        var rows: [JSONValue] = []
        var columns: [JSONValue] = []
        var seen = 0
    }

    private let limit: Int
    private let state = Mutex(State())

    init(limit: Int) {
        self.limit = limit
    }

    func add(_ row: PostgresRow) {
        state.withLock { state in
            state.seen += 1
            if state.columns.isEmpty {
                state.columns = row.map { ["name": .string($0.columnName), "type": .string(PostgresValue.typeName($0.dataType))] }
            }
            guard state.rows.count < limit else { return }
            var object: [String: JSONValue] = [:]
            object.reserveCapacity(row.count)
            for cell in row {
                var name = cell.columnName
                var suffix = 2
                while object[name] != nil {
                    name = "\(cell.columnName)_\(suffix)"
                    suffix += 1
                }
                object[name] = PostgresValue.json(cell)
            }
            state.rows.append(.object(object))
        }
    }

    func result(command: String, rowCount: Int?) -> StatementResult {
        state.withLock { state in
            StatementResult(
                rows: state.rows, columns: state.columns, rowCount: rowCount ?? state.seen, truncated: state.seen > state.rows.count,
                command: command)
        }
    }
}
