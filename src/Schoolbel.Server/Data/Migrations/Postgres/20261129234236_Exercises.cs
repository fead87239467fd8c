using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Schoolbel.Server.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class Exercises : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "ExerciseAbility",
                columns: table => new
                {
                    PupilId = table.Column<Guid>(type: "uuid", nullable: false),
                    CourseId = table.Column<Guid>(type: "uuid", nullable: false),
                    Skill = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    SchoolId = table.Column<Guid>(type: "uuid", nullable: false),
                    Rating = table.Column<double>(type: "double precision", nullable: false),
                    Answers = table.Column<int>(type: "integer", nullable: false),
                    Correct = table.Column<int>(type: "integer", nullable: false),
                    WrongInARow = table.Column<int>(type: "integer", nullable: false),
                    RightInARow = table.Column<int>(type: "integer", nullable: false),
                    Milliseconds = table.Column<long>(type: "bigint", nullable: false),
                    UpdatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ExerciseAbility", x => new { x.PupilId, x.CourseId, x.Skill });
                    table.ForeignKey(
                        name: "FK_ExerciseAbility_Courses_CourseId",
                        column: x => x.CourseId,
                        principalTable: "Courses",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_ExerciseAbility_People_PupilId",
                        column: x => x.PupilId,
                        principalTable: "People",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "ExerciseSet",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    SchoolId = table.Column<Guid>(type: "uuid", nullable: false),
                    CourseId = table.Column<Guid>(type: "uuid", nullable: false),
                    Title = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    CreatedBy = table.Column<Guid>(type: "uuid", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ExerciseSet", x => x.Id);
                    table.ForeignKey(
                        name: "FK_ExerciseSet_Courses_CourseId",
                        column: x => x.CourseId,
                        principalTable: "Courses",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "ExerciseItem",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    SchoolId = table.Column<Guid>(type: "uuid", nullable: false),
                    CourseId = table.Column<Guid>(type: "uuid", nullable: false),
                    SetId = table.Column<Guid>(type: "uuid", nullable: false),
                    Kind = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    Skill = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    Difficulty = table.Column<double>(type: "double precision", nullable: false),
                    Spec = table.Column<string>(type: "text", nullable: false),
                    Position = table.Column<int>(type: "integer", nullable: false),
                    Retired = table.Column<bool>(type: "boolean", nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ExerciseItem", x => x.Id);
                    table.ForeignKey(
                        name: "FK_ExerciseItem_ExerciseSet_SetId",
                        column: x => x.SetId,
                        principalTable: "ExerciseSet",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "ExerciseTask",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    SchoolId = table.Column<Guid>(type: "uuid", nullable: false),
                    CourseId = table.Column<Guid>(type: "uuid", nullable: false),
                    SetId = table.Column<Guid>(type: "uuid", nullable: true),
                    Skill = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    ClassId = table.Column<Guid>(type: "uuid", nullable: true),
                    PupilId = table.Column<Guid>(type: "uuid", nullable: true),
                    From = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    Until = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    CreatedBy = table.Column<Guid>(type: "uuid", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ExerciseTask", x => x.Id);
                    table.ForeignKey(
                        name: "FK_ExerciseTask_Courses_CourseId",
                        column: x => x.CourseId,
                        principalTable: "Courses",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_ExerciseTask_ExerciseSet_SetId",
                        column: x => x.SetId,
                        principalTable: "ExerciseSet",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "ExerciseAttempt",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    SchoolId = table.Column<Guid>(type: "uuid", nullable: false),
                    PupilId = table.Column<Guid>(type: "uuid", nullable: false),
                    CourseId = table.Column<Guid>(type: "uuid", nullable: false),
                    SetId = table.Column<Guid>(type: "uuid", nullable: false),
                    ItemId = table.Column<Guid>(type: "uuid", nullable: false),
                    Skill = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    ServedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    Seed = table.Column<long>(type: "bigint", nullable: false),
                    HintsShown = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ExerciseAttempt", x => x.Id);
                    table.ForeignKey(
                        name: "FK_ExerciseAttempt_ExerciseItem_ItemId",
                        column: x => x.ItemId,
                        principalTable: "ExerciseItem",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_ExerciseAttempt_People_PupilId",
                        column: x => x.PupilId,
                        principalTable: "People",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "ExerciseAnswer",
                columns: table => new
                {
                    AttemptId = table.Column<Guid>(type: "uuid", nullable: false),
                    SchoolId = table.Column<Guid>(type: "uuid", nullable: false),
                    PupilId = table.Column<Guid>(type: "uuid", nullable: false),
                    CourseId = table.Column<Guid>(type: "uuid", nullable: false),
                    SetId = table.Column<Guid>(type: "uuid", nullable: false),
                    ItemId = table.Column<Guid>(type: "uuid", nullable: false),
                    Skill = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    Correct = table.Column<bool>(type: "boolean", nullable: false),
                    Given = table.Column<string>(type: "character varying(4000)", maxLength: 4000, nullable: false),
                    Expected = table.Column<double>(type: "double precision", nullable: false),
                    Delta = table.Column<double>(type: "double precision", nullable: false),
                    Milliseconds = table.Column<int>(type: "integer", nullable: false),
                    AnsweredAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ExerciseAnswer", x => x.AttemptId);
                    table.ForeignKey(
                        name: "FK_ExerciseAnswer_ExerciseAttempt_AttemptId",
                        column: x => x.AttemptId,
                        principalTable: "ExerciseAttempt",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_ExerciseAbility_CourseId_Skill",
                table: "ExerciseAbility",
                columns: new[] { "CourseId", "Skill" });

            migrationBuilder.CreateIndex(
                name: "IX_ExerciseAnswer_CourseId_AnsweredAt",
                table: "ExerciseAnswer",
                columns: new[] { "CourseId", "AnsweredAt" });

            migrationBuilder.CreateIndex(
                name: "IX_ExerciseAnswer_PupilId_SetId",
                table: "ExerciseAnswer",
                columns: new[] { "PupilId", "SetId" });

            migrationBuilder.CreateIndex(
                name: "IX_ExerciseAttempt_ItemId",
                table: "ExerciseAttempt",
                column: "ItemId");

            migrationBuilder.CreateIndex(
                name: "IX_ExerciseAttempt_PupilId_CourseId_Skill_ServedAt",
                table: "ExerciseAttempt",
                columns: new[] { "PupilId", "CourseId", "Skill", "ServedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_ExerciseAttempt_PupilId_SetId_ServedAt",
                table: "ExerciseAttempt",
                columns: new[] { "PupilId", "SetId", "ServedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_ExerciseItem_CourseId_Skill",
                table: "ExerciseItem",
                columns: new[] { "CourseId", "Skill" });

            migrationBuilder.CreateIndex(
                name: "IX_ExerciseItem_SetId_Position",
                table: "ExerciseItem",
                columns: new[] { "SetId", "Position" });

            migrationBuilder.CreateIndex(
                name: "IX_ExerciseSet_CourseId",
                table: "ExerciseSet",
                column: "CourseId");

            migrationBuilder.CreateIndex(
                name: "IX_ExerciseTask_ClassId_Until",
                table: "ExerciseTask",
                columns: new[] { "ClassId", "Until" });

            migrationBuilder.CreateIndex(
                name: "IX_ExerciseTask_CourseId",
                table: "ExerciseTask",
                column: "CourseId");

            migrationBuilder.CreateIndex(
                name: "IX_ExerciseTask_PupilId_Until",
                table: "ExerciseTask",
                columns: new[] { "PupilId", "Until" });

            migrationBuilder.CreateIndex(
                name: "IX_ExerciseTask_SetId",
                table: "ExerciseTask",
                column: "SetId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "ExerciseAbility");

            migrationBuilder.DropTable(
                name: "ExerciseAnswer");

            migrationBuilder.DropTable(
                name: "ExerciseTask");

            migrationBuilder.DropTable(
                name: "ExerciseAttempt");

            migrationBuilder.DropTable(
                name: "ExerciseItem");

            migrationBuilder.DropTable(
                name: "ExerciseSet");
        }
    }
}
