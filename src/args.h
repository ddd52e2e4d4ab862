/*-------------------------------------------------------------------------
 *
 * args.h
 *	  Argument helpers shared by the fmgr wrappers (args.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef HPTUNE_ARGS_H
#define HPTUNE_ARGS_H

#include "postgres.h"

#include "fmgr.h"

/* argument argno must not be NULL: else 22004 naming it, with a hint */
extern void args_not_null(FunctionCallInfo fcinfo, int argno, const char *name,
						  const char *hint);

/* a text argument as a C string; NULL stays NULL ("not given") */
extern char *args_text(FunctionCallInfo fcinfo, int argno);

#endif							/* HPTUNE_ARGS_H */
