// SPDX-License-Identifier: MIT
/*
 * Core writer orchestration: snapshot (stop threads, registers, maps) ->
 * size pass (segments, notes, layout) -> emit (headers, notes, memory) ->
 * resume -> link the file into place. Every exit path resumes the target
 * and leaves no file behind unless the dump is complete.
 */
#include "core/coredump.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "core/arch/arch.h"
#include "core/coreinfo.h"
#include "core/live.h"
#include "core/memory.h"
#include "core/output.h"
#include "core/elfcore.h"
#include "base/mono_clock.h"
#include "base/proc.h"
#include "base/proc_maps.h"
#include "base/proc_parse.h"
#include "base/proc_read.h"
#include "base/proc_task.h"
#include "base/ptrace_engine.h"
#include "base/zstream.h"

struct thread_regs {
	pid_t tid;
	struct elf_prstatus prstatus;
	void *regset[ELFCORE_MAX_REGSETS];
	size_t regset_len[ELFCORE_MAX_REGSETS];
	const struct arch_regset *regset_def[ELFCORE_MAX_REGSETS];
	size_t nregsets;
};

/* Everything read from /proc before the threads are stopped (it does not change). */
struct proc_snapshot {
	struct proc_stat stat;
	uid_t uid;      /* real ids, as the kernel's own cores carry them */
	gid_t gid;
	char *cmdline, *auxv;
	size_t cmdline_len, auxv_len;
	unsigned long filter;
};

struct core_job {
	const struct dump_request *req;
	pid_t mm_pid;   /* a live thread to reach the mm through: the leader unless it has exited */
	struct proc_snapshot ps;
	struct ptrace_set ts;
	struct thread_regs *regs;
	size_t nregs;
	struct maps maps;
	enum dump_kind *kinds;
	struct elfcore_segment *segs;
	struct core_mem mem;
	struct core_output out;
	struct core_output zout;   /* -z: the compressed file; out is then a temporary */
	struct zstream z;
	bool compressing;
	siginfo_t siginfo;
	bool try_live;      /* live dump wanted and possible (core/live.h) */
	bool live_on;       /* protected in the pause: core_live_finish after the resume */
	struct core_live live;
	struct dump_result *res;
};

static int snapshot_process(pid_t pid, pid_t mm_pid, const struct dump_request *req,
			    struct proc_snapshot *ps)
{
	char buf[PROC_PAGE_FILE_MAX], *status;
	size_t len;
	uint64_t v;
	int err;

	err = proc_read(pid, 0, "stat", buf, sizeof(buf), NULL);
	if (err)
		return err;
	err = proc_parse_stat(buf, &ps->stat);
	if (err)
		return err;
	if (proc_read_alloc(pid, 0, "status", &status, NULL) == 0) {
		if (proc_field_num(status, "Uid", PROC_ID_REAL, &v) == 0)
			ps->uid = (uid_t)v;
		if (proc_field_num(status, "Gid", PROC_ID_REAL, &v) == 0)
			ps->gid = (gid_t)v;
		free(status);
	}
	if (proc_read_alloc(pid, 0, "cmdline", &ps->cmdline, &ps->cmdline_len) < 0)
		ps->cmdline = NULL;
	if (proc_read_alloc(mm_pid, 0, "auxv", &ps->auxv, &ps->auxv_len) < 0) {
		ps->auxv = NULL;
		ps->auxv_len = 0;
	}
	ps->filter = CDF_DEFAULT;
	if (req->has_filter)
		ps->filter = req->filter;
	else if (proc_read(mm_pid, 0, "coredump_filter", buf, sizeof(buf), &len) == 0)
		maps_parse_filter(buf, len, &ps->filter);
	return 0;
}

/*
 * Stop every thread. An already_seized caller holds its first thread in a
 * stop and keeps every attachment: the set is borrowed and leaves that
 * thread alone.
 */
static int stop_target(struct core_job *job)
{
	const struct dump_request *req = job->req;
	int err;

	if (req->already_seized) {
		err = ptrace_set_borrow(&job->ts, req->pid, req->first_tid ? req->first_tid : req->pid);
		if (err)
			return err;
	} else {
		ptrace_set_init(&job->ts, req->pid);
	}
	return ptrace_stop_all(&job->ts, req->interrupted);
}

