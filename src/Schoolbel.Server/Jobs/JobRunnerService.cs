using Microsoft.Extensions.Options;
using Schoolbel.Server.Admission;

namespace Schoolbel.Server.Jobs;

/// <summary>Runs <see cref="JobRunner"/> every <see cref="JobsOptions.PollInterval"/>, except during brown-out.</summary>
internal sealed partial class JobRunnerService(JobRunner runner, IOptions<JobsOptions> options, TimeProvider time, BrownOut brownOut, ILogger<JobRunnerService> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.RunInBackground)
        {
            return;
        }

        var postponing = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            await Task.Delay(options.Value.PollInterval, time, stoppingToken);
            if (brownOut.IsActive != postponing)
            {
                postponing = brownOut.IsActive;
                LogBrownOut(logger, postponing);
            }

            if (postponing)
            {
                // Every job today (counters, digests, e-mail, push, cleaning up) can wait for the calm; pupils cannot.
                continue;
            }

            try
            {
                await runner.RunDueAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The database is away (a restart): nothing was half-claimed; try again at the next poll.
                LogFailed(logger, e);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Background jobs postponed under brown-out: {Postponed}")]
    private static partial void LogBrownOut(ILogger logger, bool postponed);

    [LoggerMessage(Level = LogLevel.Error, Message = "Looking for due jobs failed; trying again at the next poll")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
