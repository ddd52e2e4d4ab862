/*-------------------------------------------------------------------------
 *
 * optim_state.c
 *	  The resumable state of a training run beside its weights (pure C).
 *
 * A promoted Hyperband trial continues its parent's training: the weights
 * come from the parent's model blob (model_format.c), and everything else
 * the next epoch depends on from this blob: the optimizer's moment arrays
 * and step count (Adam's bias correction), the number of epochs trained
 * (which picks the next shuffle permutation) and the dropout stream.  With
 * both, training n epochs, saving, and resuming for m more gives the same
 * weights bit for bit as training n + m epochs in one run.
 *
 * Layout, little-endian:
 *
 *	 0	"HPOS"				magic
 *	 4	u32 version			OPTIM_STATE_VERSION
 *	 8	u32 optimizer		OptimizerKind
 *	12	u32 nslots			moment arrays that follow (0 to 2)
 *	16	u64 iterations		optimizer steps taken
 *	24	u64 nparams			length of each moment array
 *	32	u64 epochs			epochs trained
 *	40	4 x u64				dropout stream state
 *	72	nslots x nparams	float32 moments (slot1, then slot2)
 *	end	u32 crc				CRC-32 of everything before it
 *
 * The reader checks, before it touches the trainer: length, magic,
 * version, checksum, that optimizer, moment count and parameter count are
 * the trainer's, and that every moment is finite (and not negative where
 * it is a sum of squares).  A hand-edited blob is refused with a detail,
 * never trusted.
 *
 *-------------------------------------------------------------------------
 */
#include "core/optim_state.h"
#include "core/model_internal.h"

#include <math.h>
#include <string.h>

#define OPTIM_STATE_HEADER 72
#define OPTIM_STATE_MAX_ITERATIONS INT64_C(4503599627370496)	/* 2^52 */

static void
optim_state_put(unsigned char *p, uint64_t v, int bytes)
{
	for (int i = 0; i < bytes; i++)
		p[i] = (unsigned char) (v >> (8 * i));
}

static uint64_t
optim_state_get(const unsigned char *p, int bytes)
{
	uint64_t	v = 0;

	for (int i = 0; i < bytes; i++)
		v |= (uint64_t) p[i] << (8 * i);
	return v;
}

static int
optim_state_nslots(const Optimizer *o)
{
	return o->slot2 ? 2 : o->slot1 ? 1 : 0;
}

void *
trainer_state_serialize(Trainer *t, size_t *len)
{
	Optimizer  *o;
	RngStream  *dropout;
	uint64_t   *epochs;
	int			nslots;
	size_t		size;
	unsigned char *buf;
	unsigned char *p;

	trainer_resume_state(t, &o, &dropout, &epochs);
	nslots = optim_state_nslots(o);
	size = OPTIM_STATE_HEADER + (size_t) nslots * o->n * 4 + 4;
	buf = core_alloc_raw(size);
	memcpy(buf, "HPOS", 4);
	optim_state_put(buf + 4, OPTIM_STATE_VERSION, 4);
	optim_state_put(buf + 8, o->kind, 4);
	optim_state_put(buf + 12, nslots, 4);
	optim_state_put(buf + 16, o->iterations, 8);
	optim_state_put(buf + 24, o->n, 8);
	optim_state_put(buf + 32, *epochs, 8);
	for (int i = 0; i < 4; i++)
		optim_state_put(buf + 40 + 8 * i, dropout->s[i], 8);
	p = buf + OPTIM_STATE_HEADER;
	for (int s = 0; s < nslots; s++)
	{
		const float *slot = s == 0 ? o->slot1 : o->slot2;

		for (int64_t i = 0; i < o->n; i++, p += 4)
		{
			uint32_t	bits;

			memcpy(&bits, &slot[i], 4);
			optim_state_put(p, bits, 4);
		}
	}
	optim_state_put(p, model_format_crc32(buf, p - buf), 4);
	*len = size;
	return buf;
}

static void
optim_state_invalid(const char *detail)
{
	core_error(CORE_ERR_CORRUPTED, "invalid optimizer state", detail,
			   "The trial that continues from this checkpoint fails; restore hptune.checkpoints from a backup to continue it.");
}

