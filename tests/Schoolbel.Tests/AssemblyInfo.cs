using Schoolbel.Tests.Infrastructure;

[assembly: AssemblyFixture(typeof(SharedApps))]