/* Registers and /proc details of one stopped thread. -ESRCH if it vanished. */
static int read_thread(struct core_job *job, pid_t tid, bool first, struct thread_regs *tr)
{
	unsigned char gregs[sizeof(elf_gregset_t)];
	struct iovec iov = { gregs, sizeof(gregs) };
	struct elfcore_thread_info ti;
	struct proc_stat st = { 0 };
	uint64_t sigpnd = 0, shdpnd = 0, sigblk = 0;
	char stat[PROC_PAGE_FILE_MAX], *status;

	memset(tr, 0, sizeof(*tr));
	tr->tid = tid;
	if (ptrace(PTRACE_GETREGSET, tid, (void *)(long)NT_PRSTATUS, &iov) < 0)
		return -errno;
	for (size_t i = 0; i < arch_nregsets && i < ELFCORE_MAX_REGSETS; i++) {
		const struct arch_regset *rs = &arch_regsets[i];
		struct iovec riov;
		void *b = malloc(rs->max_len);

		if (!b)
			return -ENOMEM;
		riov.iov_base = b;
		riov.iov_len = rs->max_len;
		if (ptrace(PTRACE_GETREGSET, tid, (void *)(long)rs->note_type, &riov) < 0) {
			int err = -errno;

			free(b);
			if (rs->optional && err != -ESRCH)
				continue;
			return err;
		}
		tr->regset[tr->nregsets] = b;
		tr->regset_len[tr->nregsets] = riov.iov_len; /* the kernel's real size */
		tr->regset_def[tr->nregsets] = rs;
		tr->nregsets++;
	}
	/* best effort: a field that cannot be read stays 0 in the note */
	if (proc_read(job->req->pid, tid, "stat", stat, sizeof(stat), NULL) == 0)
		proc_parse_stat(stat, &st);
	if (proc_read_alloc(job->req->pid, tid, "status", &status, NULL) == 0) {
		proc_field_hex(status, "SigPnd", &sigpnd);
		proc_field_hex(status, "ShdPnd", &shdpnd);
		proc_field_hex(status, "SigBlk", &sigblk);
		free(status);
	}
	memset(&ti, 0, sizeof(ti));
	ti.tid = tid;
	ti.ppid = job->ps.stat.ppid;
	ti.pgrp = job->ps.stat.pgrp;
	ti.sid = job->ps.stat.sid;
	ti.sigpend = sigpnd | shdpnd;
	ti.sighold = sigblk;
	ti.utime_us = proc_ticks_to_us(st.utime);
	ti.stime_us = proc_ticks_to_us(st.stime);
	ti.cutime_us = proc_ticks_to_us(st.cutime);
	ti.cstime_us = proc_ticks_to_us(st.cstime);
	if (first && job->req->siginfo) {
		ti.cursig = job->req->siginfo->si_signo;
		ti.siginfo = job->req->siginfo;
	}
	elfcore_fill_prstatus(&tr->prstatus, &ti, gregs, iov.iov_len, 1);
	return 0;
}

static int read_all_threads(struct core_job *job, pid_t first_tid)
{
	size_t alive = ptrace_set_stopped(&job->ts);

	job->regs = calloc(alive ? alive : 1, sizeof(*job->regs));
	if (!job->regs)
		return -ENOMEM;
	/* pass 0: the requested first thread; pass 1: all the others in order */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < job->ts.n; i++) {
			const struct pt_thread *t = &job->ts.v[i];
			int err;

			if (!pt_thread_stopped(t) || (pass == 0) != (t->tid == first_tid))
				continue;
			err = read_thread(job, t->tid, pass == 0, &job->regs[job->nregs]);
			if (err == -ESRCH)
				continue; /* exited while stopped: not part of the core */
			if (err)
				return err;
			job->nregs++;
		}
	}
	return job->nregs ? 0 : -ESRCH;
}

