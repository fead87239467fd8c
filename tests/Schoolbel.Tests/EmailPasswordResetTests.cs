using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using netDumbster.smtp;
using Schoolbel.Tests.Infrastructure;

namespace Schoolbel.Tests;

/// <summary>"Forgot password" for parents and staff, sent through a real SMTP conversation to a test SMTP server.</summary>
public sealed partial class EmailPasswordResetTests
{
    [Fact]
    public async Task A_parent_resets_the_password_through_the_mailed_link_once()
    {
        using var smtp = Configuration.Configure().WithRandomPort().Build();
        await using var app = await SchoolbelApp.StartAsync(TestDatabases.Sqlite, settings: new Dictionary<string, string>
        {
            ["Email:Enabled"] = "true",
            ["Email:SmtpHost"] = "127.0.0.1",
            ["Email:SmtpPort"] = smtp.Configuration.Port.ToString(CultureInfo.InvariantCulture),
            ["Email:UseStartTls"] = "false",
        });
        var school = await TestSchool.CreateAsync(app);
        await SetEmailAsync(school, "Mama.Peeters@Example.be");
        var oldSession = await school.SignInAsync(school.Parent);
        var browser = app.CreateBrowserlikeClient();
        Assert.Contains("password/forgot", await browser.GetStringAsync($"/{school.Code}/signin"), StringComparison.Ordinal);

        var unknown = await browser.PostFormAsync($"/{school.Code}/password/forgot", new() { ["account"] = "nobody@example.be" });
        var known = await browser.PostFormAsync($"/{school.Code}/password/forgot", new() { ["account"] = "mama.peeters@example.be" });

        Assert.Equal(await unknown.Content.ReadAsStringAsync(), await known.Content.ReadAsStringAsync());
        Assert.Equal(1, smtp.ReceivedEmailCount);
        var mail = smtp.ReceivedEmail[0];
        Assert.Equal("Mama.Peeters@Example.be", mail.ToAddresses[0].Address, ignoreCase: true);
        var link = LinkPattern().Match(mail.MessageParts[0].BodyData).Value;
        var path = new Uri(link).PathAndQuery;

        var weak = await browser.PostFormAsync(path, new() { ["password"] = "password1" });
        Assert.Equal(HttpStatusCode.BadRequest, weak.StatusCode);
        var done = await browser.PostFormAsync(path, new() { ["password"] = "Nieuw-Geheim-Voor-Mama-9" });
        Assert.Equal(HttpStatusCode.OK, done.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await browser.GetAsync(path)).StatusCode);

        Assert.Equal(HttpStatusCode.Redirect, (await oldSession.GetAsync($"/{school.Code}/")).StatusCode);
        var signIn = await browser.PostFormAsync($"/{school.Code}/signin", new() { ["username"] = school.Parent.Username, ["password"] = "Nieuw-Geheim-Voor-Mama-9" });
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);

        // A second request moments later sends nothing: the form cannot flood a mailbox.
        await browser.PostFormAsync($"/{school.Code}/password/forgot", new() { ["account"] = school.Parent.Username });
        Assert.Equal(1, smtp.ReceivedEmailCount);
    }

    [Fact]
    public async Task Without_email_there_is_no_forgot_password_page()
    {
        await using var app = await SchoolbelApp.StartAsync(TestDatabases.Sqlite);
        var school = await TestSchool.CreateAsync(app);
        var browser = app.CreateBrowserlikeClient();

        Assert.DoesNotContain("password/forgot", await browser.GetStringAsync($"/{school.Code}/signin"), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await browser.GetAsync($"/{school.Code}/password/forgot")).StatusCode);
    }

    private static async Task SetEmailAsync(TestSchool school, string email)
    {
        using var scope = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.CreateScope(school.App.Services);
        var db = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<Schoolbel.Server.Data.SchoolbelDb>(scope.ServiceProvider);
        var parent = await Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.SingleAsync(
            Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.IgnoreQueryFilters(db.People), p => p.Id == school.Parent.Id);
        parent.Email = email;
        await db.SaveChangesAsync();
    }

    [GeneratedRegex(@"http://localhost/[^\s]+/password/reset/[A-Za-z0-9_-]+")]
    private static partial Regex LinkPattern();
}
