/* SPDX-License-Identifier: MIT */
/*
 * The slice of COM and the CLR profiling API this profiler uses, declared in
 * plain C from the documented ABI (Linux x86-64, CoreCLR PAL): every COM
 * method is a function pointer in a vtable, `this` first, SysV calling
 * convention. ULONG is 32-bit and WCHAR is UTF-16 here, never wchar_t.
 *
 * Interfaces we only call are reached by slot number (enum below) through
 * COM_CALL, so a wrong slot is one line to check against the reference
 * table, and we never need to spell out 115-entry structs.
 */
#ifndef CORETRAP_PROFILER_COR_H
#define CORETRAP_PROFILER_COR_H

#include <stdint.h>
#include <uchar.h>

typedef int32_t HRESULT;
typedef int32_t BOOL;
typedef uint32_t DWORD;
typedef uint32_t ULONG;
typedef uint32_t ULONG32;
typedef uint32_t UINT;
typedef char16_t WCHAR;
typedef uintptr_t UINT_PTR;
typedef UINT_PTR ObjectID, ClassID, ModuleID, ThreadID, FunctionID;
typedef uint32_t mdToken, mdTypeDef, mdFieldDef;

typedef struct {
	uint32_t Data1;
	uint16_t Data2, Data3;
	uint8_t Data4[8];
} GUID;

#define S_OK ((HRESULT)0)
#define S_FALSE ((HRESULT)1)
#define E_NOINTERFACE ((HRESULT)0x80004002)
#define E_FAIL ((HRESULT)0x80004005)
#define E_OUTOFMEMORY ((HRESULT)0x8007000E)
#define E_INVALIDARG ((HRESULT)0x80070057)
#define CLASS_E_NOAGGREGATION ((HRESULT)0x80040110)
#define CORPROF_E_PROFILER_NOT_ATTACHABLE ((HRESULT)0x80131368)
#define FAILED(hr) ((HRESULT)(hr) < 0)

/* Event masks (corprof.idl). */
#define COR_PRF_MONITOR_EXCEPTIONS 0x40u
#define COR_PRF_HIGH_BASIC_GC 0x10u

/* Generations as GetGenerationBounds reports them. */
enum { COR_PRF_GC_GEN_0, COR_PRF_GC_GEN_1, COR_PRF_GC_GEN_2, COR_PRF_GC_LOH, COR_PRF_GC_POH };

typedef struct {
	int32_t generation; /* COR_PRF_GC_GENERATION (enum, 32-bit) */
	ObjectID rangeStart;
	UINT_PTR rangeLength;
	UINT_PTR rangeLengthReserved;
} COR_PRF_GC_GENERATION_RANGE;

typedef struct {
	mdFieldDef ridOfField;
	ULONG ulOffset;
} COR_FIELD_OFFSET;

/* IUnknown slots, shared by every interface. */
enum { SLOT_QUERY_INTERFACE = 0, SLOT_ADD_REF = 1, SLOT_RELEASE = 2 };

/* IClassFactory */
enum { SLOT_CF_CREATE_INSTANCE = 3, SLOT_CF_LOCK_SERVER = 4, CLASS_FACTORY_SLOTS = 5 };

/* ICorProfilerCallback..11: the slots we implement; the rest answer S_OK. */
enum {
	SLOT_CB_INITIALIZE = 3,
	SLOT_CB_SHUTDOWN = 4,
	SLOT_CB_EXCEPTION_THROWN = 54,
	SLOT_CB_GC_STARTED = 73,          /* Callback2 */
	SLOT_CB_GC_FINISHED = 75,         /* Callback2 */
	SLOT_CB_INITIALIZE_FOR_ATTACH = 80, /* Callback3 */
	SLOT_CB_ATTACH_COMPLETE = 81,
	SLOT_CB_DETACH_SUCCEEDED = 82,
	SLOT_CB_LOAD_AS_NOTIFICATION_ONLY = 97, /* Callback11 */
	CALLBACK11_SLOTS = 98,
};

/* ICorProfilerInfo..5 slots we call. */
enum {
	SLOT_INFO_GET_CLASS_FROM_OBJECT = 3,
	SLOT_INFO_GET_MODULE_META_DATA = 21,
	SLOT_INFO_GET_CLASS_LAYOUT = 40,     /* Info2 */
	SLOT_INFO_GET_CLASS_ID_INFO2 = 41,   /* Info2 */
	SLOT_INFO_GET_GENERATION_BOUNDS = 54, /* Info2 */
	SLOT_INFO_REQUEST_DETACH = 58,       /* Info3 */
	SLOT_INFO_GET_STRING_LAYOUT2 = 60,   /* Info3 */
	SLOT_INFO_SET_EVENT_MASK2 = 82,      /* Info5 */
};

/* IMetaDataImport slots we call. */
enum {
	SLOT_MD_GET_TYPE_DEF_PROPS = 12,
	SLOT_MD_FIND_FIELD = 28,
	SLOT_MD_GET_NESTED_CLASS_PROPS = 61,
};

/* Call slot `slot` of COM object `obj` with function type `type`. */
#define COM_CALL(obj, slot, type, ...) (((type)((*(void *const *const *)(obj))[(slot)]))((obj), __VA_ARGS__))
#define COM_CALL0(obj, slot, type) (((type)((*(void *const *const *)(obj))[(slot)]))((obj)))

typedef HRESULT (*fn_query_interface)(void *self, const GUID *iid, void **out);
typedef ULONG (*fn_release)(void *self);

typedef HRESULT (*fn_get_class_from_object)(void *info, ObjectID obj, ClassID *cls);
typedef HRESULT (*fn_get_module_meta_data)(void *info, ModuleID mod, DWORD open_flags, const GUID *iid,
					   void **out);
typedef HRESULT (*fn_get_class_layout)(void *info, ClassID cls, COR_FIELD_OFFSET *offsets, ULONG count,
				       ULONG *out_count, ULONG *class_size);
typedef HRESULT (*fn_get_class_id_info2)(void *info, ClassID cls, ModuleID *mod, mdTypeDef *td,
					 ClassID *parent, ULONG32 ntype_args, ULONG32 *out_ntype_args,
					 ClassID *type_args);
typedef HRESULT (*fn_get_generation_bounds)(void *info, ULONG count, ULONG *out_count,
					    COR_PRF_GC_GENERATION_RANGE *ranges);
typedef HRESULT (*fn_request_detach)(void *info, DWORD expected_ms);
typedef HRESULT (*fn_get_string_layout2)(void *info, ULONG *length_offset, ULONG *buffer_offset);
typedef HRESULT (*fn_set_event_mask2)(void *info, DWORD low, DWORD high);

typedef HRESULT (*fn_md_get_type_def_props)(void *md, mdTypeDef td, WCHAR *name, ULONG cch, ULONG *out_cch,
					    DWORD *flags, mdToken *extends);
typedef HRESULT (*fn_md_find_field)(void *md, mdTypeDef td, const WCHAR *name, const uint8_t *sig,
				    ULONG sig_len, mdFieldDef *out);
typedef HRESULT (*fn_md_get_nested_class_props)(void *md, mdTypeDef nested, mdTypeDef *enclosing);

extern const GUID IID_IUnknown_, IID_IClassFactory_, IID_IMetaDataImport_, IID_ICorProfilerInfo5_;
extern const GUID IID_ICorProfilerCallbacks_[11]; /* index N-1 = ICorProfilerCallbackN */
extern const GUID CLSID_CoretrapProfiler;

int guid_equal(const GUID *a, const GUID *b);

#endif
