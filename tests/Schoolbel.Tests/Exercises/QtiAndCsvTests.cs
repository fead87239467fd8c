using System.Text;
using Schoolbel.Server.Exercises;

namespace Schoolbel.Tests.Exercises;

/// <summary>QTI 2.1 export and import keep every item type intact; QTI 3.0 items import; CSV round-trips simple sets.</summary>
public sealed class QtiAndCsvTests
{
    private static readonly ItemDetails[] AllKinds =
    [
        new(Guid.NewGuid(), "tafels van 7", 2, new ItemSpec
        {
            Kind = ItemKind.Choice, Prompt = "7 × 8 =", Options = [new("a", "54", false, "Dat is 6 × 9."), new("b", "56", true), new("c", "63", false)],
            Hints = ["Tel 7 × 7 en nog 7."], CorrectFeedback = "Knap!", WrongFeedback = "Kijk nog eens.",
        }),
        new(Guid.NewGuid(), "veelvouden", 3, new ItemSpec { Kind = ItemKind.Choice, Prompt = "Veelvouden van 7?", Multiple = true, Options = [new("a", "14", true), new("b", "22", false), new("c", "49", true)] }),
        new(Guid.NewGuid(), "kommagetallen", 4, new ItemSpec { Kind = ItemKind.Numeric, Prompt = "0,1 + 0,2 =", Value = 0.3m, Tolerance = 0.01m, Unit = "m" }),
        new(Guid.NewGuid(), "spelling", 1, new ItemSpec { Kind = ItemKind.ShortText, Prompt = "1 in letters", Accepted = ["één", "een"], Rules = new TextRules(false, true, true) }),
        new(Guid.NewGuid(), "spelling", 2, new ItemSpec { Kind = ItemKind.FillBlanks, Prompt = "De [[1]] schijnt en de [[2]] staat op.", Blanks = [["zon"], ["maan", "mààn"]], Rules = new TextRules(CaseSensitive: true) }),
        new(Guid.NewGuid(), "tafels van 7", 3, new ItemSpec { Kind = ItemKind.Matching, Prompt = "Verbind", Pairs = [new("7 × 2", "14"), new("7 × 3", "21")] }),
        new(Guid.NewGuid(), "getallen", 5, new ItemSpec { Kind = ItemKind.Ordering, Prompt = "Van klein naar groot", Sequence = ["7", "14", "21"] }),
        new(Guid.NewGuid(), "tafels van 7", 1, new ItemSpec { Kind = ItemKind.TrueFalse, Prompt = "7 × 7 = 49", Truth = true }),
    ];

    [Fact]
    public void Qti_package_round_trips_every_item_type()
    {
        var package = Qti.ExportPackage("Tafels", AllKinds);
        var (items, errors) = Qti.Import(package);

        Assert.Empty(errors);
        Assert.Equal(AllKinds.Length, items.Count);
        for (var i = 0; i < AllKinds.Length; i++)
        {
            var original = AllKinds[i];
            var back = items[i];
            Assert.Equal(original.Skill, back.Skill);
            Assert.Equal(original.Difficulty, back.Difficulty);
            Assert.Equal(original.Spec.ToJson(), back.Spec!.ToJson());
        }
    }

    [Fact]
    public void Qti_3_items_import()
    {
        const string xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <qti-assessment-item xmlns="http://www.imsglobal.org/xsd/imsqtiasi_v3p0" identifier="q1" title="Tafel" adaptive="false" time-dependent="false">
              <qti-response-declaration identifier="RESPONSE" cardinality="single" base-type="identifier">
                <qti-correct-response><qti-value>B</qti-value></qti-correct-response>
              </qti-response-declaration>
              <qti-item-body>
                <qti-choice-interaction response-identifier="RESPONSE" max-choices="1">
                  <qti-prompt>7 × 6 =</qti-prompt>
                  <qti-simple-choice identifier="A">36</qti-simple-choice>
                  <qti-simple-choice identifier="B">42</qti-simple-choice>
                </qti-choice-interaction>
              </qti-item-body>
            </qti-assessment-item>
            """;
        var (items, errors) = Qti.Import(Encoding.UTF8.GetBytes(xml));
        Assert.Empty(errors);
        var spec = Assert.Single(items).Spec!;
        Assert.Equal(ItemKind.Choice, spec.Kind);
        Assert.Equal("7 × 6 =", spec.Prompt);
        Assert.True(Marker.Mark(spec, ["B"], 1).Correct);
        Assert.False(Marker.Mark(spec, ["A"], 1).Correct);
    }

    [Fact]
    public void Broken_qti_is_refused_with_a_reason()
    {
        Assert.NotEmpty(Qti.Import(Encoding.UTF8.GetBytes("<assessmentItem>")).Errors);
        Assert.NotEmpty(Qti.Import(Encoding.UTF8.GetBytes("<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><assessmentItem>&e;</assessmentItem>")).Errors);
        Assert.NotEmpty(Qti.Import(Encoding.UTF8.GetBytes("<html/>")).Errors);
        Assert.NotEmpty(Qti.Import([(byte)'P', (byte)'K', 3, 4, 0, 0]).Errors);
    }

    [Fact]
    public void Csv_round_trips_numeric_and_choice_items()
    {
        var simple = AllKinds.Where(i => i.Spec.Kind is ItemKind.Numeric or ItemKind.Choice).ToList();
        var csv = ExerciseCsv.Write(AllKinds);
        var (items, errors) = ExerciseCsv.Read(new StringReader(csv));
        Assert.Empty(errors);
        Assert.Equal(simple.Count, items.Count);
        Assert.Equal(simple.Select(s => s.Skill), items.Select(i => i.Skill));
        Assert.Equal(0.3m, items.Single(i => i.Spec!.Kind == ItemKind.Numeric).Spec!.Value);
        Assert.True(items.Single(i => i.Spec!.Multiple).Spec!.Options.Count(o => o.Correct) == 2);

        var semicolons = "type;skill;difficulty;question;answer;options\nnumeric;tafels van 7;2;7 × 3;21;\nchoice;tafels van 7;1;7 × 1;7;1|7|17\n";
        var (read, none) = ExerciseCsv.Read(new StringReader(semicolons));
        Assert.Empty(none);
        Assert.Equal(2, read.Count);
        Assert.True(Marker.Mark(read[1].Spec!, ["b"], 0).Correct);

        var (_, bad) = ExerciseCsv.Read(new StringReader("type,skill,difficulty,question,answer\nnumeric,x,2,vraag,twee\nordering,x,2,vraag,1\n"));
        Assert.Equal(2, bad.Count);
        Assert.Contains("Regel 2", bad[0], StringComparison.Ordinal);
    }
}
