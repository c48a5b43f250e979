// SPDX-License-Identifier: GPL-2.0
/*
 * sysfs-agent: performs the conformance suite's file operations on the machine
 * it runs on, with exactly the system calls the suite would make locally, and
 * answers over stdin/stdout (a console, a virtio-serial port or an ssh channel).
 *
 * Protocol: one request per line, one answer per line.  Every argument that is
 * a path or data is lower-case hex, so lines never contain anything but
 * [0-9a-zA-Z @._-] and survive any tty.  Lines that do not start with "@@Q "
 * are ignored (console noise); every answer starts with "@@A ".
 *
 *   @@Q <id> HELLO                     -> @@A <id> OK <hex uname -r> <hex uname -m>
 *   @@Q <id> READ <path> <chunk>       -> OK <hex bytes> | ERR open|read <errno>
 *   @@Q <id> WRITE <path> <hex data> <offset|-1> <trunc 0|1>
 *                                      -> OK <n>  | ERR open|write <errno>
 *        (offset -1: write(2), else pwrite(2); data "-": open and close only,
 *         data "=": a write(2) of 0 bytes)
 *   @@Q <id> READLINK <path>           -> OK <hex target> | ERR readlink <errno>
 *   @@Q <id> LISTDIR <path>            -> OK <hex name>,<hex name>... | ERR listdir <errno>
 *   @@Q <id> LSTAT <path>              -> OK <mode octal> <size> <d|l|f|o> | ERR lstat <errno>
 *   @@Q <id> STAT <path>               -> like LSTAT, following links
 *   @@Q <id> REALPATH <path>           -> OK <hex resolved path> | ERR realpath <errno>
 *   @@Q <id> EXEC <hex shell command>  -> OK <exit status> <hex output (stdout+stderr)>
 *   @@Q <id> BYE                       -> OK, then the agent exits
 *
 * Build: cc -static -O2 -o sysfs-agent sysfs-agent.c (any architecture).
 * Option: --raw puts stdin (a tty) into raw mode first, as the console needs.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

static char *outbuf;
static size_t outlen, outcap;

static void out_reserve(size_t n)
{
	if (outlen + n + 1 > outcap) {
		outcap = (outlen + n + 1) * 2;
		outbuf = realloc(outbuf, outcap);
		if (!outbuf)
			_exit(3);
	}
}

static void out_str(const char *s)
{
	size_t n = strlen(s);

	out_reserve(n);
	memcpy(outbuf + outlen, s, n);
	outlen += n;
}

static void out_fmt(const char *fmt, long a, long b)
{
	char tmp[96];

	snprintf(tmp, sizeof(tmp), fmt, a, b);
	out_str(tmp);
}

static void out_hex(const unsigned char *p, size_t n)
{
	static const char hx[] = "0123456789abcdef";
	size_t i;

	out_reserve(2 * n + 1);
	for (i = 0; i < n; i++) {
		outbuf[outlen++] = hx[p[i] >> 4];
		outbuf[outlen++] = hx[p[i] & 15];
	}
	if (n == 0)
		outbuf[outlen++] = '-';	/* empty is "-" so fields never vanish */
}

static void out_flush(void)
{
	size_t off = 0;

	out_reserve(1);
	outbuf[outlen++] = '\n';
	while (off < outlen) {
		ssize_t w = write(1, outbuf + off, outlen - off);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			_exit(4);
		}
		off += w;
	}
	outlen = 0;
}

static int unhex(const char *s, unsigned char **res, size_t *len)
{
	size_t n, i;
	unsigned char *p;

	if (strcmp(s, "-") == 0) {
		*res = calloc(1, 1);
		*len = 0;
		return 0;
	}
	n = strlen(s);
	if (n % 2)
		return -1;
	p = malloc(n / 2 + 1);
	for (i = 0; i < n / 2; i++) {
		unsigned int v;

		if (sscanf(s + 2 * i, "%2x", &v) != 1) {
			free(p);
			return -1;
		}
		p[i] = v;
	}
	p[n / 2] = 0;
	*res = p;
	*len = n / 2;
	return 0;
}

static char *root = "";	/* prefix for /sys paths (--root DIR) */

static char *path_of(const char *hex)
{
	unsigned char *p;
	size_t n;
	char *full;

	if (unhex(hex, &p, &n) || n == 0)
		return NULL;
	if (root[0] && strncmp((char *)p, "/sys", 4) == 0 && (p[4] == '/' || p[4] == 0)) {
		full = malloc(strlen(root) + n + 1);
		strcpy(full, root);
		strcat(full, (char *)p + 4);
		free(p);
		return full;
	}
	return (char *)p;
}

