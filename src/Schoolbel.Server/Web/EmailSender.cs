using System.ComponentModel.DataAnnotations;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Schoolbel.Server.Web;

/// <summary>Configuration section <c>Email</c>. Off by default: nothing is sent until an operator sets up SMTP.</summary>
public sealed class EmailOptions
{
    public const string Section = "Email";

    public bool Enabled { get; set; }

    public string? SmtpHost { get; set; }

    [Range(1, 65535)]
    public int SmtpPort { get; set; } = 587;

    /// <summary>Use STARTTLS when the server offers it; required in production.</summary>
    public bool UseStartTls { get; set; } = true;

    public string? Username { get; set; }

    public string? Password { get; set; }

    public string From { get; set; } = "Schoolbel <noreply@schoolbel.invalid>";
}

/// <summary>Sends e-mail over SMTP with MailKit.</summary>
public sealed partial class EmailSender(IOptions<EmailOptions> options, ILogger<EmailSender> logger)
{
    public bool Enabled => options.Value.Enabled && !string.IsNullOrEmpty(options.Value.SmtpHost);

    /// <summary>False when sending failed; the reason is logged (never the message body, which may hold a link).</summary>
    public async Task<bool> SendAsync(string to, string subject, string text, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (!Enabled)
        {
            return false;
        }

        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(settings.From));
        message.To.Add(MailboxAddress.Parse(to));
        message.Subject = subject;
        message.Body = new TextPart("plain") { Text = text };
        try
        {
            using var client = new SmtpClient();
            await client.ConnectAsync(settings.SmtpHost!, settings.SmtpPort,
                settings.UseStartTls ? SecureSocketOptions.StartTlsWhenAvailable : SecureSocketOptions.None, cancellationToken);
            if (!string.IsNullOrEmpty(settings.Username))
            {
                await client.AuthenticateAsync(settings.Username, settings.Password ?? "", cancellationToken);
            }

            await client.SendAsync(message, cancellationToken);
            await client.DisconnectAsync(quit: true, cancellationToken);
            return true;
        }
        catch (Exception ex) when (ex is SmtpCommandException or SmtpProtocolException or IOException or System.Net.Sockets.SocketException or AuthenticationException or MailKit.ServiceNotConnectedException)
        {
            LogFailed(logger, settings.SmtpHost, ex.Message);
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not send e-mail through {Host}: {Reason}")]
    private static partial void LogFailed(ILogger logger, string? host, string reason);
}
