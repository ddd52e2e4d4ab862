/*-------------------------------------------------------------------------
 *
 * shim_pg.c
 *	  The core's host inside the server: palloc, ereport, interrupts.
 *
 * The pure-C core (src/core) reaches PostgreSQL only through shim.h.  Here
 * each of its functions becomes the server's own: memory comes from the
 * current memory context (huge allocations allowed, so a 60,000 x 784
 * matrix is one chunk), errors become ereport(ERROR) with the SQLSTATE of
 * their class, and interrupt checks become CHECK_FOR_INTERRUPTS().
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/memutils.h"

#include "core/shim.h"

void *
core_alloc(size_t size)
{
	return palloc_extended(size, MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
}

void *
core_alloc_raw(size_t size)
{
	return palloc_extended(size, MCXT_ALLOC_HUGE);
}

void *
core_realloc(void *ptr, size_t size)
{
	if (ptr == NULL)
		return core_alloc(size);
	return repalloc_huge(ptr, size);
}

void
core_free(void *ptr)
{
	if (ptr != NULL)
		pfree(ptr);
}

char *
core_strdup(const char *s)
{
	return pstrdup(s);
}

char *
core_psprintf(const char *fmt,...)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (;;)
	{
		va_list		args;
		int			needed;

		va_start(args, fmt);
		needed = appendStringInfoVA(&buf, fmt, args);
		va_end(args);
		if (needed == 0)
			break;
		enlargeStringInfo(&buf, needed);
	}
	return buf.data;
}

static int
shim_sqlstate(CoreErrorCode code)
{
	switch (code)
	{
		case CORE_ERR_INVALID_PARAMETER:
			return ERRCODE_INVALID_PARAMETER_VALUE;
		case CORE_ERR_DATA_EXCEPTION:
			return ERRCODE_DATA_EXCEPTION;
		case CORE_ERR_NULL_VALUE:
			return ERRCODE_NULL_VALUE_NOT_ALLOWED;
		case CORE_ERR_DUPLICATE:
			return ERRCODE_DUPLICATE_OBJECT;
		case CORE_ERR_UNDEFINED:
			return ERRCODE_UNDEFINED_OBJECT;
		case CORE_ERR_DATATYPE_MISMATCH:
			return ERRCODE_DATATYPE_MISMATCH;
		case CORE_ERR_CORRUPTED:
			return ERRCODE_DATA_CORRUPTED;
		case CORE_ERR_PROGRAM_LIMIT:
			return ERRCODE_PROGRAM_LIMIT_EXCEEDED;
		case CORE_ERR_OUT_OF_MEMORY:
			return ERRCODE_OUT_OF_MEMORY;
		case CORE_ERR_FLOATING_POINT:
			return ERRCODE_FLOATING_POINT_EXCEPTION;
		case CORE_ERR_INTERNAL:
			break;
	}
	return ERRCODE_INTERNAL_ERROR;
}

void
core_error(CoreErrorCode code, const char *msg, const char *detail,
		   const char *hint)
{
	ereport(ERROR,
			(errcode(shim_sqlstate(code)),
			 errmsg_internal("%s", msg),
			 detail ? errdetail_internal("%s", detail) : 0,
			 hint ? errhint("%s", hint) : 0));
	pg_unreachable();
}

void
core_check_interrupts(void)
{
	CHECK_FOR_INTERRUPTS();
}
