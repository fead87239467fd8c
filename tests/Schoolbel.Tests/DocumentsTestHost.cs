using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Schoolbel.Server.People;
using Schoolbel.Server.Schools;
using Schoolbel.Server.SignIn;
using Schoolbel.Tests.Infrastructure;

namespace Schoolbel.Tests;

/// <summary>
/// A second host over an app's database with its own storage folder (and optional storage
/// settings), so that a test can look at exactly the files it caused and change limits.
/// </summary>
public sealed class DocumentsTestHost : IAsyncDisposable
{
    private DocumentsTestHost(SchoolbelApp app, WebApplicationFactory<Program> factory, string root)
    {
        App = app;
        Factory = factory;
        Root = root;
    }

    public SchoolbelApp App { get; }
    public WebApplicationFactory<Program> Factory { get; }

    /// <summary>The Storage:Root of this host.</summary>
    public string Root { get; }

    public IServiceProvider Services => Factory.Services;

    public static DocumentsTestHost Create(SchoolbelApp app, IReadOnlyDictionary<string, string>? settings = null)
    {
        ArgumentNullException.ThrowIfNull(app);
        var root = Directory.CreateTempSubdirectory("schoolbel-files-").FullName;
        var factory = app.WithWebHostBuilder(builder =>
        {
            builder.UseSetting("Storage:Root", root);
            foreach (var (key, value) in settings ?? new Dictionary<string, string>())
            {
                builder.UseSetting(key, value);
            }
        });
        _ = factory.Server;
        return new DocumentsTestHost(app, factory, root);
    }

    /// <summary>Every file under the storage folder (blobs and temp files), relative to it.</summary>
    public IReadOnlyList<string> Files() =>
        Directory.Exists(Root)
            ? Directory.EnumerateFiles(Root, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(Root, f)).Order(StringComparer.Ordinal).ToList()
            : [];

    public async Task<HttpClient> SignInAsync(TestSchool school, Person person)
    {
        ArgumentNullException.ThrowIfNull(school);
        ArgumentNullException.ThrowIfNull(person);
        var client = Factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        var response = await client.PostFormAsync($"/{school.Code}/signin", new() { ["username"] = person.Username, ["password"] = TestSchool.Password });
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        return client;
    }

    /// <summary>A bearer-token client for any person of the school.</summary>
    public async Task<HttpClient> ApiClientAsync(TestSchool school, Person person)
    {
        ArgumentNullException.ThrowIfNull(school);
        ArgumentNullException.ThrowIfNull(person);
        using var scope = Services.CreateScope();
        scope.ServiceProvider.GetRequiredService<SchoolScope>().Enter(new SchoolInfo(school.Id, school.Code, school.School.Name, "nl"));
        var created = await scope.ServiceProvider.GetRequiredService<AccessTokens>().CreateAsync(person.Id, "tests", null, CancellationToken.None);
        var client = Factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", created.Value!.Token);
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        await Factory.DisposeAsync();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // Left for the temp cleaner.
        }
    }
}

/// <summary>Small files with real magic bytes.</summary>
public static class TestFiles
{
    /// <summary>A PDF-looking file of <paramref name="size"/> bytes whose content is unique per call.</summary>
    public static byte[] Pdf(int size = 4096)
    {
        var bytes = new byte[size];
        System.Security.Cryptography.RandomNumberGenerator.Fill(bytes);
        "%PDF-1.7\n"u8.CopyTo(bytes);
        return bytes;
    }

    public static string Sha256(byte[] bytes) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));

    public static async Task<HttpResponseMessage> UploadAsync(HttpClient api, Guid courseId, string name, byte[] bytes, string extraQuery = "")
    {
        ArgumentNullException.ThrowIfNull(api);
        using var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        return await api.PostAsync($"/api/v1/courses/{courseId}/documents?name={Uri.EscapeDataString(name)}{extraQuery}", content);
    }
}

/// <summary>A document (with a version), a scheduled lesson and an unfinished resumable upload of one school, as attack targets.</summary>
public sealed record DocumentsSamples(Guid ItemId, Guid VersionId, Guid LessonId, Guid UploadId)
{
    public static async Task<DocumentsSamples> CreateAsync(TestSchool school)
    {
        ArgumentNullException.ThrowIfNull(school);
        using var scope = school.App.Services.CreateScope();
        var services = scope.ServiceProvider;
        services.GetRequiredService<SchoolScope>().Enter(new SchoolInfo(school.Id, school.Code, school.School.Name, "nl"));
        var teacher = school.Teacher;
        var viewer = new Schoolbel.Server.Courses.CourseViewer(teacher.Id, PersonRole.Teacher, true, []);
        var lesson = await services.GetRequiredService<Schoolbel.Server.Lessons.LessonPlanner>()
            .CreateAsync(school.Course.Id, new Schoolbel.Server.Lessons.LessonInput("Les " + school.Tag), viewer, CancellationToken.None);
        await services.GetRequiredService<Schoolbel.Server.Lessons.LessonPlanner>()
            .ScheduleAsync(school.Course.Id, lesson.Value!.Id, new Schoolbel.Server.Lessons.ScheduleInput(DateTimeOffset.UtcNow.AddDays(1)), CancellationToken.None);
        using var body = new MemoryStream(TestFiles.Pdf(1000));
        var uploaded = await services.GetRequiredService<Schoolbel.Server.Documents.DocumentUploads>().UploadAsync(
            new Schoolbel.Server.Documents.UploadTarget(school.Course.Id), "blad.pdf", body.Length, body, teacher.Id, PersonRole.Teacher, CancellationToken.None);
        var (_, upload) = await services.GetRequiredService<Schoolbel.Server.Documents.ResumableUploads>().StartAsync(
            new Schoolbel.Server.Documents.ResumableUploadInput(school.Course.Id, "groot.pdf", 5000), teacher.Id, PersonRole.Teacher, CancellationToken.None);
        return new DocumentsSamples(uploaded.Item!.Id, uploaded.Item.Version!.Id, lesson.Value.Id, upload!.Id);
    }
}
