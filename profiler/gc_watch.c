// SPDX-License-Identifier: MIT
/*
 * GC triggers, on the GC callbacks COR_PRF_HIGH_BASIC_GC gives an attached
 * profiler (every GC, background ones included):
 *  -gcgen G: a dump when a GC whose highest collected generation is G starts,
 *            and another when that GC finishes; then nothing is left to do.
 *  -gcm:     after each GC, the chosen heap's size (GetGenerationBounds,
 *            summed per generation) against the thresholds; the lowest
 *            threshold crossed that has not fired yet asks for one dump.
 * Both run on the thread doing the GC, with the runtime suspended; it is held
 * until coretrap has the dump, so the dump shows the heap at that moment.
 */
#include "profiler.h"

#include <stdbool.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MAX_RANGES 4096

static bool gcgen_in_gc;      /* a -gcgen GC has started and was dumped */
static bool gcgen_done;
static bool gcm_fired[CONFIG_MAX_THRESHOLDS];
static COR_PRF_GC_GENERATION_RANGE ranges[MAX_RANGES]; /* GC callbacks never run concurrently */

static int request(uint32_t trigger, int index, uint64_t value, const char *text)
{
	struct profmsg m = { .trigger = trigger, .filter = index, .tid = (uint32_t)syscall(SYS_gettid),
			     .value = value };
	uint32_t flags = 0;
	for (size_t i = 0; i < PROFSTATUS_TEXT_MAX && text[i]; i++)
		m.text[i] = text[i];
	return channel_request_dump(&m, &flags);
}

HRESULT gc_started(int generations, const BOOL *collected, int reason)
{
	(void)reason;
	if (channel_detaching() || g_settings.gc_generation < 0 || gcgen_done)
		return S_OK;
	int highest = -1;
	for (int g = 0; g < generations && g <= 2; g++)
		if (collected[g])
			highest = g;
	if (highest != g_settings.gc_generation)
		return S_OK;
	gcgen_in_gc = true;
	request(PROF_TRIGGER_GC_START, 0, (uint64_t)highest, "gc start");
	return S_OK;
}

/* MB in the heap -gcm watches, from the current generation bounds. */
static long heap_mb(enum gc_heap heap)
{
	ULONG n = 0;
	if (FAILED(COM_CALL(g_info, SLOT_INFO_GET_GENERATION_BOUNDS, fn_get_generation_bounds, MAX_RANGES, &n,
			    ranges)))
		return -1;
	uint64_t bytes = 0;
	for (ULONG i = 0; i < n && i < MAX_RANGES; i++) {
		int gen = ranges[i].generation;
		bool counted = heap == GC_HEAP_TOTAL || (heap == GC_HEAP_GEN0 && gen == COR_PRF_GC_GEN_0) ||
			       (heap == GC_HEAP_GEN1 && gen == COR_PRF_GC_GEN_1) ||
			       (heap == GC_HEAP_GEN2 && gen == COR_PRF_GC_GEN_2) ||
			       (heap == GC_HEAP_LOH && gen == COR_PRF_GC_LOH) ||
			       (heap == GC_HEAP_POH && gen == COR_PRF_GC_POH);
		if (counted)
			bytes += ranges[i].rangeLength;
	}
	return (long)(bytes >> 20);
}

HRESULT gc_finished(void)
{
	if (channel_detaching())
		return S_OK;
	if (gcgen_in_gc) {
		gcgen_in_gc = false;
		gcgen_done = true;
		request(PROF_TRIGGER_GC_END, 0, (uint64_t)g_settings.gc_generation, "gc end");
		if (g_settings.gcm_count == 0 && !g_settings.exceptions)
			channel_request_detach(PROF_BYE_DONE);
	}
	if (g_settings.gcm_count == 0)
		return S_OK;
	long mb = heap_mb(g_settings.gcm_heap);
	if (mb < 0)
		return S_OK;
	int pick = -1;
	for (int i = 0; i < g_settings.gcm_count; i++)
		if (!gcm_fired[i] && mb >= g_settings.gcm_mb[i] && (pick < 0 || g_settings.gcm_mb[i] < g_settings.gcm_mb[pick]))
			pick = i;
	if (pick < 0)
		return S_OK;
	gcm_fired[pick] = true;
	request(PROF_TRIGGER_GC_MEMORY, pick, (uint64_t)mb, "gc heap");
	return S_OK;
}
