using System.ComponentModel.DataAnnotations;

namespace Schoolbel.Server.Data;

public enum DatabaseProvider
{
    Sqlite,
    Postgres,
}

/// <summary>Configuration section <c>Database</c>.</summary>
public sealed class DatabaseOptions
{
    public const string Section = "Database";

    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;

    /// <summary>For SQLite the default keeps everything under ./data next to the files.</summary>
    [Required]
    public string ConnectionString { get; set; } = "Data Source=data/schoolbel.db";

    /// <summary>Apply pending migrations at start-up. Turn off when a deploy step migrates instead.</summary>
    public bool MigrateOnStartup { get; set; } = true;
}