static int read_maps(struct core_job *job)
{
	/* live: smaps was read before the pause; /proc/PID/maps says whether it still holds */
	if (job->try_live && core_live_read_maps(&job->live, job->mm_pid, &job->maps) == 0)
		return 0;

	/* smaps is needed for VmFlags (dd) and Anonymous; maps is the fallback */
	int err = proc_read_maps(job->mm_pid, true, &job->maps);

	if (err && err != -ESRCH)
		err = proc_read_maps(job->mm_pid, false, &job->maps);
	return err;
}

/* Size pass: decide each segment's file size. */
static int plan_segments(struct core_job *job, uint64_t *estimate)
{
	size_t n = job->maps.n;
	uint64_t ps = (uint64_t)getpagesize();

	job->segs = calloc(n ? n : 1, sizeof(*job->segs));
	job->kinds = calloc(n ? n : 1, sizeof(*job->kinds));
	if (!job->segs || !job->kinds)
		return -ENOMEM;
	*estimate = 0;
	for (size_t i = 0; i < n; i++) {
		const struct mapping *m = &job->maps.v[i];
		struct elfcore_segment *s = &job->segs[i];

		s->vaddr = m->start;
		s->memsz = m->end - m->start;
		s->flags = ((m->perms & MAP_PERM_R) ? PF_R : 0) | ((m->perms & MAP_PERM_W) ? PF_W : 0) |
			   ((m->perms & MAP_PERM_X) ? PF_X : 0);
		job->kinds[i] = maps_dump_kind(m, job->ps.filter);
		if (job->kinds[i] == DUMP_ELF_HEADER && !core_mem_has_elf_magic(&job->mem, m))
			job->kinds[i] = DUMP_SKIP;
		switch (job->kinds[i]) {
		case DUMP_WHOLE:
			s->filesz = s->memsz;
			*estimate += m->has_smaps && !mapping_is_file(m) ? m->rss_kb * 1024 : s->memsz;
			break;
		case DUMP_ELF_HEADER:
			s->filesz = ps;
			*estimate += ps;
			break;
		default:
			s->filesz = 0;
		}
	}
	return 0;
}

/* NT_FILE entries: every mapping backed by a file, as the kernel lists them. */
static size_t build_file_note(const struct maps *maps, void **out)
{
	struct elfcore_file_entry *f = calloc(maps->n ? maps->n : 1, sizeof(*f));
	size_t n = 0, size;

	*out = NULL;
	if (!f)
		return 0;
	for (size_t i = 0; i < maps->n; i++) {
		const struct mapping *m = &maps->v[i];

		if (m->inode == 0 || m->path[0] != '/')
			continue;
		f[n++] = (struct elfcore_file_entry){ m->start, m->end, m->offset, m->path };
	}
	size = elfcore_file_note(f, n, (uint64_t)getpagesize(), NULL);
	*out = malloc(size);
	if (*out)
		elfcore_file_note(f, n, (uint64_t)getpagesize(), *out);
	free(f);
	return *out ? size : 0;
}

