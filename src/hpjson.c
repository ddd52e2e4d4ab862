/*-------------------------------------------------------------------------
 *
 * hpjson.c
 *	  jsonb <-> hyperparameter values and metrics: the one place where
 *	  hptune builds or reads the jsonb it stores and returns.
 *
 * Objects are built with pushJsonbValue, never by printing JSON text and
 * parsing it back.  A double becomes a jsonb number through its shortest
 * round-trip decimal form (what Python's repr prints, so 0.1 stays 0.1 and
 * 1e-05 is exact), and NaN or an infinity, which JSON cannot hold, becomes
 * null.  Reading goes the other way: an integral number without a decimal
 * point or exponent that fits in 64 bits is an int, any other number a
 * float, as KerasTuner's values are.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "common/shortest_dec.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"

#include "hpjson.h"

static void
hpjson_push_key(HpJsonObject *o, const char *key)
{
	JsonbValue	k;

	k.type = jbvString;
	k.val.string.val = (char *) key;
	k.val.string.len = strlen(key);
	pushJsonbValue(&o->state, WJB_KEY, &k);
}

/* a scalar JsonbValue for a double: a number, or null when not finite */
static void
hpjson_float_scalar(JsonbValue *out, double v)
{
	char		buf[DOUBLE_SHORTEST_DECIMAL_LEN];

	if (isnan(v) || isinf(v))
	{
		out->type = jbvNull;
		return;
	}
	double_to_shortest_decimal_buf(v, buf);
	out->type = jbvNumeric;
	out->val.numeric = DatumGetNumeric(DirectFunctionCall3(numeric_in,
														   CStringGetDatum(buf),
														   ObjectIdGetDatum(InvalidOid),
														   Int32GetDatum(-1)));
}

static void
hpjson_scalar(JsonbValue *out, HpValue v)
{
	switch (v.type)
	{
		case HPV_NONE:
			out->type = jbvNull;
			break;
		case HPV_INT:
			out->type = jbvNumeric;
			out->val.numeric = int64_to_numeric(v.i);
			break;
		case HPV_FLOAT:
			hpjson_float_scalar(out, v.f);
			break;
		case HPV_BOOL:
			out->type = jbvBool;
			out->val.boolean = v.b;
			break;
		case HPV_TEXT:
			out->type = jbvString;
			out->val.string.val = (char *) v.s;
			out->val.string.len = strlen(v.s);
			break;
	}
}

void
hpjson_begin(HpJsonObject *o)
{
	o->state = NULL;
	pushJsonbValue(&o->state, WJB_BEGIN_OBJECT, NULL);
}

void
hpjson_add_value(HpJsonObject *o, const char *key, HpValue v)
{
	JsonbValue	jv;

	hpjson_scalar(&jv, v);
	hpjson_push_key(o, key);
	pushJsonbValue(&o->state, WJB_VALUE, &jv);
}

void
hpjson_add_float(HpJsonObject *o, const char *key, double v)
{
	hpjson_add_value(o, key, (HpValue) {.type = HPV_FLOAT,.f = v});
}

void
hpjson_add_int(HpJsonObject *o, const char *key, int64 v)
{
	hpjson_add_value(o, key, (HpValue) {.type = HPV_INT,.i = v});
}

void
hpjson_add_float_array(HpJsonObject *o, const char *key, const double *v, int n)
{
	hpjson_push_key(o, key);
	pushJsonbValue(&o->state, WJB_BEGIN_ARRAY, NULL);
	for (int i = 0; i < n; i++)
	{
		JsonbValue	jv;

		hpjson_float_scalar(&jv, v[i]);
		pushJsonbValue(&o->state, WJB_ELEM, &jv);
	}
	pushJsonbValue(&o->state, WJB_END_ARRAY, NULL);
}

/* a nested jsonb (object, array or scalar) as the value of key */
void
hpjson_add_jsonb(HpJsonObject *o, const char *key, Jsonb *v)
{
	JsonbValue	jv;

	hpjson_push_key(o, key);
	if (JB_ROOT_IS_SCALAR(v))
	{
		JsonbExtractScalar(&v->root, &jv);
		pushJsonbValue(&o->state, WJB_VALUE, &jv);
		return;
	}
	jv.type = jbvBinary;
	jv.val.binary.data = &v->root;
	jv.val.binary.len = VARSIZE(v) - VARHDRSZ;
	pushJsonbValue(&o->state, WJB_VALUE, &jv);
}

/* each metric as "name": value */
void
hpjson_add_metrics(HpJsonObject *o, const MetricValue *m, int n)
{
	for (int i = 0; i < n; i++)
		hpjson_add_float(o, m[i].name, m[i].value);
}

Jsonb *
hpjson_end(HpJsonObject *o)
{
	return JsonbValueToJsonb(pushJsonbValue(&o->state, WJB_END_OBJECT, NULL));
}

