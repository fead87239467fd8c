using System.Reflection;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using Schoolbel.Server.Courses;
using Schoolbel.Server.Ops;
using Schoolbel.Server.People;
using Schoolbel.Server.Schools;
using Schoolbel.Server.SignIn;

namespace Schoolbel.Server.Data;

/// <summary>
/// The one EF Core model. Each provider has a small subclass so that each keeps its own
/// migrations folder (Data/Migrations/Sqlite, Data/Migrations/Postgres).
/// </summary>
public abstract class SchoolbelDb(DbContextOptions options, SchoolScope scope)
    : DbContext(options), IDataProtectionKeyContext
{
    private static readonly MethodInfo ApplySchoolFilterMethod =
        typeof(SchoolbelDb).GetMethod(nameof(ApplySchoolFilter), BindingFlags.NonPublic | BindingFlags.Instance)!;

    private static readonly MethodInfo ApplySchoolAndDeletedFilterMethod =
        typeof(SchoolbelDb).GetMethod(nameof(ApplySchoolAndDeletedFilter), BindingFlags.NonPublic | BindingFlags.Instance)!;

    /// <summary>
    /// The school of the current request. Every school-owned entity is filtered on it, so a
    /// query that forgets a <c>Where(x => x.SchoolId == ...)</c> still cannot read across schools.
    /// Without a school (operator pages, the seed command) school-owned queries return nothing
    /// unless they say <c>IgnoreQueryFilters()</c> on purpose.
    /// </summary>
    public Guid? CurrentSchoolId => scope.SchoolId;

    public DbSet<School> Schools => Set<School>();
    public DbSet<Person> People => Set<Person>();
    public DbSet<ParentLink> ParentLinks => Set<ParentLink>();
    public DbSet<SchoolClass> Classes => Set<SchoolClass>();
    public DbSet<ClassMembership> ClassMemberships => Set<ClassMembership>();
    public DbSet<Course> Courses => Set<Course>();
    public DbSet<CourseTeacher> CourseTeachers => Set<CourseTeacher>();
    public DbSet<CourseClass> CourseClasses => Set<CourseClass>();
    public DbSet<CoursePupil> CoursePupils => Set<CoursePupil>();
    public DbSet<AccessToken> AccessTokens => Set<AccessToken>();
    public DbSet<PlatformOperator> Operators => Set<PlatformOperator>();
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        ArgumentNullException.ThrowIfNull(configurationBuilder);
        // Times are stored as UTC; SQLite forgets DateTimeKind, so we put it back on read.
        configurationBuilder.Properties<DateTime>().HaveConversion<UtcDateTimeConverter>();
        configurationBuilder.Properties<DateTime?>().HaveConversion<NullableUtcDateTimeConverter>();
        configurationBuilder.Properties<string>().HaveMaxLength(400);
        configurationBuilder.Properties<Enum>().HaveConversion<string>().HaveMaxLength(32);
    }

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        ArgumentNullException.ThrowIfNull(modelBuilder);

        // Features own the configuration of their entities (IEntityTypeConfiguration in their folder).
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(SchoolbelDb).Assembly);

        modelBuilder.Entity<School>(e =>
        {
            e.HasIndex(s => s.Code).IsUnique();
            e.Property(s => s.Code).HasMaxLength(40);
            e.Property(s => s.DefaultLanguage).HasMaxLength(8);
            e.Property(s => s.OidcClientSecret).HasMaxLength(2000);
        });

        modelBuilder.Entity<Person>(e =>
        {
            e.HasIndex(p => new { p.SchoolId, p.Username }).IsUnique();
            e.HasIndex(p => new { p.SchoolId, p.Role, p.LastName });
            e.Property(p => p.Username).HasMaxLength(100);
            e.Property(p => p.PasswordHash).HasMaxLength(300);
            e.Property(p => p.TotpSecret).HasMaxLength(1000);
            e.Property(p => p.QrCodeHash).HasMaxLength(64);
            e.HasIndex(p => p.QrCodeHash).IsUnique();
            e.HasIndex(p => new { p.SchoolId, p.ExternalId }).IsUnique();
            e.Ignore(p => p.DisplayName);
            e.HasOne<School>().WithMany().HasForeignKey(p => p.SchoolId).OnDelete(DeleteBehavior.Restrict);
        });

        modelBuilder.Entity<ParentLink>(e =>
        {
            e.HasKey(l => new { l.ParentId, l.PupilId });
            e.HasIndex(l => l.PupilId);
            e.HasOne<Person>().WithMany().HasForeignKey(l => l.ParentId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne<Person>().WithMany().HasForeignKey(l => l.PupilId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<SchoolClass>(e =>
        {
            e.HasIndex(c => new { c.SchoolId, c.SchoolYear, c.Name }).IsUnique();
            e.Property(c => c.Name).HasMaxLength(40);
            e.Property(c => c.SchoolYear).HasMaxLength(20);
            e.HasOne<School>().WithMany().HasForeignKey(c => c.SchoolId).OnDelete(DeleteBehavior.Restrict);
        });

        modelBuilder.Entity<ClassMembership>(e =>
        {
            e.HasKey(m => new { m.ClassId, m.PupilId });
            e.HasIndex(m => m.PupilId);
            e.HasOne<SchoolClass>().WithMany().HasForeignKey(m => m.ClassId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne<Person>().WithMany().HasForeignKey(m => m.PupilId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<Course>(e =>
        {
            e.HasIndex(c => new { c.SchoolId, c.Name }).IsUnique();
            e.Property(c => c.Name).HasMaxLength(120);
            e.HasOne<School>().WithMany().HasForeignKey(c => c.SchoolId).OnDelete(DeleteBehavior.Restrict);
        });

        modelBuilder.Entity<CourseTeacher>(e =>
        {
            e.HasKey(t => new { t.CourseId, t.TeacherId });
            e.HasIndex(t => t.TeacherId);
            e.HasOne<Course>().WithMany().HasForeignKey(t => t.CourseId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne<Person>().WithMany().HasForeignKey(t => t.TeacherId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<CourseClass>(e =>
        {
            e.HasKey(c => new { c.CourseId, c.ClassId });
            e.HasIndex(c => c.ClassId);
            e.HasOne<Course>().WithMany().HasForeignKey(c => c.CourseId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne<SchoolClass>().WithMany().HasForeignKey(c => c.ClassId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<CoursePupil>(e =>
        {
            e.HasKey(p => new { p.CourseId, p.PupilId });
            e.HasIndex(p => p.PupilId);
            e.HasOne<Course>().WithMany().HasForeignKey(p => p.CourseId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne<Person>().WithMany().HasForeignKey(p => p.PupilId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<AccessToken>(e =>
        {
            e.HasIndex(t => t.SecretHash).IsUnique();
            e.HasIndex(t => t.SchoolId);
            e.Property(t => t.Name).HasMaxLength(100);
            e.Property(t => t.SecretHash).HasMaxLength(64);
            e.Property(t => t.Prefix).HasMaxLength(16);
            e.HasOne<Person>().WithMany().HasForeignKey(t => t.PersonId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<PlatformOperator>(e =>
        {
            e.HasIndex(o => o.Username).IsUnique();
            e.Property(o => o.Username).HasMaxLength(100);
            e.Property(o => o.PasswordHash).HasMaxLength(300);
        });

        modelBuilder.Entity<DataProtectionKey>(e =>
        {
            e.Property(k => k.FriendlyName).HasMaxLength(200);
            e.Property(k => k.Xml).Metadata.SetMaxLength(null);
        });

        foreach (var entityType in modelBuilder.Model.GetEntityTypes())
        {
            if (typeof(ISchoolOwned).IsAssignableFrom(entityType.ClrType))
            {
                // One filter per entity type (a second HasQueryFilter would replace the first), so
                // soft-deletable rows get the school and the "not deleted" condition together.
                var method = typeof(ISoftDeletable).IsAssignableFrom(entityType.ClrType) ? ApplySchoolAndDeletedFilterMethod : ApplySchoolFilterMethod;
                method.MakeGenericMethod(entityType.ClrType).Invoke(this, [modelBuilder]);
            }
        }
    }

    private void ApplySchoolFilter<TEntity>(ModelBuilder modelBuilder)
        where TEntity : class, ISchoolOwned =>
        modelBuilder.Entity<TEntity>().HasQueryFilter(e => e.SchoolId == CurrentSchoolId);

    private void ApplySchoolAndDeletedFilter<TEntity>(ModelBuilder modelBuilder)
        where TEntity : class, ISchoolOwned, ISoftDeletable =>
        modelBuilder.Entity<TEntity>().HasQueryFilter(e => e.SchoolId == CurrentSchoolId && e.DeletedAt == null);

    private sealed class UtcDateTimeConverter() : ValueConverter<DateTime, DateTime>(
        v => v.Kind == DateTimeKind.Utc ? v : v.ToUniversalTime(),
        v => DateTime.SpecifyKind(v, DateTimeKind.Utc));

    private sealed class NullableUtcDateTimeConverter() : ValueConverter<DateTime?, DateTime?>(
        v => v == null ? null : v.Value.Kind == DateTimeKind.Utc ? v : v.Value.ToUniversalTime(),
        v => v == null ? null : DateTime.SpecifyKind(v.Value, DateTimeKind.Utc));
}

/// <summary>
/// A row that is deleted by marking it (<see cref="DeletedAt"/>) instead of removing it, because
/// other people's data hangs on it (an assignment and the pupils' hand-ins). The query filter
/// hides it everywhere; only code that says <c>IgnoreQueryFilters()</c> still sees it.
/// </summary>
public interface ISoftDeletable
{
    DateTime? DeletedAt { get; }
}

/// <summary>The SQLite flavour of the model (the embedded default).</summary>
public sealed class SqliteSchoolbelDb(DbContextOptions<SqliteSchoolbelDb> options, SchoolScope scope)
    : SchoolbelDb(options, scope);

/// <summary>The PostgreSQL flavour of the model (production).</summary>
public sealed class PostgresSchoolbelDb(DbContextOptions<PostgresSchoolbelDb> options, SchoolScope scope)
    : SchoolbelDb(options, scope);