static int write_headers_and_notes(struct core_job *job, struct elfcore_layout *lay)
{
	struct elfcore_thread_notes *tn = calloc(job->nregs, sizeof(*tn));
	struct elf_prpsinfo psinfo;
	struct elfcore_proc_info pi;
	struct elfcore_note proc[5];
	char info[160];
	size_t nproc = 0, notes_size, hsize, padded, page_size = (size_t)getpagesize();
	void *file_note = NULL;
	size_t file_note_len;
	unsigned char *buf = NULL;
	int err = 0;

	if (!tn)
		return -ENOMEM;
	memset(&pi, 0, sizeof(pi));
	pi.state = job->ps.stat.state;
	pi.nice = job->ps.stat.nice;
	pi.flags = job->ps.stat.flags;
	pi.uid = job->ps.uid;
	pi.gid = job->ps.gid;
	pi.pid = job->req->pid;
	pi.ppid = job->ps.stat.ppid;
	pi.pgrp = job->ps.stat.pgrp;
	pi.sid = job->ps.stat.sid;
	pi.comm = job->ps.stat.comm;
	pi.cmdline = job->ps.cmdline;
	pi.cmdline_len = job->ps.cmdline_len;
	elfcore_fill_prpsinfo(&psinfo, &pi);
	file_note_len = build_file_note(&job->maps, &file_note);

	proc[nproc++] = (struct elfcore_note){ "CORE", NT_PRPSINFO, &psinfo, sizeof(psinfo) };
	proc[nproc++] = (struct elfcore_note){ "CORE", NT_SIGINFO, &job->siginfo, sizeof(job->siginfo) };
	if (job->ps.auxv_len)
		proc[nproc++] = (struct elfcore_note){ "CORE", NT_AUXV, job->ps.auxv, job->ps.auxv_len };
	if (file_note)
		proc[nproc++] = (struct elfcore_note){ "CORE", NT_FILE, file_note, file_note_len };
	/* what coretrap -info shows: the trigger and when (gdb skips an owner it does not know) */
	proc[nproc++] = (struct elfcore_note){ CORETRAP_NOTE_NAME, CORETRAP_NOTE_INFO, info,
					       coreinfo_note_text(info, sizeof(info), job->req->trigger,
								  (int64_t)time(NULL)) };

	for (size_t t = 0; t < job->nregs; t++) {
		struct thread_regs *r = &job->regs[t];

		tn[t].prstatus = (struct elfcore_note){ "CORE", NT_PRSTATUS, &r->prstatus,
							sizeof(r->prstatus) };
		for (size_t i = 0; i < r->nregsets; i++)
			tn[t].regsets[i] = (struct elfcore_note){ r->regset_def[i]->note_name,
								  r->regset_def[i]->note_type,
								  r->regset[i], r->regset_len[i] };
		tn[t].nregsets = r->nregsets;
	}
	notes_size = elfcore_notes_write(tn, job->nregs, proc, nproc, NULL);
	err = elfcore_layout(job->segs, job->maps.n, notes_size, page_size, lay);
	if (err)
		goto out;
	hsize = elfcore_headers_size(job->maps.n);
	/* whole pages, page-aligned: a direct write needs both; the padding is zeros before data_offset */
	padded = (hsize + notes_size + page_size - 1) / page_size * page_size;
	buf = aligned_alloc(page_size, padded);
	if (!buf) {
		err = -ENOMEM;
		goto out;
	}
	memset(buf, 0, padded);
	elfcore_headers_write(lay, job->segs, job->maps.n, arch_elf_machine, page_size, buf);
	elfcore_notes_write(tn, job->nregs, proc, nproc, buf + hsize);
	err = core_output_pwrite(job->out.fd, buf, padded, 0);
out:
	free(buf);
	free(file_note);
	free(tn);
	return err;
}

/* Bytes of memory the dump will copy, from smaps read before the stop. */
static uint64_t estimate_copy_bytes(pid_t pid, unsigned long filter)
{
	struct maps maps;
	uint64_t total = 0;

	if (proc_read_maps(pid, true, &maps) < 0)
		return 0;
	for (size_t i = 0; i < maps.n; i++) {
		const struct mapping *m = &maps.v[i];

		if (maps_dump_kind(m, filter) != DUMP_WHOLE)
			continue;
		/* absent file pages are read from the file, so count them all */
		total += (mapping_is_file(m) || mapping_is_anon_shared(m)) ? m->end - m->start
									    : m->rss_kb * 1024;
	}
	maps_free(&maps);
	return total;
}

/*
 * How this dump writes, from memory figures read before the stop (see
 * snapshot_prefer_direct, snapshot_ring_size and snapshot_fault_should_stop,
 * core_snapshot.h), and the ring set up accordingly. Best effort: without a
 * ring the copying thread also writes, while stopped. 0 or -EINTR.
 */
