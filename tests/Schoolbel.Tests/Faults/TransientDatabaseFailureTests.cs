using System.Net.Sockets;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Schoolbel.Server.Data;

namespace Schoolbel.Tests.Faults;

/// <summary>Which database failures are an outage (503, try again) and which are a bug (500).</summary>
public sealed class TransientDatabaseFailureTests
{
    public static readonly TheoryData<string> OutageStates = new("57P01", "57P02", "57P03", "08006", "53300", "40001");

    [Theory]
    [MemberData(nameof(OutageStates))]
    public void A_server_that_is_stopping_starting_or_full_is_an_outage(string sqlState)
    {
        var postgres = new PostgresException("terminating connection", "FATAL", "FATAL", sqlState);

        Assert.Same(postgres, TransientDatabaseFailure.Find(postgres));
        Assert.Same(postgres, TransientDatabaseFailure.Find(new DbUpdateException("save failed", postgres)));
    }

    [Fact]
    public void A_refused_or_broken_connection_is_an_outage_also_when_ef_core_wraps_it()
    {
        var refused = new NpgsqlException("Failed to connect to 127.0.0.1:5432", new SocketException((int)SocketError.ConnectionRefused));
        var broken = new NpgsqlException("Exception while reading from stream", new EndOfStreamException());

        Assert.Same(refused, TransientDatabaseFailure.Find(refused));
        Assert.Same(broken, TransientDatabaseFailure.Find(new DbUpdateException("save failed", broken)));
        var strategy = new InvalidOperationException("An exception has been raised that is likely due to a transient failure.", refused);
        Assert.Same(refused, TransientDatabaseFailure.Find(strategy));
        var timeout = new TimeoutException("pool exhausted");
        Assert.Same(timeout, TransientDatabaseFailure.Find(new DbUpdateException("save failed", timeout)));
    }

    [Fact]
    public void Only_a_duplicate_key_is_a_lost_race_not_an_outage_or_another_constraint()
    {
        Assert.True(new DbUpdateException("save failed", new PostgresException("duplicate key", "ERROR", "ERROR", "23505")).IsUniqueViolation());
        Assert.True(new DbUpdateException("save failed", new SqliteException("UNIQUE constraint failed", 19, 2067)).IsUniqueViolation());
        Assert.True(new DbUpdateException("save failed", new SqliteException("PRIMARY KEY constraint failed", 19, 1555)).IsUniqueViolation());

        Assert.False(new DbUpdateException("save failed", new PostgresException("terminating connection", "FATAL", "FATAL", "57P01")).IsUniqueViolation());
        Assert.False(new DbUpdateException("save failed", new PostgresException("foreign key", "ERROR", "ERROR", "23503")).IsUniqueViolation());
        Assert.False(new DbUpdateException("save failed", new SqliteException("database is locked", 5, 5)).IsUniqueViolation());
        Assert.False(new DbUpdateException("save failed", new SqliteException("FOREIGN KEY constraint failed", 19, 787)).IsUniqueViolation());
        Assert.False(new DbUpdateException("save failed", new TimeoutException("pool exhausted")).IsUniqueViolation());
    }

    [Fact]
    public void A_busy_or_locked_sqlite_file_is_an_outage()
    {
        var busy = new SqliteException("SQLite Error 5: 'database is locked'.", 5);
        var locked = new SqliteException("SQLite Error 6: 'database table is locked'.", 6);

        Assert.Same(busy, TransientDatabaseFailure.Find(busy));
        Assert.Same(locked, TransientDatabaseFailure.Find(new DbUpdateException("save failed", locked)));
    }

    [Fact]
    public void Constraint_and_syntax_errors_and_timeouts_elsewhere_are_not()
    {
        Assert.Null(TransientDatabaseFailure.Find(new DbUpdateException("save failed", new PostgresException("duplicate key", "ERROR", "ERROR", "23505"))));
        Assert.Null(TransientDatabaseFailure.Find(new PostgresException("syntax error", "ERROR", "ERROR", "42601")));
        Assert.Null(TransientDatabaseFailure.Find(new DbUpdateException("save failed", new SqliteException("SQLite Error 19: 'UNIQUE constraint failed'.", 19))));
        // A timeout or socket error that did not come through the database layer is somebody else's.
        Assert.Null(TransientDatabaseFailure.Find(new TimeoutException("the S3 call timed out")));
        Assert.Null(TransientDatabaseFailure.Find(new HttpRequestException("push service", new SocketException((int)SocketError.ConnectionRefused))));
        Assert.Null(TransientDatabaseFailure.Find(new InvalidOperationException("Sequence contains no elements")));
    }
}
