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

#include "loader.h"
#include "nodes/execnodes.h"

extern void runner_search(const char *study_name, const SearchArgs *args,
						  bool nonatomic, ReturnSetInfo *rsinfo);

#endif							/* HPTUNE_RUNNER_H */
