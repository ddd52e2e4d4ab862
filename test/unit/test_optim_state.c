/*
 * test_optim_state.c
 *	  Unit tests of a training run's checkpoint state
 *	  (src/core/optim_state.c): an exact resume, and hostile blobs.
 */
#include "unit.h"

#include "model_build.h"

#include "core/model.h"
#include "core/optim_state.h"

static double
os_urand(uint64_t *s)
{
	*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
	return (double) (*s >> 11) / 9007199254740992.0 * 2.0 - 1.0;
}

static Dataset
os_data(void)
{
	Dataset		d = data_make(203, 3);
	uint64_t	s = 5;

	for (int i = 0; i < 203; i++)
	{
		for (int j = 0; j < 3; j++)
			d.x[i * 3 + j] = (float) os_urand(&s);
		d.y[i] = d.x[i * 3] * d.x[i * 3 + 1] - d.x[i * 3 + 2];
	}
	return d;
}

static ModelConfig
os_config(OptimizerKind opt, double momentum)
{
	ModelConfig c;

	model_config_init(&c, HYPERMODEL_MLP, 16);
	c.units[0] = 8;
	c.dropout_rate = 0.25;
	c.optimizer = opt;
	c.momentum = momentum;
	c.learning_rate = 0.01;
	c.seed = 99;
	return c;
}

/*
 * Training 3 epochs in one run, or 1 epoch, a checkpoint, and 2 more in a
 * fresh model and trainer, gives the same weights bit for bit.
 */
static void
os_check_resume(OptimizerKind opt, double momentum)
{
	Dataset		d = os_data();
	DatasetEncoding e = enc_make(3, TASK_REGRESSION, 0);
	ModelConfig c = os_config(opt, momentum);
	Model	   *whole = model_create(&c, &e);
	Model	   *first = model_create(&c, &e);
	Model	   *second = model_create(&c, &e);
	Trainer    *tw = trainer_create(whole, &d, NULL);
	Trainer    *t1 = trainer_create(first, &d, NULL);
	Trainer    *t2;
	EpochResult r;
	size_t		n;
	size_t		len;
	void	   *state;
	float	   *pw;
	float	   *p1;
	float	   *p2;

	for (int i = 0; i < 3; i++)
		trainer_run_epoch(tw, &r);
	trainer_run_epoch(t1, &r);
	state = trainer_state_serialize(t1, &len);
	CHECK(optim_state_epochs(state, len) == 1);
	t2 = trainer_create(second, &d, NULL);
	trainer_state_restore(t2, state, len);
	p1 = model_params(first, &n);
	p2 = model_params(second, &n);
	memcpy(p2, p1, n * sizeof(float));
	trainer_run_epoch(t2, &r);
	trainer_run_epoch(t2, &r);
	pw = model_params(whole, &n);
	CHECK(memcmp(pw, p2, n * sizeof(float)) == 0);
	/* without the optimizer state the run goes elsewhere */
	{
		Model	   *fresh = model_create(&c, &e);
		Trainer    *tf = trainer_create(fresh, &d, NULL);
		float	   *pf = model_params(fresh, &n);

		memcpy(pf, p1, n * sizeof(float));
		trainer_run_epoch(tf, &r);
		trainer_run_epoch(tf, &r);
		CHECK(memcmp(pw, pf, n * sizeof(float)) != 0);
	}
}

TEST(test_resume_is_exact)
{
	os_check_resume(OPT_ADAM, 0);
	os_check_resume(OPT_ADAMW, 0);
	os_check_resume(OPT_SGD, 0);
	os_check_resume(OPT_SGD, 0.9);
	os_check_resume(OPT_RMSPROP, 0);
	os_check_resume(OPT_RMSPROP, 0.5);
	os_check_resume(OPT_ADAGRAD, 0);
}

static uint32_t
os_get32(const unsigned char *p)
{
	return p[0] | (p[1] << 8) | (p[2] << 16) | ((uint32_t) p[3] << 24);
}

