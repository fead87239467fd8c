using System.Globalization;
using Schoolbel.Peak.Population;
using Schoolbel.Peak.Results;

namespace Schoolbel.Peak.Journeys;

/// <summary>Settings every journey shares.</summary>
/// <param name="BaseUri">The target with a trailing slash; every address is built from it.</param>
/// <param name="ThinkTime">Mean pause between clicks (0.5x–1.5x at random); not counted as latency.</param>
/// <param name="UploadBytes">Size of the document a teacher uploads into the lesson they publish.</param>
/// <param name="ExerciseAnswers">Exercises a pupil answers at the end of the morning (0: none, as before these existed).</param>
/// <param name="PracticeOnly">Pupils only practise: today → a task's practice page → <paramref name="ExerciseAnswers"/> answers.</param>
/// <param name="HandInShare">Share of pupil morning journeys that hand in an assignment after the document (0: none).</param>
/// <param name="HandInBytes">Size of the file a pupil hands in.</param>
/// <param name="MessageShare">Share of pupil morning journeys that read the newest message after that (0: none).</param>
internal sealed record JourneySettings(
    Uri BaseUri, string Password, TimeSpan ThinkTime, TimeSpan ConnectTimeout, int MaxUsers, int UploadBytes,
    int ExerciseAnswers = 0, bool PracticeOnly = false, double HandInShare = 0, int HandInBytes = 20 * 1024, double MessageShare = 0);