/* header checks that need no trainer; returns nslots */
static int
optim_state_check(const unsigned char *b, size_t len, int64_t *nparams)
{
	uint64_t	nslots;
	uint64_t	n;

	if (b == NULL || len < OPTIM_STATE_HEADER + 4)
		optim_state_invalid(model_detail("The blob has %zu bytes, fewer than a header.", len));
	if (memcmp(b, "HPOS", 4) != 0)
		optim_state_invalid("The blob does not start with the optimizer state magic.");
	if (optim_state_get(b + 4, 4) != OPTIM_STATE_VERSION)
		optim_state_invalid(model_detail("The blob has version %u; this hptune reads version %d.",
										 (unsigned) optim_state_get(b + 4, 4),
										 OPTIM_STATE_VERSION));
	if (optim_state_get(b + len - 4, 4) != model_format_crc32(b, len - 4))
		optim_state_invalid("The checksum does not match the contents.");
	nslots = optim_state_get(b + 12, 4);
	n = optim_state_get(b + 24, 8);
	if (nslots > 2)
		optim_state_invalid(model_detail("The blob holds %u moment arrays; an optimizer has at most 2.",
										 (unsigned) nslots));
	if (n > (uint64_t) INT64_MAX / 8 ||
		(nslots > 0 && n > (uint64_t) (len / 4)) ||
		(uint64_t) len != OPTIM_STATE_HEADER + nslots * n * 4 + 4)
		optim_state_invalid(model_detail("The blob has %zu bytes, which does not fit %u arrays of %llu parameters.",
										 len, (unsigned) nslots,
										 (unsigned long long) n));
	if (optim_state_get(b + 16, 8) > (uint64_t) OPTIM_STATE_MAX_ITERATIONS ||
		optim_state_get(b + 32, 8) > (uint64_t) OPTIM_STATE_MAX_ITERATIONS)
		optim_state_invalid("The step or epoch count is out of range.");
	*nparams = (int64_t) n;
	return (int) nslots;
}

int64_t
optim_state_epochs(const void *buf, size_t len)
{
	int64_t		n;

	optim_state_check(buf, len, &n);
	return (int64_t) optim_state_get((const unsigned char *) buf + 32, 8);
}

/* a moment read from the blob; sums of squares may not be negative */
static float
optim_state_float(const unsigned char *p, bool nonnegative)
{
	uint32_t	bits = (uint32_t) optim_state_get(p, 4);
	float		f;

	memcpy(&f, &bits, 4);
	if (!isfinite(f) || (nonnegative && f < 0.0f))
		optim_state_invalid(model_detail("A moment is %g, which the optimizer cannot hold.",
										 (double) f));
	return f;
}

void
trainer_state_restore(Trainer *t, const void *buf, size_t len)
{
	const unsigned char *b = buf;
	Optimizer  *o;
	RngStream  *dropout;
	uint64_t   *epochs;
	int64_t		n;
	int			nslots = optim_state_check(b, len, &n);
	uint64_t	kind = optim_state_get(b + 8, 4);
	const unsigned char *p = b + OPTIM_STATE_HEADER;

	trainer_resume_state(t, &o, &dropout, &epochs);
	if (kind != (uint64_t) o->kind)
		optim_state_invalid(model_detail("The blob is for optimizer %s; the model trains with %s.",
										 kind <= OPT_ADAMW ? optimizer_name((OptimizerKind) kind) : "unknown",
										 optimizer_name(o->kind)));
	if (n != o->n || nslots != optim_state_nslots(o))
		optim_state_invalid(model_detail("The blob holds %d arrays of %lld parameters; the model needs %d of %lld.",
										 nslots, (long long) n, optim_state_nslots(o),
										 (long long) o->n));
	/* check every moment first: a refused blob changes nothing */
	for (int s = 0; s < nslots; s++)
	{
		bool		squares = (o->kind == OPT_ADAM || o->kind == OPT_ADAMW) ? s == 1
			: (o->kind == OPT_RMSPROP || o->kind == OPT_ADAGRAD) ? s == 0 : false;

		for (int64_t i = 0; i < n; i++)
			(void) optim_state_float(p + ((int64_t) s * n + i) * 4, squares);
	}
	for (int s = 0; s < nslots; s++)
	{
		float	   *slot = s == 0 ? o->slot1 : o->slot2;

		for (int64_t i = 0; i < n; i++, p += 4)
			slot[i] = optim_state_float(p, false);
	}
	o->iterations = (int64_t) optim_state_get(b + 16, 8);
	*epochs = optim_state_get(b + 32, 8);
	for (int i = 0; i < 4; i++)
		dropout->s[i] = optim_state_get(b + 40 + 8 * i, 8);
}
