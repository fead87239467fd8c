using Schoolbel.Peak;

using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    // First Ctrl+C: stop offering load, let journeys under way finish, still write the report.
    e.Cancel = true;
    cancellation.Cancel();
};
return await PeakCommand.RunAsync(args, TimeProvider.System, Console.Out, Console.Error, cancellation.Token);
