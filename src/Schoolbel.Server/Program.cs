using Schoolbel.Server;

// `seed` and the other commands share the configuration and data layer with the server.
if (args.Length > 0 && !args[0].StartsWith('-'))
{
    return await Commands.RunAsync(args);
}

var app = SchoolbelApp.Build(args);
await app.RunAsync();
return 0;

/// <summary>Entry point; public so tests can host the app with WebApplicationFactory.</summary>
public partial class Program;
