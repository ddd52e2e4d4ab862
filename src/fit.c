/*-------------------------------------------------------------------------
 *
 * fit.c
 *	  Training outside a search: hptune.fit() and hptune.retrain().
 *
 * fit() trains one hypermodel with given hyperparameters, retrain() a
 * study's best completed trial's hyperparameters, each as one execution of
 * a trial that belongs to no search (trial.c, trial_id -1): the same data
 * loading, the same checks and the same best-epoch checkpoint, stored in
 * hptune.models with no trial.  The hyperparameters are fixed values, so
 * they become a search space of hp_fixed rows.  options.seed makes a run
 * repeatable; without it each run draws a fresh seed.  hypermodel_options
 * (hmoptions.c) gives the image shape, classes and include_top.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"

#include "args.h"
#include "catalog.h"
#include "hmoptions.h"
#include "hpjson.h"
#include "loader.h"
#include "trial.h"

/* a jsonb object of hyperparameters as a space of fixed values */
static HpSpace *
fit_space_from_jsonb(Jsonb *jb, HpAssignment *values)
{
	HpSpace    *space = palloc0(sizeof(HpSpace));
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;
	char	   *key = NULL;
	int			n = 0;

	if (!JB_ROOT_IS_OBJECT(jb) || JB_ROOT_IS_SCALAR(jb))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("hyperparameters must be a jsonb object"),
				 errdetail("hyperparameters is %s.", JsonbToCString(NULL, &jb->root, 0)),
				 errhint("Pass an object such as '{\"units\": 64}'.")));
	space->hps = palloc0(sizeof(HpDef) * Max(JB_ROOT_COUNT(jb), 1));
	values->values = palloc0(sizeof(HpValue) * Max(JB_ROOT_COUNT(jb), 1));
	it = JsonbIteratorInit(&jb->root);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		if (tok == WJB_KEY)
			key = pnstrdup(v.val.string.val, v.val.string.len);
		else if (tok == WJB_VALUE)
		{
			space->hps[n].name = key;
			space->hps[n].kind = HP_FIXED;
			space->hps[n].default_value = hpjson_value(&v);
			values->values[n] = space->hps[n].default_value;
			n++;
		}
	}
	space->n = values->n = n;
	return space;
}

/* options.seed makes a training run repeatable; without it, a fresh seed */
static uint64
fit_seed(Jsonb *options)
{
	JsonbValue	v;

	if (getKeyJsonValueFromContainer(&options->root, "seed", 4, &v))
	{
		if (v.type != jbvNumeric)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("options.seed must be a number"),
					 errdetail("options is %s.", JsonbToCString(NULL, &options->root, 0)),
					 errhint("Pass an integer, such as '{\"seed\": 42}'.")));
		{
			double		d = DatumGetFloat8(DirectFunctionCall1(numeric_float8_no_overflow,
															   NumericGetDatum(v.val.numeric)));

			/* numeric_int8 rounds; beyond bigint it would fail without saying why */
			if (!(fabs(d) < 9.2e18))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("options.seed is out of range"),
						 errdetail("options is %s; a seed is a bigint.",
								   JsonbToCString(NULL, &options->root, 0)),
						 errhint("Pass an integer such as '{\"seed\": 42}'.")));
		}
		return (uint64) DatumGetInt64(DirectFunctionCall1(numeric_int8,
														  NumericGetDatum(v.val.numeric)));
	}
	return ((uint64) random() << 31) ^ (uint64) random();
}

/* shared by fit() and retrain(): one training run outside a search */
static TrialTraining *
fit_train(const Study *study, const char *hypermodel, Jsonb *hps,
			  SearchArgs *args, TrainData **data_out)
{
	HpAssignment values;
	HpSpace    *space = fit_space_from_jsonb(hps, &values);
	TrainData  *data;
	TrialRun	run;
	HyperModelOptions resolved;

	trial_hypermodel_kind(hypermodel);
	data = trial_load_data(args, study ? study->objective : NULL);
	*data_out = data;
	hmoptions_resolve(args, data, hypermodel, &resolved);
	memset(&run, 0, sizeof(run));
	run.study = study;
	run.hypermodel = hypermodel;
	run.trial_id = -1;
	run.space = space;
	run.values = &values;
	run.data = data;
	run.args = args;
	run.objective = data->validation.nrows > 0 ? "val_loss" : "loss";
	run.maximize = false;
	run.seed = fit_seed(args->options);
	run.executions = 1;
	return trial_run(&run);
}

/*
 * The arguments fit() and retrain() share, by position: train, epochs,
 * batch_size, options.  NULL is refused where the SQL default is not NULL.
 */
