using System.Diagnostics;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Schoolbel.Server.Data;
using Schoolbel.Server.People;
using Schoolbel.Server.Schools;
using Schoolbel.Tests.Infrastructure;

namespace Schoolbel.Tests;

/// <summary>Runs the real `seed` command line, as a load-test operator would.</summary>
public sealed class SeedCommandTests
{
    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task Seed_creates_schools_and_prints_only_json(string provider)
    {
        TestDatabases.Require(provider);
        var folder = Directory.CreateTempSubdirectory("schoolbel-seed-").FullName;
        var database = "schoolbel_seed_" + Guid.NewGuid().ToString("N")[..10];
        var connection = provider == TestDatabases.Postgres
            ? await TestDatabases.CreatePostgresDatabaseAsync(database)
            : $"Data Source={Path.Combine(folder, "seed.db")}";
        try
        {
            var (exit, stdout, stderr) = await RunAsync(folder,
                "seed", "--schools", "2", "--pupils-per-school", "60", "--password", "Peak-Pass-1",
                $"--Database:Provider={provider}", $"--Database:ConnectionString={connection}");

            Assert.True(exit == 0, stderr);
            using var summary = JsonDocument.Parse(stdout); // stdout is the JSON and nothing else
            var root = summary.RootElement;
            Assert.Equal(["school001", "school002"], root.GetProperty("schools").EnumerateArray().Select(s => s.GetString()));
            Assert.Equal(60, root.GetProperty("pupilsPerSchool").GetInt32());
            Assert.StartsWith("p00001", root.GetProperty("usernames").GetProperty("pupils").GetString(), StringComparison.Ordinal);
            var firstClass = root.GetProperty("classes")[0];
            Assert.StartsWith("/school001/courses/", firstClass.GetProperty("course").GetProperty("url").GetString(), StringComparison.Ordinal);

            await using var db = OpenDb(provider, connection);
            var school = await db.Schools.SingleAsync(s => s.Code == "school001");
            var pupils = await db.People.IgnoreQueryFilters().CountAsync(p => p.SchoolId == school.Id && p.Role == PersonRole.Pupil);
            var parents = await db.ParentLinks.IgnoreQueryFilters().CountAsync(l => l.SchoolId == school.Id);
            var classes = await db.Classes.IgnoreQueryFilters().CountAsync(c => c.SchoolId == school.Id);
            var courses = await db.Courses.IgnoreQueryFilters().CountAsync(c => c.SchoolId == school.Id);
            Assert.Equal(60, pupils);
            Assert.Equal(60, parents);
            Assert.InRange(classes, 2, 4); // about 22 pupils a class
            Assert.InRange(courses, classes * 9, classes * 11); // about 10 courses a class
            // Every class has an exercise set to practise, given to it as a current task.
            var tasks = await db.Set<Schoolbel.Server.Exercises.ExerciseTask>().IgnoreQueryFilters().CountAsync(t => t.SchoolId == school.Id && t.ClassId != null);
            var items = await db.Set<Schoolbel.Server.Exercises.ExerciseItem>().IgnoreQueryFilters().CountAsync(i => i.SchoolId == school.Id);
            Assert.Equal(classes, tasks);
            Assert.True(items >= classes * 10, $"{items} items for {classes} classes");

            // A second run over the same schools refuses, and writes nothing.
            var (again, _, error) = await RunAsync(folder, "seed", "--schools", "1", $"--Database:Provider={provider}", $"--Database:ConnectionString={connection}");
            Assert.Equal(1, again);
            Assert.Contains("school001", error, StringComparison.Ordinal);
        }
        finally
        {
            if (provider == TestDatabases.Postgres)
            {
                await TestDatabases.DropPostgresDatabaseAsync(database);
            }

            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Seed_with_a_bad_option_prints_usage_and_exits_2()
    {
        var folder = Directory.CreateTempSubdirectory("schoolbel-seed-").FullName;
        var (exit, stdout, stderr) = await RunAsync(folder, "seed", "--schools", "many");

        Assert.Equal(2, exit);
        Assert.Equal("", stdout.Trim());
        Assert.Contains("seed", stderr, StringComparison.Ordinal);
        Directory.Delete(folder, recursive: true);
    }

    private static SchoolbelDb OpenDb(string provider, string connection) =>
        provider == TestDatabases.Postgres
            ? new PostgresSchoolbelDb(new DbContextOptionsBuilder<PostgresSchoolbelDb>().UseNpgsql(connection).Options, new SchoolScope())
            : new SqliteSchoolbelDb(new DbContextOptionsBuilder<SqliteSchoolbelDb>().UseSqlite(connection).Options, new SchoolScope());

    private static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(string workingDirectory, params string[] args)
    {
        var server = typeof(Program).Assembly.Location;
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(server);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }
}
