using System.Collections.Concurrent;

namespace Schoolbel.Server.Storage;

/// <summary>
/// Threads for the CPU-heavy part of uploads (SHA-256 and writing to disk) at a lower OS
/// priority (nice +10, as password hashing): when the cores are contended, as when teachers
/// upload videos at 08:30, the threads that serve pages and downloads run first and the uploads
/// take what is left; on an idle machine the uploads still get every cycle. One thread per core,
/// so uploads can use the whole machine but never queue behind the thread pool.
/// </summary>
internal static class UploadWorkers
{
    private static readonly LowPriorityScheduler Scheduler = new(Math.Max(1, Environment.ProcessorCount));

    public static Task Run(Action work, CancellationToken cancellationToken) =>
        Task.Factory.StartNew(work, cancellationToken, TaskCreationOptions.DenyChildAttach, Scheduler);

    public static Task<T> Run<T>(Func<T> work, CancellationToken cancellationToken) =>
        Task.Factory.StartNew(work, cancellationToken, TaskCreationOptions.DenyChildAttach, Scheduler);

    private sealed class LowPriorityScheduler : TaskScheduler
    {
        private readonly BlockingCollection<Task> _queue = [];
        private readonly int _threads;

        public LowPriorityScheduler(int threads)
        {
            _threads = threads;
            for (var i = 0; i < threads; i++)
            {
                new Thread(Work) { IsBackground = true, Name = "Schoolbel upload worker" }.Start();
            }
        }

        public override int MaximumConcurrencyLevel => _threads;

        protected override void QueueTask(Task task) => _queue.Add(task);

        // Never run upload work inline on a request thread: that is the point of this scheduler.
        protected override bool TryExecuteTaskInline(Task task, bool taskWasPreviouslyQueued) => false;

        protected override IEnumerable<Task> GetScheduledTasks() => _queue.ToArray();

        private void Work()
        {
            SignIn.BackgroundPriority.LowerCurrentThread();
            foreach (var task in _queue.GetConsumingEnumerable())
            {
                TryExecuteTask(task);
            }
        }
    }
}
