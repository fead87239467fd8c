using System.Globalization;

namespace Schoolbel.Peak.Cli;

/// <summary>Parses one command-line value, with the error message naming the option; shared by every command.</summary>
internal static class OptionValues
{
    public static bool Int(string name, string value, int min, out int result, out string? error)
    {
        error = null;
        if (int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out result) && result >= min)
        {
            return true;
        }

        error = $"--{name} '{value}' must be a whole number of at least {min.ToString(CultureInfo.InvariantCulture)}.";
        return false;
    }

    public static bool Number(string name, string value, double min, double max, out double result, out string? error)
    {
        error = null;
        if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out result) && result >= min && result <= max)
        {
            return true;
        }

        error = string.Create(CultureInfo.InvariantCulture, $"--{name} '{value}' must be a number from {min} to {max}.");
        return false;
    }

    /// <summary>A duration such as 500ms, 30s or 2m; zero only where <paramref name="allowZero"/>.</summary>
    public static bool Duration(string name, string value, out TimeSpan result, out string? error, bool allowZero = false)
    {
        error = null;
        if (PeakOptionsParser.TryParseDuration(value, out result) && (allowZero || result > TimeSpan.Zero))
        {
            return true;
        }

        error = allowZero
            ? $"--{name} '{value}' is not a duration like 500ms, 30s or 2m."
            : $"--{name} '{value}' is not a duration above zero like 500ms, 30s or 2m.";
        return false;
    }
}
