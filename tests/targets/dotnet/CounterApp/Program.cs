// Test target for coretrap's .NET counter triggers (-pc/-pcl). It publishes
//   EventSource "Coretrap.Counters": PollingCounter "level" (the settable
//     gauge) and EventCounter "work-ms" (a value written every 10 ms);
//   Meter "Coretrap.Meter": ObservableGauge "queue" (the same settable value),
//     Counter "requests", UpDownCounter "inflight", Histogram "latency-ms"
//     (recorded every 2 ms with the settable latency).
// Commands on stdin, one a line; each answers with one line on stdout:
//   set V       gauge value        -> "set V at <CLOCK_MONOTONIC ns>"
//   latency V   histogram samples  -> "latency V"
//   work V      EventCounter value -> "work V"
//   state       "state enabled=<bool> commands=<enable/disable count> threads=<n>"
//   spin MS     CPU work for MS ms -> "spin <iterations>"
//   exit
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Diagnostics.Tracing;
using System.Runtime.InteropServices;

sealed class CoretrapSource : EventSource
{
    public static readonly CoretrapSource Log = new();
    public static volatile int Enables, Disables;
    PollingCounter? level;
    EventCounter? work;

    CoretrapSource() : base("Coretrap.Counters") { }

    protected override void OnEventCommand(EventCommandEventArgs command)
    {
        if (command.Command == EventCommand.Enable)
        {
            Enables++;
            level ??= new PollingCounter("level", this, () => Program.Gauge);
            work ??= new EventCounter("work-ms", this);
        }
        else if (command.Command == EventCommand.Disable)
            Disables++;
    }

    public void Work(double v) => work?.WriteMetric(v);
}

static class Program
{
    public static volatile int GaugeBits;
    public static double Gauge => BitConverter.Int32BitsToSingle(GaugeBits);
    static double latency = 1, workValue = 1;
    static long requests;

    [DllImport("libc")] static extern int clock_gettime(int clk, out Timespec ts);
    [StructLayout(LayoutKind.Sequential)] struct Timespec { public long sec, nsec; }
    static long MonotonicNs() { clock_gettime(1, out var ts); return ts.sec * 1000000000 + ts.nsec; }

    static int Main(string[] args)
    {
        GaugeBits = BitConverter.SingleToInt32Bits(args.Length > 0 ? float.Parse(args[0]) : 10f);
        var meter = new Meter("Coretrap.Meter");
        meter.CreateObservableGauge("queue", () => Gauge);
        var reqs = meter.CreateCounter<long>("requests");
        var inflight = meter.CreateUpDownCounter<long>("inflight");
        var hist = meter.CreateHistogram<double>("latency-ms");
        _ = CoretrapSource.Log;

        var t = new Thread(() =>
        {
            for (long i = 0; ; i++)
            {
                hist.Record(latency);
                if (i % 5 == 0)
                {
                    CoretrapSource.Log.Work(workValue);
                    reqs.Add(1);
                    Interlocked.Increment(ref requests);
                    inflight.Add(i % 10 == 0 ? 1 : -1);
                }
                Thread.Sleep(2);
            }
        }) { IsBackground = true, Name = "recorder" };
        t.Start();

        Console.WriteLine($"ready {Environment.ProcessId}");
        Console.Out.Flush();
        string? line;
        while ((line = Console.ReadLine()) != null)
        {
            var w = line.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (w.Length == 0)
                continue;
            switch (w[0])
            {
                case "set":
                    GaugeBits = BitConverter.SingleToInt32Bits(float.Parse(w[1]));
                    Console.WriteLine($"set {w[1]} at {MonotonicNs()}");
                    break;
                case "latency":
                    latency = double.Parse(w[1]);
                    Console.WriteLine($"latency {w[1]}");
                    break;
                case "work":
                    workValue = double.Parse(w[1]);
                    Console.WriteLine($"work {w[1]}");
                    break;
                case "state":
                    Console.WriteLine($"state enabled={CoretrapSource.Log.IsEnabled()} enables={CoretrapSource.Enables} " +
                                      $"disables={CoretrapSource.Disables} threads={Process.GetCurrentProcess().Threads.Count}");
                    break;
                case "spin":
                {
                    var sw = Stopwatch.StartNew();
                    long n = 0;
                    double x = 1;
                    while (sw.ElapsedMilliseconds < long.Parse(w[1]))
                    {
                        for (int i = 0; i < 10000; i++)
                            x = x * 1.0000001 + 1e-9;
                        n++;
                    }
                    Console.WriteLine($"spin {n} {(x > 0 ? 1 : 0)}");
                    break;
                }
                case "exit":
                    return 0;
            }
            Console.Out.Flush();
        }
        while (true)
            Thread.Sleep(1000);
    }
}
