using System.Text.RegularExpressions;

namespace Schoolbel.Tests.Infrastructure;

/// <summary>Posts a form the way a browser does: first GET the page for its anti-forgery token.</summary>
public static partial class HttpForms
{
    public static async Task<HttpResponseMessage> PostFormAsync(this HttpClient client, string url, Dictionary<string, string> fields, string? formPageUrl = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(fields);
        var page = await client.GetStringAsync(formPageUrl ?? url);
        var token = AntiforgeryToken(page);
        using var content = new FormUrlEncodedContent(fields.Append(new("__RequestVerificationToken", token)));
        return await client.PostAsync(url, content);
    }

    public static async Task<HttpResponseMessage> PostMultipartAsync(this HttpClient client, string url, MultipartFormDataContent content)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(content);
        var page = await client.GetStringAsync(url);
        content.Add(new StringContent(AntiforgeryToken(page)), "__RequestVerificationToken");
        return await client.PostAsync(url, content);
    }

    public static string AntiforgeryToken(string html)
    {
        var match = TokenPattern().Match(html);
        Assert.True(match.Success, "The page has no anti-forgery token.");
        return match.Groups[1].Value;
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex TokenPattern();
}
