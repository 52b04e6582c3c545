// ClrmdCheck DUMP [MARKER_TYPE]: open a .NET dump with ClrMD and print one
// JSON object: runtime version, DAC used, thread and frame counts, total
// objects and the count of MARKER_TYPE (default CoretrapMarker).
// The DAC is the libmscordaccore.so next to the dump's own libcoreclr.so,
// with ignoreMismatch (ClrMD 4.2 reads .NET 10's version as 0.0).
using System.Text.Json;
using Microsoft.Diagnostics.Runtime;

static class Program
{
    static int Main(string[] args)
    {
        if (args.Length < 1)
        {
            Console.Error.WriteLine("usage: ClrmdCheck DUMP [MARKER_TYPE]");
            return 2;
        }
        string marker = args.Length > 1 ? args[1] : "CoretrapMarker";
        var result = new Dictionary<string, object?>();
        try
        {
            using DataTarget dt = DataTarget.LoadDump(args[0]);
            if (dt.ClrVersions.Length == 0)
                throw new InvalidOperationException("no CLR found in the dump");
            ClrInfo clr = dt.ClrVersions[0];
            string coreclr = clr.ModuleInfo.FileName;
            string dac = Path.Combine(Path.GetDirectoryName(coreclr) ?? ".", "libmscordaccore.so");
            result["coreclr"] = coreclr;
            result["dac"] = dac;
            using ClrRuntime runtime = clr.CreateRuntime(dac, ignoreMismatch: true);
            result["clr_version"] = clr.Version.ToString();
            result["runtime_dir_version"] = Path.GetFileName(Path.GetDirectoryName(coreclr));

            int threads = 0, managedFrames = 0;
            foreach (ClrThread t in runtime.Threads)
            {
                threads++;
                managedFrames += t.EnumerateStackTrace().Count(f => f.Method != null);
            }
            result["threads"] = threads;
            result["managed_frames"] = managedFrames;

            // CLRMDCHECK_STACKS=1: every thread's managed frames and in-flight exception
            // (the profiler tests look for the throwing method on the throwing thread).
            if (Environment.GetEnvironmentVariable("CLRMDCHECK_STACKS") == "1")
            {
                var stacks = new List<Dictionary<string, object?>>();
                foreach (ClrThread t in runtime.Threads)
                {
                    var ex = t.CurrentException;
                    stacks.Add(new Dictionary<string, object?>
                    {
                        ["os_thread_id"] = t.OSThreadId,
                        ["frames"] = t.EnumerateStackTrace().Where(f => f.Method != null)
                                      .Select(f => f.Method!.Signature ?? f.Method!.Name ?? "?").ToList(),
                        ["exception_type"] = ex?.Type?.Name,
                        ["exception_message"] = ex?.Message,
                    });
                }
                result["stacks"] = stacks;
            }

            ClrHeap heap = runtime.Heap;
            result["can_walk_heap"] = heap.CanWalkHeap;
            long total = 0, markers = 0, untyped = 0;
            string? heapError = null;
            try
            {
                foreach (ClrObject obj in heap.EnumerateObjects())
                {
                    total++;
                    if (obj.Type == null)
                        untyped++;
                    else if (obj.Type.Name == marker)
                        markers++;
                }
            }
            catch (Exception e)
            {
                heapError = e.GetType().Name + ": " + e.Message;
            }
            result["total_objects"] = total;
            result["untyped_objects"] = untyped;
            result["marker_type"] = marker;
            result["marker_count"] = markers;
            result["heap_error"] = heapError;
            result["ok"] = true;
        }
        catch (Exception e)
        {
            result["ok"] = false;
            result["error"] = e.GetType().Name + ": " + e.Message;
        }
        Console.WriteLine(JsonSerializer.Serialize(result));
        return result["ok"] is true ? 0 : 1;
    }
}
