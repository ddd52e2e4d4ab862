/*-------------------------------------------------------------------------
 *
 * model_summary.c
 *	  model_summary: a model's layers as Keras's Model.summary() prints
 *	  them (pure C).
 *
 * One row per layer of the graph (the Input is not listed, as in a
 * Sequential model): "name (Class)", the output shape with None for the
 * batch, and the parameter count (trainable and, for BatchNormalization,
 * the moving statistics), then the totals.  A standardised model lists
 * the Normalization layer first, whose mean, variance and count Keras
 * counts as non-trainable.
 *
 *-------------------------------------------------------------------------
 */
#include "core/model_internal.h"

#include <stdio.h>
#include <string.h>

/* Keras's readable_memory_size: 1024-based units, two decimals */
static char *
model_memory_size(double bytes)
{
	static const char *units[] = {"B", "KB", "MB", "GB", "TB"};
	int			u = 0;

	while (bytes > 1024.0 && u < 4)
	{
		bytes /= 1024.0;
		u++;
	}
	return core_psprintf("%.2f %s", bytes, units[u]);
}

/* a count as Keras prints it: 556,810 */
static char *
model_count_text(int64_t n)
{
	char		digits[32];
	char		out[48];
	int			len = snprintf(digits, sizeof(digits), "%lld", (long long) n);
	int			o = 0;

	for (int i = 0; i < len; i++)
	{
		if (i > 0 && digits[i - 1] != '-' && (len - i) % 3 == 0)
			out[o++] = ',';
		out[o++] = digits[i];
	}
	out[o] = '\0';
	return core_strdup(out);
}

static char *
model_summary_row(const char *layer, const char *shape, const char *params)
{
	/* a name too long for its column is cut, as Keras does */
	return core_psprintf(" %-28.27s%-26s%s", layer, shape, params);
}

char **
model_summary(const Model *m, int *nlines)
{
	const Graph *g = m->graph;
	int			cap = 2 * (g->nlayers + 2) + 10;
	char	  **lines = core_alloc(cap * sizeof(char *));
	int			n = 0;
	int64_t		frozen = m->config.normalize ? 2 * (int64_t) m->ninputs + 1 : 0;

	frozen += g->nstate;
	lines[n++] = core_psprintf("Model: \"sequential\"");
	lines[n++] = core_psprintf("%.65s", "_________________________________________________________________");
	lines[n++] = model_summary_row("Layer (type)", "Output Shape", "Param #");
	lines[n++] = core_psprintf("%.65s", "=================================================================");
	if (m->config.normalize)
	{
		lines[n++] = model_summary_row("normalization (Normalization)",
									   core_psprintf("(None, %d)", m->ninputs),
									   model_count_text(2 * (int64_t) m->ninputs + 1));
		lines[n++] = core_strdup("");
	}
	for (int i = 1; i < g->nlayers; i++)
	{
		const GraphLayer *l = &g->layers[i];

		lines[n++] = model_summary_row(core_psprintf("%s (%s)", l->name,
													 graph_layer_class(l->kind)),
									   graph_shape_text(l->out),
									   model_count_text(l->nparams + l->nstate));
		lines[n++] = core_strdup("");
	}
	lines[n - 1] = core_psprintf("%.65s", "=================================================================");
	lines[n++] = core_psprintf("Total params: %s (%s)",
							   model_count_text(m->nparams + frozen),
							   model_memory_size(4.0 * (m->nparams + frozen)));
	lines[n++] = core_psprintf("Trainable params: %s (%s)",
							   model_count_text(m->nparams),
							   model_memory_size(4.0 * m->nparams));
	lines[n++] = core_psprintf("Non-trainable params: %s (%s)",
							   model_count_text(frozen),
							   model_memory_size(4.0 * frozen));
	lines[n++] = core_psprintf("%.65s", "_________________________________________________________________");
	*nlines = n;
	return lines;
}
