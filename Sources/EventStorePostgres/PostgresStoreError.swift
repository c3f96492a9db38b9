import PostgresNIO
import RouterCore

/// What can go wrong with the PostgreSQL store, with what to do about it.
public enum PostgresStoreError: Error, CustomStringConvertible {
    /// The database could not be reached or refused the connection.
    case unreachable(url: PostgresURL, reason: String)
    /// The database's schema is older than this router and migrating was not allowed.
    case schemaBehind(applied: Int, latest: Int)
    /// The database was migrated by a newer router.
    case schemaAhead(applied: Int, latest: Int)
    /// A stored row cannot be read back.
    case corruptRow(String)
    /// A statement failed; the server's message.
    case failed(String)

    public var description: String {
        switch self {
        case .unreachable(let url, let reason):
            "cannot reach PostgreSQL at \(url): \(reason)"
        case .schemaBehind(let applied, let latest):
            "the database schema is at version \(applied) and this router needs \(latest): run `retention-router migrate`"
        case .schemaAhead(let applied, let latest):
            "the database schema is at version \(applied), newer than this router knows (\(latest)): upgrade the router"
        case .corruptRow(let message):
            message
        case .failed(let message):
            "PostgreSQL: \(message)"
        }
    }

    /// A one-line reason for an error from the driver, without the query text it carries.
    static func describe(_ error: any Error) -> String {
        if let error = error as? PSQLError {
            if let message = error.serverInfo?[.message] {
                return "\(message) (\(error.serverInfo?[.sqlState] ?? "?"))"
            }
            if let underlying = error.underlying {
                return "\(error.code): \(underlying)"
            }
            return "\(error.code)"
        }
        return "\(error)"
    }
}
