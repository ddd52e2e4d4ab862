/*-------------------------------------------------------------------------
 *
 * hmoptions.c
 *	  hypermodel_options of create_study, fit and retrain.
 *
 * The object holds what KerasTuner's application constructors take:
 *
 *	 input_shape	[height, width, channels] of one image (or [n], a
 *					vector); the row's values are read as that image, row
 *					by row, channels last
 *	 classes		the number of classes of the top (default: the labels')
 *	 include_top	whether the network has its classifier (default true);
 *					training needs it, so false is refused once data is loaded
 *
 * create_study keeps the object in hptune.studies.hypermodel_options; a
 * study resumes only with the same object.  The checks here run when the
 * object is given (create_study, the studies trigger, fit, retrain); the
 * checks against the data (hmoptions_resolve) once the data is loaded,
 * before any model is built.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"

#include "core/graph.h"
#include "hmoptions.h"

#define HMOPTIONS_HINT "Pass for example '{\"input_shape\": [28, 28, 1], \"classes\": 10}'."

static const char *const hmoptions_image_hypermodels[] = {"resnet", "xception", "cnn"};

bool
hmoptions_is_image_hypermodel(const char *hypermodel)
{
	for (int i = 0; i < lengthof(hmoptions_image_hypermodels); i++)
		if (hypermodel && strcmp(hypermodel, hmoptions_image_hypermodels[i]) == 0)
			return true;
	return false;
}

static char *
hmoptions_value_text(JsonbValue *v)
{
	JsonbValue	copy = *v;
	Jsonb	   *jb = JsonbValueToJsonb(&copy);

	return JsonbToCString(NULL, &jb->root, 0);
}

/* a positive integer no larger than max, or -1 */
static int
hmoptions_positive_int(JsonbValue *v, int max)
{
	double		d;

	if (v->type != jbvNumeric)
		return -1;
	d = DatumGetFloat8(DirectFunctionCall1(numeric_float8,
										   NumericGetDatum(v->val.numeric)));
	if (!(d >= 1 && d <= max) || d != floor(d))
		return -1;
	return (int) d;
}

static void
hmoptions_bad_shape(const char *text)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("hypermodel_options.input_shape must be [height, width, channels]"),
			 errdetail("input_shape is %s; it takes three positive integers of at most %d (or one, the length of a vector).",
					   text, GRAPH_MAX_DIM),
			 errhint("Pass for example '{\"input_shape\": [28, 28, 1]}' for 28x28 images of one channel.")));
}

static void
hmoptions_input_shape(JsonbValue *v, HyperModelOptions *out)
{
	char	   *text = hmoptions_value_text(v);
	JsonbIterator *it;
	JsonbIteratorToken tok;
	JsonbValue	elem;
	int			n = 0;
	int64		size = 1;

	if (v->type != jbvBinary || !JsonContainerIsArray(v->val.binary.data))
		hmoptions_bad_shape(text);
	it = JsonbIteratorInit(v->val.binary.data);
	while ((tok = JsonbIteratorNext(&it, &elem, true)) != WJB_DONE)
	{
		int			d;

		if (tok != WJB_ELEM)
			continue;
		d = hmoptions_positive_int(&elem, GRAPH_MAX_DIM);
		if (d < 0 || n >= 3)
			hmoptions_bad_shape(text);
		out->input_shape[n++] = d;
		size *= d;
	}
	if (n != 1 && n != 3)
		hmoptions_bad_shape(text);
	if (size > MODEL_MAX_PARAMS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("hypermodel_options.input_shape is too large"),
				 errdetail("input_shape is %s, " INT64_FORMAT " values per example.", text, size),
				 errhint("Pass smaller images.")));
	out->input_rank = n;
}

