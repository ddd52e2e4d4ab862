/*-------------------------------------------------------------------------
 *
 * args.c
 *	  Argument helpers shared by the fmgr wrappers (api.c, predict.c,
 *	  fit.c).
 *
 * The rule for NULL arguments, the same in every hptune function: a
 * function is STRICT and returns NULL, or an argument whose SQL default is
 * NULL takes NULL as "not given", or NULL is a 22004 error that names the
 * argument (args_not_null).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "args.h"

void
args_not_null(FunctionCallInfo fcinfo, int argno, const char *name,
			  const char *hint)
{
	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be null", name),
				 errdetail("hptune.%s() was called with %s => NULL.",
						   get_func_name(fcinfo->flinfo->fn_oid), name),
				 errhint("%s", hint)));
}

char *
args_text(FunctionCallInfo fcinfo, int argno)
{
	return PG_ARGISNULL(argno) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(argno));
}