static void err(const char *stage, int e)
{
	out_str("ERR ");
	out_str(stage);
	out_fmt(" %ld", e, 0);
}

static void op_read(char *path, long chunk)
{
	int fd = open(path, O_RDONLY);
	unsigned char *buf = NULL;
	size_t len = 0, cap = 0;

	if (chunk <= 0 || chunk > (1 << 20))
		chunk = 65536;
	if (fd < 0) {
		err("open", errno);
		return;
	}
	for (;;) {
		ssize_t r;

		if (len + chunk > cap) {
			cap = (len + chunk) * 2;
			buf = realloc(buf, cap);
		}
		r = read(fd, buf + len, chunk);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			err("read", errno);
			close(fd);
			free(buf);
			return;
		}
		if (r == 0)
			break;
		len += r;
	}
	close(fd);
	out_str("OK ");
	out_hex(buf, len);
	free(buf);
}

static void op_write(char *path, const char *hexdata, long offset, int trunc)
{
	unsigned char *data = NULL;
	size_t n = 0;
	int only_open = strcmp(hexdata, "-") == 0 && trunc >= 0;
	int fd;
	ssize_t w;

	if (!strcmp(hexdata, "=")) {
		data = calloc(1, 1);
		n = 0;
	} else if (!only_open && unhex(hexdata, &data, &n)) {
		out_str("ERR proto 22");
		return;
	}
	fd = open(path, O_WRONLY | (trunc > 0 ? O_TRUNC : 0));
	if (fd < 0) {
		err("open", errno);
		free(data);
		return;
	}
	if (only_open) {
		close(fd);
		out_str("OK 0");
		return;
	}
	if (offset < 0)
		w = write(fd, data, n);
	else
		w = pwrite(fd, data, n, offset);
	if (w < 0) {
		int e = errno;

		close(fd);
		err("write", e);
	} else {
		close(fd);
		out_fmt("OK %ld", (long)w, 0);
	}
	free(data);
}

static void op_readlink(char *path)
{
	char buf[PATH_MAX];
	ssize_t n = readlink(path, buf, sizeof(buf));

	if (n < 0) {
		err("readlink", errno);
		return;
	}
	out_str("OK ");
	out_hex((unsigned char *)buf, n);
}

struct linux_dirent64 {
	unsigned long long d_ino;
	long long d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

static void op_listdir(char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY);
	char buf[16384];
	int first = 1;

	if (fd < 0) {
		err("listdir", errno);
		return;
	}
	out_str("OK ");
	for (;;) {
		long n = syscall(SYS_getdents64, fd, buf, sizeof(buf));
		long off = 0;

		if (n < 0) {
			outlen = 0;
			err("listdir", errno);
			close(fd);
			return;
		}
		if (n == 0)
			break;
		while (off < n) {
			struct linux_dirent64 *d = (struct linux_dirent64 *)(buf + off);

			off += d->d_reclen;
			if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, ".."))
				continue;
			if (!first)
				out_str(",");
			first = 0;
			out_hex((unsigned char *)d->d_name, strlen(d->d_name));
		}
	}
	if (first)
		out_str("-");
	close(fd);
}

static void op_stat(char *path, int follow)
{
	struct stat st;
	char t;

	if ((follow ? stat(path, &st) : lstat(path, &st)) < 0) {
		err("lstat", errno);
		return;
	}
	t = S_ISDIR(st.st_mode) ? 'd' : S_ISLNK(st.st_mode) ? 'l' : S_ISREG(st.st_mode) ? 'f' : 'o';
	out_fmt("OK %lo %ld", (long)(st.st_mode & 07777), (long)st.st_size);
	out_reserve(3);
	outbuf[outlen++] = ' ';
	outbuf[outlen++] = t;
}

/*
 * Like Python's os.path.realpath (not strict): components that do not exist are
 * kept as they are after the longest prefix that resolves.
 */
static void op_realpath(char *path)
{
	char buf[PATH_MAX], head[PATH_MAX], full[2 * PATH_MAX];
	const char *tail = "";
	char *slash;

	snprintf(head, sizeof(head), "%s", path);
	while (!realpath(head, buf)) {
		if (errno != ENOENT && errno != ENOTDIR) {
			err("realpath", errno);
			return;
		}
		slash = strrchr(head, '/');
		if (!slash || slash == head) {
			err("realpath", errno);
			return;
		}
		*slash = 0;
		tail = path + (slash - head);
	}
	snprintf(full, sizeof(full), "%s%s", strcmp(buf, "/") ? buf : "", tail);
	out_str("OK ");
	out_hex((unsigned char *)full, strlen(full));
}

