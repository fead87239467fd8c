using Schoolbel.Server.Admission;
using Schoolbel.Server.Assignments;
using Schoolbel.Server.Courses;
using Schoolbel.Server.Data;
using Schoolbel.Server.Documents;
using Schoolbel.Server.Grades;
using Schoolbel.Server.Exercises;
using Schoolbel.Server.HotReads;
using Schoolbel.Server.Jobs;
using Schoolbel.Server.Lessons;
using Schoolbel.Server.Messages;
using Schoolbel.Server.Notifications;
using Schoolbel.Server.Ops;
using Schoolbel.Server.People;
using Schoolbel.Server.Planner;
using Schoolbel.Server.Scaling;
using Schoolbel.Server.Schools;
using Schoolbel.Server.SignIn;
using Schoolbel.Server.Web;

namespace Schoolbel.Server;

/// <summary>Builds the one deployable: pages, API and background work. Each feature adds itself.</summary>
internal static class SchoolbelApp
{
    public const string DefaultUrl = "http://127.0.0.1:5080";

    public static WebApplication Build(string[] args)
    {
        // `dotnet run` starts us in the folder it was typed in (RunWorkingDirectory in the
        // project file), so ./data lands where the person expects it. Our own files
        // (appsettings.json, wwwroot) are then found next to the binaries instead.
        var contentRoot = File.Exists(Path.Combine(Environment.CurrentDirectory, "appsettings.json"))
            ? null
            : AppContext.BaseDirectory;
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = contentRoot });
        builder.WebHost.UseStaticWebAssets();
        builder.Configuration.AddEnvironmentVariables("Schoolbel__");
        if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["ASPNETCORE_URLS"]))
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }

        builder.Logging.Configure(o => o.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId);
        if (string.Equals(builder.Configuration["Logging:Format"], "json", StringComparison.OrdinalIgnoreCase))
        {
            builder.Logging.ClearProviders().AddJsonConsole(o => o.IncludeScopes = true);
        }
        else
        {
            builder.Logging.ClearProviders().AddSimpleConsole(o => o.IncludeScopes = true);
        }

        builder.WebHost.ConfigureKestrel(k =>
        {
            // Pages, forms and JSON are small; endpoints that take files raise their own limit.
            k.Limits.MaxRequestBodySize = 10 * 1024 * 1024;
            k.AddServerHeader = false;
        });

        var services = builder.Services;
        services.AddSingleton(TimeProvider.System);
        services.AddSchoolbelNode(builder.Configuration);
        services.AddSchoolbelProxies(builder.Configuration);
        services.AddSchoolbelData(builder.Configuration);
        // First of all hosted services: the database must be migrated before anything else
        // (the Data Protection key ring, for one) reads from it at start-up.
        services.AddHostedService<StartupService>();
        // Redis (optional): shared abuse budgets and cache invalidation between nodes.
        services.AddSchoolbelScaling(builder.Configuration);
        services.AddSchoolbelSchools(builder.Configuration);
        services.AddSchoolbelJobs(builder.Configuration);
        services.AddSchoolbelSignIn(builder.Configuration);
        services.AddSchoolbelHotReads(builder.Configuration);
        services.AddSchoolbelPeople();
        services.AddSchoolbelCourses();
        services.AddSchoolbelDocuments(builder.Configuration);
        services.AddSchoolbelLessons();
        services.AddSchoolbelPlanner();
        services.AddSchoolbelAssignments();
        services.AddSchoolbelGrades();
        services.AddSchoolbelMessages(builder.Configuration);
        services.AddSchoolbelNotifications(builder.Configuration);
        services.AddSchoolbelExercises();
        services.AddSchoolbelOps(builder.Configuration);
        services.AddSchoolbelTelemetry(builder.Configuration);
        services.AddSchoolbelWeb();
        services.AddSchoolbelAdmission(builder.Configuration);

        var app = builder.Build();

        // Before everything that looks at the client's address, the exception handler's logs included.
        app.UseSchoolbelForwardedHeaders();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseMiddleware<SecurityHeadersMiddleware>();
        // Document downloads answered from this node's caches (with admission), before the rest of
        // the pipeline: it reads the school from the address itself, so a revalidation (304) costs
        // no static-file lookup, no tenancy rewrite and no DI scope.
        app.UseDownloadFastPath();
        app.UseSchoolbelNodeHeader();
        app.UseStaticFiles();
        app.UseMiddleware<TenancyMiddleware>();
        app.UseSchoolbelLocalization();
        app.UseRouting();
        app.UseMiddleware<SchoolOidcCallbackMiddleware>();
        app.UseAuthentication();
        app.UseMiddleware<SchoolAccessMiddleware>();
        app.UseAuthorization();

        // After authorization, so it knows who asks and (for API tokens) for which school;
        // before any page, API handler or download does real work.
        app.UseSchoolbelAdmission();

        app.MapSchoolbelOps();
        app.MapSchoolbelTelemetry();
        app.MapSchoolbelWeb();
        var api = app.MapGroup("/api/v1")
            .RequireAuthorization(SchoolbelPolicies.ApiUser);
        api.MapAccessTokensApi();
        api.MapSessionsApi();
        api.MapPeopleApi();
        api.MapCoursesApi();
        api.MapDocumentsApi();
        api.MapLessonsApi();
        api.MapPlannerApi();
        api.MapExercisesApi();
        app.MapSchoolbelDocuments();
        app.MapSchoolbelPlanner();
        api.MapAssignmentsApi();
        api.MapGradesApi();
        app.MapSchoolbelAssignments();
        app.MapSchoolbelGrades();
        api.MapMessagesApi();
        api.MapNotificationsApi();
        app.MapSchoolbelMessages();
        app.MapSchoolbelNotifications();
        app.MapRazorPages();
        return app;
    }
}
