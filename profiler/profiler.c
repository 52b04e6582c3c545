// SPDX-License-Identifier: MIT
/*
 * coretrap's CLR profiler: one static COM object whose vtable is a complete
 * ICorProfilerCallback11 (98 slots, unused ones answer S_OK), one static
 * class factory, and DllGetClassObject. Loaded only by IPC AttachProfiler:
 * InitializeForAttach reads the settings coretrap passed as client data,
 * connects the status channel, sets the event mask and starts the helper
 * thread that will detach us again.
 *
 * Unload rules we keep so the runtime's dlclose really unmaps us: no thread
 * outlives detach, no TLS destructors, no STB_GNU_UNIQUE symbols (C only),
 * nothing loaded RTLD_NODELETE.
 */
#include "profiler.h"

#include <stdatomic.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "dotnet/exfilter.h"

#define EXPORT __attribute__((visibility("default")))

void *g_info;
struct prof_settings g_settings;
static bool filter_done[CONFIG_MAX_FILTERS];

struct com_object {
	void *const *vtbl;
};

/* ---- IUnknown of the callback object ---- */

static struct com_object callback_object;

static HRESULT cb_query_interface(struct com_object *self, const GUID *iid, void **out)
{
	if (!out)
		return E_INVALIDARG;
	*out = NULL;
	bool ok = guid_equal(iid, &IID_IUnknown_);
	for (int i = 0; i < 11 && !ok; i++)
		ok = guid_equal(iid, &IID_ICorProfilerCallbacks_[i]);
	if (!ok)
		return E_NOINTERFACE;
	*out = self;
	return S_OK;
}

/* The object is static: reference counts only need to look plausible. */
static ULONG cb_add_ref(struct com_object *self)
{
	(void)self;
	return 2;
}

static ULONG cb_release(struct com_object *self)
{
	(void)self;
	return 1;
}

/* Every callback we do not care about. Extra arguments are ignored under SysV. */
static HRESULT cb_ignore(void)
{
	return S_OK;
}

/* ---- the callbacks we use ---- */

static HRESULT cb_initialize(struct com_object *self, void *info)
{
	(void)self;
	(void)info;
	return E_FAIL; /* startup loading is not how coretrap works */
}

static HRESULT cb_shutdown(struct com_object *self)
{
	(void)self;
	channel_request_detach(PROF_BYE_SHUTDOWN);
	return S_OK;
}

static HRESULT cb_exception_thrown(struct com_object *self, ObjectID obj)
{
	char text[PROFSTATUS_TEXT_MAX + 1];
	bool done[CONFIG_MAX_FILTERS];

	(void)self;
	if (!g_settings.exceptions || channel_detaching())
		return S_OK;
	if (exception_describe(obj, text, sizeof(text)) < 0)
		return S_OK;
	for (int i = 0; i < CONFIG_MAX_FILTERS; i++)
		done[i] = __atomic_load_n(&filter_done[i], __ATOMIC_RELAXED);
	int pick = exfilter_pick((const char (*)[CONFIG_FILTER_MAX])g_settings.filters, g_settings.filter_count,
				 g_settings.exclude, done, text);
	if (pick < 0)
		return S_OK;

	struct profmsg m = { .trigger = PROF_TRIGGER_EXCEPTION, .filter = pick,
			     .tid = (uint32_t)syscall(SYS_gettid) };
	memcpy(m.text, text, sizeof(m.text));
	uint32_t flags = 0;
	channel_request_dump(&m, &flags);
	if (flags & PROFREPLY_FILTER_DONE)
		__atomic_store_n(&filter_done[pick], true, __ATOMIC_RELAXED);
	return S_OK;
}

static HRESULT cb_gc_started(struct com_object *self, int generations, BOOL *collected, int reason)
{
	(void)self;
	return gc_started(generations, collected, reason);
}

static HRESULT cb_gc_finished(struct com_object *self)
{
	(void)self;
	return gc_finished();
}

static HRESULT cb_initialize_for_attach(struct com_object *self, void *unk, void *data, UINT size)
{
	(void)self;
	if (!unk || !data || profstatus_decode_settings(data, size, &g_settings) < 0)
		return E_INVALIDARG;
	HRESULT hr = COM_CALL(unk, SLOT_QUERY_INTERFACE, fn_query_interface, &IID_ICorProfilerInfo5_, &g_info);
	if (FAILED(hr))
		return CORPROF_E_PROFILER_NOT_ATTACHABLE;
	/* Connecting here, not later, makes a dead coretrap fail the attach itself. */
	if (channel_open(g_settings.status_path) < 0) {
		hr = E_FAIL;
		goto release;
	}
	DWORD low = g_settings.exceptions ? COR_PRF_MONITOR_EXCEPTIONS : 0;
	DWORD high = (g_settings.gcm_count > 0 || g_settings.gc_generation >= 0) ? COR_PRF_HIGH_BASIC_GC : 0;
	hr = COM_CALL(g_info, SLOT_INFO_SET_EVENT_MASK2, fn_set_event_mask2, low, high);
	if (FAILED(hr)) {
		channel_report_failure(hr, "SetEventMask2 failed");
		goto close;
	}
	if (channel_start() < 0) {
		hr = E_FAIL;
		channel_report_failure(hr, "cannot start the profiler thread");
		goto close;
	}
	return S_OK;
close:
	channel_abort();
release:
	COM_CALL0(g_info, SLOT_RELEASE, fn_release);
	g_info = NULL;
	return hr;
}