static void
fit_train_args(FunctionCallInfo fcinfo, SearchArgs *a, int train, int epochs,
				   int batch_size, int options)
{
	memset(a, 0, sizeof(SearchArgs));
	args_not_null(fcinfo, train, "train", "Pass train => a query whose last column is the label.");
	args_not_null(fcinfo, epochs, "epochs", "Pass epochs => a positive number, or leave it out for 1.");
	args_not_null(fcinfo, batch_size, "batch_size", "Pass batch_size => a positive number, or leave it out for 32.");
	args_not_null(fcinfo, options, "options", "Pass options => '{}', or leave it out.");
	a->train = text_to_cstring(PG_GETARG_TEXT_PP(train));
	a->epochs = PG_GETARG_INT32(epochs);
	a->batch_size = PG_GETARG_INT32(batch_size);
	a->options = PG_GETARG_JSONB_P(options);
}

/* {"model_id", "best_step", "metrics", "epoch_seconds", "load_seconds"} */
static Jsonb *
fit_result(const TrialTraining *tt, const TrainData *data)
{
	HpJsonObject o;
	double	   *seconds = palloc(sizeof(double) * Max(tt->nepochs, 1));

	/* timings to the microsecond */
	for (int i = 0; i < tt->nepochs; i++)
		seconds[i] = rint(tt->epoch_seconds[i] * 1e6) / 1e6;
	hpjson_begin(&o);
	hpjson_add_int(&o, "model_id", tt->model_id);
	hpjson_add_int(&o, "best_step", tt->best_step);
	hpjson_add_jsonb(&o, "metrics", tt->metrics);
	hpjson_add_float_array(&o, "epoch_seconds", seconds, tt->nepochs);
	hpjson_add_float(&o, "load_seconds", rint(data->load_seconds * 1e6) / 1e6);
	return hpjson_end(&o);
}

/*
 * fit(hypermodel, hyperparameters, train, validation, validation_split,
 *	   label, features, epochs, batch_size, options, hypermodel_options)
 */
PG_FUNCTION_INFO_V1(hptune_fit);
Datum
hptune_fit(PG_FUNCTION_ARGS)
{
	SearchArgs	a;
	TrainData  *data;
	TrialTraining *tt;
	char	   *hypermodel;

	args_not_null(fcinfo, 0, "hypermodel", "Pass a hypermodel such as 'mlp' or 'cnn'.");
	args_not_null(fcinfo, 1, "hyperparameters", "Pass hyperparameters => '{}' for the defaults.");
	fit_train_args(fcinfo, &a, 2, 7, 8, 9);
	a.validation = PG_ARGISNULL(3) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(3));
	a.has_validation_split = !PG_ARGISNULL(4);
	a.validation_split = a.has_validation_split ? PG_GETARG_FLOAT8(4) : 0;
	a.label = PG_ARGISNULL(5) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(5));
	if (!PG_ARGISNULL(6))
		trial_args_features(&a, PG_GETARG_ARRAYTYPE_P(6));
	trial_args_check(&a);
	/* before ALTER EXTENSION hptune UPDATE, fit has no argument 10 */
	if (PG_NARGS() > 10)
		args_not_null(fcinfo, 10, "hypermodel_options", "Pass hypermodel_options => '{}', or leave it out.");
	hypermodel = text_to_cstring(PG_GETARG_TEXT_PP(0));
	trial_hypermodel_kind(hypermodel);
	hmoptions_parse(PG_NARGS() > 10 ? PG_GETARG_JSONB_P(10) : NULL, hypermodel, &a.hmopts);

	tt = fit_train(NULL, hypermodel, PG_GETARG_JSONB_P(1), &a, &data);
	PG_RETURN_JSONB_P(fit_result(tt, data));
}

/*
 * retrain(study, train, epochs, label, features, batch_size, options,
 *		   hypermodel_options): the study's best hyperparameters, trained on
 * all of train; hypermodel_options null takes the study's.
 */
PG_FUNCTION_INFO_V1(hptune_retrain);
Datum
hptune_retrain(PG_FUNCTION_ARGS)
{
	Study	   *study = catalog_get_study(PG_ARGISNULL(0) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(0)), false);
	SearchArgs	a;
	TrainData  *data;
	TrialTraining *tt;
	Jsonb	   *best;

	if (study->hypermodel == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("study \"%s\" has no hypermodel to retrain", study->name),
				 errhint("retrain() needs a study created with a hypermodel, such as hypermodel => 'mlp'.")));
	fit_train_args(fcinfo, &a, 1, 2, 5, 6);
	a.label = PG_ARGISNULL(3) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(3));
	if (!PG_ARGISNULL(4))
		trial_args_features(&a, PG_GETARG_ARRAYTYPE_P(4));
	trial_args_check(&a);
	if (PG_NARGS() <= 7 || PG_ARGISNULL(7))
		hmoptions_parse_text(study->hypermodel_options, study->hypermodel, &a.hmopts);
	else
		hmoptions_parse(PG_GETARG_JSONB_P(7), study->hypermodel, &a.hmopts);
	best = catalog_best_hyperparameters(study->study_id);
	if (best == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_NO_DATA),
				 errmsg("study \"%s\" has no completed trial", study->name),
				 errdetail("retrain() trains the hyperparameters of the best completed trial."),
				 errhint("Run hptune.search() first.")));
	tt = fit_train(study, study->hypermodel, best, &a, &data);
	PG_RETURN_INT64(tt->model_id);
}
