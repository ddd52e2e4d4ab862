/*-------------------------------------------------------------------------
 *
 * query.h
 *	  User queries: one statement that only reads (query.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef HPTUNE_QUERY_H
#define HPTUNE_QUERY_H

#include "postgres.h"

#include "executor/spi.h"

/* query prepared in the current SPI connection; what names it in errors */
extern SPIPlanPtr query_prepare(const char *query, const char *what);

#endif							/* HPTUNE_QUERY_H */
