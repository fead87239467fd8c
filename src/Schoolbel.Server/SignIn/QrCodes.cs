using System.Net;
using System.Security.Cryptography;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using QRCoder;
using Schoolbel.Server.Data;
using Schoolbel.Server.People;

namespace Schoolbel.Server.SignIn;

/// <summary>
/// QR sign-in for young pupils: a printed card per pupil, scanned on the class tablet. Only a
/// hash of each code is stored, so printing a sheet makes new codes and the old cards stop
/// working. A school can limit codes to its own networks.
/// </summary>
public sealed class QrCodes(SchoolbelDb db)
{
    /// <summary>New codes for these pupils (of this school); the old codes stop working.</summary>
    public async Task<IReadOnlyList<QrCard>> RegenerateAsync(IReadOnlyCollection<Guid> pupilIds, CancellationToken cancellationToken)
    {
        var pupils = await db.People.Where(p => pupilIds.Contains(p.Id) && p.Role == PersonRole.Pupil)
            .OrderBy(p => p.LastName).ThenBy(p => p.FirstName)
            .ToListAsync(cancellationToken);
        var cards = new List<QrCard>(pupils.Count);
        foreach (var pupil in pupils)
        {
            var code = WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(24));
            pupil.QrCodeHash = AccessTokens.HashSecret(code);
            cards.Add(new QrCard(pupil.Id, pupil.FirstName + " " + pupil.LastName, pupil.Username, code));
        }

        await db.SaveChangesAsync(cancellationToken);
        return cards;
    }

    public async Task<Person?> FindAsync(string? code, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(code) || code.Length > 64)
        {
            return null;
        }

        var hash = AccessTokens.HashSecret(code);
        return await db.People.FirstOrDefaultAsync(p => p.QrCodeHash == hash && p.Role == PersonRole.Pupil, cancellationToken);
    }

    /// <summary>True when the school allows QR sign-in from this address (no list means anywhere).</summary>
    public static bool AllowedFrom(string? networks, IPAddress? address)
    {
        if (string.IsNullOrWhiteSpace(networks))
        {
            return true;
        }

        if (address is null)
        {
            return false;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        foreach (var part in networks.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (IPNetwork.TryParse(part, out var network) && network.Contains(address))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Checks a comma-separated list of CIDR networks, e.g. "192.168.10.0/24, 2001:db8::/48".</summary>
    public static bool IsValidNetworkList(string? networks) =>
        string.IsNullOrWhiteSpace(networks)
        || networks.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).All(n => IPNetwork.TryParse(n, out _));

    /// <summary>A PNG of the QR code as a data: URI (the CSP allows data: images).</summary>
    public static string PngDataUri(string text)
    {
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(text, QRCodeGenerator.ECCLevel.M);
        var png = new PngByteQRCode(data).GetGraphic(6);
        return "data:image/png;base64," + Convert.ToBase64String(png);
    }
}

public sealed record QrCard(Guid PupilId, string Name, string Username, string Code);
