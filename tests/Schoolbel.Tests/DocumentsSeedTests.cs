using System.Diagnostics;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Schoolbel.Server.Data;
using Schoolbel.Server.Documents;
using Schoolbel.Server.Schools;
using Schoolbel.Tests.Infrastructure;

namespace Schoolbel.Tests;

/// <summary>The seed command's course content for load tests.</summary>
public sealed class DocumentsSeedTests
{
    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task Seed_gives_every_course_a_published_lesson_and_stores_each_file_once(string provider)
    {
        TestDatabases.Require(provider);
        var folder = Directory.CreateTempSubdirectory("schoolbel-seed-docs-").FullName;
        var database = "schoolbel_seeddocs_" + Guid.NewGuid().ToString("N")[..10];
        var connection = provider == TestDatabases.Postgres
            ? await TestDatabases.CreatePostgresDatabaseAsync(database)
            : $"Data Source={Path.Combine(folder, "seed.db")}";
        var files = Path.Combine(folder, "files");
        try
        {
            var (exit, stdout, stderr) = await RunAsync(folder,
                "seed", "--schools", "2", "--pupils-per-school", "50",
                $"--Database:Provider={provider}", $"--Database:ConnectionString={connection}", $"--Storage:Root={files}");

            Assert.True(exit == 0, stderr);
            using var summary = JsonDocument.Parse(stdout);
            var classes = summary.RootElement.GetProperty("classes").EnumerateArray().ToList();
            var first = classes[0].GetProperty("course").GetProperty("documents").EnumerateArray().ToList();
            Assert.Equal(["application/pdf", "video/mp4"], first.Select(d => d.GetProperty("contentType").GetString()));
            Assert.InRange(first[0].GetProperty("length").GetInt64(), 190_000, 220_000);
            Assert.Equal(20L * 1024 * 1024, first[1].GetProperty("length").GetInt64());
            Assert.StartsWith("/school001/documents/", first[0].GetProperty("url").GetString(), StringComparison.Ordinal);
            Assert.Equal(2, classes.Count(c => c.GetProperty("course").GetProperty("documents").GetArrayLength() == 2)); // one video per school
            Assert.All(classes, c => Assert.InRange(c.GetProperty("course").GetProperty("documents").GetArrayLength(), 1, 2));

            // Two blobs on disk (the PDF and the video), however many courses and schools use them.
            var blobs = Directory.EnumerateFiles(Path.Combine(files, "blobs"), "*", SearchOption.AllDirectories).ToList();
            Assert.Equal(2, blobs.Count);
            Assert.Empty(Directory.EnumerateFiles(Path.Combine(files, "tmp")));

            await using var db = provider == TestDatabases.Postgres
                ? (SchoolbelDb)new PostgresSchoolbelDb(new DbContextOptionsBuilder<PostgresSchoolbelDb>().UseNpgsql(connection).Options, new SchoolScope())
                : new SqliteSchoolbelDb(new DbContextOptionsBuilder<SqliteSchoolbelDb>().UseSqlite(connection).Options, new SchoolScope());
            var courses = await db.Courses.IgnoreQueryFilters().CountAsync();
            Assert.Equal(courses + 2, await db.Set<DocumentVersion>().IgnoreQueryFilters().CountAsync());
            Assert.Equal(2, await db.Set<DocumentVersion>().IgnoreQueryFilters().Select(v => v.BlobHash).Distinct().CountAsync());
            Assert.Equal(courses, await db.Set<Schoolbel.Server.Lessons.LessonClass>().IgnoreQueryFilters().CountAsync(l => l.PublishAt <= DateTime.UtcNow));
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

    private static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(string workingDirectory, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(typeof(Program).Assembly.Location);
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
