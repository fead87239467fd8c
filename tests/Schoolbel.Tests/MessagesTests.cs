using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Schoolbel.Server.Courses;
using Schoolbel.Server.Data;
using Schoolbel.Server.Messages;
using Schoolbel.Server.Notifications;
using Schoolbel.Server.People;
using Schoolbel.Server.Schools;
using Schoolbel.Tests.Infrastructure;

namespace Schoolbel.Tests;

/// <summary>Helpers for the message tests: a school with more people, and sending through the API.</summary>
internal static class MessagesKit
{
    /// <summary>Turns the school's quiet hours off, so a test on the system clock is not held until the next morning.</summary>
    public static async Task QuietHoursOffAsync(TestSchool school)
    {
        using var scope = school.App.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<SchoolbelDb>();
        db.Add(new QuietHours { SchoolId = school.Id, Enabled = false });
        await db.SaveChangesAsync();
    }

    /// <summary>A pupil in the school's class 3B (a classmate of <see cref="TestSchool.Pupil"/>).</summary>
    public static async Task<Person> AddClassmateAsync(TestSchool school, string name)
    {
        var pupil = await school.AddPersonAsync(PersonRole.Pupil, name);
        using var scope = school.App.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<SchoolbelDb>();
        db.ClassMemberships.Add(new ClassMembership { SchoolId = school.Id, ClassId = school.Class.Id, PupilId = pupil.Id });
        await db.SaveChangesAsync();
        return pupil;
    }

    public static Task<HttpResponseMessage> SendAsync(HttpClient api, object to, string subject = "Onderwerp", string body = "Dag!", object? extra = null)
    {
        var payload = new Dictionary<string, object?> { ["to"] = to, ["subject"] = subject, ["body"] = body };
        if (extra is not null)
        {
            foreach (var property in extra.GetType().GetProperties())
            {
                payload[property.Name] = property.GetValue(extra);
            }
        }

        return api.PostAsJsonAsync("/api/v1/messages", payload);
    }

    public static async Task<Guid> SentIdAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }

    public static async Task<JsonElement> InboxAsync(HttpClient api, string query = "") =>
        (await api.GetFromJsonAsync<JsonElement>("/api/v1/messages" + query)).GetProperty("messages");

    public static async Task<(int Messages, int Notifications)> UnreadAsync(HttpClient api)
    {
        var counts = await api.GetFromJsonAsync<JsonElement>("/api/v1/unread");
        return (counts.GetProperty("messages").GetInt32(), counts.GetProperty("notifications").GetInt32());
    }

    public static async Task<int> MessageRowsAsync(TestSchool school)
    {
        using var scope = school.App.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<SchoolbelDb>();
        return await db.Set<Message>().IgnoreQueryFilters().CountAsync(m => m.SchoolId == school.Id)
            + await db.Set<MailboxEntry>().IgnoreQueryFilters().CountAsync(e => e.SchoolId == school.Id);
    }

    public static IServiceScope SchoolScope(TestSchool school)
    {
        var scope = school.App.Services.CreateScope();
        scope.ServiceProvider.GetRequiredService<SchoolScope>().Enter(new SchoolInfo(school.Id, school.Code, school.School.Name, "nl"));
        return scope;
    }
}

