/*-------------------------------------------------------------------------
 *
 * shim_test.c
 *	  The core's host outside the server: unit tests and fuzz harnesses.
 *
 * Allocation is calloc/realloc/free.  core_error records the error and
 * longjmps to the innermost CORE_TRY (see test/unit/unit.h); with no
 * CORE_TRY active it prints the error and aborts, so a test that hits an
 * unexpected error fails loudly.
 *
 *-------------------------------------------------------------------------
 */
#include "core/shim.h"
#include "core/shim_test.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

jmp_buf    *core_test_jmp = NULL;
CoreErrorCode core_test_last_code;
char		core_test_last_msg[1024];
char		core_test_last_detail[1024];
char		core_test_last_hint[1024];

void *
core_alloc(size_t size)
{
	void	   *p = calloc(1, size ? size : 1);

	if (p == NULL)
		core_error(CORE_ERR_OUT_OF_MEMORY, "out of memory", NULL, NULL);
	return p;
}

void *
core_alloc_raw(size_t size)
{
	void	   *p = malloc(size ? size : 1);

	if (p == NULL)
		core_error(CORE_ERR_OUT_OF_MEMORY, "out of memory", NULL, NULL);
	return p;
}

void *
core_realloc(void *ptr, size_t size)
{
	void	   *p = realloc(ptr, size ? size : 1);

	if (p == NULL)
		core_error(CORE_ERR_OUT_OF_MEMORY, "out of memory", NULL, NULL);
	return p;
}

void
core_free(void *ptr)
{
	free(ptr);
}

char *
core_strdup(const char *s)
{
	size_t		len = strlen(s) + 1;
	char	   *p = core_alloc_raw(len);

	memcpy(p, s, len);
	return p;
}

char *
core_psprintf(const char *fmt,...)
{
	va_list		ap;
	int			len;
	char	   *p;

	va_start(ap, fmt);
	len = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	p = core_alloc_raw(len + 1);
	va_start(ap, fmt);
	vsnprintf(p, len + 1, fmt, ap);
	va_end(ap);
	return p;
}

static void
copy_field(char *dst, const char *src)
{
	snprintf(dst, 1024, "%s", src ? src : "");
}

void
core_error(CoreErrorCode code, const char *msg, const char *detail,
		   const char *hint)
{
	core_test_last_code = code;
	copy_field(core_test_last_msg, msg);
	copy_field(core_test_last_detail, detail);
	copy_field(core_test_last_hint, hint);
	if (core_test_jmp)
		longjmp(*core_test_jmp, 1);
	fprintf(stderr, "unexpected core error %d: %s\n  detail: %s\n  hint: %s\n",
			(int) code, msg, detail ? detail : "", hint ? hint : "");
	abort();
}

void
core_check_interrupts(void)
{
}
