/*-------------------------------------------------------------------------
 *
 * model_format.h
 *	  What the files of the model blob format share: its constants, the
 *	  writer and reader, and their primitives (model_format.c), and the
 *	  graph section (model_format_graph.c).  See model_format.c for the
 *	  layout.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HPTUNE_CORE_MODEL_FORMAT_H
#define HPTUNE_CORE_MODEL_FORMAT_H

#include "core/model_internal.h"

#define MODEL_FORMAT_MAGIC 0x4D545048	/* "HPTM" read little-endian */
#define MODEL_FORMAT_VERSION 2
#define MODEL_FORMAT_VERSION_DENSE 1
#define MODEL_FORMAT_HEADER 24
#define MODEL_FORMAT_NO_STRING 0xFFFFFFFFu

typedef struct FormatWriter
{
	uint8_t    *buf;
	size_t		len;
	size_t		cap;
} FormatWriter;

typedef struct FormatReader
{
	const uint8_t *p;
	size_t		pos;
	size_t		len;
	uint32_t	version;
	bool		build;			/* second pass: fill the outputs */
	uint32_t	last_str_len;	/* of the last string read */
	/* the encoding's single allocation, measured then carved */
	size_t		ptr_bytes;		/* structs and pointer arrays */
	size_t		char_bytes;		/* strings with terminators */
	char	   *ptr_next;
	char	   *char_next;
} FormatReader;

extern void format_put_u64(FormatWriter *w, uint64_t v, int bytes);
#define format_put_u8(w, v) format_put_u64((w), (v), 1)
#define format_put_u32(w, v) format_put_u64((w), (uint32_t) (v), 4)
extern void format_put_f64(FormatWriter *w, double d);
extern void format_put_floats(FormatWriter *w, const float *v, int64_t n);
extern void format_put_str(FormatWriter *w, const char *s);

/* reject the blob: CORE_ERR_CORRUPTED, the detail in a static buffer */
extern void format_corrupt(const char *fmt,...) CORE_PRINTF(1, 2) CORE_NORETURN;
extern const uint8_t *format_take(FormatReader *r, uint64_t n, const char *what);
extern uint64_t format_get(FormatReader *r, int bytes, const char *what);
extern uint32_t format_get_count(FormatReader *r, uint32_t max, const char *what);
extern bool format_get_bool(FormatReader *r, const char *what);
extern double format_get_f64(FormatReader *r, const char *what);
extern void format_get_floats(FormatReader *r, float *out, uint64_t n,
							  bool positive, const char *what);

/* ---- model_format_graph.c ---- */

extern void format_write_graph(FormatWriter *w, const Graph *g);
/* the graph the reader's first pass builds into: fixed, allocates nothing */
extern Graph *format_probe_graph(void);
extern void format_read_graph(FormatReader *r, Graph *g);

#endif							/* HPTUNE_CORE_MODEL_FORMAT_H */
