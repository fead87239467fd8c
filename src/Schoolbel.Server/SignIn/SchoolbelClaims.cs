using System.Security.Claims;
using Schoolbel.Server.People;

namespace Schoolbel.Server.SignIn;

/// <summary>The claims a signed-in principal carries, and the schemes and policies that read them.</summary>
public static class SchoolbelClaims
{
    public const string School = "sb:school";
    public const string Username = "sb:username";
    public const string OperatorRole = "Operator";

    public static Guid? SchoolId(this ClaimsPrincipal user) =>
        Guid.TryParse(user.FindFirstValue(School), out var id) ? id : null;

    public static Guid PersonId(this ClaimsPrincipal user) =>
        Guid.Parse(user.FindFirstValue(ClaimTypes.NameIdentifier)
            ?? throw new InvalidOperationException("The principal has no person id."));

    public static PersonRole? Role(this ClaimsPrincipal user) =>
        Enum.TryParse<PersonRole>(user.FindFirstValue(ClaimTypes.Role), out var role) ? role : null;

    public static ClaimsIdentity ForPerson(Person person, string authenticationType)
    {
        ArgumentNullException.ThrowIfNull(person);
        return new ClaimsIdentity(
            [
                new Claim(ClaimTypes.NameIdentifier, person.Id.ToString()),
                new Claim(School, person.SchoolId.ToString()),
                new Claim(ClaimTypes.Role, person.Role.ToString()),
                new Claim(ClaimTypes.Name, person.DisplayName),
                new Claim(Username, person.Username),
            ],
            authenticationType, ClaimTypes.Name, ClaimTypes.Role);
    }
}

public static class SchoolbelSchemes
{
    /// <summary>Picks one of the schemes below for each request.</summary>
    public const string Default = "schoolbel";
    public const string SchoolCookie = "school-cookie";
    public const string OperatorCookie = "operator-cookie";
    public const string Bearer = "Bearer";

    /// <summary>Short-lived cookie that holds the identity from the school's identity provider until it is matched to a person.</summary>
    public const string External = "school-external";
}

public static class SchoolbelPolicies
{
    public const string SchoolMember = "school-member";
    public const string Staff = "staff";
    public const string SchoolAdmin = "school-admin";
    public const string Operator = "operator";
    public const string ApiUser = "api-user";
    public const string ApiAdmin = "api-admin";
}
