// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: fixture JSON through topology_parse(), and every fixture
 * it accepts through sim_create() and the invariant checker.
 *
 * Built by tests/fuzz/meson.build (meson setup -Dfuzz=true with clang) and
 * run by tests/fuzz/run with the seed corpus tests/fuzz/corpus/topology.
 *
 * What is checked, besides "no crash, no leak, no sanitizer report":
 *  - topology_parse() returns 0, -EINVAL or -ENOMEM; a refusal comes with
 *    a one-line message naming the source ("fuzz: ...");
 *  - an accepted fixture either builds (sim_create() == 0) and the booted
 *    model satisfies every invariant (invariants.h) -- e.g. a fixture's
 *    mdevs never share an APQN -- or is refused by sim_create() with -errno;
 *  - parsing is deterministic: the same bytes give the same verdict twice.
 *
 * Most inputs a byte mutator makes are not JSON, so half of the mutations
 * here are structural (LLVMFuzzerCustomMutator): the input is parsed with
 * json-c, one value is replaced, deleted, duplicated or given a sibling key
 * from the fixture vocabulary, and the result is printed back -- valid JSON
 * that reaches the field checks.  Fixtures whose model would be large (many
 * cards times many domains) are parsed but not built, to keep executions
 * fast.
 */
#include "invariants.h"

#include "sim.h"
#include "topology.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed);
size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);

#define CHECK(cond)                                                             \
	do {                                                                    \
		if (!(cond)) {                                                  \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__,  \
				__LINE__, #cond);                               \
			abort();                                                \
		}                                                               \
	} while (0)

#define MAX_QUEUES_TO_BUILD 2048

static int devnull = -1, saved_stderr = -1;

static struct {
	unsigned long long inputs, accepted, built, refused_by_build, too_large;
} stats;

static void print_stats(void)
{
	fprintf(stderr, "fuzz_topology: stats: inputs=%llu accepted=%llu built_and_checked=%llu "
		"refused_by_sim_create=%llu not_built_too_large=%llu\n", stats.inputs, stats.accepted,
		stats.built, stats.refused_by_build, stats.too_large);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	atexit(print_stats);
	devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	saved_stderr = dup(2);
	return 0;
}

/* sim_create() explains a refusal on stderr; at fuzzing speed that is noise. */
static int quiet_sim_create(struct sim **sim, const struct topology *topo)
{
	int ret;

	if (devnull >= 0 && saved_stderr >= 0)
		dup2(devnull, 2);
	ret = sim_create(sim, topo);
	if (devnull >= 0 && saved_stderr >= 0)
		dup2(saved_stderr, 2);
	return ret;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct topology topo, again;
	char err[1024], err2[1024];
	struct sim *sim = NULL;
	int ret, ret2;

	err[0] = err2[0] = '\0';
	stats.inputs++;
	ret = topology_parse((const char *)data, size, "fuzz", &topo, err, sizeof(err));
	CHECK(ret == 0 || ret == -EINVAL || ret == -ENOMEM);
	if (ret) {
		CHECK(strncmp(err, "fuzz: ", 6) == 0);
		CHECK(strchr(err, '\n') == NULL);
	}
	ret2 = topology_parse((const char *)data, size, "fuzz", &again, err2, sizeof(err2));
	CHECK(ret2 == ret);
	CHECK(ret == 0 || strcmp(err, err2) == 0);
	topology_free(&again);
	if (ret) {
		topology_free(&topo);
		return 0;
	}

	stats.accepted++;
	CHECK(topo.source && strcmp(topo.source, "fuzz") == 0);
	if (topo.ap.present) {
		unsigned int domains = 0;

		for (unsigned int d = 0; d <= 255; d++)
			domains += ap_mask_test(&topo.ap.usage_domains, d);
		if ((unsigned long)topo.ap.nr_cards * domains > MAX_QUEUES_TO_BUILD) {
			stats.too_large++;
			topology_free(&topo);
			return 0;
		}
	}
	ret = quiet_sim_create(&sim, &topo);
	CHECK(ret <= 0 && ret > -4096);
	CHECK(ret == 0 || sim == NULL);
	if (ret)
		stats.refused_by_build++;
	if (!ret) {
		char why[2048];

		stats.built++;
		sim_lock(sim);
		if (inv_check(sim, why, sizeof(why))) {
			fprintf(stderr, "fuzz_topology: accepted fixture boots a broken model: %s\n",
				why);
			fprintf(stderr, "fixture: %.*s\n", (int)size, (const char *)data);
			abort();
		}
		sim_unlock(sim);
		sim_destroy(sim);
	}
	topology_free(&topo);
	return 0;
}

/* ---- structural mutations --------------------------------------------------- */

static uint32_t rng_state;

static uint32_t rnd(uint32_t n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return n ? rng_state % n : 0;
}

static const char *const keys[] = {
	"description", "kernel", "modules", "css", "ap", "mdevs", "vfio_ccw", "vfio_ap", "cssid",
	"real_cssid", "logging", "chpids", "subchannels", "ccw_drivers", "id", "type", "online",
	"configure", "schid", "count", "qdio", "pim", "pam", "pom", "device", "driver", "driver_override",
	"devno", "cutype", "devtype", "auto_online", "availability", "max_adapter_id",
	"max_domain_id", "domain", "usage_domains", "control_domains", "apmask", "aqmask",
	"features", "interrupts", "cards", "functions", "depth", "max_msg_size", "config",
	"raw_hwtype", "serialnr", "uuid", "parent", "adapters", "domains",
};

