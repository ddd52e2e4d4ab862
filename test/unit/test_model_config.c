/*
 * test_model_config.c
 *	  Unit tests of the model core's metrics (values against hand-computed
 *	  examples, names, directions), hypermodel configuration and default
 *	  search spaces.
 */
#include "core/model_internal.h"
#include "unit.h"
#include "model_build.h"

TEST(test_metric_values)
{
	/* AUC: 4 pairs, one misordered of four positive/negative pairs */
	MetricPair	pairs[4] = {{0.1f, 0}, {0.4f, 0}, {0.35f, 1}, {0.8f, 1}};
	MetricPair	ties[4] = {{0.5f, 0}, {0.5f, 1}, {0.9f, 1}, {0.1f, 0}};
	MetricAccum a;
	MetricPair	buf[5];
	MetricValue out[MODEL_MAX_METRICS];
	/* logits whose softmax gives p1: 0.9, 0.2, 0.7, 0.6, 0.1 */
	float		p1[5] = {0.9f, 0.2f, 0.7f, 0.6f, 0.1f};
	float		y[5] = {1, 1, 0, 1, 0};
	float		z[10];
	int			n;

	CHECK_NEAR(metric_auc(pairs, 4), 0.75, 1e-12);
	CHECK_NEAR(metric_auc(ties, 4), (1.0 + 1.0 + 1.0 + 0.5) / 4.0, 1e-12);
	for (int i = 0; i < 5; i++)
	{
		z[2 * i] = 0.0f;
		z[2 * i + 1] = logf(p1[i] / (1 - p1[i]));
	}
	metric_accum_reset(&a, TASK_CLASSIFICATION, 2, buf, 5);
	metric_accum_chunk(&a, z, y, 5, 2);
	a.loss_sum = a.data_loss_sum;
	n = metric_accum_finish(&a, METRICS_VALIDATION, out);
	CHECK(n == 7);
	CHECK_STR(out[1].name, "val_accuracy");
	/* predicted 1 1 0... : 0.9>0.5 yes, 0.2 no, 0.7 yes, 0.6 yes, 0.1 no */
	CHECK_NEAR(out[1].value, 3.0 / 5.0, 1e-9);	/* rows 0, 3, 4 right */
	CHECK_NEAR(out[2].value, -(log(0.9) + log(0.2) + log(0.3) + log(0.6) + log(0.9)) / 5, 1e-6);
	CHECK_STR(out[3].name, "val_auc");
	/* positives 0.9 0.2 0.6; negatives 0.7 0.1: pairs won 2+1+1+... */
	CHECK_NEAR(out[3].value, (2 + 1 + 1) / 6.0 + 0.0, 1e-6);
	CHECK_NEAR(out[4].value, 2.0 / 3.0, 1e-9);	/* precision: tp 2, fp 1 */
	CHECK_NEAR(out[5].value, 2.0 / 3.0, 1e-9);	/* recall: tp 2, fn 1 */
	CHECK_NEAR(out[6].value, 2.0 / 3.0, 1e-9);

	/* regression: errors 1, -1, 2, 0 on y 1 2 3 4 */
	{
		float		zr[4] = {2, 1, 5, 4};
		float		yr[4] = {1, 2, 3, 4};

		metric_accum_reset(&a, TASK_REGRESSION, 0, NULL, 0);
		metric_accum_chunk(&a, zr, yr, 2, 1);
		metric_accum_chunk(&a, zr + 2, yr + 2, 2, 1);
		a.loss_sum = a.data_loss_sum;
		n = metric_accum_finish(&a, METRICS_EVALUATE, out);
		CHECK(n == 5);
		CHECK_STR(out[1].name, "mean_squared_error");
		CHECK_NEAR(out[1].value, 6.0 / 4.0, 1e-9);
		CHECK_NEAR(out[2].value, 4.0 / 4.0, 1e-9);
		CHECK_NEAR(out[3].value, sqrt(1.5), 1e-9);
		CHECK_STR(out[4].name, "r2");
		CHECK_NEAR(out[4].value, 1.0 - 6.0 / 5.0, 1e-9);
	}
}