static HRESULT cb_detach_succeeded(struct com_object *self)
{
	(void)self;
	channel_join();
	if (g_info)
		COM_CALL0(g_info, SLOT_RELEASE, fn_release);
	g_info = NULL;
	return S_OK;
}

static HRESULT cb_load_as_notification_only(struct com_object *self, BOOL *notification_only)
{
	(void)self;
	/* Main profiler: a second coretrap on the same process is refused by the runtime. */
	*notification_only = 0;
	return S_OK;
}

typedef void (*slot_fn)(void);

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverride-init"
#pragma GCC diagnostic ignored "-Wcast-function-type"
static void *const callback_vtbl[CALLBACK11_SLOTS] = {
	[0 ... CALLBACK11_SLOTS - 1] = (void *)cb_ignore,
	[SLOT_QUERY_INTERFACE] = (void *)cb_query_interface,
	[SLOT_ADD_REF] = (void *)cb_add_ref,
	[SLOT_RELEASE] = (void *)cb_release,
	[SLOT_CB_INITIALIZE] = (void *)cb_initialize,
	[SLOT_CB_SHUTDOWN] = (void *)cb_shutdown,
	[SLOT_CB_EXCEPTION_THROWN] = (void *)cb_exception_thrown,
	[SLOT_CB_GC_STARTED] = (void *)cb_gc_started,
	[SLOT_CB_GC_FINISHED] = (void *)cb_gc_finished,
	[SLOT_CB_INITIALIZE_FOR_ATTACH] = (void *)cb_initialize_for_attach,
	[SLOT_CB_DETACH_SUCCEEDED] = (void *)cb_detach_succeeded,
	[SLOT_CB_LOAD_AS_NOTIFICATION_ONLY] = (void *)cb_load_as_notification_only,
};
#pragma GCC diagnostic pop

static struct com_object callback_object = { callback_vtbl };

/* Slot numbers from the interface tables: Callback2 ends at 80, Callback3 at 83, Callback10 at 97. */
_Static_assert(SLOT_CB_INITIALIZE_FOR_ATTACH == 80 && SLOT_CB_DETACH_SUCCEEDED == 82, "Callback3 slots");
_Static_assert(SLOT_CB_LOAD_AS_NOTIFICATION_ONLY == 97 && CALLBACK11_SLOTS == 98, "Callback11 size");
_Static_assert(sizeof(callback_vtbl) / sizeof(callback_vtbl[0]) == CALLBACK11_SLOTS, "vtable size");

/* ---- class factory ---- */

static HRESULT cf_query_interface(struct com_object *self, const GUID *iid, void **out)
{
	if (!out)
		return E_INVALIDARG;
	*out = NULL;
	if (!guid_equal(iid, &IID_IUnknown_) && !guid_equal(iid, &IID_IClassFactory_))
		return E_NOINTERFACE;
	*out = self;
	return S_OK;
}

static HRESULT cf_create_instance(struct com_object *self, void *outer, const GUID *iid, void **out)
{
	(void)self;
	if (outer)
		return CLASS_E_NOAGGREGATION;
	return cb_query_interface(&callback_object, iid, out);
}

static HRESULT cf_lock_server(struct com_object *self, BOOL lock)
{
	(void)self;
	(void)lock;
	return S_OK;
}

static void *const factory_vtbl[CLASS_FACTORY_SLOTS] = {
	(void *)cf_query_interface, (void *)cb_add_ref, (void *)cb_release,
	(void *)cf_create_instance, (void *)cf_lock_server,
};
static struct com_object factory_object = { factory_vtbl };

EXPORT HRESULT DllGetClassObject(const GUID *clsid, const GUID *iid, void **out)
{
	if (!out)
		return E_INVALIDARG;
	*out = NULL;
	if (!guid_equal(clsid, &CLSID_CoretrapProfiler))
		return E_NOINTERFACE; /* CLASS_E_CLASSNOTAVAILABLE in spirit */
	return cf_query_interface(&factory_object, iid, out);
}

EXPORT HRESULT DllCanUnloadNow(void)
{
	return S_OK;
}