static const char *const strings[] = {
	"", "0.0.0313", "0.0.2b09", "0.1.ffff", "0.3.0000", "0.4.0001", "fe.0.0001", "0.0.313",
	"40", "41", "1b", "ff", "100", "zz", "3990/e9", "3390/0c", "n/a", "3990-e9", "CEX7C",
	"CEX8A", "CEX4P", "CEX9C", "CEX3A", "6.12", "6.1.0", "5.10", "4.0", "10.0", "6.12.999",
	"io_subchannel", "vfio_ccw", "none", "dasd-eckd", "qeth", "virtio_ccw", "good", "boxed",
	"no path", "matrix", "0.0.0314", "11111111-2222-3333-4444-555555555555",
	"11111111-2222-3333-4444-55555555555g", "0x6A000000", "0x",
	"0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
	"0x8000000000000000000000000000000000000000000000000000000000000000", "APXA QACT",
};

static json_object *random_value(const json_object *near)
{
	static const int64_t ints[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 71, 84, 85, 171, 254, 255, 256,
					257, 65535, 65536, -1, -256, INT32_MAX, INT64_MAX, INT64_MIN };

	switch (rnd(8)) {
	case 0: case 1:
		return json_object_new_int64(ints[rnd(sizeof(ints) / sizeof(ints[0]))]);
	case 2: case 3:
		return json_object_new_string(strings[rnd(sizeof(strings) / sizeof(strings[0]))]);
	case 4:
		return json_object_new_boolean(rnd(2));
	case 5:
		return NULL;	/* null */
	case 6: {
		json_object *a = json_object_new_array();

		for (uint32_t n = rnd(4); n; n--)
			json_object_array_add(a, json_object_new_int64(ints[rnd(16)]));
		return a;
	}
	default:
		if (near) {
			json_object *copy = NULL;

			if (json_object_deep_copy((json_object *)near, &copy, NULL) == 0)
				return copy;
		}
		return json_object_new_double(rnd(1000) / 7.0);
	}
}

/* The containers of @o, collected depth-first. */
static void containers(json_object *o, json_object **out, size_t *n, size_t max)
{
	if (*n >= max)
		return;
	if (json_object_is_type(o, json_type_object)) {
		out[(*n)++] = o;
		json_object_object_foreach(o, k, v) {
			(void)k;
			if (v)
				containers(v, out, n, max);
		}
	} else if (json_object_is_type(o, json_type_array)) {
		out[(*n)++] = o;
		for (size_t i = 0; i < json_object_array_length(o); i++) {
			json_object *v = json_object_array_get_idx(o, i);

			if (v)
				containers(v, out, n, max);
		}
	}
}

static void mutate_container(json_object *c)
{
	if (json_object_is_type(c, json_type_object)) {
		size_t n = (size_t)json_object_object_length(c), pick = n ? rnd((uint32_t)n) : 0, i = 0;
		const char *victim = NULL;
		json_object *victim_val = NULL;

		json_object_object_foreach(c, k, v) {
			if (i++ == pick) {
				victim = k;
				victim_val = v;
			}
		}
		switch (rnd(3)) {
		case 0:	/* a new (or replaced) key from the vocabulary */
			json_object_object_add(c, keys[rnd(sizeof(keys) / sizeof(keys[0]))],
					       random_value(victim_val));
			break;
		case 1:	/* a value replaced */
			if (victim)
				json_object_object_add(c, victim, random_value(victim_val));
			break;
		default: /* a key deleted */
			if (victim)
				json_object_object_del(c, victim);
		}
	} else {
		size_t n = json_object_array_length(c);

		switch (rnd(4)) {
		case 0:	/* an element duplicated */
			if (n) {
				json_object *copy = NULL;

				if (json_object_deep_copy(json_object_array_get_idx(c, rnd((uint32_t)n)),
							  &copy, NULL) == 0)
					json_object_array_add(c, copy);
			}
			break;
		case 1:	/* an element deleted */
			if (n)
				json_object_array_del_idx(c, rnd((uint32_t)n), 1);
			break;
		case 2:	/* an element replaced */
			if (n) {
				size_t i = rnd((uint32_t)n);

				json_object_array_put_idx(c, i, random_value(json_object_array_get_idx(c, i)));
			}
			break;
		default:
			json_object_array_add(c, random_value(n ? json_object_array_get_idx(c, 0) : NULL));
		}
	}
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed)
{
	json_tokener *tok;
	json_object *root, *cs[256];
	size_t n = 0, len;
	const char *text;

	rng_state = seed ? seed : 1;
	if (rnd(2))
		return LLVMFuzzerMutate(data, size, max_size);
	tok = json_tokener_new();
	if (!tok)
		return LLVMFuzzerMutate(data, size, max_size);
	root = json_tokener_parse_ex(tok, (const char *)data, (int)size);
	json_tokener_free(tok);
	if (!root)
		return LLVMFuzzerMutate(data, size, max_size);
	/* Collect afresh after each mutation: a deletion frees containers. */
	for (uint32_t m = 1 + rnd(3); m; m--) {
		n = 0;
		containers(root, cs, &n, sizeof(cs) / sizeof(cs[0]));
		if (!n)
			break;
		mutate_container(cs[rnd((uint32_t)n)]);
	}
	text = json_object_to_json_string_ext(root, rnd(2) ? JSON_C_TO_STRING_PLAIN
							   : JSON_C_TO_STRING_SPACED);
	len = text ? strlen(text) : 0;
	if (!text || len > max_size) {
		json_object_put(root);
		return LLVMFuzzerMutate(data, size, max_size);
	}
	memcpy(data, text, len);
	json_object_put(root);
	return len;
}
