// SPDX-License-Identifier: MIT
/*
 * The I/O loops of the benchmark, in C so that the figures measure the
 * filesystem and not an interpreter.  Each mode prints one line of numbers.
 *
 *   bench_io read PATH N             open+read+close N times: ns per read
 *   bench_io after-write W V1 V2 R N write V1/V2 alternately to W, then time one
 *                                    open+read+close of R: ns per read
 *   bench_io walk DIR                walk every directory, lstat every entry, readlink every
 *                                    link, read every readable file: seconds dirs files links
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int read_once(int dirfd, const char *path)
{
	char buf[4096];
	int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	return n < 0 ? -errno : 0;
}

static int write_once(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	close(fd);
	return n < 0 ? -errno : 0;
}

struct walk_count {
	unsigned long dirs, files, links;
};

static int walk(int dirfd, struct walk_count *c)
{
	DIR *d = fdopendir(dirfd);
	struct dirent *e;

	if (!d) {
		close(dirfd);
		return -errno;
	}
	c->dirs++;
	while ((e = readdir(d))) {
		struct stat st;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (fstatat(dirfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW))
			continue;
		if (S_ISDIR(st.st_mode)) {
			int sub = openat(dirfd, e->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

			if (sub >= 0)
				walk(sub, c);
		} else if (S_ISLNK(st.st_mode)) {
			char buf[4096];

			if (readlinkat(dirfd, e->d_name, buf, sizeof(buf)) >= 0)
				c->links++;
		} else if (st.st_mode & 0444) {
			read_once(dirfd, e->d_name);
			c->files++;
		}
	}
	closedir(d);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "read")) {
		long n = atol(argv[3]);
		double t = now();

		for (long i = 0; i < n; i++)
			if (read_once(AT_FDCWD, argv[2])) {
				perror(argv[2]);
				return 1;
			}
		printf("%.0f\n", (now() - t) * 1e9 / (double)n);
		return 0;
	}
	if (argc == 7 && !strcmp(argv[1], "after-write")) {
		long n = atol(argv[6]);
		double total = 0;

		for (long i = 0; i < n; i++) {
			double t;

			if (write_once(argv[2], i % 2 ? argv[4] : argv[3])) {
				perror(argv[2]);
				return 1;
			}
			t = now();
			if (read_once(AT_FDCWD, argv[5])) {
				perror(argv[5]);
				return 1;
			}
			total += now() - t;
		}
		printf("%.0f\n", total * 1e9 / (double)n);
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "walk")) {
		struct walk_count c = { 0 };
		int fd = open(argv[2], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		double t = now();

		if (fd < 0 || walk(fd, &c)) {
			perror(argv[2]);
			return 1;
		}
		printf("%.6f %lu %lu %lu\n", now() - t, c.dirs, c.files, c.links);
		return 0;
	}
	fprintf(stderr, "usage: bench_io read PATH N | after-write W V1 V2 R N | walk DIR\n");
	return 2;
}
