using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Schoolbel.Server.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class SignInHardening : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "AllowSimplePupilPasswords",
                table: "Schools",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<string>(
                name: "OidcAuthority",
                table: "Schools",
                type: "TEXT",
                maxLength: 400,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "OidcClientId",
                table: "Schools",
                type: "TEXT",
                maxLength: 400,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "OidcClientSecret",
                table: "Schools",
                type: "TEXT",
                maxLength: 2000,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "OidcDisplayName",
                table: "Schools",
                type: "TEXT",
                maxLength: 400,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "QrSignInNetworks",
                table: "Schools",
                type: "TEXT",
                maxLength: 400,
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "RequireTwoFactorForStaff",
                table: "Schools",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<bool>(
                name: "StaySignedInByDefaultForPupils",
                table: "Schools",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<string>(
                name: "ExternalId",
                table: "People",
                type: "TEXT",
                maxLength: 400,
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "FailedSignIns",
                table: "People",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<bool>(
                name: "MustChangePassword",
                table: "People",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<string>(
                name: "QrCodeHash",
                table: "People",
                type: "TEXT",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "SignInDelayedUntil",
                table: "People",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "TotpEnabledAt",
                table: "People",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "TotpSecret",
                table: "People",
                type: "TEXT",
                maxLength: 1000,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "PasswordResetToken",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    SchoolId = table.Column<Guid>(type: "TEXT", nullable: false),
                    PersonId = table.Column<Guid>(type: "TEXT", nullable: false),
                    TokenHash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    ExpiresAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    UsedAt = table.Column<DateTime>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_PasswordResetToken", x => x.Id);
                    table.ForeignKey(
                        name: "FK_PasswordResetToken_People_PersonId",
                        column: x => x.PersonId,
                        principalTable: "People",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "RecoveryCode",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    SchoolId = table.Column<Guid>(type: "TEXT", nullable: false),
                    PersonId = table.Column<Guid>(type: "TEXT", nullable: false),
                    CodeHash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    UsedAt = table.Column<DateTime>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_RecoveryCode", x => x.Id);
                    table.ForeignKey(
                        name: "FK_RecoveryCode_People_PersonId",
                        column: x => x.PersonId,
                        principalTable: "People",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "SignInSession",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    SchoolId = table.Column<Guid>(type: "TEXT", nullable: false),
                    PersonId = table.Column<Guid>(type: "TEXT", nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    LastSeenAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    ExpiresAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    EndedAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    Persistent = table.Column<bool>(type: "INTEGER", nullable: false),
                    Device = table.Column<string>(type: "TEXT", maxLength: 120, nullable: false),
                    Method = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_SignInSession", x => x.Id);
                    table.ForeignKey(
                        name: "FK_SignInSession_People_PersonId",
                        column: x => x.PersonId,
                        principalTable: "People",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_People_QrCodeHash",
                table: "People",
                column: "QrCodeHash",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_People_SchoolId_ExternalId",
                table: "People",
                columns: new[] { "SchoolId", "ExternalId" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_PasswordResetToken_PersonId",
                table: "PasswordResetToken",
                column: "PersonId");

            migrationBuilder.CreateIndex(
                name: "IX_PasswordResetToken_TokenHash",
                table: "PasswordResetToken",
                column: "TokenHash",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_RecoveryCode_PersonId",
                table: "RecoveryCode",
                column: "PersonId");

            migrationBuilder.CreateIndex(
                name: "IX_SignInSession_PersonId_EndedAt",
                table: "SignInSession",
                columns: new[] { "PersonId", "EndedAt" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "PasswordResetToken");

            migrationBuilder.DropTable(
                name: "RecoveryCode");

            migrationBuilder.DropTable(
                name: "SignInSession");

            migrationBuilder.DropIndex(
                name: "IX_People_QrCodeHash",
                table: "People");

            migrationBuilder.DropIndex(
                name: "IX_People_SchoolId_ExternalId",
                table: "People");

            migrationBuilder.DropColumn(
                name: "AllowSimplePupilPasswords",
                table: "Schools");

            migrationBuilder.DropColumn(
                name: "OidcAuthority",
                table: "Schools");

            migrationBuilder.DropColumn(
                name: "OidcClientId",
                table: "Schools");

            migrationBuilder.DropColumn(
                name: "OidcClientSecret",
                table: "Schools");

            migrationBuilder.DropColumn(
                name: "OidcDisplayName",
                table: "Schools");

            migrationBuilder.DropColumn(
                name: "QrSignInNetworks",
                table: "Schools");

            migrationBuilder.DropColumn(
                name: "RequireTwoFactorForStaff",
                table: "Schools");

            migrationBuilder.DropColumn(
                name: "StaySignedInByDefaultForPupils",
                table: "Schools");

            migrationBuilder.DropColumn(
                name: "ExternalId",
                table: "People");

            migrationBuilder.DropColumn(
                name: "FailedSignIns",
                table: "People");

            migrationBuilder.DropColumn(
                name: "MustChangePassword",
                table: "People");

            migrationBuilder.DropColumn(
                name: "QrCodeHash",
                table: "People");

            migrationBuilder.DropColumn(
                name: "SignInDelayedUntil",
                table: "People");

            migrationBuilder.DropColumn(
                name: "TotpEnabledAt",
                table: "People");

            migrationBuilder.DropColumn(
                name: "TotpSecret",
                table: "People");
        }
    }
}
