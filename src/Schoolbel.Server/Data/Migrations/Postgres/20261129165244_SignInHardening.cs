using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Schoolbel.Server.Data.Migrations.Postgres
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
                type: "boolean",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<string>(
                name: "OidcAuthority",
                table: "Schools",
                type: "character varying(400)",
                maxLength: 400,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "OidcClientId",
                table: "Schools",
                type: "character varying(400)",
                maxLength: 400,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "OidcClientSecret",
                table: "Schools",
                type: "character varying(2000)",
                maxLength: 2000,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "OidcDisplayName",
                table: "Schools",
                type: "character varying(400)",
                maxLength: 400,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "QrSignInNetworks",
                table: "Schools",
                type: "character varying(400)",
                maxLength: 400,
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "RequireTwoFactorForStaff",
                table: "Schools",
                type: "boolean",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<bool>(
                name: "StaySignedInByDefaultForPupils",
                table: "Schools",
                type: "boolean",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<string>(
                name: "ExternalId",
                table: "People",
                type: "character varying(400)",
                maxLength: 400,
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "FailedSignIns",
                table: "People",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<bool>(
                name: "MustChangePassword",
                table: "People",
                type: "boolean",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<string>(
                name: "QrCodeHash",
                table: "People",
                type: "character varying(64)",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "SignInDelayedUntil",
                table: "People",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "TotpEnabledAt",
                table: "People",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "TotpSecret",
                table: "People",
                type: "character varying(1000)",
                maxLength: 1000,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "PasswordResetToken",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    SchoolId = table.Column<Guid>(type: "uuid", nullable: false),
                    PersonId = table.Column<Guid>(type: "uuid", nullable: false),
                    TokenHash = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    ExpiresAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    UsedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true)
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
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    SchoolId = table.Column<Guid>(type: "uuid", nullable: false),
                    PersonId = table.Column<Guid>(type: "uuid", nullable: false),
                    CodeHash = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    UsedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true)
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
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    SchoolId = table.Column<Guid>(type: "uuid", nullable: false),
                    PersonId = table.Column<Guid>(type: "uuid", nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    LastSeenAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    ExpiresAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    EndedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    Persistent = table.Column<bool>(type: "boolean", nullable: false),
                    Device = table.Column<string>(type: "character varying(120)", maxLength: 120, nullable: false),
                    Method = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false)
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
