/*-------------------------------------------------------------------------
 *
 * lease.h
 *	  Trials handed out under leases (lease.c): hptune.suggest(), report(),
 *	  complete(), and the same steps for background workers (worker.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef HPTUNE_LEASE_H
#define HPTUNE_LEASE_H

#include "catalog.h"

extern bool lease_hand_out(Study *study, const HpSpace *space, const char *worker,
						   bool bound, LeasedTrial *out);
extern void lease_check_held(const Study *study, int trial_id, bool has_token, Datum token);

#endif							/* HPTUNE_LEASE_H */
