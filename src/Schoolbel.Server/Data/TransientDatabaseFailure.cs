using System.Data.Common;
using System.Net.Sockets;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Schoolbel.Server.Data;

/// <summary>
/// Tells a database that is briefly away (restarting, failing over, out of connections, a SQLite
/// file locked by another writer) from a bug. The first is answered with 503 and Retry-After; the
/// second stays a 500. Only exceptions the database layer raised count: a timeout of some other
/// service is not a database outage.
/// </summary>
internal static class TransientDatabaseFailure
{
    // What PostgreSQL says while it stops, starts or loses a connection. Npgsql's own IsTransient
    // covers most, but not a server that is shutting down (57P01, sent to every session by
    // `pg_ctl stop` and pg_terminate_backend) or crashed (57P02).
    private static readonly HashSet<string> OutageStates = new(StringComparer.Ordinal)
    {
        PostgresErrorCodes.AdminShutdown,
        PostgresErrorCodes.CrashShutdown,
        PostgresErrorCodes.CannotConnectNow,
        PostgresErrorCodes.ConnectionException,
        PostgresErrorCodes.ConnectionDoesNotExist,
        PostgresErrorCodes.ConnectionFailure,
        PostgresErrorCodes.SqlClientUnableToEstablishSqlConnection,
        PostgresErrorCodes.SqlServerRejectedEstablishmentOfSqlConnection,
        PostgresErrorCodes.TransactionResolutionUnknown,
        PostgresErrorCodes.TooManyConnections,
    };

    // EF Core's execution strategies wrap a failure they judge transient in an
    // InvalidOperationException with this text (when no retrying strategy is configured, or it gave up).
    private const string ExecutionStrategyMessage = "An exception has been raised that is likely due to a transient failure";

    private const int SqliteBusy = 5;
    private const int SqliteLocked = 6;

    /// <summary>
    /// The exception (or one it wraps) that shows the database is unreachable for a moment, or null.
    /// </summary>
    public static Exception? Find(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var insideDatabase = false;
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case PostgresException postgres:
                    // An answer from the server: a constraint or syntax error is a bug (or a race the
                    // caller handles), a serialization failure, deadlock or shutdown is transient.
                    return postgres.IsTransient || OutageStates.Contains(postgres.SqlState) ? postgres : null;
                case NpgsqlException npgsql when npgsql.IsTransient:
                    return npgsql;
                case SqliteException sqlite:
                    return sqlite.SqliteErrorCode is SqliteBusy or SqliteLocked ? sqlite : null;
                case InvalidOperationException when e.Message.StartsWith(ExecutionStrategyMessage, StringComparison.Ordinal):
                    return e.InnerException ?? e;
                case SocketException or TimeoutException or IOException when insideDatabase:
                    return e;
                case DbException or Microsoft.EntityFrameworkCore.DbUpdateException:
                    insideDatabase = true;
                    break;
            }
        }

        return null;
    }
}
