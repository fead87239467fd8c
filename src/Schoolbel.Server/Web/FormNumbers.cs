using System.Globalization;
using Microsoft.AspNetCore.Mvc.ModelBinding;

namespace Schoolbel.Server.Web;

/// <summary>Numbers typed into a page's form, as teachers type them (a comma or a point for decimals).</summary>
public static class FormNumbers
{
    /// <summary>
    /// The number in <paramref name="text"/>, or null when it is empty; when it is not a number,
    /// null and a message on <paramref name="field"/>.
    /// </summary>
    public static decimal? ReadDecimal(this ModelStateDictionary modelState, string? text, string field)
    {
        ArgumentNullException.ThrowIfNull(modelState);
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        if (decimal.TryParse(text.Trim().Replace(',', '.'), NumberStyles.Number, CultureInfo.InvariantCulture, out var value))
        {
            return value;
        }

        modelState.AddModelError(field, "Vul een getal in.");
        return null;
    }
}
