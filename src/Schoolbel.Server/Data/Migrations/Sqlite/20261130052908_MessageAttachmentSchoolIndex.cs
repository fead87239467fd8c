using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Schoolbel.Server.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class MessageAttachmentSchoolIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "IX_MessageAttachment_SchoolId",
                table: "MessageAttachment",
                column: "SchoolId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_MessageAttachment_SchoolId",
                table: "MessageAttachment");
        }
    }
}
