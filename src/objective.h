/*-------------------------------------------------------------------------
 *
 * objective.h
 *	  A study's objective function: its check and its call (objective.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef HPTUNE_OBJECTIVE_H
#define HPTUNE_OBJECTIVE_H

#include "postgres.h"

#include "utils/jsonb.h"

/* what one call of the objective function gave */
typedef struct ObjectiveResult
{
	double		score;			/* the study's objective, finite */
	Jsonb	   *metrics;		/* every named metric, the objective among them */
} ObjectiveResult;

extern Oid objective_check_signature(Oid fn, const char *study);
extern Oid objective_check(Oid fn, const char *study);
extern void objective_call(Oid fn, const char *study, const char *objective,
						   Jsonb *hps, ObjectiveResult *result);

#endif							/* HPTUNE_OBJECTIVE_H */
