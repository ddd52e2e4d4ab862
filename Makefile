# hptune — PGXS build
#
#   make && make install          build and install into the pg_config found on PATH
#   make installcheck             pg_regress suite against a running server
#   make unitcheck                C unit tests of the pure core (no server needed)
#
# BLAS_LIBS picks the BLAS/LAPACK implementation (the Bayesian oracle needs
# LAPACK's dpotrf, dpotrs and dpotri, which OpenBLAS ships; its optimiser is
# NLopt's); OPTFLAGS adds tuning flags (e.g. OPTFLAGS=-march=native for a
# build that will run only here).

EXTENSION = hptune
EXTVERSION = 0.4

MODULE_big = hptune
OBJS = \
	src/guc.o \
	src/api.o \
	src/args.o \
	src/catalog.o \
	src/runner.o \
	src/lease.o \
	src/worker.o \
	src/shm_dataset.o \
	src/objective.o \
	src/loader.o \
	src/query.o \
	src/vocab.o \
	src/encode.o \
	src/trial.o \
	src/predict.o \
	src/fit.o \
	src/summary.o \
	src/hpjson.o \
	src/hmoptions.o \
	src/shim_pg.o \
	src/core/space.o \
	src/core/space_validate.o \
	src/core/rng.o \
	src/core/cpu.o \
	src/core/oracle.o \
	src/core/oracle_random.o \
	src/core/oracle_grid.o \
	src/core/oracle_bayesian.o \
	src/core/oracle_tpe.o \
	src/core/oracle_util.o \
	src/core/oracle_options.o \
	src/core/gp.o \
	src/core/parzen.o \
	src/core/oracle_hyperband.o \
	src/core/pruner.o \
	src/core/optim_state.o \
	src/core/dataset.o \
	src/core/model.o \
	src/core/model_config.o \
	src/core/train.o \
	src/core/layers.o \
	src/core/layers_conv.o \
	src/core/layers_pool.o \
	src/core/layers_norm.o \
	src/core/graph.o \
	src/core/graph_exec.o \
	src/core/hypermodels.o \
	src/core/hm_common.o \
	src/core/hm_resnet.o \
	src/core/hm_xception.o \
	src/core/hm_cnn.o \
	src/core/model_summary.o \
	src/core/optim.o \
	src/core/metrics.o \
	src/core/model_format.o \
	src/core/model_format_graph.o

DATA_built = sql/$(EXTENSION)--$(EXTVERSION).sql
# Released install scripts are kept as they shipped and never edited; every
# schema change after a release goes in an upgrade script hptune--A--B.sql.
DATA = sql/$(EXTENSION)--0.1.sql sql/$(EXTENSION)--0.2.sql sql/$(EXTENSION)--0.3.sql $(wildcard sql/$(EXTENSION)--*--*.sql)

REGRESS_OPTS = --inputdir=test --load-extension=$(EXTENSION)
REGRESS = $(patsubst test/sql/%.sql,%,$(sort $(wildcard test/sql/*.sql)))

BLAS_LIBS ?= -lopenblas
OPTFLAGS ?=
PG_CPPFLAGS += -Isrc
PG_CFLAGS += -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers -Wno-sign-compare $(OPTFLAGS)
SHLIB_LINK += $(BLAS_LIBS) -lnlopt -lm

EXTRA_CLEAN = $(DATA_built)

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# The install script is the concatenation of sql/*.sql parts, in name order.
SQL_PARTS = $(sort $(wildcard sql/[0-9][0-9]_*.sql))
sql/$(EXTENSION)--$(EXTVERSION).sql: $(SQL_PARTS)
	cat $^ > $@

unitcheck:
	$(MAKE) -C test/unit check BLAS_LIBS="$(BLAS_LIBS)"

.PHONY: unitcheck