TEST(test_evaluate_by_hand)
{
	/* a linear regression model y = 2 x + 1, set by hand */
	DatasetEncoding e = enc_make(1, TASK_REGRESSION, 0);
	Dataset		d = data_make(3, 1);
	ModelConfig c;
	Model	   *m;
	EpochResult r;

	model_config_init(&c, HYPERMODEL_LINEAR, 4);
	c.l2 = 0.5;
	m = model_create(&c, &e);
	m->params[0] = 2.0f;
	m->params[1] = 1.0f;
	d.x[0] = 0;
	d.x[1] = 1;
	d.x[2] = 2;
	d.y[0] = 1;
	d.y[1] = 4;
	d.y[2] = 5;
	model_evaluate(m, &d, TASK_REGRESSION, &r);
	CHECK_STR(r.metrics[0].name, "loss");
	CHECK_NEAR(r.metrics[1].value, 1.0 / 3.0, 1e-7);
	CHECK_NEAR(r.metrics[0].value, 1.0 / 3.0 + 0.5 * 4.0, 1e-6);	/* + l2 w^2 */
	CHECK_NEAR(r.metrics[2].value, 1.0 / 3.0, 1e-7);
	EXPECT_ERROR(CORE_ERR_INVALID_PARAMETER,
				 model_evaluate(m, &d, TASK_CLASSIFICATION, &r));
	d.ncols = 2;
	EXPECT_ERROR(CORE_ERR_DATATYPE_MISMATCH,
				 model_evaluate(m, &d, TASK_REGRESSION, &r));
}

TEST(test_metric_direction_and_names)
{
	int			n;
	const char **names;

	CHECK(metric_direction("val_accuracy") == 1);
	CHECK(metric_direction("accuracy") == 1);
	CHECK(metric_direction("val_auc") == 1);
	CHECK(metric_direction("val_r2") == 1);
	CHECK(metric_direction("f1") == 1);
	CHECK(metric_direction("sparse_categorical_accuracy") == 1);
	CHECK(metric_direction("val_loss") == -1);
	CHECK(metric_direction("val_mean_absolute_error") == -1);
	CHECK(metric_direction("crossentropy") == -1);
	CHECK(metric_direction("val_root_mean_squared_error") == -1);
	CHECK(metric_direction("my_custom_loss") == -1);
	CHECK(metric_direction("mse") == -1);
	CHECK(metric_direction("val_weird") == 0);
	CHECK(metric_direction("") == 0);

	names = model_metric_names(TASK_CLASSIFICATION, 10, false, &n);
	CHECK(n == 3);
	names = model_metric_names(TASK_CLASSIFICATION, 10, true, &n);
	CHECK(n == 6);
	CHECK_STR(names[5], "val_crossentropy");
	names = model_metric_names(TASK_CLASSIFICATION, 2, true, &n);
	CHECK(n == 10);
	CHECK_STR(names[9], "val_f1");
	names = model_metric_names(TASK_REGRESSION, 0, true, &n);
	CHECK(n == 9);
	CHECK_STR(names[8], "val_r2");
}


