// SPDX-License-Identifier: MIT
/*
 * "Type: message" of a thrown exception, from inside ExceptionThrown.
 * Type name: ClassID -> (module, typedef) -> metadata GetTypeDefProps (with
 * enclosing types for nested ones). Message: System.Exception's `_message`
 * field, found once by walking parent classes to System.Exception and asking
 * GetClassLayout for that field's offset; the string is read in place with
 * GetStringLayout2 offsets. Object memory is only valid during the callback.
 */
#include "profiler.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdatomic.h>
#include <string.h>

#define NAME_MAX_UNITS 512

/* Found once per runtime, then reused: System.Exception's ClassID and `_message` offset. */
static ClassID exception_class;
static ULONG message_offset;
static ULONG str_length_offset, str_buffer_offset;
static atomic_bool layout_known;
static atomic_int layout_attempts; /* give up after a few: a failing lookup must not tax every throw */

static const WCHAR system_exception[] = u"System.Exception";
static const WCHAR message_field[] = u"_message";

/* UTF-16 -> UTF-8, replacing unpaired surrogates with U+FFFD. Always NUL-terminates. */
static size_t utf16_to_utf8(const WCHAR *in, size_t n, char *out, size_t cap)
{
	size_t o = 0;

	if (cap == 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		uint32_t c = in[i];
		if (c >= 0xD800 && c <= 0xDBFF && i + 1 < n && in[i + 1] >= 0xDC00 && in[i + 1] <= 0xDFFF) {
			c = 0x10000 + ((c - 0xD800) << 10) + (in[i + 1] - 0xDC00u);
			i++;
		} else if (c >= 0xD800 && c <= 0xDFFF) {
			c = 0xFFFD;
		}
		char b[4];
		size_t k;
		if (c < 0x80) {
			b[0] = (char)c;
			k = 1;
		} else if (c < 0x800) {
			b[0] = (char)(0xC0 | (c >> 6));
			b[1] = (char)(0x80 | (c & 0x3F));
			k = 2;
		} else if (c < 0x10000) {
			b[0] = (char)(0xE0 | (c >> 12));
			b[1] = (char)(0x80 | ((c >> 6) & 0x3F));
			b[2] = (char)(0x80 | (c & 0x3F));
			k = 3;
		} else {
			b[0] = (char)(0xF0 | (c >> 18));
			b[1] = (char)(0x80 | ((c >> 12) & 0x3F));
			b[2] = (char)(0x80 | ((c >> 6) & 0x3F));
			b[3] = (char)(0x80 | (c & 0x3F));
			k = 4;
		}
		if (o + k >= cap)
			break;
		memcpy(out + o, b, k);
		o += k;
	}
	out[o] = '\0';
	return o;
}

