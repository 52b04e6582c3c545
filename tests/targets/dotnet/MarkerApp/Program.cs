// Test target for coretrap's .NET dumps: a known number of marker objects
// kept alive in a static list, so a dump checker can count them exactly.
using System.Diagnostics;

sealed class CoretrapMarker
{
    public readonly int Index;
    public readonly long Payload;
    public CoretrapMarker(int index) { Index = index; Payload = (long)index * 31; }
}

static class Program
{
    static readonly List<CoretrapMarker> Markers = new();
    static readonly List<byte[]> Ballast = new();

    static int Main(string[] args)
    {
        int count = args.Length > 0 ? int.Parse(args[0]) : 12345;
        int ballastMiB = args.Length > 1 ? int.Parse(args[1]) : 0;

        for (int i = 0; i < count; i++)
            Markers.Add(new CoretrapMarker(i));
        for (int i = 0; i < ballastMiB; i++)
        {
            var block = new byte[1 << 20];
            // touch every page so the ballast is resident like real data
            for (int j = 0; j < block.Length; j += 4096)
                block[j] = (byte)(i + 1);
            Ballast.Add(block);
        }
        GC.Collect();
        Console.WriteLine($"ready {Environment.ProcessId} markers {Markers.Count} ballast_mib {Ballast.Count}");
        Console.Out.Flush();
        // Wait until stdin says "exit" or the test kills us; an EOF stdin
        // (no terminal) just keeps us alive.
        string? line;
        while ((line = Console.ReadLine()) != null)
        {
            if (line.Trim() == "exit")
                return Markers.Count == count ? 0 : 1;
        }
        while (true)
            Thread.Sleep(1000);
    }
}
