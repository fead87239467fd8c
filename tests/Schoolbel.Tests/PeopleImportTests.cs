using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Schoolbel.Server.Data;
using Schoolbel.Tests.Infrastructure;

namespace Schoolbel.Tests;

public sealed class PeopleImportTests(SharedApps apps)
{
    private const string Header = "role,username,first_name,last_name,class,parent_of,email\n";

    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task Import_creates_people_classes_and_parent_links_and_a_second_import_changes_nothing(string provider)
    {
        var app = await apps.GetAsync(provider);
        var school = await TestSchool.CreateAsync(app);
        var api = await school.ApiClientAsync();
        var csv = Header +
            "pupil,emma.peeters,Emma,Peeters,1A,,\n" +
            "leerling,lucas.maes,Lucas,Maes,1B,,\n" +
            "parent,jan.peeters,Jan,Peeters,,emma.peeters,jan@example.be\n" +
            "teacher,an.janssens,An,Janssens,,,an@example.be\n";

        var first = await PostCsvAsync(api, csv);
        var second = await PostCsvAsync(api, csv);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var summary = await first.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(4, summary.GetProperty("created").GetInt32());
        Assert.Equal(2, summary.GetProperty("classesCreated").GetInt32());
        Assert.Equal(1, summary.GetProperty("parentLinksCreated").GetInt32());
        var again = await second.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(0, again.GetProperty("created").GetInt32());
        Assert.Equal(0, again.GetProperty("updated").GetInt32());
        Assert.Equal(4, again.GetProperty("unchanged").GetInt32());
        Assert.Equal(0, again.GetProperty("classesCreated").GetInt32());
        Assert.Equal(0, again.GetProperty("parentLinksCreated").GetInt32());

        var people = await api.GetFromJsonAsync<JsonElement>("/api/v1/people?search=peeters");
        Assert.Equal(2, people.GetProperty("total").GetInt32());
    }

    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task A_bad_row_names_its_line_and_nothing_of_the_file_is_stored(string provider)
    {
        var app = await apps.GetAsync(provider);
        var school = await TestSchool.CreateAsync(app);
        var api = await school.ApiClientAsync();
        var csv = Header +
            "pupil,good.one,Good,One,1A,,\n" +
            "pupil,good.two,Good,Two,1A,,\n" +
            "wizard,bad.row,Bad,Row,,,\n";

        var response = await PostCsvAsync(api, csv);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("Line 4", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(4, problem.GetProperty("errors")[0].GetProperty("line").GetInt32());
        Assert.Equal(0, await CountAsync(app, school, "good."));
        Assert.Equal(1, await ClassCountAsync(app, school));
    }

    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task Unknown_child_duplicate_username_and_role_conflicts_are_reported(string provider)
    {
        var app = await apps.GetAsync(provider);
        var school = await TestSchool.CreateAsync(app);
        var api = await school.ApiClientAsync();
        var csv = Header +
            "parent,mama,Ma,Ma,,nobody,\n" +
            "pupil,twice,A,B,1A,,\n" +
            "pupil,twice,A,B,1A,,\n" +
            $"pupil,{school.Teacher.Username},T,T,1A,,\n";

        var response = await PostCsvAsync(api, csv);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").EnumerateArray()
            .Select(e => (Line: e.GetProperty("line").GetInt32(), Message: e.GetProperty("message").GetString()!)).ToList();
        Assert.Contains(errors, e => e.Line == 4 && e.Message.Contains("regel 3", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Line == 5 && e.Message.Contains("Teacher", StringComparison.Ordinal));
        Assert.Equal(0, await CountAsync(app, school, "mama"));
    }

    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task Moving_a_pupil_to_another_class_in_the_file_moves_them(string provider)
    {
        var app = await apps.GetAsync(provider);
        var school = await TestSchool.CreateAsync(app);
        var api = await school.ApiClientAsync();
        await PostCsvAsync(api, Header + "pupil,mover,Mo,Ver,1A,,\n");

        var response = await PostCsvAsync(api, Header + "pupil,mover,Mo,Ver,1B,,\n");

        var summary = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(1, summary.GetProperty("updated").GetInt32());
        var people = await api.GetFromJsonAsync<JsonElement>("/api/v1/people?search=mover");
        var id = people.GetProperty("items")[0].GetProperty("id").GetString();
        var person = await api.GetFromJsonAsync<JsonElement>($"/api/v1/people/{id}");
        var classes = person.GetProperty("classes").EnumerateArray().Select(c => c.GetProperty("name").GetString()).ToList();
        Assert.Equal(["1B"], classes);
    }

    [Fact]
    public async Task Import_page_shows_line_errors_to_the_admin()
    {
        var app = await apps.GetAsync(TestDatabases.Sqlite);
        var school = await TestSchool.CreateAsync(app);
        var client = await school.SignInAsync(school.Admin);
        using var content = new MultipartFormDataContent();
        using var file = new ByteArrayContent(Encoding.UTF8.GetBytes(Header + "pupil,x,,Last,1A,,\n"));
        file.Headers.ContentType = new("text/csv");
        content.Add(file, "file", "people.csv");

        var response = await client.PostMultipartAsync($"/{school.Code}/admin/import", content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("Regel 2", html, StringComparison.Ordinal);
    }

    private static async Task<HttpResponseMessage> PostCsvAsync(HttpClient api, string csv)
    {
        using var content = new StringContent(csv, Encoding.UTF8, "text/csv");
        return await api.PostAsync("/api/v1/people/import", content);
    }

    private static async Task<int> CountAsync(SchoolbelApp app, TestSchool school, string usernamePrefix)
    {
        using var scope = app.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<SchoolbelDb>();
        return await db.People.IgnoreQueryFilters().CountAsync(p => p.SchoolId == school.Id && p.Username.StartsWith(usernamePrefix));
    }

    private static async Task<int> ClassCountAsync(SchoolbelApp app, TestSchool school)
    {
        using var scope = app.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<SchoolbelDb>();
        return await db.Classes.IgnoreQueryFilters().CountAsync(c => c.SchoolId == school.Id);
    }
}