Jsonb *
hpjson_empty_object(void)
{
	HpJsonObject o;

	hpjson_begin(&o);
	return hpjson_end(&o);
}

/* the active values of an assignment, by name */
Jsonb *
hpjson_from_assignment(const HpSpace *space, const HpAssignment *a)
{
	HpJsonObject o;

	hpjson_begin(&o);
	for (int i = 0; i < space->n; i++)
		if (a->values[i].type != HPV_NONE)
			hpjson_add_value(&o, space->hps[i].name, a->values[i]);
	return hpjson_end(&o);
}

/* {"name": value, ...}; a value that is not finite is null */
Jsonb *
hpjson_from_metrics(const MetricValue *m, int n)
{
	HpJsonObject o;

	hpjson_begin(&o);
	hpjson_add_metrics(&o, m, n);
	return hpjson_end(&o);
}

HpValue
hpjson_value(const JsonbValue *v)
{
	HpValue		out;

	memset(&out, 0, sizeof(out));
	switch (v->type)
	{
		case jbvNull:
			out.type = HPV_NONE;
			break;
		case jbvBool:
			out.type = HPV_BOOL;
			out.b = v->val.boolean;
			break;
		case jbvString:
			out.type = HPV_TEXT;
			out.s = pnstrdup(v->val.string.val, v->val.string.len);
			break;
		case jbvNumeric:
			{
				Numeric		num = v->val.numeric;
				char	   *text = DatumGetCString(DirectFunctionCall1(numeric_out,
																	  NumericGetDatum(num)));
				bool		integral = strpbrk(text, ".eEN") == NULL;

				if (integral)
				{
					errno = 0;
					out.i = strtoll(text, NULL, 10);
					integral = errno != ERANGE;
				}
				if (integral)
					out.type = HPV_INT;
				else
				{
					out.type = HPV_FLOAT;
					out.f = DatumGetFloat8(DirectFunctionCall1(numeric_float8,
															   NumericGetDatum(num)));
				}
				break;
			}
		default:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("hyperparameter values must be numbers, strings or booleans"),
					 errdetail("Found a JSON array or object."),
					 errhint("Pass scalar values.")));
	}
	return out;
}

/* a JSON array of scalars (a lone scalar counts as an array of one) */
HpValue *
hpjson_value_array(Jsonb *jb, int *n, const char *what, const char *hpname)
{
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;
	HpValue    *out;
	int			count = 0;

	if (JB_ROOT_IS_SCALAR(jb))
	{
		JsonbExtractScalar(&jb->root, &v);
		out = palloc(sizeof(HpValue));
		out[0] = hpjson_value(&v);
		*n = 1;
		return out;
	}
	if (!JB_ROOT_IS_ARRAY(jb))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s of hyperparameter \"%s\" must be a JSON array", what, hpname),
				 errdetail("%s is %s.", what, JsonbToCString(NULL, &jb->root, 0)),
				 errhint("Pass an array such as '[2, 3]'.")));
	out = palloc(sizeof(HpValue) * Max(JB_ROOT_COUNT(jb), 1));
	it = JsonbIteratorInit(&jb->root);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		if (tok != WJB_ELEM)
			continue;
		out[count] = hpjson_value(&v);
		if (out[count].type == HPV_NONE)
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("%s of hyperparameter \"%s\" must not contain null", what, hpname),
					 errdetail("%s is %s.", what, JsonbToCString(NULL, &jb->root, 0)),
					 errhint("Remove the null.")));
		count++;
	}
	*n = count;
	return out;
}

/*
 * Read a trial's jsonb object back into an assignment aligned with space;
 * names the space does not know are ignored, numbers take the kind of
 * their definition; a number no int64 can hold is left unset for an int.
 */
void
hpjson_to_assignment(const HpSpace *space, Jsonb *jb, HpAssignment *a)
{
	a->n = space->n;
	a->values = palloc0(sizeof(HpValue) * Max(space->n, 1));
	for (int i = 0; i < space->n; i++)
	{
		const HpDef *hp = &space->hps[i];
		JsonbValue	v;
		HpValue		val;

		if (!JB_ROOT_IS_OBJECT(jb) ||
			getKeyJsonValueFromContainer(&jb->root, hp->name, strlen(hp->name), &v) == NULL)
			continue;
		val = hpjson_value(&v);
		if (hp->kind == HP_FLOAT && val.type == HPV_INT)
		{
			val.type = HPV_FLOAT;
			val.f = (double) val.i;
		}
		else if (hp->kind == HP_INT && val.type == HPV_FLOAT)
		{
			/* a float no int64 can hold (a hand-edited row) is left unset */
			if (!(fabs(val.f) < 9.2e18))
				continue;
			val.type = HPV_INT;
			val.i = (int64) val.f;
		}
		a->values[i] = val;
	}
}