TEST(test_config_set)
{
	ModelConfig c;
	HpValue		none = {HPV_NONE, 0, 0, false, NULL};

	model_config_init(&c, HYPERMODEL_MLP, 32);
	CHECK(c.num_layers == 1 && c.units[0] == 32 && c.learning_rate == 1e-3);
	CHECK(c.shuffle && !c.normalize && c.optimizer == OPT_ADAM);
	CHECK(model_config_set(&c, "num_layers", hp_int_value(3)));
	CHECK(model_config_set(&c, "units", hp_int_value(64)));
	CHECK(model_config_set(&c, "units_1", hp_int_value(128)));
	CHECK(c.units[0] == 64 && c.units[1] == 128 && c.units[2] == 64);
	CHECK(model_config_set(&c, "activation", hp_text_value("GELU")));
	CHECK(c.activation == ACT_GELU);
	CHECK(model_config_set(&c, "dropout", hp_bool_value(true)));
	CHECK(c.dropout_rate == 0.25);
	CHECK(model_config_set(&c, "dropout_rate", hp_float_value(0.1)));
	CHECK(c.dropout_rate == 0.1);
	CHECK(model_config_set(&c, "lr", hp_float_value(0.02)));
	CHECK(c.learning_rate == 0.02);
	CHECK(model_config_set(&c, "optimizer", hp_text_value("rmsprop")));
	CHECK(c.optimizer == OPT_RMSPROP);
	CHECK(model_config_set(&c, "batch_size", hp_int_value(64)));
	CHECK(c.batch_size == 64);
	CHECK(model_config_set(&c, "normalize", hp_bool_value(true)));
	CHECK(model_config_set(&c, "l2", hp_float_value(1e-4)));
	CHECK(model_config_set(&c, "units_2", none));
	CHECK(c.units[2] == 64);
	CHECK(!model_config_set(&c, "units_16", hp_int_value(3)));
	CHECK(!model_config_set(&c, "unknown", hp_int_value(3)));
	CHECK(!model_config_set(&c, "units_01", hp_int_value(3)));

	EXPECT_ERROR(CORE_ERR_INVALID_PARAMETER, model_config_set(&c, "units_0", hp_int_value(0)));
	EXPECT_ERROR(CORE_ERR_INVALID_PARAMETER, model_config_set(&c, "num_layers", hp_int_value(17)));
	EXPECT_ERROR(CORE_ERR_INVALID_PARAMETER, model_config_set(&c, "activation", hp_text_value("swish")));
	EXPECT_ERROR(CORE_ERR_INVALID_PARAMETER, model_config_set(&c, "learning_rate", hp_float_value(-1)));
	EXPECT_ERROR(CORE_ERR_INVALID_PARAMETER, model_config_set(&c, "learning_rate", hp_float_value(0)));
	EXPECT_ERROR(CORE_ERR_INVALID_PARAMETER, model_config_set(&c, "dropout_rate", hp_float_value(1.0)));
	EXPECT_ERROR(CORE_ERR_INVALID_PARAMETER, model_config_set(&c, "units", hp_float_value(2.5)));
	EXPECT_ERROR(CORE_ERR_INVALID_PARAMETER, model_config_set(&c, "optimizer", hp_int_value(1)));
	CHECK(strstr(core_test_last_msg, "\"optimizer\"") != NULL);

	model_config_init(&c, HYPERMODEL_LINEAR, 32);
	CHECK(c.num_layers == 0 && c.learning_rate == 0.01);
	CHECK(!model_config_set(&c, "units", hp_int_value(4)));
	CHECK(!model_config_set(&c, "num_layers", hp_int_value(2)));
	CHECK(c.num_layers == 0);
	CHECK(model_config_set(&c, "l1", hp_float_value(0.01)));
	CHECK(model_config_set(&c, "learning_rate", hp_int_value(1)));
}

TEST(test_default_spaces)
{
	HpSpace		s;
	HyperModelKind k;

	CHECK(hypermodel_from_name("MLP", &k) && k == HYPERMODEL_MLP);
	CHECK(hypermodel_from_name("linear", &k) && k == HYPERMODEL_LINEAR);
	CHECK(hypermodel_from_name("resnet", &k) && k == (HyperModelKind) 2);
	CHECK(!hypermodel_from_name("xgboost", &k));
	CHECK_STR(hypermodel_names(), "mlp, linear, resnet, xception, cnn");

	hypermodel_default_space(HYPERMODEL_MLP, &s);
	CHECK(s.n == 7);
	CHECK_STR(s.hps[0].name, "num_layers");
	CHECK(s.hps[0].min_value == 1 && s.hps[0].max_value == 3);
	CHECK_STR(s.hps[2].name, "units_1");
	CHECK_STR(s.hps[2].parent_name, "num_layers");
	CHECK(s.hps[2].nparent_values == 2 && s.hps[2].parent_values[0].i == 2 &&
		  s.hps[2].parent_values[1].i == 3);
	CHECK(s.hps[3].nparent_values == 1 && s.hps[3].parent_values[0].i == 3);
	CHECK(s.hps[1].step == 32 && s.hps[1].max_value == 512);
	CHECK_STR(s.hps[4].choices[1].s, "tanh");
	CHECK(s.hps[5].kind == HP_BOOLEAN);
	CHECK_STR(s.hps[6].name, "lr");
	CHECK(s.hps[6].sampling == HP_SAMPLING_LOG);
	/* every default-space name is one the hypermodel reads */
	{
		ModelConfig c;

		model_config_init(&c, HYPERMODEL_MLP, 32);
		for (int i = 0; i < s.n; i++)
		{
			HpValue		none = {HPV_NONE, 0, 0, false, NULL};

			CHECK(model_config_set(&c, s.hps[i].name, none));
		}
	}
	hypermodel_default_space(HYPERMODEL_LINEAR, &s);
	CHECK(s.n == 2);
	CHECK(s.hps[0].default_value.f == 0.01);
	CHECK(s.hps[1].nchoices == 5 && s.hps[1].choices[0].f == 0.0);
}

int
main(void)
{
	RUN(test_metric_values);
	RUN(test_evaluate_by_hand);
	RUN(test_metric_direction_and_names);
	RUN(test_config_set);
	RUN(test_default_spaces);
	UNIT_DONE();
}
