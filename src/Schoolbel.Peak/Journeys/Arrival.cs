using Schoolbel.Peak.Population;
using Schoolbel.Peak.Results;

namespace Schoolbel.Peak.Journeys;

/// <summary>One scheduled journey: when it should start, whose it is and how they get in.</summary>
/// <param name="Identity">The account that signs in with a password; null for resumed journeys, whose account is the session's.</param>
/// <param name="SessionIndex">For resumed journeys, which warm-up session of the role it resumes.</param>
internal sealed record Arrival(int Index, TimeSpan Offset, Role Role, JourneyKind Kind, Identity? Identity, int SessionIndex);
