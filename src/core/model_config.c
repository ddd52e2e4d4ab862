/*-------------------------------------------------------------------------
 *
 * model_config.c
 *	  The built-in hypermodels' names, default search spaces, and the
 *	  reading of a trial's hyperparameters into a ModelConfig (pure C).
 *
 * A hypermodel is a name ("mlp", "linear", ...), a default search space
 * (the KerasTuner guide's build_model for mlp), and a reading of
 * hyperparameter values into a ModelConfig.  Reading is by name, one value
 * at a time, so the caller can hand over a trial's values as they come and
 * learn which names the hypermodel ignored.  Training settings are read
 * here for every hypermodel; the rest goes to the hypermodel's own `set`
 * (graph.h).  Every value is checked, so a bad combination fails the trial
 * with a message before any memory is spent.
 *
 *-------------------------------------------------------------------------
 */
#include "core/hm_conv.h"
#include "core/model_internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char *model_activation_names[] = {
	"relu", "tanh", "sigmoid", "elu", "selu", "gelu", "linear"
};
static const char *model_optimizer_names[] = {
	"adam", "sgd", "rmsprop", "adagrad", "adamw"
};

#define MODEL_LENGTHOF(a) ((int) (sizeof(a) / sizeof((a)[0])))

static bool
model_lookup(const char *name, const char **names, int n, int *out)
{
	if (name == NULL)
		return false;
	for (int i = 0; i < n; i++)
		if (strcasecmp(name, names[i]) == 0)
		{
			*out = i;
			return true;
		}
	return false;
}

bool
hypermodel_from_name(const char *name, HyperModelKind *kind)
{
	if (name == NULL)
		return false;
	for (int i = 0; i < hypermodel_count; i++)
		if (strcasecmp(name, hypermodel_defs[i]->name) == 0)
		{
			*kind = (HyperModelKind) i;
			return true;
		}
	return false;
}

const char *
hypermodel_name(HyperModelKind kind)
{
	return (unsigned) kind < (unsigned) hypermodel_count
		? hypermodel_defs[kind]->name : "unknown";
}

const char *
hypermodel_names(void)
{
	static char buf[256];

	buf[0] = '\0';
	for (int i = 0; i < hypermodel_count; i++)
	{
		if (i > 0)
			strncat(buf, ", ", sizeof(buf) - strlen(buf) - 1);
		strncat(buf, hypermodel_defs[i]->name, sizeof(buf) - strlen(buf) - 1);
	}
	return buf;
}

bool
activation_from_name(const char *name, Activation *a)
{
	int			i;

	if (!model_lookup(name, model_activation_names,
					  MODEL_LENGTHOF(model_activation_names), &i))
		return false;
	*a = (Activation) i;
	return true;
}

const char *
activation_name(Activation a)
{
	return (unsigned) a <= ACT_LINEAR ? model_activation_names[a] : "unknown";
}

bool
optimizer_from_name(const char *name, OptimizerKind *o)
{
	int			i;

	if (!model_lookup(name, model_optimizer_names,
					  MODEL_LENGTHOF(model_optimizer_names), &i))
		return false;
	*o = (OptimizerKind) i;
	return true;
}

const char *
optimizer_name(OptimizerKind o)
{
	return (unsigned) o <= OPT_ADAMW ? model_optimizer_names[o] : "unknown";
}

/* ---- default search spaces ---- */


static void
model_space_units(HpSpace *s, const char *name, int nparents)
{
	HpDef	   *hp = hm_space_add(s, name, HP_INT);

	hp->min_value = 32;
	hp->max_value = 512;
	hp->has_step = true;
	hp->step = 32;
	if (nparents > 0)
	{
		/* units_i is active when num_layers > i: values i+1 .. 3 */
		hp->parent_name = "num_layers";
		hp->nparent_values = nparents;
		hp->parent_values = core_alloc(nparents * sizeof(HpValue));
		for (int i = 0; i < nparents; i++)
			hp->parent_values[i] = hp_int_value(4 - nparents + i);
	}
}

void
hypermodel_default_space(HyperModelKind kind, HpSpace *out)
{
	hypermodel_defs[kind]->default_space(out);
}

