/*-------------------------------------------------------------------------
 *
 * worker.h
 *	  Background workers of a search (worker.c): what the calling session
 *	  shares with them, and how it starts, watches and stops them.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HPTUNE_WORKER_H
#define HPTUNE_WORKER_H

#include "postmaster/bgworker.h"
#include "storage/dsm.h"

#include "catalog.h"
#include "loader.h"

/* the shm_toc of a search's segment: "hptw" */
#define HPTUNE_WORKER_MAGIC 0x68707477
#define WORKER_KEY_SHARED 1
#define WORKER_KEY_ERRORS 7
#define WORKER_LABEL_LEN 64
#define WORKER_ERROR_LEN 256	/* a worker's error message, for its caller */

/* what every worker of one search reads (read-only once they run) */
typedef struct WorkerShared
{
	Oid			database;
	Oid			role;			/* the calling role: workers connect as it */
	int64		study_id;
	int			caller_pid;		/* workers stop when this backend is gone */
	int			lease_timeout_s;
	int			max_attempts;
	int			blas_threads;
	char		label[WORKER_LABEL_LEN];	/* trials.worker prefix; + index */
	char		search_path[FLEXIBLE_ARRAY_MEMBER];
} WorkerShared;

/* the workers of one search, as the calling session holds them */
typedef struct WorkerSet
{
	dsm_segment *seg;
	WorkerShared *shared;
	int			n;
	char	   *errors;			/* n slots of WORKER_ERROR_LEN, in the segment */
	BackgroundWorkerHandle **handles;
} WorkerSet;

extern WorkerSet *worker_start(const Study *study, int n, const char *label,
							   const TrainData *data, const SearchArgs *args);
extern bool worker_role_can_log_in(Oid role);
extern bool worker_any_alive(WorkerSet *set);
extern void worker_terminate(WorkerSet *set);
extern const char *worker_error(WorkerSet *set, int *index);
extern void worker_finish(WorkerSet *set);

#endif							/* HPTUNE_WORKER_H */