void
hmoptions_parse(Jsonb *options, const char *hypermodel, HyperModelOptions *out)
{
	JsonbIterator *it;
	JsonbIteratorToken tok;
	JsonbValue	v;
	char	   *key = NULL;

	memset(out, 0, sizeof(*out));
	out->include_top = true;
	if (options == NULL)
		return;
	if (!JB_ROOT_IS_OBJECT(options) || JB_ROOT_IS_SCALAR(options))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("hypermodel_options must be a jsonb object"),
				 errdetail("hypermodel_options is %s.", JsonbToCString(NULL, &options->root, 0)),
				 errhint(HMOPTIONS_HINT)));
	if (hypermodel == NULL && JB_ROOT_COUNT(options) > 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("hypermodel_options needs a hypermodel"),
				 errdetail("hypermodel is null and hypermodel_options is %s.",
						   JsonbToCString(NULL, &options->root, 0)),
				 errhint("Leave hypermodel_options out when tuning an objective function.")));

	it = JsonbIteratorInit(&options->root);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		if (tok == WJB_KEY)
		{
			key = pnstrdup(v.val.string.val, v.val.string.len);
			continue;
		}
		if (tok != WJB_VALUE)
			continue;
		if (strcmp(key, "input_shape") == 0)
			hmoptions_input_shape(&v, out);
		else if (strcmp(key, "classes") == 0)
		{
			out->classes = hmoptions_positive_int(&v, MODEL_MAX_UNITS);
			if (out->classes < 0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("hypermodel_options.classes must be a positive integer"),
						 errdetail("classes is %s.", hmoptions_value_text(&v)),
						 errhint("Pass the number of classes, such as '{\"classes\": 10}', or leave it out to count the labels.")));
		}
		else if (strcmp(key, "include_top") == 0)
		{
			if (v.type != jbvBool)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("hypermodel_options.include_top must be a boolean"),
						 errdetail("include_top is %s.", hmoptions_value_text(&v)),
						 errhint("Pass true or false, or leave it out for true.")));
			out->include_top = v.val.boolean;
		}
		else
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("unknown key \"%s\" in hypermodel_options", key),
					 errdetail("The keys hypermodel_options takes are input_shape, classes and include_top."),
					 errhint(HMOPTIONS_HINT)));
	}
	if (out->input_rank == 3 && hypermodel && !hmoptions_is_image_hypermodel(hypermodel))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("hypermodel \"%s\" takes no image input_shape", hypermodel),
				 errdetail("hypermodel_options.input_shape is %s; \"%s\" reads each row as a vector.",
						   hmoptions_shape_text(out), hypermodel),
				 errhint("Use hypermodel => 'cnn', 'resnet' or 'xception' for images, or leave input_shape out.")));
}

/* the text of a stored hypermodel_options column */
void
hmoptions_parse_text(const char *json, const char *hypermodel,
					 HyperModelOptions *out)
{
	hmoptions_parse(json ? DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(json))) : NULL,
					hypermodel, out);
}

char *
hmoptions_shape_text(const HyperModelOptions *o)
{
	if (o->input_rank == 3)
		return psprintf("[%d, %d, %d]", o->input_shape[0], o->input_shape[1],
						o->input_shape[2]);
	if (o->input_rank == 1)
		return psprintf("[%d]", o->input_shape[0]);
	return pstrdup("[]");
}

int64
hmoptions_input_size(const HyperModelOptions *o)
{
	int64		size = o->input_rank > 0 ? 1 : 0;

	for (int i = 0; i < o->input_rank; i++)
		size *= o->input_shape[i];
	return size;
}

void
hmoptions_resolve(const SearchArgs *args, const TrainData *data,
				  const char *hypermodel, HyperModelOptions *out)
{
	const DatasetEncoding *enc = data->enc;

	*out = args->hmopts;
	if (!out->include_top)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("a network without its top cannot be trained"),
				 errdetail("hypermodel_options.include_top is false: the network would end at its features, with no output for the labels."),
				 errhint("Leave include_top out, or set it to true.")));
	if (out->input_rank == 0 && data->array_ndim >= 2 &&
		hmoptions_is_image_hypermodel(hypermodel))
	{
		out->input_rank = 3;
		out->input_shape[0] = data->array_dims[0];
		out->input_shape[1] = data->array_dims[1];
		out->input_shape[2] = data->array_ndim == 3 ? data->array_dims[2] : 1;
	}
	if (out->input_rank > 0 && hmoptions_input_size(out) != enc->ncols)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("the training rows have %d values, not the " INT64_FORMAT " of input_shape %s",
						enc->ncols, hmoptions_input_size(out), hmoptions_shape_text(out)),
				 errdetail("The features of a row, one-hot columns included, are read as one example of input_shape."),
				 errhint("Select the image's values only, or pass the input_shape of the data.")));
	if (out->classes > 0 && enc->task == TASK_CLASSIFICATION &&
		out->classes != enc->nclasses)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("hypermodel_options.classes is %d but the training labels have %d classes",
						out->classes, enc->nclasses),
				 errdetail("A model predicts the classes found in its training labels."),
				 errhint("Leave classes out, or train on rows with every class.")));
}