static size_t wlen(const WCHAR *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

/* Metadata importer of a class's module plus its typedef token; release with md_release. */
static HRESULT class_metadata(ClassID cls, void **md, mdTypeDef *td, ClassID *parent)
{
	ModuleID mod = 0;
	ULONG32 nargs = 0;
	HRESULT hr = COM_CALL(g_info, SLOT_INFO_GET_CLASS_ID_INFO2, fn_get_class_id_info2, cls, &mod, td,
			      parent, 0, &nargs, NULL);
	if (FAILED(hr))
		return hr;
	return COM_CALL(g_info, SLOT_INFO_GET_MODULE_META_DATA, fn_get_module_meta_data, mod, 0,
			&IID_IMetaDataImport_, md);
}

static void md_release(void *md)
{
	COM_CALL0(md, SLOT_RELEASE, fn_release);
}

/* Full type name ("Outer+Inner" for nested types) into name (UTF-16). */
static HRESULT type_name(void *md, mdTypeDef td, WCHAR *name, ULONG cap)
{
	ULONG len = 0;
	DWORD flags = 0;
	mdToken extends = 0, enclosing = 0;
	HRESULT hr = COM_CALL(md, SLOT_MD_GET_TYPE_DEF_PROPS, fn_md_get_type_def_props, td, name, cap, &len,
			      &flags, &extends);
	if (FAILED(hr))
		return hr;
	name[cap - 1] = 0;
	/* Nested: prefix the enclosing type's name (one level is what users meet). */
	if (!FAILED(COM_CALL(md, SLOT_MD_GET_NESTED_CLASS_PROPS, fn_md_get_nested_class_props, td, &enclosing)) &&
	    enclosing) {
		WCHAR outer[NAME_MAX_UNITS];
		ULONG olen = 0;
		if (!FAILED(COM_CALL(md, SLOT_MD_GET_TYPE_DEF_PROPS, fn_md_get_type_def_props, enclosing, outer,
				     NAME_MAX_UNITS, &olen, &flags, &extends))) {
			outer[NAME_MAX_UNITS - 1] = 0;
			size_t on = wlen(outer), nn = wlen(name);
			if (on + 1 + nn + 1 <= cap) {
				memmove(name + on + 1, name, (nn + 1) * sizeof(WCHAR));
				memcpy(name, outer, on * sizeof(WCHAR));
				name[on] = u'+';
			}
		}
	}
	return S_OK;
}

/* Find System.Exception above cls and the offset of its `_message` field. */
static void learn_layout(ClassID cls)
{
	ULONG lo = 0, bo = 0;

	if (FAILED(COM_CALL(g_info, SLOT_INFO_GET_STRING_LAYOUT2, fn_get_string_layout2, &lo, &bo)))
		return;
	for (int depth = 0; cls && depth < 64; depth++) {
		void *md = NULL;
		mdTypeDef td = 0;
		ClassID parent = 0;
		WCHAR name[NAME_MAX_UNITS];

		if (FAILED(class_metadata(cls, &md, &td, &parent)))
			return;
		bool is_exception = !FAILED(type_name(md, td, name, NAME_MAX_UNITS)) &&
				    !memcmp(name, system_exception, sizeof(system_exception));
		mdFieldDef fd = 0;
		if (is_exception &&
		    FAILED(COM_CALL(md, SLOT_MD_FIND_FIELD, fn_md_find_field, td, message_field, NULL, 0, &fd)))
			is_exception = false;
		md_release(md);
		if (is_exception) {
			COR_FIELD_OFFSET offs[64];
			ULONG count = 0, size = 0;
			if (FAILED(COM_CALL(g_info, SLOT_INFO_GET_CLASS_LAYOUT, fn_get_class_layout, cls, offs, 64,
					    &count, &size)))
				return;
			for (ULONG i = 0; i < count && i < 64; i++) {
				if (offs[i].ridOfField == fd || offs[i].ridOfField == (fd & 0x00FFFFFFu)) {
					exception_class = cls;
					message_offset = offs[i].ulOffset;
					str_length_offset = lo;
					str_buffer_offset = bo;
					atomic_store(&layout_known, true);
					return;
				}
			}
			return;
		}
		cls = parent;
	}
}

/* True when cls is System.Exception or derives from it (walks ClassIDs only). */
static bool derives_from_exception(ClassID cls)
{
	for (int depth = 0; cls && depth < 64; depth++) {
		if (cls == exception_class)
			return true;
		ModuleID mod;
		mdTypeDef td;
		ClassID parent = 0;
		ULONG32 nargs = 0;
		if (FAILED(COM_CALL(g_info, SLOT_INFO_GET_CLASS_ID_INFO2, fn_get_class_id_info2, cls, &mod, &td,
				    &parent, 0, &nargs, NULL)))
			return false;
		cls = parent;
	}
	return false;
}

/*
 * Type names per class, so a busy thrower pays for metadata once per type.
 * Keyed by (ClassID, ModuleID, typedef) rather than ClassID alone: a ClassID
 * freed with a collectible assembly and reused for another type then misses.
 */
#define NAME_CACHE_SLOTS 128
struct name_entry {
	ClassID cls;
	ModuleID mod;
	mdTypeDef td;
	bool is_exception;
	char name[240];
};
static struct name_entry name_cache[NAME_CACHE_SLOTS];
static pthread_mutex_t name_cache_lock = PTHREAD_MUTEX_INITIALIZER;

static bool cache_get(ClassID cls, ModuleID mod, mdTypeDef td, char *out, size_t len, bool *is_exception)
{
	struct name_entry *e = &name_cache[(cls >> 4) % NAME_CACHE_SLOTS];
	bool hit;

	pthread_mutex_lock(&name_cache_lock);
	hit = e->cls == cls && e->mod == mod && e->td == td;
	if (hit) {
		snprintf(out, len, "%s", e->name);
		*is_exception = e->is_exception;
	}
	pthread_mutex_unlock(&name_cache_lock);
	return hit;
}

static void cache_put(ClassID cls, ModuleID mod, mdTypeDef td, const char *name, bool is_exception)
{
	struct name_entry *e = &name_cache[(cls >> 4) % NAME_CACHE_SLOTS];

	if (strlen(name) >= sizeof(e->name))
		return; /* never cache a truncated name */
	pthread_mutex_lock(&name_cache_lock);
	e->cls = cls;
	e->mod = mod;
	e->td = td;
	e->is_exception = is_exception;
	snprintf(e->name, sizeof(e->name), "%s", name);
	pthread_mutex_unlock(&name_cache_lock);
}

int exception_describe(ObjectID obj, char *out, size_t len)
{
	ClassID cls = 0, parent = 0;
	ModuleID mod = 0;
	mdTypeDef td = 0;
	ULONG32 nargs = 0;
	bool is_exception = false;

	if (len == 0)
		return -EINVAL;
	out[0] = '\0';
	if (FAILED(COM_CALL(g_info, SLOT_INFO_GET_CLASS_FROM_OBJECT, fn_get_class_from_object, obj, &cls)) ||
	    FAILED(COM_CALL(g_info, SLOT_INFO_GET_CLASS_ID_INFO2, fn_get_class_id_info2, cls, &mod, &td, &parent,
			    0, &nargs, NULL)))
		return -EIO;
	if (!cache_get(cls, mod, td, out, len, &is_exception)) {
		void *md = NULL;
		WCHAR name[NAME_MAX_UNITS];
		if (FAILED(COM_CALL(g_info, SLOT_INFO_GET_MODULE_META_DATA, fn_get_module_meta_data, mod, 0,
				    &IID_IMetaDataImport_, &md)))
			return -EIO;
		HRESULT hr = type_name(md, td, name, NAME_MAX_UNITS);
		md_release(md);
		if (FAILED(hr))
			return -EIO;
		utf16_to_utf8(name, wlen(name), out, len);
		if (!atomic_load(&layout_known) && atomic_fetch_add(&layout_attempts, 1) < 8)
			learn_layout(cls);
		if (atomic_load(&layout_known)) {
			is_exception = derives_from_exception(cls);
			cache_put(cls, mod, td, out, is_exception);
		}
	}
	if (!is_exception)
		return 0;
	size_t o = strlen(out);
	ObjectID msg = *(const ObjectID *)(obj + message_offset);
	if (!msg)
		return 0;
	int32_t units = *(const int32_t *)(msg + str_length_offset);
	if (units <= 0 || o + 3 >= len)
		return 0;
	if (units > PROFSTATUS_TEXT_MAX)
		units = PROFSTATUS_TEXT_MAX;
	memcpy(out + o, ": ", 2);
	utf16_to_utf8((const WCHAR *)(msg + str_buffer_offset), (size_t)units, out + o + 2, len - o - 2);
	return 0;
}