static int plan_writes(struct core_job *job)
{
	uint64_t avail, dirty, threshold, bg_bytes = 0, bg_ratio = 0, headroom, estimate, ring;
	struct proc_meminfo mi;

	if (proc_meminfo(&mi) < 0)
		return core_mem_reserve(&job->mem, SNAPSHOT_SMALL_RING, 1, false, false);
	avail = mi.available_bytes;
	dirty = mi.dirty_bytes + mi.writeback_bytes;
	/* the background threshold counts against roughly the available memory (unreadable: 0) */
	proc_sys_number("sys/vm/dirty_background_bytes", &bg_bytes);
	if (!bg_bytes)
		proc_sys_number("sys/vm/dirty_background_ratio", &bg_ratio);
	threshold = bg_bytes ? bg_bytes : avail / 100 * bg_ratio;
	headroom = threshold > dirty ? threshold - dirty : 0;
	estimate = estimate_copy_bytes(job->mm_pid, job->ps.filter);
	/*
	 * -z, live: through the page cache, so the compressor reads the core
	 * back from memory and punches it out before most of it is ever
	 * written back (1 GiB, zstd: 3.6-4.8 s against 8.2-11.3 s direct,
	 * which reads it back from the disk). Stopped dumps keep the choice
	 * of an uncompressed one: that choice decides the stop.
	 */
	core_output_use_direct(&job->out, (size_t)getpagesize(),
			       snapshot_prefer_direct(estimate, headroom) && !(job->req->compress && job->try_live));
	ring = snapshot_ring_size(estimate, avail, headroom, job->out.direct);
	/* live: the ring only overlaps copy and write; the target is not waiting for it */
	if (job->try_live && ring > CORE_LIVE_RING_BYTES)
		ring = CORE_LIVE_RING_BYTES;
	/*
	 * disk-bound: a ring written many times over (snapshot.h). Not a live
	 * dump under the threshold: there 4 MiB requests made the dump faster
	 * but froze the whole VM longer (1 GiB: 12-23 ms against 4-15 ms,
	 * bench/RESULTS.md 2026-12-08), and the target's stall is what counts.
	 */
	return core_mem_reserve(&job->mem, ring, job->out.direct ? SNAPSHOT_MAX_WRITERS : 1,
				job->out.direct && estimate > headroom, job->try_live && job->out.direct);
}

static int emit_memory(struct core_job *job)
{
	for (size_t i = 0; i < job->maps.n; i++) {
		const struct elfcore_segment *s = &job->segs[i];
		int err;

		if (!s->filesz)
			continue;
		err = core_mem_dump_range(&job->mem, &job->maps.v[i], s->vaddr, s->filesz, s->offset);
		if (err)
			return err;
	}
	return 0;
}

/*
 * Live, in the pause: write-protect what can be, copy the rest that may
 * change (core/live.h). When nothing can be protected, copy everything now,
 * as a stopped dump, and say why.
 */
static int begin_live(struct core_job *job)
{
	int err = core_live_begin(&job->live, &job->maps, job->segs);

	if (err == -EOPNOTSUPP) {
		snprintf(job->res->live_why, sizeof(job->res->live_why), "%s", job->live.why);
		core_live_fini(&job->live);
		return emit_memory(job);
	}
	job->live_on = !err;
	job->res->live = !err;
	job->res->live_protected_bytes = job->live.protected_bytes;
	job->res->live_copied_in_pause = job->live.copied_in_pause;
	job->res->live_two_phase = job->live.scan;
	return err;
}

/* Live, before the stop: the userfaultfd and a first protection (core/live.h). */
static void prepare_live(struct core_job *job, pid_t first_tid)
{
	struct core_live_target t = { job->req->pid, job->mm_pid, job->req->already_seized, first_tid,
				      job->req->interrupted, &job->mem, job->ps.filter,
				      &job->res->reinjected_signals, job->out.dir };

	/* not live: core_live_begin says so in the pause, and the stop copies everything */
	if (core_live_prepare(&job->live, &t) < 0)
		snprintf(job->res->live_why, sizeof(job->res->live_why), "%s", job->live.why);
}

static uint64_t final_below(void *arg)
{
	return core_mem_final_below(arg);
}

/*
 * -z, once the target runs: workers follow what the writers have finished
 * (base/zstream.h). A live dump's reader starts again at the first
 * segment; a stopped dump's reader is done, only the ring is left.
 */
