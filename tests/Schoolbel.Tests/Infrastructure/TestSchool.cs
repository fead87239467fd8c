using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Schoolbel.Server.Courses;
using Schoolbel.Server.Data;
using Schoolbel.Server.People;
using Schoolbel.Server.Schools;
using Schoolbel.Server.SignIn;

namespace Schoolbel.Tests.Infrastructure;

/// <summary>
/// A school made for one test: an admin, a teacher, a pupil in class 3B, that pupil's parent
/// and a course "Wiskunde 3B". Usernames and names carry a random tag, so a test can check that
/// nothing of this school shows up in another school's answers.
/// </summary>
public sealed class TestSchool
{
    public const string Password = "Test-Password-1";
    private static readonly Lazy<string> SharedHash = new(() =>
        new PasswordHasher(Options.Create(new PasswordOptions())).Hash(Password));

    private TestSchool(SchoolbelApp app, School school, string tag)
    {
        App = app;
        School = school;
        Tag = tag;
    }

    public SchoolbelApp App { get; }
    public School School { get; }
    public string Code => School.Code;
    public Guid Id => School.Id;

    /// <summary>Random text in every name of this school, to look for leaks.</summary>
    public string Tag { get; }

    public Person Admin { get; private set; } = null!;
    public Person Teacher { get; private set; } = null!;
    public Person Pupil { get; private set; } = null!;
    public Person Parent { get; private set; } = null!;
    public SchoolClass Class { get; private set; } = null!;
    public Course Course { get; private set; } = null!;

    public static async Task<TestSchool> CreateAsync(SchoolbelApp app)
    {
        var tag = "t" + Guid.NewGuid().ToString("N")[..8];
        using var scope = app.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<SchoolbelDb>();
        var school = new School { Code = "s-" + tag, Name = "School " + tag, CreatedAt = DateTime.UtcNow };
        db.Schools.Add(school);
        var result = new TestSchool(app, school, tag);
        result.Admin = result.NewPerson(db, PersonRole.SchoolAdmin, "admin");
        result.Teacher = result.NewPerson(db, PersonRole.Teacher, "teacher");
        result.Pupil = result.NewPerson(db, PersonRole.Pupil, "pupil");
        result.Parent = result.NewPerson(db, PersonRole.Parent, "parent");
        result.Class = new SchoolClass { SchoolId = school.Id, Name = "3B", SchoolYear = ClassesAdmin.SchoolYearOf(DateTimeOffset.UtcNow) };
        result.Course = new Course { SchoolId = school.Id, Name = "Wiskunde 3B " + tag, CreatedAt = DateTime.UtcNow };
        db.Classes.Add(result.Class);
        db.Courses.Add(result.Course);
        db.ClassMemberships.Add(new ClassMembership { SchoolId = school.Id, ClassId = result.Class.Id, PupilId = result.Pupil.Id });
        db.ParentLinks.Add(new ParentLink { SchoolId = school.Id, ParentId = result.Parent.Id, PupilId = result.Pupil.Id });
        db.CourseClasses.Add(new CourseClass { SchoolId = school.Id, CourseId = result.Course.Id, ClassId = result.Class.Id });
        db.CourseTeachers.Add(new CourseTeacher { SchoolId = school.Id, CourseId = result.Course.Id, TeacherId = result.Teacher.Id });
        await db.SaveChangesAsync();
        scope.ServiceProvider.GetRequiredService<SchoolDirectory>().Invalidate();
        return result;
    }

    /// <summary>Adds one more person with the shared test password.</summary>
    public async Task<Person> AddPersonAsync(PersonRole role, string name)
    {
        using var scope = App.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<SchoolbelDb>();
        var person = NewPerson(db, role, name);
        await db.SaveChangesAsync();
        return person;
    }

    private Person NewPerson(SchoolbelDb db, PersonRole role, string name)
    {
        var person = new Person
        {
            SchoolId = School.Id,
            Username = $"{name}-{Tag}",
            FirstName = name,
            LastName = "Van " + Tag,
            Role = role,
            PasswordHash = SharedHash.Value,
            CreatedAt = DateTime.UtcNow,
        };
        db.People.Add(person);
        return person;
    }

    /// <summary>Signs in through the real sign-in form and returns a client that carries the cookie.</summary>
    public async Task<HttpClient> SignInAsync(Person person)
    {
        ArgumentNullException.ThrowIfNull(person);
        var client = App.CreateBrowserlikeClient();
        var response = await client.PostFormAsync($"/{Code}/signin", new() { ["username"] = person.Username, ["password"] = Password });
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        return client;
    }

    /// <summary>A client with a fresh personal access token of this school's admin.</summary>
    public async Task<HttpClient> ApiClientAsync()
    {
        using var scope = App.Services.CreateScope();
        scope.ServiceProvider.GetRequiredService<SchoolScope>().Enter(new SchoolInfo(School.Id, School.Code, School.Name, "nl"));
        var tokens = scope.ServiceProvider.GetRequiredService<AccessTokens>();
        var created = await tokens.CreateAsync(Admin.Id, "tests", null, CancellationToken.None);
        var client = App.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", created.Value!.Token);
        return client;
    }
}
