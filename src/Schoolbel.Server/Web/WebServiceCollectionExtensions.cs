using System.Globalization;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Localization;
using Scalar.AspNetCore;
using Schoolbel.Server.Schools;

namespace Schoolbel.Server.Web;

internal static class WebServiceCollectionExtensions
{
    public static readonly CultureInfo[] SupportedCultures = [new("nl"), new("en")];

    public static IServiceCollection AddSchoolbelWeb(this IServiceCollection services)
    {
        services.AddLocalization();
        services.AddRazorPages(o =>
        {
            // Pages live in their feature folders; each declares an absolute route with @page "/...".
            o.RootDirectory = "/";
        })
        .AddMvcOptions(o =>
        {
            o.Filters.Add<UnknownHandlerFilter>();
            o.Filters.Add<SignIn.MustChangePasswordFilter>();
        })
        .AddViewLocalization();

        services.AddProblemDetails();
        services.AddExceptionHandler<BadRequestExceptionHandler>();
        // A database that is away for a moment gets 503 with Retry-After, not a 500.
        services.AddExceptionHandler<DatabaseUnavailableExceptionHandler>();
        // Malformed JSON or form data reaches BadRequestExceptionHandler, which names the field.
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.Configure<JsonOptions>(o => o.SerializerOptions.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter()));
        services.AddOpenApi("v1", o => o.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "Schoolbel API";
            document.Info.Description = "JSON API of Schoolbel. Authenticate with a personal access token: `Authorization: Bearer sbpat_...`. Errors are RFC 9457 problem+json.";
            return Task.CompletedTask;
        }));
        services.AddAntiforgery(o =>
        {
            o.Cookie.Name = "sb_csrf";
            o.HeaderName = "X-CSRF-TOKEN";
        });
        return services;
    }

    public static IApplicationBuilder UseSchoolbelLocalization(this IApplicationBuilder app)
    {
        var options = new RequestLocalizationOptions
        {
            DefaultRequestCulture = new RequestCulture("nl"),
            SupportedCultures = SupportedCultures,
            SupportedUICultures = SupportedCultures,
        };
        // The person's own choice (a cookie) wins; otherwise the school's default language; otherwise Dutch.
        options.RequestCultureProviders =
        [
            new CookieRequestCultureProvider(),
            new CustomRequestCultureProvider(context =>
            {
                var school = context.RequestServices.GetRequiredService<SchoolScope>().School;
                return Task.FromResult(school is null ? null : new ProviderCultureResult(school.DefaultLanguage));
            }),
        ];
        return app.UseRequestLocalization(options);
    }

    public static void MapSchoolbelWeb(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapOpenApi("/openapi/{documentName}.json").AllowAnonymous().WithMetadata(new PlatformEndpointAttribute());
        endpoints.MapScalarApiReference("/scalar", o => o.WithTitle("Schoolbel API")).AllowAnonymous().WithMetadata(new PlatformEndpointAttribute());
    }
}
