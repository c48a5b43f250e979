/* SPDX-License-Identifier: MIT */
/*
 * Topologies: a fixture names hardware ("subchannel 0.0.0313 with device
 * 0.0.2b09, 3390/0c on 3990/e9, chpids 40 41"; "card 05, CEX7C"), never
 * files.  This is the parsed, validated form; sim_create() turns it into
 * the model.  The format is described in fixtures/README.md.
 */
#ifndef SIMFS_TOPOLOGY_H
#define SIMFS_TOPOLOGY_H

#include "drivers/css.h"
#include "parse.h"

#include <stdbool.h>
#include <stdint.h>

struct topo_chp {
	uint8_t id, type;
	bool online;
	int configure;			/* -1: unknown to the machine (EOPNOTSUPP) */
};

struct topo_sch {
	unsigned int ssid, sch_no;
	enum sch_type st;
	bool qdio;
	uint8_t chpid[8];
	uint8_t pim, pam, pom;
	struct ccw_device_id_info dev;
	char driver[32];		/* css driver at boot: "io_subchannel", "vfio_ccw", "" none */
	char *driver_override;
};

struct topo_card {
	unsigned int id;
	char type[8];			/* "CEX7C" */
	unsigned int hwtype, raw_hwtype;
	char mode;			/* 'A', 'C', 'P' */
	uint32_t functions;
	unsigned int depth, max_msg_size;
	bool config, online;
	char serialnr[17];		/* identifying: only in records made with --keep-ids */
};

struct topo_ap {
	bool present;
	unsigned int max_adapter_id, max_domain_id;
	int domain;			/* ap_domain at boot, -1 none */
	struct ap_mask usage_domains, control_domains;
	struct ap_mask apmask, aqmask;
	char features[64];
	bool interrupts;
	struct topo_card *cards;
	unsigned int nr_cards;
};

struct topo_mdev {
	uint8_t uuid[16];
	char parent[16];		/* "0.0.0313" or "matrix" */
	struct ap_mask adapters, domains, control_domains;
};

struct topology {
	char *source;			/* file name, or "default" */
	unsigned int kernel_version;
	unsigned int cssid;
	int real_cssid;
	bool logging_supported;
	bool vfio_ccw, vfio_ap;		/* modules loaded at boot */
	struct topo_chp *chps;
	unsigned int nr_chps;
	struct topo_sch *schs;
	unsigned int nr_schs;
	char (*ccw_drivers)[32];	/* registered even when no device names them */
	unsigned int nr_ccw_drivers;
	char (*virtio_drivers)[32];	/* likewise on the virtio bus */
	unsigned int nr_virtio_drivers;
	struct topo_ap ap;
	struct topo_mdev *mdevs;
	unsigned int nr_mdevs;
};

/*
 * Parse a fixture.  On error returns -errno and writes one line naming the
 * source and the offending field ("fixtures/x.json: css.subchannels[2].chpids:
 * ...") into @err.
 */
int topology_parse(const char *json, size_t len, const char *source, struct topology *topo,
		   char *err, size_t errlen);
int topology_load_file(const char *path, struct topology *topo, char *err, size_t errlen);

/*
 * The file that `--topology ARG` names: ARG itself when it holds a '/' or
 * exists here; else the installed fixture FIXTURES_DATADIR/ARG.json (ARG as
 * it is when it already ends in .json).  Returns ARG or @buf.  When neither
 * exists returns NULL and writes a line naming both into @err.
 */
const char *topology_find(const char *arg, char *buf, size_t size, char *err, size_t errlen);
int topology_load_default(struct topology *topo, char *err, size_t errlen);
void topology_free(struct topology *topo);

/* "6.12", "6.12.0" -> KERNEL_VERSION(); 0 when malformed. */
unsigned int topology_parse_kernel_version(const char *s);

#endif /* SIMFS_TOPOLOGY_H */
