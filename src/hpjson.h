/*-------------------------------------------------------------------------
 *
 * hpjson.h
 *	  jsonb <-> hyperparameter values and metrics.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HPTUNE_HPJSON_H
#define HPTUNE_HPJSON_H

#include "postgres.h"

#include "utils/jsonb.h"

#include "core/model.h"
#include "core/space.h"

/* an object under construction */
typedef struct HpJsonObject
{
	JsonbParseState *state;
} HpJsonObject;

extern void hpjson_begin(HpJsonObject *o);
extern void hpjson_add_value(HpJsonObject *o, const char *key, HpValue v);
extern void hpjson_add_float(HpJsonObject *o, const char *key, double v);
extern void hpjson_add_int(HpJsonObject *o, const char *key, int64 v);
extern void hpjson_add_float_array(HpJsonObject *o, const char *key,
								   const double *v, int n);
extern void hpjson_add_metrics(HpJsonObject *o, const MetricValue *m, int n);
extern void hpjson_add_jsonb(HpJsonObject *o, const char *key, Jsonb *v);
extern Jsonb *hpjson_end(HpJsonObject *o);

/* ready-made objects */
extern Jsonb *hpjson_empty_object(void);
extern Jsonb *hpjson_from_assignment(const HpSpace *space, const HpAssignment *a);
extern Jsonb *hpjson_from_metrics(const MetricValue *m, int n);

/* reading */
extern HpValue hpjson_value(const JsonbValue *v);
extern HpValue *hpjson_value_array(Jsonb *jb, int *n, const char *what,
								   const char *hpname);
extern void hpjson_to_assignment(const HpSpace *space, Jsonb *jb,
								 HpAssignment *a);

#endif							/* HPTUNE_HPJSON_H */