public sealed class MessagesTests(SharedApps apps)
{
    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task Default_policy_lets_pupils_write_teachers_and_classmates_and_parents_their_childrens_teachers(string provider)
    {
        var app = await apps.GetAsync(provider);
        var school = await TestSchool.CreateAsync(app);
        await MessagesKit.QuietHoursOffAsync(school);
        var classmate = await MessagesKit.AddClassmateAsync(school, "klasgenoot");
        var otherPupil = await school.AddPersonAsync(PersonRole.Pupil, "andereklas");
        var otherTeacher = await school.AddPersonAsync(PersonRole.Teacher, "anderleerkracht");
        var pupil = await school.ApiClientForAsync(school.Pupil);
        var parent = await school.ApiClientForAsync(school.Parent);
        var teacher = await school.ApiClientForAsync(school.Teacher);
        var admin = await school.ApiClientForAsync(school.Admin);

        // Allowed pairs.
        await MessagesKit.SentIdAsync(await MessagesKit.SendAsync(pupil, new { personIds = new[] { school.Teacher.Id } }));
        await MessagesKit.SentIdAsync(await MessagesKit.SendAsync(pupil, new { personIds = new[] { classmate.Id } }));
        await MessagesKit.SentIdAsync(await MessagesKit.SendAsync(pupil, new { classIds = new[] { school.Class.Id } }, "Aan de klas"));
        await MessagesKit.SentIdAsync(await MessagesKit.SendAsync(parent, new { personIds = new[] { school.Teacher.Id } }));
        await MessagesKit.SentIdAsync(await MessagesKit.SendAsync(teacher, new { personIds = new[] { otherPupil.Id, school.Parent.Id, school.Admin.Id } }));
        await MessagesKit.SentIdAsync(await MessagesKit.SendAsync(admin, new { staff = true }));

        // Forbidden pairs: 403 problem+json with the reason, and nothing written.
        var before = await MessagesKit.MessageRowsAsync(school);
        (HttpClient From, Guid[] To, string Names)[] forbidden =
        [
            (pupil, [otherPupil.Id], "andereklas"),
            (pupil, [school.Admin.Id], "admin"),
            (pupil, [otherTeacher.Id], "anderleerkracht"),
            (pupil, [school.Parent.Id], "parent"),
            (parent, [school.Admin.Id], "admin"),
            (parent, [school.Pupil.Id], "pupil"),
            (parent, [otherTeacher.Id], "anderleerkracht"),
            // One forbidden recipient among allowed ones refuses the whole message.
            (pupil, [school.Teacher.Id, otherPupil.Id], "andereklas"),
        ];
        foreach (var (from, to, name) in forbidden)
        {
            var refused = await MessagesKit.SendAsync(from, new { personIds = to });
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
            var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Contains(name, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
            Assert.Contains("afspraken van de school", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        // "Not the whole school": the staff group and the parents of a class are not for pupils.
        Assert.Equal(HttpStatusCode.Forbidden, (await MessagesKit.SendAsync(pupil, new { staff = true })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await MessagesKit.SendAsync(pupil, new { parentsOfClassIds = new[] { school.Class.Id } })).StatusCode);
        Assert.Equal(before, await MessagesKit.MessageRowsAsync(school));

        // Anyone may answer the sender of a message they received: the admin wrote to the parent... via the teacher above; here the admin writes the parent.
        var fromAdmin = await MessagesKit.SentIdAsync(await MessagesKit.SendAsync(admin, new { personIds = new[] { school.Parent.Id } }, "Oudercontact"));
        Assert.Equal(HttpStatusCode.Forbidden, (await MessagesKit.SendAsync(parent, new { personIds = new[] { school.Admin.Id } })).StatusCode);
        await MessagesKit.SentIdAsync(await MessagesKit.SendAsync(parent, new { personIds = new[] { school.Admin.Id } }, "Re: Oudercontact", "Graag!", new { replyToId = fromAdmin }));

        // Bad input is a 400, not a 500: unknown people, no recipients, no subject.
        Assert.Equal(HttpStatusCode.BadRequest, (await MessagesKit.SendAsync(teacher, new { personIds = new[] { Guid.NewGuid() } })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await MessagesKit.SendAsync(teacher, new { })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await MessagesKit.SendAsync(teacher, new { personIds = new[] { school.Pupil.Id } }, "")).StatusCode);
    }

    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task A_changed_policy_applies_at_once(string provider)
    {
        var app = await apps.GetAsync(provider);
        var school = await TestSchool.CreateAsync(app);
        await MessagesKit.QuietHoursOffAsync(school);
        var classmate = await MessagesKit.AddClassmateAsync(school, "klasgenoot");
        var pupil = await school.ApiClientForAsync(school.Pupil);
        var parent = await school.ApiClientForAsync(school.Parent);
        var admin = await school.ApiClientForAsync(school.Admin);
        Assert.Equal(HttpStatusCode.Forbidden, (await MessagesKit.SendAsync(pupil, new { personIds = new[] { school.Admin.Id } })).StatusCode);

        var settings = await admin.GetFromJsonAsync<JsonElement>("/api/v1/messaging-settings");
        Assert.True(settings.GetProperty("pupilsToClassmates").GetBoolean());
        Assert.False(settings.GetProperty("pupilsToAllStaff").GetBoolean());
        Assert.Equal("20:00", settings.GetProperty("deliverUntil").GetString());
        var changed = await admin.PutAsJsonAsync("/api/v1/messaging-settings", new
        {
            pupilsToTheirTeachers = true, pupilsToClassmates = false, pupilsToAllPupils = false, pupilsToAllStaff = true,
            parentsToTheirChildrensTeachers = false, parentsToAllStaff = false, parentsSeePupilConversations = false,
            quietHours = false, deliverFrom = "07:00", deliverUntil = "20:00", quietWeekends = true,
        });
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);

        await MessagesKit.SentIdAsync(await MessagesKit.SendAsync(pupil, new { personIds = new[] { school.Admin.Id } }));
        Assert.Equal(HttpStatusCode.Forbidden, (await MessagesKit.SendAsync(pupil, new { personIds = new[] { classmate.Id } })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await MessagesKit.SendAsync(parent, new { personIds = new[] { school.Teacher.Id } })).StatusCode);

        // Only admins change it, and bad hours are refused.
        Assert.Equal(HttpStatusCode.Forbidden, (await pupil.PutAsJsonAsync("/api/v1/messaging-settings", new { })).StatusCode);
        var bad = await admin.PutAsJsonAsync("/api/v1/messaging-settings", new { quietHours = true, deliverFrom = "20:00", deliverUntil = "07:00" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);

        // The page shows the policy to the admin.
        var page = await (await school.SignInAsync(school.Admin)).GetStringAsync($"/{school.Code}/admin/messaging");
        Assert.Contains("Leerlingen aan al het personeel", page, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task The_admin_navigation_links_to_the_messaging_policy_and_a_teachers_does_not(string provider)
    {
        var school = await TestSchool.CreateAsync(await apps.GetAsync(provider));
        var link = $"href=\"/{school.Code}/admin/messaging\"";

        var adminNav = Navigation(await (await school.SignInAsync(school.Admin)).GetStringAsync($"/{school.Code}/"));
        Assert.Contains(link, adminNav, StringComparison.Ordinal);
        Assert.Contains(">Berichtenbeleid</a>", adminNav, StringComparison.Ordinal);
        var teacherPage = await (await school.SignInAsync(school.Teacher)).GetStringAsync($"/{school.Code}/");
        Assert.Contains("<nav>", teacherPage, StringComparison.Ordinal);
        Assert.DoesNotContain("admin/messaging", teacherPage, StringComparison.Ordinal);

        static string Navigation(string page)
        {
            var start = page.IndexOf("<nav>", StringComparison.Ordinal);
            Assert.True(start >= 0, "The page has no navigation.");
            return page[start..page.IndexOf("</nav>", start, StringComparison.Ordinal)];
        }
    }

    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task A_user_who_chose_english_sees_the_inbox_and_notifications_in_english(string provider)
    {
        var school = await TestSchool.CreateAsync(await apps.GetAsync(provider));
        var web = await school.SignInAsync(school.Pupil);
        var inbox = $"/{school.Code}/messages";
        Assert.Contains("Postvak in", await web.GetStringAsync(inbox), StringComparison.Ordinal);

        await web.PostFormAsync($"/{school.Code}/language", new() { ["culture"] = "en", ["returnUrl"] = inbox }, formPageUrl: inbox);

        var page = await web.GetStringAsync(inbox);
        Assert.Contains("<html lang=\"en\">", page, StringComparison.Ordinal);
        foreach (var english in new[] { ">Inbox</a>", ">New message</a>", ">Sent</a>", ">Recycle bin</a>", "placeholder=\"Search messages\"", ">Messages", ">Notifications" })
        {
            Assert.Contains(english, page, StringComparison.Ordinal);
        }

        foreach (var dutch in new[] { "Postvak in", "Nieuw bericht", "Verzonden", "Zoeken in berichten", "Meldingen" })
        {
            Assert.DoesNotContain(dutch, page, StringComparison.Ordinal);
        }

        var notifications = await web.GetStringAsync($"/{school.Code}/notifications");
        Assert.Contains("No notifications.", notifications, StringComparison.Ordinal);
        Assert.DoesNotContain("Geen meldingen.", notifications, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task Inbox_read_mark_read_folders_trash_search_and_counters(string provider)
    {
        var app = await apps.GetAsync(provider);
        var school = await TestSchool.CreateAsync(app);
        await MessagesKit.QuietHoursOffAsync(school);
        var teacher = await school.ApiClientForAsync(school.Teacher);
        var pupil = await school.ApiClientForAsync(school.Pupil);

        var first = await MessagesKit.SentIdAsync(await MessagesKit.SendAsync(teacher, new { courseIds = new[] { school.Course.Id } }, "Toets vrijdag", "Leer hoofdstuk **3**."));
        var second = await MessagesKit.SentIdAsync(await MessagesKit.SendAsync(teacher, new { classIds = new[] { school.Class.Id } }, "Uitstap", "Breng een lunchpakket mee."));
        Assert.Equal((2, 0), await MessagesKit.UnreadAsync(pupil));

        var inbox = await MessagesKit.InboxAsync(pupil);
        Assert.Equal(2, inbox.GetArrayLength());
        Assert.Equal("Uitstap", inbox[0].GetProperty("subject").GetString());
        Assert.False(inbox[0].GetProperty("read").GetBoolean());
        var sent = await MessagesKit.InboxAsync(teacher, "?box=sent");
        Assert.Equal(2, sent.GetArrayLength());

        var details = await pupil.GetFromJsonAsync<JsonElement>($"/api/v1/messages/{first}");
        Assert.Contains("<strong>3</strong>", details.GetProperty("bodyHtml").GetString(), StringComparison.Ordinal);
        Assert.Contains("Wiskunde", details.GetProperty("audience").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NoContent, (await pupil.PutAsync($"/api/v1/messages/{first}/read", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await pupil.PutAsync($"/api/v1/messages/{first}/read", null)).StatusCode);
        Assert.Equal((1, 0), await MessagesKit.UnreadAsync(pupil));
        Assert.Equal(HttpStatusCode.NoContent, (await pupil.DeleteAsync($"/api/v1/messages/{first}/read")).StatusCode);
        Assert.Equal((2, 0), await MessagesKit.UnreadAsync(pupil));

        // Search.
        var found = await MessagesKit.InboxAsync(pupil, "?q=LUNCH");
        Assert.Equal(second, Assert.Single(found.EnumerateArray()).GetProperty("id").GetGuid());

        // Folders and trash; an unread message in the trash no longer counts.
        var folder = await (await pupil.PostAsJsonAsync("/api/v1/message-folders", new { name = "School" })).Content.ReadFromJsonAsync<JsonElement>();
        var folderId = folder.GetProperty("id").GetGuid();
        Assert.Equal(HttpStatusCode.BadRequest, (await pupil.PostAsJsonAsync("/api/v1/message-folders", new { name = "School" })).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await pupil.PatchAsJsonAsync($"/api/v1/messages/{first}", new { folderId })).StatusCode);
        Assert.Equal(1, (await MessagesKit.InboxAsync(pupil)).GetArrayLength());
        Assert.Equal(first, (await MessagesKit.InboxAsync(pupil, $"?box={folderId}"))[0].GetProperty("id").GetGuid());
        Assert.Equal(HttpStatusCode.NoContent, (await pupil.PatchAsJsonAsync($"/api/v1/messages/{second}", new { trash = true })).StatusCode);
        Assert.Equal((1, 0), await MessagesKit.UnreadAsync(pupil));
        Assert.Equal(second, (await MessagesKit.InboxAsync(pupil, "?box=trash"))[0].GetProperty("id").GetGuid());
        Assert.Equal(HttpStatusCode.NoContent, (await pupil.PatchAsJsonAsync($"/api/v1/messages/{second}", new { trash = false })).StatusCode);
        Assert.Equal((2, 0), await MessagesKit.UnreadAsync(pupil));

        // Someone else's message or folder is not there.
        var parent = await school.ApiClientForAsync(school.Parent);
        Assert.Equal(HttpStatusCode.NotFound, (await parent.GetAsync($"/api/v1/messages/{first}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await parent.PutAsync($"/api/v1/messages/{first}/read", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await parent.GetAsync($"/api/v1/messages?box={folderId}")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await teacher.PatchAsJsonAsync($"/api/v1/messages/{first}", new { folderId })).StatusCode);

        // The pages: the count in the navigation, the inbox, reading marks read, and a reply.
        var web = await school.SignInAsync(school.Pupil);
        var today = await web.GetStringAsync($"/{school.Code}/");
        Assert.Contains("nav-messages", today, StringComparison.Ordinal);
        Assert.Contains(">2</span>", today, StringComparison.Ordinal);
        Assert.Contains("Uitstap", await web.GetStringAsync($"/{school.Code}/messages"), StringComparison.Ordinal);
        Assert.Contains("lunchpakket", await web.GetStringAsync($"/{school.Code}/messages/{second}"), StringComparison.Ordinal);
        Assert.Equal((1, 0), await MessagesKit.UnreadAsync(pupil));
        var reply = await web.PostFormAsync($"/{school.Code}/messages/new", new()
        {
            ["personIds"] = school.Teacher.Id.ToString(), ["subject"] = "Re: Uitstap", ["body"] = "Oké!", ["replyTo"] = second.ToString(),
        }, $"/{school.Code}/messages/new?reply={second}");
        Assert.Equal(HttpStatusCode.Redirect, reply.StatusCode);
        Assert.Equal("Re: Uitstap", (await MessagesKit.InboxAsync(teacher))[0].GetProperty("subject").GetString());
    }

    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task Attachments_go_through_the_blob_store_with_a_limit_and_can_be_forwarded(string provider)
    {
        var app = await apps.GetAsync(provider);
        var school = await TestSchool.CreateAsync(app);
        await MessagesKit.QuietHoursOffAsync(school);
        var teacher = await school.ApiClientForAsync(school.Teacher);
        var pupil = await school.ApiClientForAsync(school.Pupil);
        var bytes = "%PDF-1.4\n% brief voor de ouders\n"u8.ToArray();
        using var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new("application/octet-stream");
        var uploaded = await teacher.PostAsync("/api/v1/messages/attachments?name=brief.pdf", content);
        Assert.Equal(HttpStatusCode.Created, uploaded.StatusCode);
        var attachmentId = (await uploaded.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();

        // Someone else cannot send the teacher's upload.
        Assert.Equal(HttpStatusCode.BadRequest, (await MessagesKit.SendAsync(pupil, new { personIds = new[] { school.Teacher.Id } }, "x", "y", new { attachmentIds = new[] { attachmentId } })).StatusCode);
        var messageId = await MessagesKit.SentIdAsync(await MessagesKit.SendAsync(teacher, new { personIds = new[] { school.Pupil.Id } }, "Brief", "Zie bijlage.", new { attachmentIds = new[] { attachmentId } }));

        var download = await pupil.GetAsync($"/api/v1/messages/{messageId}/attachments/{attachmentId}");
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal(bytes, await download.Content.ReadAsByteArrayAsync());
        Assert.Equal("attachment", download.Content.Headers.ContentDisposition?.DispositionType);
        var parent = await school.ApiClientForAsync(school.Parent);
        // Parents co-view messages from staff, so the parent may download it too; a stranger may not.
        Assert.Equal(HttpStatusCode.OK, (await parent.GetAsync($"/api/v1/messages/{messageId}/attachments/{attachmentId}")).StatusCode);
        var admin = await school.ApiClientForAsync(school.Admin);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync($"/api/v1/messages/{messageId}/attachments/{attachmentId}")).StatusCode);

        // Forwarding takes the attachment along (same bytes, a new row).
        var forwarded = await MessagesKit.SentIdAsync(await MessagesKit.SendAsync(pupil, new { personIds = new[] { school.Teacher.Id } }, "Fw: Brief", "Kijk.", new { forwardOfId = messageId }));
        var forwardedDetails = await teacher.GetFromJsonAsync<JsonElement>($"/api/v1/messages/{forwarded}");
        Assert.Equal("brief.pdf", forwardedDetails.GetProperty("attachments")[0].GetProperty("fileName").GetString());
    }

    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task An_attachment_over_the_limit_is_refused_with_413_and_leaves_nothing(string provider)
    {
        TestDatabases.Require(provider);
        await using var app = await SchoolbelApp.StartAsync(provider, settings: new Dictionary<string, string> { ["Messages:MaxAttachmentBytes"] = "1000" });
        var school = await TestSchool.CreateAsync(app);
        var teacher = await school.ApiClientForAsync(school.Teacher);
        using var declared = new ByteArrayContent(new byte[1001]);
        var refused = await teacher.PostAsync("/api/v1/messages/attachments?name=groot.bin", declared);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, refused.StatusCode);
        Assert.Contains("te groot", (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);

        // Without a declared length the limit is checked while streaming.
        using var streamed = new StreamContent(new MemoryStream(new byte[5000]));
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/messages/attachments?name=groot.bin") { Content = streamed };
        request.Headers.TransferEncodingChunked = true;
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await teacher.SendAsync(request)).StatusCode);

        using var scope = app.Services.CreateScope();
        Assert.Equal(0, await scope.ServiceProvider.GetRequiredService<SchoolbelDb>().Set<MessageAttachment>().IgnoreQueryFilters().CountAsync(a => a.SchoolId == school.Id));

        // The compose page says so too, with 413.
        var web = await school.SignInAsync(school.Teacher);
        using var form = new MultipartFormDataContent
        {
            { new StringContent(school.Pupil.Id.ToString()), "personIds" },
            { new StringContent("Groot"), "subject" },
            { new StringContent("Bijlage"), "body" },
            { new ByteArrayContent(new byte[2000]), "files", "groot.bin" },
        };
        var page = await web.PostMultipartAsync($"/{school.Code}/messages/new", form);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, page.StatusCode);
        Assert.Contains("te groot", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(0, await MessagesKit.MessageRowsAsync(school));
    }

    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task Parents_see_their_childs_messages_from_staff_but_not_from_classmates_unless_the_school_allows_it(string provider)
    {
        var app = await apps.GetAsync(provider);
        var school = await TestSchool.CreateAsync(app);
        await MessagesKit.QuietHoursOffAsync(school);
        var classmate = await MessagesKit.AddClassmateAsync(school, "klasgenoot");
        var teacher = await school.ApiClientForAsync(school.Teacher);
        var friend = await school.ApiClientForAsync(classmate);
        var parent = await school.ApiClientForAsync(school.Parent);
        var fromTeacher = await MessagesKit.SentIdAsync(await MessagesKit.SendAsync(teacher, new { personIds = new[] { school.Pupil.Id } }, "Huiswerk vergeten"));
        var fromFriend = await MessagesKit.SentIdAsync(await MessagesKit.SendAsync(friend, new { personIds = new[] { school.Pupil.Id } }, "Geheimpje"));

        var coView = (await parent.GetFromJsonAsync<JsonElement>($"/api/v1/children/{school.Pupil.Id}/messages")).GetProperty("messages");
        Assert.Equal(fromTeacher, Assert.Single(coView.EnumerateArray()).GetProperty("id").GetGuid());
        Assert.Equal(HttpStatusCode.OK, (await parent.GetAsync($"/api/v1/children/{school.Pupil.Id}/messages/{fromTeacher}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await parent.GetAsync($"/api/v1/children/{school.Pupil.Id}/messages/{fromFriend}")).StatusCode);
        // Co-view does not mark the child's message read.
        Assert.Equal((2, 0), await MessagesKit.UnreadAsync(await school.ApiClientForAsync(school.Pupil)));
        // Only one's own children.
        Assert.Equal(HttpStatusCode.NotFound, (await parent.GetAsync($"/api/v1/children/{classmate.Id}/messages")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await teacher.GetAsync($"/api/v1/children/{school.Pupil.Id}/messages")).StatusCode);

        var web = await school.SignInAsync(school.Parent);
        var page = await web.GetStringAsync($"/{school.Code}/messages?child={school.Pupil.Id}");
        Assert.Contains("Huiswerk vergeten", page, StringComparison.Ordinal);
        Assert.DoesNotContain("Geheimpje", page, StringComparison.Ordinal);

        using (var scope = MessagesKit.SchoolScope(school))
        {
            var settings = scope.ServiceProvider.GetRequiredService<MessagingSettings>();
            await settings.SetAsync((await settings.GetAsync(CancellationToken.None)) with { ParentsSeePupilConversations = true }, CancellationToken.None);
        }

        coView = (await parent.GetFromJsonAsync<JsonElement>($"/api/v1/children/{school.Pupil.Id}/messages")).GetProperty("messages");
        Assert.Equal(2, coView.GetArrayLength());
        Assert.Equal(HttpStatusCode.OK, (await parent.GetAsync($"/api/v1/children/{school.Pupil.Id}/messages/{fromFriend}")).StatusCode);
    }

    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task Send_list_read_and_mark_read_are_in_the_openapi_document(string provider)
    {
        var app = await apps.GetAsync(provider);
        var document = await app.CreateClient().GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var paths = document.GetProperty("paths");
        Assert.True(paths.GetProperty("/api/v1/messages").TryGetProperty("post", out _));
        Assert.True(paths.GetProperty("/api/v1/messages").TryGetProperty("get", out _));
        Assert.True(paths.GetProperty("/api/v1/messages/{messageId}").TryGetProperty("get", out _));
        Assert.True(paths.GetProperty("/api/v1/messages/{messageId}/read").TryGetProperty("put", out _));
        Assert.True(paths.GetProperty("/api/v1/notifications").TryGetProperty("get", out _));
        Assert.True(paths.GetProperty("/api/v1/unread").TryGetProperty("get", out _));
        Assert.True(paths.GetProperty("/api/v1/messages/attachments").TryGetProperty("post", out _));
    }

    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task Announcements_show_on_everyones_today_page(string provider)
    {
        var app = await apps.GetAsync(provider);
        var school = await TestSchool.CreateAsync(app);
        var admin = await school.ApiClientForAsync(school.Admin);
        var pupil = await school.ApiClientForAsync(school.Pupil);
        Assert.Equal(HttpStatusCode.Forbidden, (await pupil.PostAsJsonAsync("/api/v1/announcements", new { title = "Ik", body = "x" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PostAsJsonAsync("/api/v1/announcements", new { title = "", body = "x" })).StatusCode);
        var created = await admin.PostAsJsonAsync("/api/v1/announcements", new { title = "Sportdag donderdag", body = "Breng *sportkleren* mee.", days = 3 });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);

        foreach (var person in new[] { school.Pupil, school.Parent, school.Teacher })
        {
            var today = await (await school.SignInAsync(person)).GetStringAsync($"/{school.Code}/");
            Assert.Contains("Sportdag donderdag", today, StringComparison.Ordinal);
            Assert.Contains("<em>sportkleren</em>", today, StringComparison.Ordinal);
        }
    }
}

/// <summary>A message with an attachment and a notification in a school, for the tenant isolation walk.</summary>
internal static class MessagesSamples
{
    public static async Task<(Guid MessageId, Guid AttachmentId, Guid NotificationId)> CreateAsync(TestSchool school)
    {
        using var scope = MessagesKit.SchoolScope(school);
        var services = scope.ServiceProvider;
        var db = services.GetRequiredService<SchoolbelDb>();
        db.Add(new QuietHours { SchoolId = school.Id, Enabled = false });
        await db.SaveChangesAsync();
        using var bytes = new MemoryStream("%PDF-1.4\n% victim\n"u8.ToArray());
        var attachment = await services.GetRequiredService<MessageAttachments>().UploadAsync("victim.pdf", bytes.Length, bytes, school.Teacher.Id, CancellationToken.None);
        var sent = await services.GetRequiredService<Mailbox>().SendAsync(new MessageSender(school.Teacher.Id, PersonRole.Teacher),
            new SendInput(new RecipientsInput(PersonIds: [school.Pupil.Id, school.Admin.Id]), "Victim " + school.Tag, "Secret " + school.Tag, [attachment.Attachment!.Id]),
            CancellationToken.None);
        await services.GetRequiredService<Notifier>().NotifyAsync(school.Id, [school.Admin.Id], NotificationKind.Grade, "Victim " + school.Tag, "/", CancellationToken.None);
        var notification = await db.Set<Notification>().Where(n => n.PersonId == school.Admin.Id).Select(n => n.Id).FirstAsync();
        return (sent.Message!.Id, attachment.Attachment.Id, notification);
    }

    /// <summary>Everything about the school's messages and notifications that a request could change.</summary>
    public static async Task<string> StateAsync(SchoolbelDb db, Guid schoolId)
    {
        var entries = await db.Set<MailboxEntry>().IgnoreQueryFilters().Where(e => e.SchoolId == schoolId)
            .Select(e => e.PersonId + ":" + e.ReadAt + ":" + e.TrashedAt + ":" + e.FolderId).ToListAsync();
        var notifications = await db.Set<Notification>().IgnoreQueryFilters().Where(n => n.SchoolId == schoolId).Select(n => n.Id + ":" + n.ReadAt).ToListAsync();
        var settings = await db.Set<MessagingPolicy>().IgnoreQueryFilters().CountAsync(p => p.SchoolId == schoolId)
            + await db.Set<Announcement>().IgnoreQueryFilters().CountAsync(a => a.SchoolId == schoolId)
            + await db.Set<MessageFolder>().IgnoreQueryFilters().CountAsync(f => f.SchoolId == schoolId);
        return string.Join("|", entries.Order(StringComparer.Ordinal)) + "#" + string.Join("|", notifications.Order(StringComparer.Ordinal)) + "#" + settings;
    }
}
