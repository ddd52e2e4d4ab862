/*-------------------------------------------------------------------------
 *
 * guc.c
 *	  The module's entry point: PG_MODULE_MAGIC, _PG_init and the hptune.*
 *	  settings.
 *
 * hptune.max_memory bounds what a search may hold in training data and
 * models (checked by loader.c and trial.c before they allocate);
 * hptune.blas_threads is handed to OpenBLAS before every training or
 * prediction.  Both are per session (PGC_USERSET).
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
	MarkGUCPrefixReserved("hptune");
}
