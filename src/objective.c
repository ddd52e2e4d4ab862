/*-------------------------------------------------------------------------
 *
 * objective.c
 *	  A study's objective function: the one place that checks it and calls it.
 *
 * A study tuned with objective_function => f names a SQL function
 * f(hp jsonb) RETURNS float8 | jsonb in hptune.studies.  That column is a
 * plain regprocedure an owner may UPDATE, and the function may be dropped,
 * replaced or have its EXECUTE privilege revoked after create_study checked
 * it.  So objective_check() runs when the study is created, at the start of
 * every search, and again before every call: a function of another
 * signature is never called through fmgr with a jsonb argument it does not
 * expect.
 *
 * objective_call() runs the function as the caller with the trial's values.
 * A float8 result is the objective; a jsonb result is an object of named
 * metrics, one of which is the study's objective.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"
#include "utils/regproc.h"
#include "utils/syscache.h"

#include "objective.h"
#include "hpjson.h"

/*
 * f(jsonb) RETURNS float8 | jsonb, a plain function returning one value.
 * study names the study in errors.  Returns the function's result type.
 */
Oid
objective_check_signature(Oid fn, const char *study)
{
	HeapTuple	tup = SearchSysCache1(PROCOID, ObjectIdGetDatum(fn));
	Form_pg_proc proc;
	bool		one_jsonb;
	bool		plain;
	Oid			rettype;

	if (!HeapTupleIsValid(tup))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_FUNCTION),
				 errmsg("objective function of study \"%s\" does not exist", study),
				 errdetail("hptune.studies.objective_function holds OID %u, and no function has that OID.",
						   fn),
				 errhint("Set objective_function to a function f(hp jsonb) RETURNS float8 or jsonb, or drop the study.")));
	proc = (Form_pg_proc) GETSTRUCT(tup);
	one_jsonb = proc->pronargs == 1 && proc->proargtypes.values[0] == JSONBOID;
	plain = proc->prokind == PROKIND_FUNCTION && !proc->proretset;
	rettype = proc->prorettype;
	ReleaseSysCache(tup);

	if (!one_jsonb || !plain)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("objective function %s of study \"%s\" must take one jsonb argument",
						format_procedure(fn), study),
				 errdetail(!one_jsonb ?
						   "Each trial calls it with one argument, a jsonb object of the trial's hyperparameter values." :
						   "It is not a plain function returning one value (it is a procedure, an aggregate, a window function or returns a set)."),
				 errhint("Declare it as f(hp jsonb) RETURNS float8 or jsonb.")));
	if (rettype != FLOAT8OID && rettype != JSONBOID)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("objective function %s of study \"%s\" must return float8 or jsonb",
						format_procedure(fn), study),
				 errdetail("It returns %s.", format_type_be(rettype)),
				 errhint("Return the objective as float8, or a jsonb object of named metrics.")));
	return rettype;
}

/* objective_check_signature, and the caller may run the function */
Oid
objective_check(Oid fn, const char *study)
{
	Oid			rettype = objective_check_signature(fn, study);
	char	   *role;

	if (pg_proc_aclcheck(fn, GetUserId(), ACL_EXECUTE) != ACLCHECK_OK)
	{
		role = GetUserNameFromId(GetUserId(), false);
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied for objective function %s of study \"%s\"",
						format_procedure(fn), study),
				 errdetail("Role \"%s\" has no EXECUTE privilege on it; trials run the function as the role that searches.",
						   role),
				 errhint("The function's owner can run GRANT EXECUTE ON FUNCTION %s TO %s.",
						 format_procedure(fn), quote_identifier(role))));
	}
	return rettype;
}

/* a float8 objective as the metrics object {"<objective>": value} */
static Jsonb *
objective_metrics_of_score(const char *objective, double score)
{
	HpJsonObject o;

	hpjson_begin(&o);
	hpjson_add_float(&o, objective, score);
	return hpjson_end(&o);
}

/* the objective, named in a jsonb result */
static double
objective_from_jsonb(Oid fn, const char *objective, Jsonb *jb)
{
	JsonbValue	v;

	if (!JB_ROOT_IS_OBJECT(jb) || JB_ROOT_IS_SCALAR(jb) ||
		getKeyJsonValueFromContainer(&jb->root, objective, strlen(objective), &v) == NULL ||
		v.type != jbvNumeric)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("objective function %s returned no number named \"%s\"",
						format_procedure(fn), objective),
				 errdetail("The function returned %s.", JsonbToCString(NULL, &jb->root, 0)),
				 errhint("Return a jsonb object with a numeric \"%s\" key, or create the study with the objective the function returns.",
						 objective)));
	return DatumGetFloat8(DirectFunctionCall1(numeric_float8, NumericGetDatum(v.val.numeric)));
}

/*
 * Check the function again (it may have changed since the search began),
 * then call it with the trial's values.
 */
void
objective_call(Oid fn, const char *study, const char *objective, Jsonb *hps,
			   ObjectiveResult *result)
{
	LOCAL_FCINFO(fcinfo, 1);
	FmgrInfo	flinfo;
	Datum		value;
	Oid			rettype = objective_check(fn, study);

	fmgr_info(fn, &flinfo);
	InitFunctionCallInfoData(*fcinfo, &flinfo, 1, InvalidOid, NULL, NULL);
	fcinfo->args[0].value = JsonbPGetDatum(hps);
	fcinfo->args[0].isnull = false;
	value = FunctionCallInvoke(fcinfo);
	if (fcinfo->isnull)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("objective function %s returned null", format_procedure(fn)),
				 errhint("Return a number, or a jsonb object holding \"%s\".", objective)));
	if (rettype == JSONBOID)
	{
		result->metrics = DatumGetJsonbPCopy(value);
		result->score = objective_from_jsonb(fn, objective, result->metrics);
	}
	else
	{
		result->score = DatumGetFloat8(value);
		result->metrics = NULL;
	}
	if (isnan(result->score) || isinf(result->score))
		ereport(ERROR,
				(errcode(ERRCODE_FLOATING_POINT_EXCEPTION),
				 errmsg("objective \"%s\" is not a finite number", objective),
				 errdetail("Objective function %s returned %g.", format_procedure(fn),
						   result->score),
				 errhint("Make the objective function return finite values.")));
	if (result->metrics == NULL)
		result->metrics = objective_metrics_of_score(objective, result->score);
}