static void
model_dense_space(HyperModelKind kind, HpSpace *out)
{
	HpDef	   *hp;

	out->n = 0;
	out->hps = core_alloc(8 * sizeof(HpDef));
	if (kind == HYPERMODEL_MLP)
	{
		hp = hm_space_add(out, "num_layers", HP_INT);
		hp->min_value = 1;
		hp->max_value = 3;
		hp->has_step = true;
		hp->step = 1;
		model_space_units(out, "units_0", 0);
		model_space_units(out, "units_1", 2);
		model_space_units(out, "units_2", 1);
		hp = hm_space_add(out, "activation", HP_CHOICE);
		hp->nchoices = 2;
		hp->choices = core_alloc(2 * sizeof(HpValue));
		hp->choices[0] = hp_text_value("relu");
		hp->choices[1] = hp_text_value("tanh");
		hm_space_add(out, "dropout", HP_BOOLEAN);
		hp = hm_space_add(out, "lr", HP_FLOAT);
		hp->min_value = 1e-4;
		hp->max_value = 1e-2;
		hp->sampling = HP_SAMPLING_LOG;
	}
	else
	{
		static const double l2s[] = {0.0, 1e-5, 1e-4, 1e-3, 1e-2};

		hp = hm_space_add(out, "learning_rate", HP_FLOAT);
		hp->min_value = 1e-4;
		hp->max_value = 1e-1;
		hp->sampling = HP_SAMPLING_LOG;
		hp->default_value = hp_float_value(0.01);
		hp = hm_space_add(out, "l2", HP_CHOICE);
		hp->nchoices = MODEL_LENGTHOF(l2s);
		hp->choices = core_alloc(hp->nchoices * sizeof(HpValue));
		for (int i = 0; i < hp->nchoices; i++)
			hp->choices[i] = hp_float_value(l2s[i]);
		hp->ordered = true;
		hp->default_value = hp_float_value(0.0);
	}
}

/* ---- configuration ---- */

void
model_config_init(ModelConfig *c, HyperModelKind kind, int batch_size)
{
	memset(c, 0, sizeof(*c));
	c->kind = kind;
	c->num_layers = kind == HYPERMODEL_MLP ? 1 : 0;
	for (int i = 0; i < MODEL_MAX_LAYERS; i++)
		c->units[i] = 32;
	c->activation = ACT_RELU;
	c->options.include_top = true;
	c->dropout_rate = 0.0;
	c->learning_rate = kind == HYPERMODEL_MLP ? 1e-3 : 0.01;
	c->optimizer = OPT_ADAM;
	c->momentum = 0.0;
	c->batch_size = batch_size;
	c->normalize = false;
	c->shuffle = true;
	c->seed = 0;
	if ((unsigned) kind < (unsigned) hypermodel_count && hypermodel_defs[kind]->config_init)
		hypermodel_defs[kind]->config_init(c);
}

/* names both hypermodels read */
static bool
model_config_set_training(ModelConfig *c, const char *name, HpValue v)
{
	if (strcmp(name, "learning_rate") == 0 || strcmp(name, "lr") == 0)
	{
		c->learning_rate = hm_get_number(name, v, 0.0, 1e6, "a positive number");
		if (c->learning_rate == 0.0)
			hm_bad_value(name, v, "a positive number");
	}
	else if (strcmp(name, "optimizer") == 0)
	{
		if (v.type != HPV_TEXT || !optimizer_from_name(v.s, &c->optimizer))
			hm_bad_value(name, v, "one of adam, sgd, rmsprop, adagrad, adamw");
	}
	else if (strcmp(name, "momentum") == 0)
		c->momentum = hm_get_number(name, v, 0.0, 1.0, "a number between 0 and 1");
	else if (strcmp(name, "batch_size") == 0)
		c->batch_size = hm_get_int(name, v, 1, MODEL_MAX_BATCH_SIZE,
									  "an integer between 1 and 1048576");
	else if (strcmp(name, "l1") == 0)
		c->l1 = hm_get_number(name, v, 0.0, 1e6, "a non-negative number");
	else if (strcmp(name, "l2") == 0)
		c->l2 = hm_get_number(name, v, 0.0, 1e6, "a non-negative number");
	else if (strcmp(name, "normalize") == 0)
		c->normalize = hm_get_bool(name, v);
	else if (strcmp(name, "shuffle") == 0)
		c->shuffle = hm_get_bool(name, v);
	else
		return false;
	return true;
}

/* i for "units_<i>" with i below MODEL_MAX_LAYERS, else -1 */
static int
model_units_index(const char *name)
{
	const char *p = name + 6;
	int			layer = 0;

	if (strncmp(name, "units_", 6) != 0 || *p == '\0' || strlen(p) > 2 ||
		(p[0] == '0' && p[1] != '\0'))
		return -1;
	for (; *p; p++)
	{
		if (*p < '0' || *p > '9')
			return -1;
		layer = layer * 10 + (*p - '0');
	}
	return layer < MODEL_MAX_LAYERS ? layer : -1;
}

