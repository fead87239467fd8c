using Schoolbel.Server.Data;
using Schoolbel.Server.Notifications;
using Schoolbel.Server.People;

namespace Schoolbel.Server.Messages;

/// <summary>The demo school's messages and announcement, so a fresh install shows a real inbox and today page.</summary>
internal static class DemoMessages
{
    /// <summary>Adds to <paramref name="db"/> (saved with the rest of the demo school, in its one transaction).</summary>
    public static void Add(SchoolbelDb db, Guid schoolId, Person teacher, Person admin, Person parent, IReadOnlyList<Person> pupils, DateTime now)
    {
        var toClass = new Message
        {
            SchoolId = schoolId,
            SenderId = teacher.Id,
            SenderRole = teacher.Role,
            Subject = "Toets wiskunde vrijdag",
            Body = "Dag allemaal,\n\nVrijdag is er een toets over **breuken** (hoofdstuk 3). Oefen nog de oefeningen 1 tot 12.\n\nSucces!\nJuf An",
            Audience = "klas 3B",
            RecipientCount = pupils.Count,
            SentAt = now.AddHours(-2),
            ReleaseAt = now.AddHours(-2),
        };
        var toParent = new Message
        {
            SchoolId = schoolId,
            SenderId = admin.Id,
            SenderRole = admin.Role,
            Subject = "Oudercontact volgende week",
            Body = "Beste ouder,\n\nVolgende donderdag is er oudercontact. Schrijf je in via het secretariaat of antwoord op dit bericht.\n\nMet vriendelijke groeten,\nEls Maes, directie",
            Audience = parent.DisplayName,
            RecipientCount = 1,
            SentAt = now.AddHours(-1),
            ReleaseAt = now.AddHours(-1),
        };
        db.AddRange(toClass, toParent);
        db.Add(new MailboxEntry { SchoolId = schoolId, MessageId = toClass.Id, PersonId = teacher.Id, Box = MailboxBox.Sent, ReleaseAt = toClass.SentAt, Delivered = true, ReadAt = toClass.SentAt });
        db.Add(new MailboxEntry { SchoolId = schoolId, MessageId = toParent.Id, PersonId = admin.Id, Box = MailboxBox.Sent, ReleaseAt = toParent.SentAt, Delivered = true, ReadAt = toParent.SentAt });
        foreach (var pupil in pupils)
        {
            db.Add(new MailboxEntry { SchoolId = schoolId, MessageId = toClass.Id, PersonId = pupil.Id, Box = MailboxBox.Inbox, ReleaseAt = toClass.ReleaseAt, Delivered = true });
            db.Add(new UnreadCounter { SchoolId = schoolId, PersonId = pupil.Id, Messages = 1 });
        }

        db.Add(new MailboxEntry { SchoolId = schoolId, MessageId = toParent.Id, PersonId = parent.Id, Box = MailboxBox.Inbox, ReleaseAt = toParent.ReleaseAt, Delivered = true });
        db.Add(new UnreadCounter { SchoolId = schoolId, PersonId = parent.Id, Messages = 1 });
        db.Add(new Announcement
        {
            SchoolId = schoolId,
            AuthorId = admin.Id,
            Title = "Sportdag op donderdag",
            Body = "Donderdag is het **sportdag**. Breng sportkleren, een drinkbus en een lunchpakket mee.",
            CreatedAt = now,
            ShowUntil = now.AddDays(14),
        });
    }
}