static int start_compress(struct core_job *job)
{
	struct zstream_cfg zc = { .in_fd = job->out.fd, .out_fd = job->zout.fd, .fmt = job->req->compress,
				  .level = job->req->compress_level, .punch = true,
				  .ready_below = final_below, .ready_arg = &job->mem,
				  .interrupted = job->req->interrupted };
	int err;

	core_mem_set_cursor(&job->mem, job->live_on ? 0 : UINT64_MAX);
	err = zstream_start(&job->z, &zc);
	job->compressing = !err;
	return err;
}

/* The core is complete: compress what is left, and say what it cost. */
static int finish_compress(struct core_job *job, uint64_t size)
{
	uint64_t t0 = now_ns();
	int err = zstream_finish(&job->z, size);

	job->res->compress_tail_ns = now_ns() - t0;
	job->res->compress_cpu_ns = job->z.cpu_ns;
	return err;
}

static void job_free(struct core_job *job)
{
	for (size_t t = 0; t < job->nregs; t++)
		for (size_t i = 0; i < job->regs[t].nregsets; i++)
			free(job->regs[t].regset[i]);
	free(job->regs);
	free(job->segs);
	free(job->kinds);
	maps_free(&job->maps);
	free(job->ps.cmdline);
	free(job->ps.auxv);
}

