using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;
using Schoolbel.Server.Data;
using Schoolbel.Server.Notifications;
using Schoolbel.Tests.Infrastructure;

namespace Schoolbel.Tests;

/// <summary>
/// Web push end to end: the test plays the browser (its own P-256 key pair and auth secret,
/// subscribed through the API) and the push service (an HTTPS endpoint on a loopback port), and
/// checks what the server sends as a real push service and browser would: the VAPID token
/// (RFC 8292) and the aes128gcm-encrypted payload (RFC 8291).
/// </summary>
public sealed class WebPushTests
{
    private const string Subject = "mailto:beheer@school.example";

    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task A_message_is_pushed_with_a_valid_vapid_token_and_a_payload_only_the_browser_can_decrypt(string provider)
    {
        TestDatabases.Require(provider);
        using var vapid = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var vapidKeys = vapid.ExportParameters(includePrivateParameters: true);
        var vapidPublic = Base64Url([0x04, .. vapidKeys.Q.X!, .. vapidKeys.Q.Y!]);
        await using var pushService = await FakePushService.StartAsync();

        // No background jobs: the test runs the delivery round itself, on the node that trusts the push service's certificate.
        await using var app = await SchoolbelApp.StartAsync(provider, settings: new Dictionary<string, string>
        {
            ["Jobs:RunInBackground"] = "false",
            ["Notifications:PushPublicKey"] = vapidPublic,
            ["Notifications:PushPrivateKey"] = Base64Url(vapidKeys.D!),
            ["Notifications:PushSubject"] = Subject,
        });
        await using var node = app.WithWebHostBuilder(builder => builder.ConfigureTestServices(services =>
            services.AddHttpClient(PushSender.HttpClientName).ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = (_, certificate, _, _) => pushService.Issued(certificate) },
            })));
        var school = await TestSchool.CreateAsync(app);
        await MessagesKit.QuietHoursOffAsync(school);
        var parent = await school.ApiClientForAsync(school.Parent);
        var teacher = await school.ApiClientForAsync(school.Teacher);

        // The browser: a P-256 key pair and a 16-byte auth secret, subscribed through the API.
        using var browser = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        var browserKey = browser.ExportParameters(includePrivateParameters: false);
        byte[] browserPublic = [0x04, .. browserKey.Q.X!, .. browserKey.Q.Y!];
        var auth = RandomNumberGenerator.GetBytes(16);
        var endpoint = $"{pushService.Origin}/push/{Guid.NewGuid():N}";
        Assert.True((await parent.PutAsJsonAsync("/api/v1/notification-preferences", new { push = true })).IsSuccessStatusCode);
        var subscribed = await parent.PostAsJsonAsync("/api/v1/push-subscriptions", new { endpoint, keys = new { p256dh = Base64Url(browserPublic), auth = Base64Url(auth) } });
        Assert.True(subscribed.IsSuccessStatusCode, await subscribed.Content.ReadAsStringAsync());

        var messageId = await MessagesKit.SentIdAsync(await MessagesKit.SendAsync(teacher, new { personIds = new[] { school.Parent.Id } }, "Oudercontact", "Geheime inhoud"));
        var before = DateTimeOffset.UtcNow;
        await node.Services.GetRequiredService<DeliveryJob>().RunOnceAsync(CancellationToken.None);

        var push = Assert.Single(pushService.Received);
        Assert.Equal(new Uri(endpoint).AbsolutePath, push.Path);
        Assert.Equal("aes128gcm", push.Header("Content-Encoding"));
        Assert.Equal("application/octet-stream", push.Header("Content-Type"));
        Assert.Equal("86400", push.Header("TTL"));

        // VAPID (RFC 8292): "vapid t=<JWT>, k=<the server's public key>", signed ES256 with that key, for this push service, for at most 24 hours.
        var authorization = push.Header("Authorization");
        Assert.StartsWith("vapid ", authorization, StringComparison.Ordinal);
        var parameters = authorization["vapid ".Length..].Split(',', StringSplitOptions.TrimEntries)
            .Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
        Assert.Equal(vapidPublic, parameters["k"]);
        var jwt = parameters["t"].Split('.');
        Assert.Equal(3, jwt.Length);
        using var header = JsonDocument.Parse(FromBase64Url(jwt[0]));
        Assert.Equal("ES256", header.RootElement.GetProperty("alg").GetString());
        Assert.Equal("JWT", header.RootElement.GetProperty("typ").GetString());
        using var verifier = ECDsa.Create(new ECParameters { Curve = ECCurve.NamedCurves.nistP256, Q = vapidKeys.Q });
        Assert.True(verifier.VerifyData(Encoding.ASCII.GetBytes(jwt[0] + "." + jwt[1]), FromBase64Url(jwt[2]), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation),
            "The VAPID token is not signed with the server's key.");
        using var claims = JsonDocument.Parse(FromBase64Url(jwt[1]));
        Assert.Equal(pushService.Origin, claims.RootElement.GetProperty("aud").GetString());
        Assert.Equal(Subject, claims.RootElement.GetProperty("sub").GetString());
        var expires = DateTimeOffset.FromUnixTimeSeconds(claims.RootElement.GetProperty("exp").GetInt64());
        Assert.InRange(expires, before, DateTimeOffset.UtcNow.AddHours(24));

        // The payload (RFC 8291): only the browser's private key and auth secret open it; the message body is never in it.
        var json = Encoding.UTF8.GetString(Decrypt(push.Body, browser, browserPublic, auth));
        using var payload = JsonDocument.Parse(json);
        Assert.Equal($"/{school.Code}/messages/{messageId}", payload.RootElement.GetProperty("url").GetString());
        Assert.Equal($"Nieuw bericht van {school.Teacher.FirstName} {school.Teacher.LastName}: Oudercontact", payload.RootElement.GetProperty("title").GetString());
        Assert.DoesNotContain("Geheime inhoud", json, StringComparison.Ordinal);
        Assert.Equal(-1, push.Body.AsSpan().IndexOf("Oudercontact"u8)); // nothing in the clear

        // Sent once: a second round has nothing left for this browser.
        await node.Services.GetRequiredService<DeliveryJob>().RunOnceAsync(CancellationToken.None);
        Assert.Single(pushService.Received);

        // A browser that unsubscribed (the push service answers 410) is forgotten.
        pushService.Gone = true;
        await MessagesKit.SentIdAsync(await MessagesKit.SendAsync(teacher, new { personIds = new[] { school.Parent.Id } }, "Tweede", "Nog een"));
        await node.Services.GetRequiredService<DeliveryJob>().RunOnceAsync(CancellationToken.None);
        Assert.Equal(2, pushService.Received.Count);
        using var scope = app.Services.CreateScope();
        Assert.False(await scope.ServiceProvider.GetRequiredService<SchoolbelDb>().Set<PushSubscriptionRecord>().IgnoreQueryFilters().AnyAsync(s => s.PersonId == school.Parent.Id));
    }

    /// <summary>RFC 8291 §3.4 and RFC 8188: the browser's side of aes128gcm, for a payload of one record.</summary>
    private static byte[] Decrypt(byte[] body, ECDiffieHellman browser, byte[] browserPublic, byte[] auth)
    {
        // Header: salt (16) | record size (4, big-endian) | key id length (1) | key id (the server's ephemeral public key).
        var salt = body[..16];
        var recordSize = BinaryPrimitives.ReadUInt32BigEndian(body.AsSpan(16, 4));
        var idLength = body[20];
        Assert.Equal(65, idLength);
        var serverPublic = body[21..(21 + idLength)];
        var record = body[(21 + idLength)..];
        Assert.InRange(record.Length, 17, (int)recordSize);

        using var server = ECDiffieHellman.Create(new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            Q = new ECPoint { X = serverPublic[1..33], Y = serverPublic[33..65] },
        });
        var ecdhSecret = browser.DeriveRawSecretAgreement(server.PublicKey);
        var keyPrk = HKDF.Extract(HashAlgorithmName.SHA256, ecdhSecret, auth);
        byte[] keyInfo = [.. "WebPush: info\0"u8, .. browserPublic, .. serverPublic];
        var ikm = HKDF.Expand(HashAlgorithmName.SHA256, keyPrk, 32, keyInfo);
        var prk = HKDF.Extract(HashAlgorithmName.SHA256, ikm, salt);
        var cek = HKDF.Expand(HashAlgorithmName.SHA256, prk, 16, "Content-Encoding: aes128gcm\0"u8.ToArray());
        var nonce = HKDF.Expand(HashAlgorithmName.SHA256, prk, 12, "Content-Encoding: nonce\0"u8.ToArray());

        var plain = new byte[record.Length - 16];
        using (var aes = new AesGcm(cek, 16))
        {
            aes.Decrypt(nonce, record[..^16], record[^16..], plain);
        }

        // Padding: the data, then the last-record delimiter 0x02, then zeros.
        var end = Array.FindLastIndex(plain, b => b != 0);
        Assert.True(end >= 0 && plain[end] == 0x02, "The only record is not marked as the last one.");
        return plain[..end];
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static byte[] FromBase64Url(string text)
    {
        var padded = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(padded + new string('=', (4 - (padded.Length % 4)) % 4));
    }

    private sealed record ReceivedPush(string Path, Dictionary<string, string> Headers, byte[] Body)
    {
        public string Header(string name) => Headers.TryGetValue(name, out var value) ? value : throw new Xunit.Sdk.XunitException($"The push has no {name} header.");
    }

    /// <summary>A push service on a loopback port (from 15200), over HTTPS with a certificate made for this test.</summary>
    private sealed class FakePushService : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly X509Certificate2 _certificate;

        private FakePushService(WebApplication app, X509Certificate2 certificate, int port)
        {
            _app = app;
            _certificate = certificate;
            Origin = $"https://127.0.0.1:{port}";
        }

        public string Origin { get; }

        public ConcurrentQueue<ReceivedPush> Received { get; } = new();

        /// <summary>Answer 410 Gone, as for a browser that unsubscribed.</summary>
        public bool Gone { get; set; }

        public bool Issued(X509Certificate? certificate) =>
            certificate is not null && certificate.GetCertHashString(HashAlgorithmName.SHA256) == _certificate.GetCertHashString(HashAlgorithmName.SHA256);

        public static async Task<FakePushService> StartAsync()
        {
            var certificate = CreateCertificate();
            for (var port = 15200; port < 15300; port++)
            {
                var builder = WebApplication.CreateSlimBuilder();
                builder.Logging.ClearProviders();
                builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port, listen => listen.UseHttps(certificate)));
                var app = builder.Build();
                var service = new FakePushService(app, certificate, port);
                app.MapPost("/push/{id}", async (HttpContext context) =>
                {
                    using var body = new MemoryStream();
                    await context.Request.Body.CopyToAsync(body);
                    var headers = context.Request.Headers.ToDictionary(h => h.Key, h => ((StringValues)h.Value).ToString(), StringComparer.OrdinalIgnoreCase);
                    service.Received.Enqueue(new ReceivedPush(context.Request.Path, headers, body.ToArray()));
                    return service.Gone ? Results.StatusCode(StatusCodes.Status410Gone) : Results.Created();
                });
                try
                {
                    await app.StartAsync();
                    return service;
                }
                catch (IOException)
                {
                    await app.DisposeAsync(); // port taken: the next one
                }
            }

            throw new InvalidOperationException("No free port for the push service in 15200-15299.");
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
            _certificate.Dispose();
        }

        private static X509Certificate2 CreateCertificate()
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256);
            var names = new SubjectAlternativeNameBuilder();
            names.AddIpAddress(IPAddress.Loopback);
            request.CertificateExtensions.Add(names.Build());
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
            using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
            // Through PFX, so the private key is usable by the TLS stack on every platform.
            return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pfx), null);
        }
    }
}
