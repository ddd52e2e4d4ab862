/*-------------------------------------------------------------------------
 *
 * encode.h
 *	  Encoding of SQL values into model inputs, shared by the loader (whole
 *	  queries) and predict (one row at a time).
 *
 *-------------------------------------------------------------------------
 */
#ifndef HPTUNE_ENCODE_H
#define HPTUNE_ENCODE_H

#include "postgres.h"

#include "core/dataset.h"

/*
 * Distinct strings in insertion order, with a hash index.  Everything it
 * holds lives in the context it was created in, whatever context is
 * current when a word is added.
 */
typedef struct Vocab
{
	MemoryContext cxt;
	int			n;
	int			capacity;
	char	  **words;
	int			nslots;			/* power of two */
	int32	   *slots;			/* index into words, or -1 */
} Vocab;

extern Vocab *vocab_create(void);
extern Vocab *vocab_from_words(const char **words, int n);
extern int32 vocab_add(Vocab *v, const char *s);
extern int32 vocab_lookup(const Vocab *v, const char *s);

extern bool encode_type_kind(Oid typid, FeatureKind *kind);
extern FeatureKind encode_feature_kind(Oid typid, const char *colname);
extern float encode_datum_float(Oid typid, Datum d, const char *colname);
/*
 * Where a value comes from, for error details: "Row 17 of the training
 * query" (rowno > 0), or just what (rowno 0), e.g. "The row".  Formatted
 * only when an error is raised.
 */
typedef struct RowRef
{
	const char *what;
	int64		rowno;
} RowRef;

extern char *encode_row_desc(RowRef ref);
extern bool encode_dense(const FeatureSpec *f, Oid typid, Datum d,
						 bool isnull, float *dst, RowRef ref);
extern char *encode_datum_text(Oid typid, Datum d);
extern bool encode_is_numeric_type(Oid typid);

#endif							/* HPTUNE_ENCODE_H */