/* does the hypermodel read this name? */
static bool
model_config_reads(HyperModelKind kind, const char *name)
{
	static const char *training[] = {
		"learning_rate", "lr", "optimizer", "momentum", "batch_size", "l1",
		"l2", "normalize", "shuffle"
	};
	static const char *network[] = {
		"num_layers", "units", "activation", "dropout", "dropout_rate"
	};
	int			i;

	if (model_lookup(name, training, MODEL_LENGTHOF(training), &i))
		return true;
	return kind == HYPERMODEL_MLP &&
		(model_lookup(name, network, MODEL_LENGTHOF(network), &i) ||
		 model_units_index(name) >= 0);
}

/* names only the mlp reads */
static bool
model_config_set_network(ModelConfig *c, const char *name, HpValue v)
{
	if (strcmp(name, "num_layers") == 0)
		c->num_layers = hm_get_int(name, v, 0, MODEL_MAX_LAYERS,
									  "an integer between 0 and 16");
	else if (strcmp(name, "units") == 0)
	{
		int			u = hm_get_int(name, v, 1, MODEL_MAX_UNITS,
									  "an integer between 1 and 65536");

		for (int i = 0; i < MODEL_MAX_LAYERS; i++)
			c->units[i] = u;
	}
	else if (model_units_index(name) >= 0)
		c->units[model_units_index(name)] =
			hm_get_int(name, v, 1, MODEL_MAX_UNITS,
						  "an integer between 1 and 65536");
	else if (strcmp(name, "activation") == 0)
	{
		if (v.type != HPV_TEXT || !activation_from_name(v.s, &c->activation))
			hm_bad_value(name, v,
							"one of relu, tanh, sigmoid, elu, selu, gelu, linear");
	}
	else if (strcmp(name, "dropout") == 0)
	{
		if (v.type == HPV_FLOAT)
			c->dropout_rate = hm_get_number(name, v, 0.0, 0.99, "a boolean or a rate from 0 to 0.99");
		else
			c->dropout_rate = hm_get_bool(name, v) ? 0.25 : 0.0;
	}
	else if (strcmp(name, "dropout_rate") == 0)
		c->dropout_rate = hm_get_number(name, v, 0.0, 0.99, "a number from 0 to 0.99");
	else
		return false;
	return true;
}

bool
model_config_set(ModelConfig *c, const char *name, HpValue value)
{
	if (name == NULL)
		return false;
	if (value.type == HPV_NONE)
		return model_config_reads(c->kind, name) ||
			(c->kind > HYPERMODEL_LINEAR && hypermodel_defs[c->kind]->set(c, name, value));
	if (model_config_set_training(c, name, value))
		return true;
	return hypermodel_defs[c->kind]->set(c, name, value);
}

void
model_config_keep(ModelConfig *c, const char *name, HpValue v)
{
	for (int i = 0; i < c->nkept; i++)
		if (strcmp(c->kept[i].name, name) == 0)
		{
			c->kept[i].value = v;
			return;
		}
	if (c->nkept >= MODEL_MAX_KEPT)
		core_error(CORE_ERR_PROGRAM_LIMIT, "too many hyperparameters",
				   model_detail("A hypermodel keeps at most %d values.", MODEL_MAX_KEPT),
				   NULL);
	c->kept[c->nkept].name = name;
	c->kept[c->nkept].value = v;
	c->nkept++;
}

bool
model_config_get(const ModelConfig *c, const char *name, HpValue *v)
{
	for (int i = 0; i < c->nkept; i++)
		if (strcmp(c->kept[i].name, name) == 0)
		{
			*v = c->kept[i].value;
			return true;
		}
	return false;
}

/* ---- mlp and linear ---- */

static void
model_mlp_space(HpSpace *out)
{
	model_dense_space(HYPERMODEL_MLP, out);
}

static void
model_linear_space(HpSpace *out)
{
	model_dense_space(HYPERMODEL_LINEAR, out);
}

static bool
model_mlp_set(ModelConfig *c, const char *name, HpValue v)
{
	return model_config_set_network(c, name, v);
}

static bool
model_linear_set(ModelConfig *c, const char *name, HpValue v)
{
	return false;
}

const HyperModelDef hypermodel_mlp = {
	.name = "mlp",
	.default_space = model_mlp_space,
	.set = model_mlp_set,
	.build = hypermodel_dense_build,
};

const HyperModelDef hypermodel_linear = {
	.name = "linear",
	.default_space = model_linear_space,
	.set = model_linear_set,
	.build = hypermodel_dense_build,
};

