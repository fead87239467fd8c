using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Schoolbel.Tests.Infrastructure;

namespace Schoolbel.Tests.Admission;

/// <summary>The admission layer inside the real platform: a flooding user is slowed down, nobody else is.</summary>
public sealed class AbuseBudgetTests
{
    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task A_user_who_floods_the_api_gets_429_with_retry_after_and_others_are_not_affected(string provider)
    {
        TestDatabases.Require(provider);
        await using var app = await SchoolbelApp.StartAsync(provider, settings: new Dictionary<string, string>
        {
            ["Admission:UserBurst"] = "5",
            ["Admission:UserRequestsPerSecond"] = "1",
        });
        var school = await TestSchool.CreateAsync(app);
        using var flooder = await school.ApiClientAsync();

        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? refused = null;
        for (var i = 0; i < 12 && refused is null; i++)
        {
            var response = await flooder.GetAsync(new Uri("/api/v1/courses", UriKind.Relative));
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                refused = response;
            }
            else
            {
                response.Dispose();
            }
        }

        Assert.NotNull(refused);
        using (refused)
        {
            Assert.All(statuses.Take(5), s => Assert.Equal(HttpStatusCode.OK, s));
            Assert.True(refused.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
            var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(429, problem.GetProperty("status").GetInt32());
            Assert.True(problem.GetProperty("retryAfterSeconds").GetInt32() >= 1);
        }

        // A teacher of the same school, signed in with a browser, is not slowed down by it.
        using var teacher = await school.SignInAsync(school.Teacher);
        using var today = await teacher.GetAsync(new Uri($"/{school.Code}/", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, today.StatusCode);

    }
}