/// <summary>
/// Plays one virtual user's morning, step by step, in a browser of its own:
/// pupils (sign-in page and sign-in, or a resumed session) → today → course → lesson → document;
/// teachers → today → one of their courses → a new lesson → upload a document into it → publish
/// it now for the course's classes; parents → today. Steps the server does not offer (no lesson
/// or document links on the page, no lesson or upload form) are skipped and counted as not
/// available, not as errors.
/// An <paramref name="observer"/>, when given, also sees every attempt, step and journey end,
/// tagged with <paramref name="load"/> and the school of the virtual user's account.
/// </summary>
internal sealed partial class JourneyRunner(
    JourneySettings settings, StepRunner steps, ResultCollector results, SessionPool sessions, TimeProvider time,
    IJourneyObserver? observer = null, int load = 0)
{
    private int _active;

    /// <summary>Runs the journey of <paramref name="arrival"/> and records everything it measured.</summary>
    public async Task RunAsync(Arrival arrival, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(arrival);
        results.RecordArrival(arrival.Offset);
        var tag = observer is null ? null : new JourneyTag(load, arrival.Index, arrival.Offset, arrival.Role, arrival.Kind, SchoolOf(arrival));
        if (Interlocked.Increment(ref _active) > settings.MaxUsers)
        {
            // The simulator's own limit, not the server's doing; reported apart so a run that
            // could not offer its load is never mistaken for a server that coped.
            Interlocked.Decrement(ref _active);
            results.RecordDropped(arrival.Offset);
            observer?.JourneyEnded(tag!, JourneyEnd.Dropped, TimeSpan.Zero, arrival.Offset);
            return;
        }

        results.JourneyStarted();
        observer?.JourneyStarted(tag!);
        var journey = new JourneyClock(tag);
        var completed = false;
        var end = JourneyEnd.Failed;
        try
        {
            completed = await RunStepsAsync(arrival, journey, cancellationToken);
            end = completed ? JourneyEnd.Completed : JourneyEnd.Failed;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopped mid-journey (the operator, or the end of a measured window): not completed,
            // and not an error either: the server never said no.
            end = JourneyEnd.Unfinished;
        }
        finally
        {
            Interlocked.Decrement(ref _active);
            var ended = steps.Now;
            var latency = ended - arrival.Offset - journey.Thinking;
            results.RecordJourney(arrival.Role, arrival.Kind, completed, latency, ended);
            observer?.JourneyEnded(tag!, end, latency, ended);
        }
    }

    /// <summary>Signs <paramref name="identity"/> in outside the measured window and keeps the session for resumed journeys.</summary>
    public async Task<bool> WarmUpAsync(Identity identity, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(identity);
        using var browser = new VirtualBrowser(settings.BaseUri, null, settings.ConnectTimeout);
        var signedIn = await SignInAsync(browser, identity, steps.Now, record: null, journey: null, attempts: null, cancellationToken);
        if (signedIn is null)
        {
            return false;
        }

        sessions.Add(identity, browser.Cookies);
        return true;
    }

    private async Task<bool> RunStepsAsync(Arrival arrival, JourneyClock journey, CancellationToken cancellationToken)
    {
        var tag = journey.Tag;
        void Record(string step, StepOutcome outcome)
        {
            var now = steps.Now;
            results.RecordStep(arrival.Role, step, outcome, now);
            observer?.Step(tag!, step, outcome, now);
        }

        Action<AttemptRecord>? attempts = tag is null ? null : a => observer!.Attempt(tag, a);

        Identity identity;
        System.Net.CookieContainer? cookies = null;
        if (arrival.Kind == JourneyKind.Resumed)
        {
            if (sessions.Resume(arrival.Role, arrival.SessionIndex, settings.BaseUri) is not { } session)
            {
                Record(Steps.Today, new StepOutcome(ErrorKinds.NoSession, TimeSpan.Zero, 0, TimeSpan.Zero, 0));
                return false;
            }

            (identity, cookies) = session;
        }
        else
        {
            identity = arrival.Identity ?? throw new InvalidOperationException("A password journey needs an account.");
        }

        using var browser = new VirtualBrowser(settings.BaseUri, cookies, settings.ConnectTimeout);
        var intended = arrival.Offset;
        var todayUri = new Uri(settings.BaseUri, identity.School + "/");
        if (arrival.Kind == JourneyKind.Password)
        {
            var signedIn = await SignInAsync(browser, identity, intended, Record, journey, attempts, cancellationToken);
            if (signedIn is null)
            {
                return false;
            }

            (todayUri, intended) = signedIn.Value;
        }

        // After a sign-in the browser follows the redirect at once: no think time before today.
        var today = await steps.SendAsync(browser, () => Get(todayUri), Expect.Page, intended, cancellationToken, attempts);
        Record(Steps.Today, today.Outcome);
        if (!today.Outcome.Ok)
        {
            return false;
        }

        if (identity.Role == Role.Teacher)
        {
            return await TeacherMorningAsync(browser, identity, today, journey, Record, attempts, cancellationToken);
        }

        if (identity.Role == Role.Parent)
        {
            return true;
        }

        if (settings.PracticeOnly)
        {
            return await PracticeAsync(browser, identity, today, journey, Record, attempts, cancellationToken);
        }

        var morning = await PupilMorningAsync(browser, identity, today, journey, Record, attempts, cancellationToken)
            && (!Chance(settings.HandInShare) || await HandInAsync(browser, identity, today, journey, Record, attempts, cancellationToken))
            && (!Chance(settings.MessageShare) || await ReadMessageAsync(browser, identity, journey, Record, attempts, cancellationToken));
        return morning && (settings.ExerciseAnswers <= 0 || await PracticeAsync(browser, identity, today, journey, Record, attempts, cancellationToken));
    }

    /// <summary>A pupil's course, lesson and document; false when a step failed.</summary>
    private async Task<bool> PupilMorningAsync(
        VirtualBrowser browser, Identity identity, StepResponse today, JourneyClock journey, Action<string, StepOutcome> record,
        Action<AttemptRecord>? attempts, CancellationToken cancellationToken)
    {
        var courseUri = identity.CourseUrl is { } url
            ? new Uri(settings.BaseUri, url.TrimStart('/'))
            : PickOne(CourseLinks(today));
        if (courseUri is null)
        {
            results.RecordNotAvailable(identity.Role, Steps.Course);
            return true;
        }

        var intended = await ThinkAsync(journey, cancellationToken);
        var course = await steps.SendAsync(browser, () => Get(courseUri), Expect.Page, intended, cancellationToken, attempts);
        record(Steps.Course, course.Outcome);
        if (!course.Outcome.Ok)
        {
            return false;
        }

        var documentLinks = HtmlScan.Links(course.Body ?? "", course.RequestUri, "/documents/");
        var lessonUri = PickOne(HtmlScan.Links(course.Body ?? "", course.RequestUri, "/lessons/"));
        if (lessonUri is null)
        {
            results.RecordNotAvailable(identity.Role, Steps.Lesson);
        }
        else
        {
            intended = await ThinkAsync(journey, cancellationToken);
            var lesson = await steps.SendAsync(browser, () => Get(lessonUri), Expect.Page, intended, cancellationToken, attempts);
            record(Steps.Lesson, lesson.Outcome);
            if (!lesson.Outcome.Ok)
            {
                return false;
            }

            // A lesson's own documents are what the pupil opens next; the course's are the fallback.
            var lessonDocuments = HtmlScan.Links(lesson.Body ?? "", lesson.RequestUri, "/documents/");
            if (lessonDocuments.Count > 0)
            {
                documentLinks = lessonDocuments;
            }
        }

        var documentUri = PickOne(documentLinks);
        if (documentUri is null)
        {
            results.RecordNotAvailable(identity.Role, Steps.Document);
            return true;
        }

        intended = await ThinkAsync(journey, cancellationToken);
        var document = await steps.SendAsync(browser, () => Get(documentUri), Expect.Download, intended, cancellationToken, attempts);
        record(Steps.Document, document.Outcome);
        return document.Outcome.Ok;
    }

    /// <summary>
    /// Practice: open a task's practice page from the today page, then answer
    /// <see cref="JourneySettings.ExerciseAnswers"/> questions (answer, read the feedback, next
    /// question), each answer a step of its own. Answers are plausible guesses, often wrong: the
    /// server never sends the key, and a wrong answer costs it the same work as a right one.
    /// </summary>
    private async Task<bool> PracticeAsync(
        VirtualBrowser browser, Identity identity, StepResponse today, JourneyClock journey, Action<string, StepOutcome> record,
        Action<AttemptRecord>? attempts, CancellationToken cancellationToken)
    {
        var practiceUri = PickOne(HtmlScan.Links(today.Body ?? "", today.RequestUri, "/practice?"));
        if (practiceUri is null)
        {
            results.RecordNotAvailable(identity.Role, Steps.Practice);
            results.RecordNotAvailable(identity.Role, Steps.Answer);
            return true;
        }

        var answers = Math.Max(1, settings.ExerciseAnswers);
        for (var n = 0; n < answers; n++)
        {
            var intended = await ThinkAsync(journey, cancellationToken);
            var page = await steps.SendAsync(browser, () => Get(practiceUri), Expect.Page, intended, cancellationToken, attempts);
            record(Steps.Practice, page.Outcome);
            if (!page.Outcome.Ok)
            {
                return false;
            }

#pragma warning disable CA5394 // which option a guessing pupil picks; not security
            if (HtmlScan.QuestionForm(page.Body ?? "", page.RequestUri, Random.Shared.Next) is not { } question)
#pragma warning restore CA5394
            {
                // A set without questions: nothing to answer, and not the server's failure.
                results.RecordNotAvailable(identity.Role, Steps.Answer);
                return true;
            }

            intended = await ThinkAsync(journey, cancellationToken);
            var answered = await steps.SendAsync(browser, () => PostForm(question.Action, question.Fields), Expect.Page, intended, cancellationToken, attempts);
            record(Steps.Answer, answered.Outcome);
            if (!answered.Outcome.Ok)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// A teacher's 08:30: open one of their courses, make today's lesson, upload a document into
    /// it (as the page's upload script does: the bytes as the body, the form's anti-forgery token
    /// in X-CSRF-TOKEN) and publish it now for the classes the form offers. Every publication
    /// changes what the course's pupils see, as on a real morning.
    /// </summary>
    private async Task<bool> TeacherMorningAsync(
        VirtualBrowser browser, Identity identity, StepResponse today, JourneyClock journey, Action<string, StepOutcome> record,
        Action<AttemptRecord>? attempts, CancellationToken cancellationToken)
    {
        var courseUri = PickOne(CourseLinks(today));
        if (courseUri is null)
        {
            NotAvailable(Steps.Course, Steps.NewLesson, Steps.Upload, Steps.Publish);
            return true;
        }

        var intended = await ThinkAsync(journey, cancellationToken);
        var course = await steps.SendAsync(browser, () => Get(courseUri), Expect.Page, intended, cancellationToken, attempts);
        record(Steps.Course, course.Outcome);
        if (!course.Outcome.Ok)
        {
            return false;
        }

        var newLesson = HtmlScan.FormAction(course.Body ?? "", course.RequestUri, "handler=Lesson");
        var courseToken = HtmlScan.FormToken(course.Body ?? "");
        if (newLesson is null || courseToken is null)
        {
            NotAvailable(Steps.NewLesson, Steps.Upload, Steps.Publish);
            return true;
        }

        intended = await ThinkAsync(journey, cancellationToken);
        var title = string.Create(CultureInfo.InvariantCulture, $"Les van {time.GetLocalNow():dd/MM HH:mm}");
        var created = await steps.SendAsync(browser, () => PostForm(newLesson, [new("title", title), new("__RequestVerificationToken", courseToken)]),
            Expect.Redirect, intended, cancellationToken, attempts);
        if (!created.Outcome.Ok || created.Location is not { } lessonUri)
        {
            record(Steps.NewLesson, created.Outcome);
            return false;
        }

        // The browser follows the redirect to the new lesson's page at once; both count as one step.
        var lesson = await steps.SendAsync(browser, () => Get(lessonUri), Expect.Page, intended, cancellationToken, attempts);
        record(Steps.NewLesson, lesson.Outcome);
        if (!lesson.Outcome.Ok)
        {
            return false;
        }

        var uploadUri = HtmlScan.FormAttribute(lesson.Body ?? "", lesson.RequestUri, "data-upload-url");
        var lessonToken = HtmlScan.FormToken(lesson.Body ?? "");
        var schedule = HtmlScan.FormAction(lesson.Body ?? "", lesson.RequestUri, "handler=Schedule");
        if (uploadUri is null || lessonToken is null)
        {
            NotAvailable(Steps.Upload);
        }
        else
        {
            intended = await ThinkAsync(journey, cancellationToken);
            var document = MakeDocument(settings.UploadBytes);
            var name = string.Create(CultureInfo.InvariantCulture, $"werkblad-{Guid.NewGuid():N}.pdf");
            var target = new UriBuilder(uploadUri) { Query = AppendQuery(uploadUri.Query, "name=" + name) }.Uri;
            var upload = await steps.SendAsync(browser, () =>
            {
                var request = new HttpRequestMessage(HttpMethod.Post, target) { Content = new ByteArrayContent(document) };
                request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/octet-stream");
                request.Headers.Add("X-CSRF-TOKEN", lessonToken);
                return request;
            }, Expect.Page, intended, cancellationToken, attempts);
            record(Steps.Upload, upload.Outcome);
            if (!upload.Outcome.Ok)
            {
                return false;
            }
        }

        if (schedule is null || lessonToken is null)
        {
            NotAvailable(Steps.Publish);
            return true;
        }

        intended = await ThinkAsync(journey, cancellationToken);
        var fields = new List<KeyValuePair<string, string>> { new("publishAt", ""), new("__RequestVerificationToken", lessonToken) };
        fields.AddRange(HtmlScan.CheckedValues(lesson.Body ?? "", "classIds").Select(id => new KeyValuePair<string, string>("classIds", id)));
        var published = await steps.SendAsync(browser, () => PostForm(schedule, fields), Expect.Redirect, intended, cancellationToken, attempts);
        record(Steps.Publish, published.Outcome);
        return published.Outcome.Ok;

        void NotAvailable(params string[] names)
        {
            foreach (var step in names)
            {
                results.RecordNotAvailable(identity.Role, step);
            }
        }
    }

    /// <summary>A PDF-looking document (the server sniffs the type from the bytes) with random content, so every upload is a new blob.</summary>
    private static byte[] MakeDocument(int length)
    {
        var header = "%PDF-1.7\n"u8;
        var bytes = new byte[Math.Max(length, header.Length)];
#pragma warning disable CA5394 // filler bytes for a test document; not security
        Random.Shared.NextBytes(bytes);
#pragma warning restore CA5394
        header.CopyTo(bytes);
        return bytes;
    }

    private static string AppendQuery(string query, string pair) =>
        string.IsNullOrEmpty(query) || query == "?" ? pair : query.TrimStart('?') + "&" + pair;

    private static HttpRequestMessage PostForm(Uri uri, IEnumerable<KeyValuePair<string, string>> fields) =>
        new(HttpMethod.Post, uri) { Content = new FormUrlEncodedContent(fields) };

    /// <summary>Opens the sign-in page and posts the form; returns the redirect target and when the next step is due, or null on failure.</summary>
    private async Task<(Uri Next, TimeSpan Intended)?> SignInAsync(
        VirtualBrowser browser, Identity identity, TimeSpan intended, Action<string, StepOutcome>? record, JourneyClock? journey,
        Action<AttemptRecord>? attempts, CancellationToken cancellationToken)
    {
        var signInUri = new Uri(settings.BaseUri, identity.School + "/signin");
        var page = await steps.SendAsync(browser, () => Get(signInUri), Expect.Page, intended, cancellationToken, attempts);
        var token = page.Outcome.Ok ? HtmlScan.FormToken(page.Body ?? "") : null;
        var pageOutcome = page.Outcome.Ok && token is null ? page.Outcome with { Error = ErrorKinds.MissingForm } : page.Outcome;
        record?.Invoke(Steps.SignInPage, pageOutcome);
        if (!pageOutcome.Ok)
        {
            return null;
        }

        // Typing a username and password is think time too.
        intended = journey is null ? steps.Now : await ThinkAsync(journey, cancellationToken);
        var post = await steps.SendAsync(browser, () => new HttpRequestMessage(HttpMethod.Post, signInUri)
        {
            Content = new FormUrlEncodedContent(
            [
                new("username", identity.Username),
                new("password", settings.Password),
                new("returnUrl", ""),
                new("__RequestVerificationToken", token!),
            ]),
        }, Expect.Redirect, intended, cancellationToken, attempts);
        record?.Invoke(Steps.SignIn, post.Outcome);
        return post.Outcome.Ok && post.Location is not null ? (post.Location, steps.Now) : null;
    }

    private async Task<TimeSpan> ThinkAsync(JourneyClock journey, CancellationToken cancellationToken)
    {
        if (settings.ThinkTime <= TimeSpan.Zero)
        {
            return steps.Now;
        }

        // CA5394: jitter for think times, not security.
#pragma warning disable CA5394
        var pause = settings.ThinkTime * (0.5 + Random.Shared.NextDouble());
#pragma warning restore CA5394
        // The next step is due after the pause, however late the timer fires: a late timer
        // is the simulator's delay, and it is charged to the step, not hidden.
        var intended = steps.Now + pause;
        journey.Thinking += pause;
        await Task.Delay(pause, time, cancellationToken);
        return intended;
    }

    private static HttpRequestMessage Get(Uri uri) => new(HttpMethod.Get, uri);

    /// <summary>
    /// Links to course pages themselves (<c>…/courses/{id}</c>), not to what lies under a course:
    /// the today page also links to lessons and to exercise tasks' practice pages.
    /// </summary>
    private static List<Uri> CourseLinks(StepResponse page) =>
        [.. HtmlScan.Links(page.Body ?? "", page.RequestUri, "/courses/").Where(u =>
        {
            var path = u.AbsolutePath.TrimEnd('/');
            var at = path.LastIndexOf("/courses/", StringComparison.OrdinalIgnoreCase);
            return at >= 0 && !path[(at + "/courses/".Length)..].Contains('/', StringComparison.Ordinal);
        })];

    /// <summary>The school of the account the journey plays: its own, or that of the session it resumes.</summary>
    private string? SchoolOf(Arrival arrival) =>
        arrival.Identity?.School ?? sessions.IdentityOf(arrival.Role, arrival.SessionIndex)?.School;

    private static Uri? PickOne(IReadOnlyList<Uri> links) =>
#pragma warning disable CA5394 // which of the links a pupil clicks; not security
        links.Count == 0 ? null : links[Random.Shared.Next(links.Count)];
#pragma warning restore CA5394

    /// <summary>Think time spent so far, taken out of the journey's latency; and who the observer is told about.</summary>
    private sealed class JourneyClock(JourneyTag? tag)
    {
        public JourneyTag? Tag => tag;

        public TimeSpan Thinking { get; set; }
    }
}
