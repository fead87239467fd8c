using Schoolbel.Tests.Infrastructure;

[assembly: AssemblyFixture(typeof(SharedApps))]
[assembly: AssemblyFixture(typeof(TestIdentityProvider))]