static void
os_put32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char) (v >> (8 * i));
}

/* fix the checksum after an edit, as a careful attacker would */
static void
os_reseal(unsigned char *b, size_t len)
{
	os_put32(b + len - 4, model_format_crc32(b, len - 4));
}

TEST(test_hostile_blobs_are_refused)
{
	Dataset		d = os_data();
	DatasetEncoding e = enc_make(3, TASK_REGRESSION, 0);
	ModelConfig c = os_config(OPT_ADAM, 0);
	ModelConfig csgd = os_config(OPT_SGD, 0.9);
	Model	   *m = model_create(&c, &e);
	Trainer    *t = trainer_create(m, &d, NULL);
	Trainer    *fresh = trainer_create(model_create(&c, &e), &d, NULL);
	Trainer    *sgd = trainer_create(model_create(&csgd, &e), &d, NULL);
	Trainer    *wider;
	EpochResult r;
	size_t		len;
	unsigned char *good;
	unsigned char *b;
	void	   *before;
	size_t		before_len;

	c.units[0] = 9;
	wider = trainer_create(model_create(&c, &e), &d, NULL);
	trainer_run_epoch(t, &r);
	good = trainer_state_serialize(t, &len);
	b = core_alloc(len + 64);
	before = trainer_state_serialize(fresh, &before_len);

#define REFUSED(edit, target, blen) \
	do { \
		memcpy(b, good, len); \
		edit; \
		EXPECT_ERROR(CORE_ERR_CORRUPTED, trainer_state_restore(target, b, blen)); \
	} while (0)

	REFUSED((void) 0, fresh, 0);
	REFUSED((void) 0, fresh, 40);
	REFUSED((void) 0, fresh, len - 1);
	REFUSED(b[0] = 'X', fresh, len);
	REFUSED(b[100] ^= 1, fresh, len);	/* checksum */
	REFUSED((os_put32(b + 4, 2), os_reseal(b, len)), fresh, len);	/* version */
	REFUSED((os_put32(b + 12, 3), os_reseal(b, len)), fresh, len);	/* 3 arrays */
	REFUSED((os_put32(b + 12, 1), os_reseal(b, len)), fresh, len);	/* length */
	REFUSED((os_put32(b + 24, 0xFFFFFFFFu), os_put32(b + 28, 0x3FFFFFFFu),
			 os_reseal(b, len)), fresh, len);	/* huge count */
	REFUSED((os_put32(b + 20, 0x7FFFFFFFu), os_reseal(b, len)), fresh, len);	/* steps */
	REFUSED((os_put32(b + 8, 77), os_reseal(b, len)), fresh, len);	/* no such optimizer */
	REFUSED((void) 0, sgd, len);	/* another optimizer */
	REFUSED((void) 0, wider, len);	/* another shape */
	/* a NaN, an infinity, a negative second moment */
	REFUSED((os_put32(b + 72 + 4 * 3, 0x7FC00000u), os_reseal(b, len)), fresh, len);
	REFUSED((os_put32(b + len - 8, 0x7F800000u), os_reseal(b, len)), fresh, len);
	REFUSED((os_put32(b + len - 8, 0xBF800000u), os_reseal(b, len)), fresh, len);
	EXPECT_ERROR(CORE_ERR_CORRUPTED, optim_state_epochs(b, 10));
	/* a refused blob changed nothing */
	{
		size_t		after_len;
		void	   *after = trainer_state_serialize(fresh, &after_len);

		CHECK(after_len == before_len && memcmp(after, before, after_len) == 0);
	}
	/* a negative first moment is fine; the untouched blob is accepted */
	memcpy(b, good, len);
	os_put32(b + 72, os_get32(b + 72) | 0x80000000u);
	os_reseal(b, len);
	trainer_state_restore(fresh, b, len);
	trainer_state_restore(fresh, good, len);
}

int
main(void)
{
	RUN(test_resume_is_exact);
	RUN(test_hostile_blobs_are_refused);
	UNIT_DONE();
}
