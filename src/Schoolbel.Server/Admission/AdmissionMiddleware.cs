using System.Diagnostics;
using System.Security.Claims;
using Microsoft.Extensions.Options;
using Schoolbel.Server.Schools;

namespace Schoolbel.Server.Admission;

/// <summary>
/// Admission control in front of all work. In order: the abuse budgets (per address, per user);
/// then, for a visitor without a session, the waiting room (one line per school: a ticket holder
/// waits for their turn, and while anyone of the school waits a newcomer takes a ticket too); then the adaptive limiter with the
/// request's priority and school. Whoever is not admitted gets an honest answer at once, with
/// Retry-After. It runs after authorization so it knows the user and, for API tokens, the school;
/// those steps are cheap and cached, while everything after them is the real work.
/// </summary>
internal sealed partial class AdmissionMiddleware(
    RequestDelegate next,
    AdaptiveConcurrencyLimiter limiter,
    WaitingRoom room,
    AdmissionCookies cookies,
    AbuseBudgets budgets,
    AdmissionHeartbeat heartbeat,
    AdmissionMetrics metrics,
    IOptions<AdmissionOptions> options,
    TimeProvider time,
    ILogger<AdmissionMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context, SchoolScope scope)
    {
        var o = options.Value;
        if (!o.Enabled || context.GetEndpoint()?.Metadata.GetMetadata<UnlimitedEndpointAttribute>() is not null)
        {
            await next(context);
            return;
        }

        var school = scope.School?.Code ?? "-";
        var signedIn = context.User.Identity?.IsAuthenticated == true;
        var priority = RequestClassifier.PriorityOf(context, signedIn);

        // One round trip for both budgets (to Redis when nodes share them, else this node's own).
        var verdict = await budgets.TryTakeAsync(context.Connection.RemoteIpAddress, signedIn ? UserKey(context.User) : null);
        if (verdict != BudgetVerdict.Within)
        {
            var user = verdict == BudgetVerdict.User;
            CountShed(user ? ShedReason.UserBudget : ShedReason.IpBudget, school, priority);
            LogBudget(logger, user ? "user" : "address", school);
            await WaitingAnswers.WriteTooManyAsync(context, 1 + Random.Shared.Next(2));
            return;
        }

        // Signed-in users and visitors already let in are never sent back to the line.
        var admitted = signedIn || cookies.HasValidAdmission(context.Request);
        WaitingTicket? ticket = null;
        if (!admitted)
        {
            ticket = cookies.TicketOf(context.Request, school, o.TicketLifetime);
            if (ticket is { } held)
            {
                var place = room.PlaceOf(school, held);
                if (!place.MayEnter)
                {
                    await AnswerWaitingAsync(context, place, school, priority, newTicket: null);
                    return;
                }
            }
            else if (room.IsOpenFor(school))
            {
                // People of this school are waiting: a newcomer queues behind them, even if a slot is free this instant.
                var fresh = await room.TakeTicketAsync(school);
                await AnswerWaitingAsync(context, room.PlaceOf(school, fresh), school, priority, newTicket: fresh);
                return;
            }
        }

        var request = new AdmissionRequest(school, priority, RequestClassifier.IsLoadSignal(context));
        using var lease = (AdmissionLease)await limiter.AcquireAsync(request, 1, context.RequestAborted);
        if (!lease.IsAcquired)
        {
            heartbeat.CountShed();
            if (admitted || ticket is not null)
            {
                // In already, or at the front of the line: only a moment's wait.
                CountShed(lease.Reason, school, priority);
                await WaitingAnswers.WriteBusyAsync(context, 1 + Random.Shared.Next(3));
                return;
            }

            // A newcomer the server cannot take now: the waiting room opens with them.
            CountShed(ShedReason.WaitingRoom, school, priority);
            var fresh = await room.TakeTicketAsync(school);
            await AnswerWaitingAsync(context, room.PlaceOf(school, fresh), school, priority, newTicket: fresh, counted: true);
            return;
        }

        var tags = new TagList { { "school", school }, { "priority", AdmissionMetrics.TagOf(priority) } };
        metrics.Admitted.Add(1, tags);
        if (lease.QueuedFor > TimeSpan.Zero)
        {
            metrics.QueueWait.Record(lease.QueuedFor.TotalSeconds, tags);
        }

        if (!admitted)
        {
            cookies.GiveAdmission(context.Response, o.AdmissionLifetime);
            if (ticket is not null)
            {
                metrics.WaitingRoomAdmitted.Add(1, new TagList { { "school", school } });
            }
        }

        context.Response.OnStarting(static state =>
        {
            var (started, clock) = ((AdmissionLease, TimeProvider))state;
            started.ResponseStarted(clock);
            return Task.CompletedTask;
        }, (lease, time));

        await next(context);
    }

    private async Task AnswerWaitingAsync(HttpContext context, WaitingPlace place, string school, RequestPriority priority, WaitingTicket? newTicket, bool counted = false)
    {
        if (!counted)
        {
            CountShed(ShedReason.WaitingRoom, school, priority);
        }

        if (newTicket is { } issued)
        {
            cookies.GiveTicket(context.Response, school, issued, options.Value.TicketLifetime);
        }

        await WaitingAnswers.WriteWaitingRoomAsync(context, place, RetryAfterFor(place));
    }

    /// <summary>
    /// Come back in about a quarter of the expected wait (2–20 s), with ±30% jitter, so a line of
    /// thousands spreads its refreshes instead of arriving as one wave.
    /// </summary>
    private static int RetryAfterFor(WaitingPlace place)
    {
        var basis = place.EstimatedWait is { } wait ? Math.Clamp(wait.TotalSeconds / 4, 2, 20) : 5;
        var jittered = basis * (0.7 + (Random.Shared.NextDouble() * 0.6));
        return Math.Max(1, (int)Math.Round(jittered));
    }

    private void CountShed(ShedReason reason, string school, RequestPriority priority) =>
        metrics.Shed.Add(1, new TagList
        {
            { "school", school },
            { "priority", AdmissionMetrics.TagOf(priority) },
            { "reason", AdmissionMetrics.TagOf(reason) },
        });

    private static string UserKey(ClaimsPrincipal user) =>
        user.FindFirstValue(ClaimTypes.NameIdentifier) ?? user.Identity?.Name ?? string.Empty;

    [LoggerMessage(Level = LogLevel.Information, Message = "Request budget of one {Kind} exceeded (school {School})")]
    private static partial void LogBudget(ILogger logger, string kind, string school);
}
