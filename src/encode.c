/*-------------------------------------------------------------------------
 *
 * encode.c
 *	  SQL values -> model inputs: the feature kind of a column type, and the
 *	  encoding of numbers, booleans and numeric arrays into float32, shared
 *	  by the loader (whole queries) and predict (one row at a time).
 *
 * Numeric arrays are read from the array's data area directly: a float4[]
 * is one memcpy, other element types one tight conversion loop; only
 * numeric[] goes through deconstruct_array.
 *
 * Memory: encoding a numeric[] allocates its elements and their
 * conversions in CurrentMemoryContext without freeing them, as the type
 * output calls of text values do; the loader calls these functions in a
 * per-row context that it resets after each row.
 *
 * Every type a feature may have is listed here, in encode_feature_kind and
 * encode_array_type_ok; encode_dense checks the type it is given against
 * the feature's kind, so a value of another type is an error naming the
 * column, never a misread Datum.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/lsyscache.h"

#include "encode.h"

bool
encode_is_numeric_type(Oid t)
{
	return t == INT2OID || t == INT4OID || t == INT8OID || t == FLOAT4OID ||
		t == FLOAT8OID || t == NUMERICOID || t == OIDOID;
}

static bool
encode_is_text_type(Oid t)
{
	return t == TEXTOID || t == VARCHAROID || t == BPCHAROID || t == NAMEOID ||
		type_is_enum(t);
}

#define ENCODE_TYPES_HINT "Cast it to a number, a boolean, an array of numbers or booleans, text or an enum, or leave it out."

/* an array of numbers or booleans: the array types a feature may have */
static bool
encode_array_type_ok(Oid t)
{
	switch (t)
	{
		case FLOAT4ARRAYOID:
		case FLOAT8ARRAYOID:
		case INT2ARRAYOID:
		case INT4ARRAYOID:
		case INT8ARRAYOID:
		case NUMERICARRAYOID:
		case OIDARRAYOID:
		case BOOLARRAYOID:
		case INT2VECTOROID:
		case OIDVECTOROID:
			return true;
	}
	return false;
}

static void
encode_type_error(Oid typid, const char *colname)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATATYPE_MISMATCH),
			 errmsg("column \"%s\" has a type hptune cannot use as a feature", colname),
			 errdetail("Its type is %s.", format_type_be(typid)),
			 errhint(ENCODE_TYPES_HINT)));
}

/* a number or boolean as float32; colname names the column in errors */
float
encode_datum_float(Oid typid, Datum d, const char *colname)
{
	switch (typid)
	{
		case INT2OID:
			return (float) DatumGetInt16(d);
		case INT4OID:
			return (float) DatumGetInt32(d);
		case INT8OID:
			return (float) DatumGetInt64(d);
		case OIDOID:
			return (float) DatumGetObjectId(d);
		case FLOAT4OID:
			return DatumGetFloat4(d);
		case FLOAT8OID:
			return (float) DatumGetFloat8(d);
		case NUMERICOID:
			return (float) DatumGetFloat8(DirectFunctionCall1(numeric_float8, d));
		case BOOLOID:
			return DatumGetBool(d) ? 1.0f : 0.0f;
	}
	ereport(ERROR,
			(errcode(ERRCODE_DATATYPE_MISMATCH),
			 errmsg("column \"%s\" is not a number", colname),
			 errdetail("Its type is %s.", format_type_be(typid)),
			 errhint("Pass a number or a boolean there, as in the training data.")));
	return 0;
}

/* the feature kind of a column type; false for a type no feature may have */
bool
encode_type_kind(Oid typid, FeatureKind *kind)
{
	if (typid == BOOLOID)
		*kind = FEATURE_BOOLEAN;
	else if (encode_is_numeric_type(typid))
		*kind = FEATURE_NUMERIC;
	else if (encode_array_type_ok(typid))
		*kind = FEATURE_ARRAY;
	else if (encode_is_text_type(typid))
		*kind = FEATURE_ONEHOT;
	else
		return false;
	return true;
}

FeatureKind
encode_feature_kind(Oid typid, const char *colname)
{
	FeatureKind kind;

	if (!encode_type_kind(typid, &kind))
		encode_type_error(typid, colname);
	return kind;
}

char *
encode_row_desc(RowRef ref)
{
	if (ref.rowno > 0)
		return psprintf("Row " INT64_FORMAT " of the %s query", ref.rowno, ref.what);
	return pstrdup(ref.what);
}

/*
 * No NaN or infinity among n floats: their exponent bits are not all ones.
 * Branch-free over integers, so the compiler vectorises it.
 */
