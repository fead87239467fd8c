using System.Data.Common;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Schoolbel.Server.Storage;
using Schoolbel.Tests.Infrastructure;

namespace Schoolbel.Tests;

/// <summary>
/// The S3 blob store against a real S3-compatible server. SCHOOLBEL_TEST_S3 names it, as
/// <c>ServiceUrl=http://127.0.0.1:4569;Bucket=schoolbel-test;AccessKey=S3RVER;SecretKey=S3RVER</c>
/// (the bucket must exist); without it these tests are skipped, unless SCHOOLBEL_REQUIRE_S3=1.
/// </summary>
public sealed class S3BlobStoreTests
{
    [Fact]
    public async Task Staged_bytes_are_stored_once_under_their_hash_read_back_and_deleted()
    {
        var s3 = RequireS3();
        var root = Directory.CreateTempSubdirectory("schoolbel-s3-").FullName;
        try
        {
            var store = BlobStores.Create(Options.Create(new StorageOptions { Provider = "S3", Root = root, S3 = s3 }));
            Assert.Null(store.LocalPath(new string('a', 64)));
            var bytes = TestFiles.Pdf(300_000);
            var hash = TestFiles.Sha256(bytes);

            using (var staged = await store.StageAsync(new MemoryStream(bytes), bytes.Length, CancellationToken.None))
            {
                Assert.Equal(hash, staged.Hash);
                Assert.False(await store.ExistsAsync(hash, CancellationToken.None));
                await store.CommitAsync(staged, CancellationToken.None);
            }

            Assert.True(await store.ExistsAsync(hash, CancellationToken.None));
            await using (var read = await store.OpenReadAsync(hash, CancellationToken.None))
            {
                using var copy = new MemoryStream();
                await read.CopyToAsync(copy);
                Assert.Equal(bytes, copy.ToArray());
            }

            // The same bytes again: nothing new is written, and no temp file stays behind.
            using (var again = await store.StageAsync(new MemoryStream(bytes), bytes.Length, CancellationToken.None))
            {
                await store.CommitAsync(again, CancellationToken.None);
            }

            Assert.Empty(Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories));
            await store.DeleteAsync(hash, CancellationToken.None);
            Assert.False(await store.ExistsAsync(hash, CancellationToken.None));
            await Assert.ThrowsAsync<BlobTooLargeException>(() => store.StageAsync(new MemoryStream(bytes), 1000, CancellationToken.None));
            Assert.Empty(Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories));
            (store as IDisposable)?.Dispose();
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task Documents_upload_download_and_collect_through_s3(string provider)
    {
        var s3 = RequireS3();
        // An app of its own: collection with zero grace must not touch other tests' data.
        await using var app = await SchoolbelApp.StartAsync(provider);
        await using var host = DocumentsTestHost.Create(app, new Dictionary<string, string>
        {
            ["Storage:Provider"] = "S3",
            ["Storage:S3:ServiceUrl"] = s3.ServiceUrl!,
            ["Storage:S3:Bucket"] = s3.Bucket,
            ["Storage:S3:AccessKey"] = s3.AccessKey!,
            ["Storage:S3:SecretKey"] = s3.SecretKey!,
            ["Storage:S3:Prefix"] = s3.Prefix,
            ["Storage:CollectGrace"] = "00:00:00",
            ["Storage:RecycleBinRetention"] = "00:00:00",
        });
        var school = await TestSchool.CreateAsync(app);
        var teacher = await host.ApiClientAsync(school, school.Teacher);
        var bytes = TestFiles.Pdf(200_000);
        var hash = TestFiles.Sha256(bytes);
        var item = await (await TestFiles.UploadAsync(teacher, school.Course.Id, "s3.pdf", bytes)).Content.ReadFromJsonAsync<JsonElement>();
        var url = $"/{school.Code}{item.GetProperty("version").GetProperty("path").GetString()}";
        var store = host.Services.GetRequiredService<IBlobStore>();
        Assert.True(await store.ExistsAsync(hash, CancellationToken.None));
        Assert.Empty(host.Files()); // staged locally, stored remotely, nothing left on disk

        var pupil = await host.SignInAsync(school, school.Pupil);
        var download = await pupil.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal(bytes, await download.Content.ReadAsByteArrayAsync());
        Assert.Equal($"\"{hash}\"", download.Headers.ETag?.ToString());
        using (var revalidate = new HttpRequestMessage(HttpMethod.Get, url))
        {
            revalidate.Headers.IfNoneMatch.Add(EntityTagHeaderValue.Parse($"\"{hash}\""));
            Assert.Equal(HttpStatusCode.NotModified, (await pupil.SendAsync(revalidate)).StatusCode);
        }

        await teacher.DeleteAsync($"/api/v1/courses/{school.Course.Id}/items/{item.GetProperty("id").GetString()}");
        var collected = await host.Services.GetRequiredService<StorageCollector>().CollectAsync(CancellationToken.None);
        Assert.Equal(1, collected.DeletedBlobs);
        Assert.False(await store.ExistsAsync(hash, CancellationToken.None));
    }

    private static S3StorageOptions RequireS3()
    {
        var setting = Environment.GetEnvironmentVariable("SCHOOLBEL_TEST_S3");
        if (string.IsNullOrEmpty(setting))
        {
            if (Environment.GetEnvironmentVariable("SCHOOLBEL_REQUIRE_S3") == "1")
            {
                Assert.Fail("SCHOOLBEL_REQUIRE_S3=1 but SCHOOLBEL_TEST_S3 is not set.");
            }

            Assert.Skip("No S3-compatible server configured (set SCHOOLBEL_TEST_S3).");
        }

        var parts = new DbConnectionStringBuilder { ConnectionString = setting };
        string? Get(string key) => parts.TryGetValue(key, out var value) ? value?.ToString() : null;
        return new S3StorageOptions
        {
            ServiceUrl = Get("ServiceUrl") ?? throw new InvalidOperationException("SCHOOLBEL_TEST_S3 needs ServiceUrl=..."),
            Bucket = Get("Bucket") ?? "schoolbel-test",
            AccessKey = Get("AccessKey"),
            SecretKey = Get("SecretKey"),
            Region = Get("Region") ?? "us-east-1",
            // Each run in its own folder of the bucket, so runs never see each other's objects.
            Prefix = (Get("Prefix") ?? "tests/") + Guid.NewGuid().ToString("N")[..12] + "/",
        };
    }
}
