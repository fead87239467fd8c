using Microsoft.AspNetCore.Mvc.ModelBinding;

namespace Schoolbel.Server.Web;

/// <summary>Validation errors per field, shared by pages (ModelState) and the API (problem+json).</summary>
public sealed class FieldErrors
{
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    public bool Any => _errors.Count > 0;

    public void Add(string field, string message)
    {
        if (!_errors.TryGetValue(field, out var list))
        {
            _errors[field] = list = [];
        }

        list.Add(message);
    }

    public IDictionary<string, string[]> ToDictionary() =>
        _errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal);

    /// <summary>Puts every message on its field of a page's form, as the API puts them in its problem+json.</summary>
    public void CopyTo(ModelStateDictionary modelState)
    {
        ArgumentNullException.ThrowIfNull(modelState);
        foreach (var (field, messages) in _errors)
        {
            foreach (var message in messages)
            {
                modelState.AddModelError(field, message);
            }
        }
    }
}

/// <summary>Either a value or the field errors that stopped it.</summary>
public readonly struct Outcome<T>
{
    private Outcome(T? value, FieldErrors? errors)
    {
        Value = value;
        Errors = errors;
    }

    public T? Value { get; }
    public FieldErrors? Errors { get; }
    public bool Succeeded => Errors is null;

    public static implicit operator Outcome<T>(T value) => new(value, null);
    public static implicit operator Outcome<T>(FieldErrors errors) => new(default, errors);
}
