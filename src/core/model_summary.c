/*-------------------------------------------------------------------------
 *
 * model_summary.c
 *	  model_summary: a model's layers as Keras's Model.summary() prints
 *	  them (pure C).
 *
 * One row per layer of the graph: "name (Class)", the output shape with
 * None for the batch, and the parameter count (trainable and, for
 * BatchNormalization, the moving statistics), then the totals.  A text too
 * long for its column goes on in the same column of the following lines,
 * broken after its last space that fits (else cut), as Keras wraps it.
 *
 * A chain of layers (mlp, linear, cnn) is laid out as a Sequential model:
 * the Input is not listed.  A graph with branches (resnet, xception) is
 * laid out as a Functional model: the Input is listed, and a fourth column,
 * "Connected to", names each layer's inputs as Keras does
 * ("conv1_pad[0][0]"), one per line.  The model is named as KerasTuner
 * names it ("ResNet", "Xception"), else "sequential" or "functional".
 *
 * A standardised model lists the Normalization layer first, whose mean,
 * variance and count Keras counts as non-trainable.
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

#define SUMMARY_RULE_WIDTH 65
#define SUMMARY_WIDE_RULE_WIDTH 98

/* column widths; the last column has no limit */
static const int summary_widths[] = {28, 26, 10, 0};

typedef struct SummaryLines
{
	char	  **lines;
	int			n;
	int			cap;
} SummaryLines;

static void
summary_add(SummaryLines *out, char *line)
{
	if (out->n == out->cap)
	{
		out->cap = out->cap * 2 + 16;
		out->lines = out->lines ? core_realloc(out->lines, out->cap * sizeof(char *))
			: core_alloc(out->cap * sizeof(char *));
	}
	out->lines[out->n++] = line;
}

static char *
summary_rule(char c, int width)
{
	char	   *line = core_alloc(width + 1);

	memset(line, c, width);
	line[width] = '\0';
	return line;
}

/*
 * How much of text goes on this line of a column of width limit: all of it
 * if it fits, else up to its last space within limit (the space is
 * dropped), else limit characters.  *next is where the next line starts.
 */
static int
summary_take(const char *text, int limit, const char **next)
{
	int			len = (int) strlen(text);

	if (limit <= 0 || len <= limit)
	{
		*next = text + len;
		return len;
	}
	for (int i = limit; i > 0; i--)
		if (text[i] == ' ')
		{
			*next = text + i + 1;
			return i;
		}
	*next = text + limit;
	return limit;
}

/*
 * One row: fields[c] in column c, wrapped within the column (one cell may
 * hold several lines of its own, separated by newlines); every line of the
 * row starts with a space, as Keras's do, and carries no trailing blanks.
 */
static void
summary_row(SummaryLines *out, const char *const *fields, int nfields)
{
	const char *left[4];
	bool		more = true;

	for (int c = 0; c < nfields; c++)
		left[c] = fields[c];
	while (more)
	{
		char		line[1024];
		int			len = 0;

		more = false;
		line[len++] = ' ';
		for (int c = 0; c < nfields; c++)
		{
			bool		last = c == nfields - 1;
			int			start = 1;
			int			limit;
			const char *nl = strchr(left[c], '\n');
			const char *next;
			int			take;

			for (int k = 0; k < c; k++)
				start += summary_widths[k];
			while (len < start)
				line[len++] = ' ';
			limit = last ? (int) sizeof(line) - len - 1 : summary_widths[c] - 1;
			if (nl != NULL && nl - left[c] <= limit)
			{
				take = (int) (nl - left[c]);
				next = nl + 1;
			}
			else
				take = summary_take(left[c], limit, &next);
			memcpy(line + len, left[c], take);
			len += take;
			left[c] = next;
			if (*left[c] != '\0')
				more = true;
		}
		while (len > 0 && line[len - 1] == ' ')
			len--;
		line[len] = '\0';
		summary_add(out, core_strdup(line));
	}
}

/* is every layer fed by the one before it alone? */
static bool
summary_is_chain(const Graph *g)
{
	for (int i = 1; i < g->nlayers; i++)
		if (g->layers[i].ninputs != 1 || g->layers[i].inputs[0] != i - 1)
			return false;
	return true;
}

/* "a[0][0],\nb[0][0]": the layers feeding l, as Keras's "Connected to" */
static char *
summary_connections(const Graph *g, const GraphLayer *l)
{
	char	   *text = core_strdup(l->ninputs == 0 ? "-" : "");

	for (int k = 0; k < l->ninputs; k++)
		text = core_psprintf("%s%s%s[0][0]", text, k > 0 ? ",\n" : "",
							 g->layers[l->inputs[k]].name);
	return text;
}

char **
model_summary(const Model *m, int *nlines)
{
	const Graph *g = m->graph;
	bool		chain = summary_is_chain(g);
	const HyperModelDef *def = (unsigned) m->config.kind < (unsigned) hypermodel_count
		? hypermodel_defs[m->config.kind] : NULL;
	const char *name = def && def->keras_name ? def->keras_name
		: chain ? "sequential" : "functional";
	int			width = chain ? SUMMARY_RULE_WIDTH : SUMMARY_WIDE_RULE_WIDTH;
	int			ncols = chain ? 3 : 4;
	SummaryLines out = {NULL, 0, 0};
	int64_t		frozen = m->config.normalize ? 2 * (int64_t) m->ninputs + 1 : 0;

	frozen += g->nstate;
	summary_add(&out, core_psprintf("Model: \"%s\"", name));
	summary_add(&out, summary_rule('_', width));
	summary_row(&out, (const char *[]) {"Layer (type)", "Output Shape", "Param #",
				"Connected to"}, ncols);
	summary_add(&out, summary_rule('=', width));
	if (m->config.normalize)
	{
		summary_row(&out, (const char *[]) {"normalization (Normalization)",
					core_psprintf("(None, %d)", m->ninputs),
					model_count_text(2 * (int64_t) m->ninputs + 1), "-"}, ncols);
		summary_add(&out, core_strdup(""));
	}
	for (int i = chain ? 1 : 0; i < g->nlayers; i++)
	{
		const GraphLayer *l = &g->layers[i];

		summary_row(&out, (const char *[]) {
			core_psprintf("%s (%s)", l->name, graph_layer_class(l->kind)),
				graph_shape_text(l->out), model_count_text(l->nparams + l->nstate),
				summary_connections(g, l)}, ncols);
		summary_add(&out, core_strdup(""));
	}
	out.lines[out.n - 1] = summary_rule('=', width);
	summary_add(&out, core_psprintf("Total params: %s (%s)",
									model_count_text(m->nparams + frozen),
									model_memory_size(4.0 * (m->nparams + frozen))));
	summary_add(&out, core_psprintf("Trainable params: %s (%s)",
									model_count_text(m->nparams),
									model_memory_size(4.0 * m->nparams)));
	summary_add(&out, core_psprintf("Non-trainable params: %s (%s)",
									model_count_text(frozen),
									model_memory_size(4.0 * frozen)));
	summary_add(&out, summary_rule('_', width));
	*nlines = out.n;
	return out.lines;
}
