using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Schoolbel.Server.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class StorageReservations : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "StorageReservation",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    SchoolId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Bytes = table.Column<long>(type: "INTEGER", nullable: false),
                    ExpiresAt = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_StorageReservation", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_StorageReservation_ExpiresAt",
                table: "StorageReservation",
                column: "ExpiresAt");

            migrationBuilder.CreateIndex(
                name: "IX_StorageReservation_SchoolId",
                table: "StorageReservation",
                column: "SchoolId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "StorageReservation");
        }
    }
}