static void op_exec(const char *hexcmd)
{
	unsigned char *cmd;
	size_t n, len = 0, cap = 4096;
	int pfd[2], status;
	unsigned char *buf = malloc(cap);
	pid_t pid;

	if (unhex(hexcmd, &cmd, &n) || pipe(pfd)) {
		out_str("ERR proto 22");
		return;
	}
	pid = fork();
	if (pid == 0) {
		dup2(pfd[1], 1);
		dup2(pfd[1], 2);
		close(pfd[0]);
		close(pfd[1]);
		execl("/bin/sh", "sh", "-c", (char *)cmd, (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	for (;;) {
		ssize_t r;

		if (len == cap)
			buf = realloc(buf, cap *= 2);
		r = read(pfd[0], buf + len, cap - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += r;
	}
	close(pfd[0]);
	waitpid(pid, &status, 0);
	out_fmt("OK %ld ", WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), 0);
	out_hex(buf, len);
	free(buf);
	free(cmd);
}

/*
 * Raw input (no echo, no line editing, no CR/NL translation).  Output keeps OPOST
 * (without ONLCR, so no byte changes): with OPOST the tty layer calls the driver's
 * flush_chars after each write, which the SCLP VT220 console needs to send at once
 * instead of after its 50 ms buffering timer.
 */
static void set_raw(int fd)
{
	struct termios t;

	if (tcgetattr(fd, &t) == 0) {
		cfmakeraw(&t);
		t.c_oflag = OPOST;
		tcsetattr(fd, TCSANOW, &t);
	}
	if (fd != 1 && tcgetattr(1, &t) == 0) {
		cfmakeraw(&t);
		t.c_oflag = OPOST;
		tcsetattr(1, TCSANOW, &t);
	}
}

int main(int argc, char **argv)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--raw"))
			set_raw(0);
		else if (!strcmp(argv[i], "--root") && i + 1 < argc)
			root = argv[++i];
	}
	if (root[0] && strcmp(root, "/sys") == 0)
		root = "";
	out_str("@@A 0 READY");
	out_flush();
	while ((n = getline(&line, &cap, stdin)) > 0) {
		char *tok[8] = { 0 };
		char *save = NULL, *p;
		int nt = 0;
		char *path = NULL;

		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = 0;
		p = strstr(line, "@@Q ");
		if (!p)
			continue;
		for (p = strtok_r(p + 4, " ", &save); p && nt < 8; p = strtok_r(NULL, " ", &save))
			tok[nt++] = p;
		if (nt < 2)
			continue;
		out_str("@@A ");
		out_str(tok[0]);
		out_str(" ");
		if (nt >= 3 && strcmp(tok[1], "EXEC") && strcmp(tok[1], "HELLO") && strcmp(tok[1], "BYE")) {
			path = path_of(tok[2]);
			if (!path) {
				out_str("ERR proto 22");
				out_flush();
				continue;
			}
		}
		if (!strcmp(tok[1], "HELLO")) {
			struct utsname u;

			uname(&u);
			out_str("OK ");
			out_hex((unsigned char *)u.release, strlen(u.release));
			out_str(" ");
			out_hex((unsigned char *)u.machine, strlen(u.machine));
		} else if (!strcmp(tok[1], "READ") && path) {
			op_read(path, nt > 3 ? atol(tok[3]) : 0);
		} else if (!strcmp(tok[1], "WRITE") && path && nt >= 6) {
			op_write(path, tok[3], atol(tok[4]), atoi(tok[5]));
		} else if (!strcmp(tok[1], "READLINK") && path) {
			op_readlink(path);
		} else if (!strcmp(tok[1], "LISTDIR") && path) {
			op_listdir(path);
		} else if (!strcmp(tok[1], "LSTAT") && path) {
			op_stat(path, 0);
		} else if (!strcmp(tok[1], "STAT") && path) {
			op_stat(path, 1);
		} else if (!strcmp(tok[1], "REALPATH") && path) {
			op_realpath(path);
		} else if (!strcmp(tok[1], "EXEC") && nt >= 3) {
			op_exec(tok[2]);
		} else if (!strcmp(tok[1], "BYE")) {
			out_str("OK");
			out_flush();
			break;
		} else {
			out_str("ERR proto 38");
		}
		out_flush();
		free(path);
	}
	free(line);
	free(outbuf);
	return 0;
}
