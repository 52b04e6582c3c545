/* SPDX-License-Identifier: MIT */
/*
 * Native ELF core writer: stops every thread of a process with ptrace, reads
 * registers and memory, writes a core gdb reads like a kernel core, and
 * resumes every thread on every path. The target is never left stopped,
 * traced or bigger (non-present pages are never faulted in).
 */
#ifndef CORETRAP_COREDUMP_H
#define CORETRAP_COREDUMP_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/zblock.h"

struct dump_request {
	pid_t pid;                 /* thread-group id of the target */
	pid_t first_tid;           /* thread listed first in the core (0 = pid) */
	const siginfo_t *siginfo;  /* NT_SIGINFO content; NULL = zeroed siginfo */
	bool has_filter;           /* use .filter instead of /proc/PID/coredump_filter */
	unsigned long filter;      /* coredump_filter bits (-mc) */
	const char *path;          /* final file name */
	bool overwrite;            /* replace an existing file (else -EEXIST) */
	/*
	 * Set when the caller (the signal trigger) has already PTRACE_SEIZEd
	 * every thread of the target and first_tid sits in a signal-delivery
	 * stop. The writer then does not seize or detach: it interrupts the
	 * other threads, dumps, and resumes those it stopped, leaving first_tid
	 * in its stop and every thread still seized by the caller.
	 */
	bool already_seized;
	/* Polled between chunks; when it becomes non-zero the dump is abandoned. */
	volatile int *interrupted;
	/* Stop the target for the whole copy, as before live dumps (-live off). */
	bool live_off;
	/* The trigger's name token, kept in the core's coretrap note (core/coreinfo.h); NULL = none. */
	const char *trigger;
	/*
	 * -z: path is the compressed file. The core is written uncompressed
	 * into an unnamed temporary file beside it, which a compressor
	 * follows (base/zstream.h) from the moment the target runs again.
	 */
	enum zformat compress;
	int compress_level;        /* 0: the format's default */
};

struct dump_result {
	uint64_t apparent_bytes;   /* st_size of the core */
	uint64_t allocated_bytes;  /* st_blocks * 512 */
	uint64_t stopped_ns;       /* time the target was stopped */
	uint64_t wall_ns;          /* whole dump, stop to link */
	unsigned threads;
	unsigned segments;         /* PT_LOAD count */
	/*
	 * Signal-delivery-stops (SIGTRAP included) of threads that the writer
	 * consumed while interrupting them. They are never lost: each is handed
	 * back (PTRACE_CONT or PTRACE_DETACH with that signal) when the thread
	 * is let go. The count and the last one are reported so the caller can
	 * log them.
	 */
	unsigned reinjected_signals;
	int reinjected_sig;
	pid_t reinjected_tid;
	uint64_t swapped_pages_skipped; /* swapped-out pages left out (never swapped in) */
	bool direct_io;            /* written with direct I/O to the end (core_output.h) */
	/* the snapshot ring (core_snapshot.h), faulted in before the stop */
	uint64_t ring_bytes;
	uint64_t ring_wanted_bytes; /* more than ring_bytes when the fault-in stopped early */
	uint64_t ring_fault_ns;
	bool ring_small_pages;     /* huge pages came slowly: 4 KiB pages for the rest */
	/*
	 * Live dumps (core/live.h): the target ran while its memory was
	 * copied, paused only for stopped_ns. Otherwise live_why says why it
	 * was stopped for the whole copy ("" only when -live off).
	 */
	bool live;
	bool live_restarted;       /* a live attempt lost its point in time: written stopped instead */
	uint64_t live_protected_bytes; /* write-protected during the copy */
	uint64_t live_fault_pages; /* pages copied by the fault handler before the target wrote them */
	/* of those, what the handler's pool could not hold until the reader came to them (core/live_pages.h) */
	uint64_t live_parked_pages; /* waited in the scratch file, then went out inside their window */
	uint64_t live_placed_pages; /* were written to their place in the core alone */
	/* the ring's writers kept a pace (core/write_pace.h): VM freezes seen, the worst, the slowest pace */
	bool live_paced;
	unsigned live_freezes;
	uint64_t live_worst_freeze_ns;
	uint64_t live_slowest_pace; /* bytes per second; 0 = never below unlimited */
	unsigned live_copied_in_pause; /* writable segments that could not be protected */
	bool live_two_phase;       /* protected before the pause too; the pause redid only what changed */
	char live_why[192];
	/* -z: compressed size, the compressor's CPU time, and the wall time it added after the copy */
	uint64_t compressed_bytes;
	uint64_t compress_cpu_ns;
	uint64_t compress_tail_ns;
};

/*
 * Write the core. Returns 0, or a negative errno: -ESRCH when the target
 * exited during the dump (no file is left), -EEXIST when path exists and
 * !overwrite, -EINTR when *interrupted was set, -ENOSPC on a full disk...
 * On any failure no file exists under req->path and the target runs on.
 */
int coredump_write(const struct dump_request *req, struct dump_result *res);

#endif /* CORETRAP_COREDUMP_H */
