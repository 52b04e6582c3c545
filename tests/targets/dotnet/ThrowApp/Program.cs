// SPDX-License-Identifier: MIT
// ThrowApp: a .NET target that misbehaves on cue, one command per stdin line.
//   alpha N      throw and catch N InvalidOperationException("marker alpha") in ThrowAlpha
//   beta N       throw and catch N ArgumentException("marker beta") in ThrowBeta
//   alloc MB     keep MB more of managed memory alive (1 MiB arrays, i.e. LOH)
//   small MB     keep MB more alive in 64 KiB arrays (small object heap)
//   gc [G]       GC.Collect(G) (default: full)
//   bench N      throw and catch N alpha exceptions, print the rate
//   free         drop everything kept alive
//   quit         exit 0
// Every command answers one line starting with "ok " and the counters, so a
// test can wait for it.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Runtime.CompilerServices;

static class Program
{
    static long thrown, caught;
    static readonly List<byte[]> keep = new();

    [MethodImpl(MethodImplOptions.NoInlining)]
    static void ThrowAlpha() => throw new InvalidOperationException("marker alpha");

    [MethodImpl(MethodImplOptions.NoInlining)]
    static void ThrowBeta() => throw new ArgumentException("marker beta");

    static void Repeat(int n, Action thrower)
    {
        for (int i = 0; i < n; i++)
        {
            try { thrown++; thrower(); }
            catch (Exception) { caught++; }
        }
    }

    static long KeepAlive(long mb, int chunk)
    {
        long bytes = mb << 20;
        for (long done = 0; done < bytes; done += chunk)
        {
            var a = new byte[chunk];
            for (int i = 0; i < a.Length; i += 4096) a[i] = 1; // touch: really resident
            keep.Add(a);
        }
        return bytes;
    }

    static int Main()
    {
        Console.Out.Flush();
        Console.WriteLine($"ready pid={Environment.ProcessId}");
        string? line;
        while ((line = Console.ReadLine()) != null)
        {
            var w = line.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (w.Length == 0) continue;
            int arg = w.Length > 1 ? int.Parse(w[1]) : -1;
            string extra = "";
            switch (w[0])
            {
                case "alpha": Repeat(Math.Max(arg, 1), ThrowAlpha); break;
                case "beta": Repeat(Math.Max(arg, 1), ThrowBeta); break;
                case "alloc": KeepAlive(arg, 1 << 20); break;
                case "small": KeepAlive(arg, 64 << 10); break;
                case "gc": if (arg >= 0) GC.Collect(arg); else GC.Collect(); break;
                case "free": keep.Clear(); break;
                case "bench":
                {
                    var sw = Stopwatch.StartNew();
                    Repeat(arg, ThrowAlpha);
                    extra = $" rate={arg / sw.Elapsed.TotalSeconds:F0}";
                    break;
                }
                case "quit": return 0;
                default: Console.WriteLine($"error unknown command {w[0]}"); continue;
            }
            Console.WriteLine($"ok {w[0]} thrown={thrown} caught={caught} heap_mb={GC.GetTotalMemory(false) >> 20}{extra}");
        }
        return 0;
    }
}