static int write_once(const struct dump_request *req, struct dump_result *res, bool try_live)
{
	struct core_job job;
	struct elfcore_layout lay = { 0 };
	uint64_t t_start = now_ns(), t_stop = 0, estimate = 0, free_bytes;
	pid_t first_tid = req->first_tid ? req->first_tid : req->pid;
	bool stopped = false;
	struct stat st;
	int err;

	memset(&job, 0, sizeof(job));
	memset(res, 0, sizeof(*res));
	job.req = req;
	job.res = res;
	job.live.uffd = job.live.fault_fd = job.live.scratch_fd = -1;
	job.mem.pagemap_fd = job.mem.mem_fd = job.mem.stat_fd = -1;
	job.out.fd = job.zout.fd = -1;
	if (req->siginfo)
		job.siginfo = *req->siginfo;
	if (req->pid <= 0)
		return -EINVAL;

	/* Fail before touching the target when the file cannot be created. */
	err = core_output_open(&job.out, req->path, req->overwrite);
	if (!err && req->compress)
		err = core_output_open(&job.zout, req->path, req->overwrite);
	if (err) {
		core_output_abort(&job.out);
		return err;
	}
	/*
	 * The mm is read through a live thread: a leader that exited before
	 * its threads (pthread_exit in main) is a zombie without an mm.
	 */
	job.mm_pid = proc_task_live_thread(req->pid);
	err = job.mm_pid ? snapshot_process(req->pid, job.mm_pid, req, &job.ps) : -ESRCH;
	if (err)
		goto out;
	if (first_tid == req->pid)
		first_tid = job.mm_pid; /* a zombie leader has no registers to list first */
	err = core_mem_init(&job.mem, job.mm_pid, job.out.fd, req->interrupted);
	if (err)
		goto out;
	job.try_live = try_live && core_live_possible(job.mm_pid,
						      req->already_seized && req->siginfo ? req->siginfo->si_signo : 0,
						      res->live_why, sizeof(res->live_why));
	err = plan_writes(&job);
	if (err)
		goto out;
	if (job.try_live)
		prepare_live(&job, first_tid);
	res->ring_bytes = job.mem.snap.ring_len;
	res->ring_wanted_bytes = job.mem.snap.wanted_len;
	res->ring_fault_ns = job.mem.snap.fault_ns;
	res->ring_small_pages = job.mem.snap.small_pages;

	t_stop = now_ns();
	err = stop_target(&job);
	if (err)
		goto out;
	stopped = true;

	err = read_all_threads(&job, first_tid);
	if (!err)
		err = read_maps(&job);
	if (!err)
		err = plan_segments(&job, &estimate);
	if (!err && core_output_free_bytes(&job.out, &free_bytes) == 0) {
		if (free_bytes < estimate)
			err = -ENOSPC;
		else
			job.live.spare_bytes = free_bytes - estimate; /* room for a live dump's scratch file */
	}
	if (!err)
		err = write_headers_and_notes(&job, &lay);
	/* full size first: data writes then never extend the file, which direct I/O serialises */
	if (!err && ftruncate(job.out.fd, (off_t)lay.file_size) < 0)
		err = -errno;
	if (!err)
		err = job.try_live ? begin_live(&job) : emit_memory(&job);
	if (!err)
		err = core_mem_target_alive(&job.mem);

	res->threads = (unsigned)job.nregs;
	res->segments = (unsigned)job.maps.n;
	ptrace_release(&job.ts);
	res->reinjected_signals += job.ts.reinjected; /* and those met while preparing a live dump */
	res->reinjected_sig = job.ts.last_reinjected_sig;
	res->reinjected_tid = job.ts.last_reinjected_tid;
	res->stopped_ns = now_ns() - t_stop;
	res->swapped_pages_skipped = job.mem.skipped_swapped;
	stopped = false;
	/* The target runs again: from now on the compressor may take the two cores. */
	if (!err && req->compress)
		err = start_compress(&job);
	/* live, copy what is protected; wait for the writer. */
	if (!err && job.live_on)
		err = core_live_finish(&job.live);
	res->live_fault_pages = job.live_on ? core_live_fault_pages(&job.live) : 0;
	if (job.live_on)
		core_live_spill_counts(&job.live, &res->live_parked_pages, &res->live_placed_pages);
	if (err == -EAGAIN && job.live_on)
		snprintf(res->live_why, sizeof(res->live_why), "%s", job.live.why);
	if (!err)
		err = core_mem_finish(&job.mem);
	if (job.mem.snap.paced) {
		/* the watchdog stopped with the writers: the pace is settled */
		res->live_paced = true;
		res->live_freezes = job.mem.snap.pace.freezes;
		res->live_worst_freeze_ns = job.mem.snap.pace.worst_freeze_ns;
		res->live_slowest_pace = (uint64_t)job.mem.snap.pace.slowest;
	}
	if (!err && job.compressing)
		err = finish_compress(&job, lay.file_size);
	if (err)
		goto out;
	/* still on unless a refused direct write turned it off (core_output_pwrite) */
	res->direct_io = job.out.direct && (fcntl(job.out.fd, F_GETFL) & O_DIRECT);
	if (fstat(job.out.fd, &st) == 0) {
		res->apparent_bytes = (uint64_t)st.st_size;
		res->allocated_bytes = (uint64_t)st.st_blocks * 512;
	}
	if (job.compressing) {
		res->compressed_bytes = zstream_out_bytes(&job.z);
		err = core_output_commit(&job.zout, req->overwrite);
		core_output_abort(&job.out);
	} else {
		err = core_output_commit(&job.out, req->overwrite);
	}
out:
	if (stopped) {
		ptrace_release(&job.ts);
		res->stopped_ns = now_ns() - t_stop;
	}
	core_live_fini(&job.live);
	zstream_abort(&job.z); /* before core_mem_fini: its workers ask the ring how far it is written */
	if (err) {
		core_output_abort(&job.out);
		core_output_abort(&job.zout);
	}
	core_mem_fini(&job.mem);
	ptrace_set_free(&job.ts);
	job_free(&job);
	res->wall_ns = now_ns() - t_start;
	return err;
}

int coredump_write(const struct dump_request *req, struct dump_result *res)
{
	char why[sizeof(res->live_why)];
	uint64_t wall_ns;
	int err = write_once(req, res, !req->live_off);

	/*
	 * The target unmapped or discarded memory before it was copied: that
	 * core would not be of one moment. Start over, stopped for the copy.
	 */
	if (err == -EAGAIN && res->live) {
		snprintf(why, sizeof(why), "%s", res->live_why);
		wall_ns = res->wall_ns;
		err = write_once(req, res, false);
		snprintf(res->live_why, sizeof(res->live_why), "%s", why);
		res->live_restarted = true;
		res->wall_ns += wall_ns;
	}
	return err;
}
