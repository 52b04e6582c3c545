// SPDX-License-Identifier: MIT
/* Routes and protected-range bookkeeping of a live dump; see live_plan.h. */
#include "core/live_plan.h"

#include <string.h>

/* Anonymous memory the kernel names: the heap, stacks, prctl(PR_SET_VMA_ANON_NAME) names. */
static bool anon_name(const char *path)
{
	return !path[0] || !strcmp(path, "[heap]") || !strncmp(path, "[stack", 6) ||
	       !strncmp(path, "[anon:", 6);
}

/*
 * MAP_PRIVATE|MAP_ANONYMOUS|MAP_HUGETLB memory: the kernel names its
 * hidden hugetlbfs file. Not a private mapping of a hugetlbfs file: a
 * page the target has not written yet shows the file, which others may
 * write without a fault here.
 */
static bool anon_hugetlb(const struct mapping *m)
{
	return (m->vmflags & VMF_HUGETLB) && !strncmp(m->path, "/anon_hugepage", 14);
}

/*
 * The biggest huge page protected: a fault copies its page whole while
 * the writer waits, and the reader lifts protection window by window
 * (8 MiB), which a 1 GiB page does not fit. The page size must be known
 * (smaps): the kernel refuses to lift part of a huge page's protection.
 */
#define MAX_PROTECTED_PAGE_KB 2048

static bool huge_page_ok(const struct mapping *m)
{
	return m->kpage_kb && m->kpage_kb <= MAX_PROTECTED_PAGE_KB;
}

enum live_route live_route(const struct mapping *m, uint64_t filesz, unsigned can)
{
	bool shared = (m->perms & MAP_PERM_SHARED) || (m->vmflags & VMF_SHARED);
	bool huge = (m->vmflags & VMF_HUGETLB) != 0;

	if (!filesz)
		return LIVE_SKIP;
	if (shared) {
		if ((can & LIVE_CAN_WP_SHARED) && mapping_is_unnamed_shared(m) &&
		    (!huge || ((can & LIVE_CAN_WP_HUGETLB) && huge_page_ok(m))))
			return LIVE_PROTECT;
	} else if (!mapping_is_file(m) && !huge && anon_name(m->path)) {
		return LIVE_PROTECT;
	} else if ((can & LIVE_CAN_WP_HUGETLB) && anon_hugetlb(m) && huge_page_ok(m)) {
		return LIVE_PROTECT;
	}
	return (m->perms & MAP_PERM_W) ? LIVE_IN_PAUSE : LIVE_AFTER;
}

long live_range_find(const struct live_range *r, size_t n, uint64_t addr)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (addr < r[mid].vaddr)
			hi = mid;
		else if (addr >= r[mid].vaddr + r[mid].len)
			lo = mid + 1;
		else
			return (long)mid;
	}
	return -1;
}

bool live_range_at_risk(const struct live_range *r, size_t n, uint64_t done, uint64_t start,
			uint64_t end)
{
	if (start < done)
		start = done;
	for (size_t i = 0; i < n && start < end; i++)
		if (r[i].vaddr < end && r[i].vaddr + r[i].len > start)
			return true;
	return false;
}

size_t live_run_end(const struct live_range *r, size_t n, size_t i)
{
	size_t j = i + 1;

	while (j < n && r[j].len && r[j].vaddr == r[j - 1].vaddr + r[j - 1].len &&
	       r[j].page == r[j - 1].page)
		j++;
	return j;
}
