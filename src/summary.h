/*-------------------------------------------------------------------------
 *
 * summary.h
 *	  KerasTuner's text layouts (summary.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef HPTUNE_SUMMARY_H
#define HPTUNE_SUMMARY_H

#include "postgres.h"

#include "lib/stringinfo.h"
#include "nodes/pg_list.h"

#include "catalog.h"
#include "core/space.h"

extern void append_python_float(StringInfo buf, double v);
extern void append_python_value(StringInfo buf, HpValue v);
extern List *search_space_summary_lines(const Study *study);
extern List *results_summary_lines(const Study *study, int num_trials);
extern char *format_hms(double seconds);

#endif							/* HPTUNE_SUMMARY_H */