static bool
encode_all_finite(const float *x, int n)
{
	const uint32 *bits = (const uint32 *) x;
	uint32		bad = 0;

	for (int i = 0; i < n; i++)
		bad |= ((bits[i] & 0x7f800000u) == 0x7f800000u);
	return bad == 0;
}

/*
 * Encode a number, boolean or numeric array into dst[0..width-1].  Returns
 * false for a NULL (dst then holds NaN).  ref names the row in errors.
 */
bool
encode_dense(const FeatureSpec *f, Oid typid, Datum d, bool isnull,
					float *dst, RowRef ref)
{
	if (isnull)
	{
		for (int i = 0; i < f->width; i++)
			dst[i] = get_float4_nan();
		return false;
	}
	if (f->kind != FEATURE_ARRAY)
		dst[0] = encode_datum_float(typid, d, f->name);
	else
	{
		ArrayType  *arr;
		int			n;
		Oid			elem;

		if (!encode_array_type_ok(typid))
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("column \"%s\" is not an array of numbers", f->name),
					 errdetail("%s has type %s there.", encode_row_desc(ref), format_type_be(typid)),
					 errhint("Pass an array of numbers or booleans, as in the training data.")));
		arr = DatumGetArrayTypeP(d);
		n = ArrayGetNItems(ARR_NDIM(arr), ARR_DIMS(arr));
		elem = ARR_ELEMTYPE(arr);

		if (n != f->width)
			ereport(ERROR,
					(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
					 errmsg("arrays in column \"%s\" have different lengths", f->name),
					 errdetail("%s has %d elements where %d were expected.", encode_row_desc(ref), n, f->width),
					 errhint("Make every array the same length, for example with a WHERE clause on array_length().")));
		if (ARR_HASNULL(arr))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("array in column \"%s\" contains null", f->name),
					 errdetail("%s has a null element.", encode_row_desc(ref)),
					 errhint("Replace null elements, e.g. with array_replace(col, NULL, 0).")));
		if (elem == FLOAT4OID)
			memcpy(dst, ARR_DATA_PTR(arr), sizeof(float) * n);
		else if (elem == FLOAT8OID)
		{
			const double *src = (const double *) ARR_DATA_PTR(arr);

			for (int i = 0; i < n; i++)
				dst[i] = (float) src[i];
		}
		else if (elem == INT4OID)
		{
			const int32 *src = (const int32 *) ARR_DATA_PTR(arr);

			for (int i = 0; i < n; i++)
				dst[i] = (float) src[i];
		}
		else if (elem == INT2OID)
		{
			const int16 *src = (const int16 *) ARR_DATA_PTR(arr);

			for (int i = 0; i < n; i++)
				dst[i] = (float) src[i];
		}
		else if (elem == INT8OID)
		{
			const int64 *src = (const int64 *) ARR_DATA_PTR(arr);

			for (int i = 0; i < n; i++)
				dst[i] = (float) src[i];
		}
		else if (elem == BOOLOID)
		{
			const bool *src = (const bool *) ARR_DATA_PTR(arr);

			for (int i = 0; i < n; i++)
				dst[i] = src[i] ? 1.0f : 0.0f;
		}
		else
		{
			Datum	   *elems;
			bool	   *nulls;
			int			count;
			int16		typlen;
			bool		typbyval;
			char		typalign;

			get_typlenbyvalalign(elem, &typlen, &typbyval, &typalign);
			deconstruct_array(arr, elem, typlen, typbyval, typalign, &elems, &nulls, &count);
			for (int i = 0; i < count; i++)
				dst[i] = encode_datum_float(elem, elems[i], f->name);
		}
		if ((Pointer) arr != DatumGetPointer(d))
			pfree(arr);
	}
	if (!encode_all_finite(dst, f->width))
		for (int i = 0; i < f->width; i++)
			if (isnan(dst[i]) || isinf(dst[i]))
				ereport(ERROR,
						(errcode(ERRCODE_DATA_EXCEPTION),
						 errmsg("column \"%s\" contains NaN or infinity", f->name),
						 errdetail("%s has %s.", encode_row_desc(ref),
								   isnan(dst[i]) ? "NaN" : "an infinite value"),
						 errhint("Filter such rows out, or replace the values in the query.")));
	return true;
}

/* the text form of a datum: labels and one-hot values */
char *
encode_datum_text(Oid typid, Datum d)
{
	Oid			out;
	bool		varlena;

	getTypeOutputInfo(typid, &out, &varlena);
	return OidOutputFunctionCall(out, d);
}

