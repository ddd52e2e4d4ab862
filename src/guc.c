/*-------------------------------------------------------------------------
 *
 * guc.c
 *	  The module's entry point: PG_MODULE_MAGIC, _PG_init and the hptune.*
 *	  settings.
 *
 * hptune.max_memory bounds what a search may hold in training data and
 * models (checked by loader.c and trial.c before they allocate);
 * hptune.blas_threads is handed to OpenBLAS before every training or
 * prediction; hptune.lease_timeout and hptune.max_attempts govern the
 * leases of trials handed out by hptune.suggest() (lease.c).  All are per
 * session (PGC_USERSET).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <limits.h>

#include "fmgr.h"
#include "utils/guc.h"

#include "guc.h"

PG_MODULE_MAGIC;

int			hptune_max_memory_kb = 2 * 1024 * 1024;
int			hptune_blas_threads = 1;
int			hptune_lease_timeout_s = 60;
int			hptune_max_attempts = 3;
int			hptune_max_workers = 8;

void		_PG_init(void);

void
_PG_init(void)
{
	DefineCustomIntVariable("hptune.max_memory",
							"Memory a search may use for training data and models.",
							"Checked before each matrix or model is allocated or grown: the loader grows its matrices up to this size and no further.",
							&hptune_max_memory_kb,
							2 * 1024 * 1024, 1024, INT_MAX,
							PGC_USERSET, GUC_UNIT_KB,
							NULL, NULL, NULL);
	DefineCustomIntVariable("hptune.blas_threads",
							"Threads OpenBLAS may use in one backend.",
							NULL,
							&hptune_blas_threads,
							1, 1, 64,
							PGC_USERSET, 0,
							NULL, NULL, NULL);
	DefineCustomIntVariable("hptune.lease_timeout",
							"How long a trial handed out by hptune.suggest() stays leased without a heart-beat.",
							"hptune.suggest() and hptune.report() set the lease to expire this long after the database clock's now; a lapsed lease puts the trial back for another worker.",
							&hptune_lease_timeout_s,
							60, 1, 7 * 24 * 3600,
							PGC_USERSET, GUC_UNIT_S,
							NULL, NULL, NULL);
	DefineCustomIntVariable("hptune.max_attempts",
							"How many times a trial is handed out before a lapsed lease makes it FAILED.",
							NULL,
							&hptune_max_attempts,
							3, 1, 1000,
							PGC_USERSET, 0,
							NULL, NULL, NULL);
	DefineCustomIntVariable("hptune.max_workers",
							"Most background workers one search may start.",
							"A search asking for more runs with this many and says so in a NOTICE; 0 disables searching with workers.",
							&hptune_max_workers,
							8, 0, 1024,
							PGC_SUSET, 0,
							NULL, NULL, NULL);
	MarkGUCPrefixReserved("hptune");
}
