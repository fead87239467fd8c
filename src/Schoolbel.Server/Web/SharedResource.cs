namespace Schoolbel.Server.Web;

/// <summary>
/// Marker for the UI texts. Keys are the Dutch texts themselves (Dutch is the default
/// language); SharedResource.en.resx holds the English.
/// </summary>
#pragma warning disable CA1812 // Only used as a type argument of IStringLocalizer<T>.
internal sealed class SharedResource;
#pragma warning restore CA1812
