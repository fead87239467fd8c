using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Schoolbel.Server.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class FirstLessonAt : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<TimeOnly>(
                name: "FirstLessonAt",
                table: "LessonSettings",
                type: "time without time zone",
                nullable: false,
                defaultValue: new TimeOnly(8, 30, 0)); // the default start of the first lesson for schools that already have settings
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "FirstLessonAt",
                table: "LessonSettings");
        }
    }
}
