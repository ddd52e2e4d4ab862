/*-------------------------------------------------------------------------
 *
 * runner.h
 *	  The trial loop behind hptune.search() and CALL hptune.tune()
 *	  (runner.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef HPTUNE_RUNNER_H
#define HPTUNE_RUNNER_H

#include "catalog.h"
#include "loader.h"
#include "nodes/execnodes.h"

extern void runner_search(const char *study_name, const SearchArgs *args,
						  bool nonatomic, ReturnSetInfo *rsinfo);

/*
 * A study's oracle, rebuilt from the catalog as a search does it, for any
 * caller that asks the oracle something (a search, report()): the space
 * with the tuner's own hyperparameters, then the oracle over the history
 * and its intermediate values.
 */
extern HpSpace *runner_load_space(const Study *study);
extern Oracle *runner_build_oracle(const Study *study, const HpSpace *space);
extern uint64 runner_study_seed(const Study *study);
extern void runner_lock_oracle(const Study *study);

#endif							/* HPTUNE_RUNNER_H */
