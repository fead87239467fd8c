using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Schoolbel.Server.Data.Migrations.Postgres
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
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    SchoolId = table.Column<Guid>(type: "uuid", nullable: false),
                    Bytes = table.Column<long>(type: "bigint", nullable: false),
                    ExpiresAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
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
