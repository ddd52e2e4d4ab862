/*-------------------------------------------------------------------------
 *
 * shim.h
 *	  The one door between hptune's pure-C core and its host.
 *
 * The core (space, oracle, dataset, model) includes no PostgreSQL header.
 * Everything it needs from its host goes through the few functions below:
 * allocation, error reporting and interrupt checks.  Inside the server,
 * shim_pg.c maps them onto palloc, ereport and CHECK_FOR_INTERRUPTS; the
 * unit tests and fuzz harnesses link shim_test.c instead, which uses malloc
 * and longjmp.
 *
 * Allocation follows palloc's contract: it never returns NULL (failure is
 * reported as an error), memory is zeroed, and everything allocated is
 * released wholesale when the host's current memory context goes away, so
 * the core frees only what it wants to give back early.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HPTUNE_CORE_SHIM_H
#define HPTUNE_CORE_SHIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__) || defined(__clang__)
#define CORE_NORETURN __attribute__((noreturn))
#define CORE_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define CORE_NORETURN
#define CORE_PRINTF(f, a)
#endif

/*
 * Error classes the core can raise.  The host maps each to a SQLSTATE
 * (see shim_pg.c); the unit tests compare them directly.
 */
typedef enum CoreErrorCode
{
	CORE_ERR_INVALID_PARAMETER,	/* 22023 invalid_parameter_value */
	CORE_ERR_DATA_EXCEPTION,	/* 22000 data_exception */
	CORE_ERR_NULL_VALUE,		/* 22004 null_value_not_allowed */
	CORE_ERR_DUPLICATE,			/* 42710 duplicate_object */
	CORE_ERR_UNDEFINED,			/* 42704 undefined_object */
	CORE_ERR_DATATYPE_MISMATCH,	/* 42804 datatype_mismatch */
	CORE_ERR_CORRUPTED,			/* XX001 data_corrupted */
	CORE_ERR_PROGRAM_LIMIT,		/* 54000 program_limit_exceeded */
	CORE_ERR_OUT_OF_MEMORY,		/* 53200 out_of_memory */
	CORE_ERR_FLOATING_POINT,	/* 22P01 floating_point_exception */
	CORE_ERR_INTERNAL			/* XX000 internal_error */
} CoreErrorCode;

/* zeroed memory; never NULL; sizes above 1 GB are allowed */
extern void *core_alloc(size_t size);
/* like core_alloc, but the contents are left undefined (no page touch) */
extern void *core_alloc_raw(size_t size);
extern void *core_realloc(void *ptr, size_t size);
extern void core_free(void *ptr);
extern char *core_strdup(const char *s);
/* printf into freshly allocated memory */
extern char *core_psprintf(const char *fmt,...) CORE_PRINTF(1, 2);

/*
 * Raise an error and do not return.  msg is a lowercase sentence fragment
 * without a trailing period; detail and hint are full sentences or NULL.
 */
extern void core_error(CoreErrorCode code, const char *msg,
					   const char *detail, const char *hint) CORE_NORETURN;

/* Give the host a chance to honour a cancel; may not return. */
extern void core_check_interrupts(void);

#endif							/* HPTUNE_CORE_SHIM_H */
