// SPDX-License-Identifier: MIT
/*
 * FUSE low-level operations over the kernfs tree.
 *
 * Caching policy (all of it lives here):
 * - Attribute files are opened with direct_io: every read(2) renders a
 *   fresh show, so no page can be stale and no write ever has to fight a
 *   cached page of its own file (a page the kernel locks for a WRITE cannot
 *   be invalidated from inside that WRITE).  Like kernfs's seq_file, one
 *   open file renders once at offset 0 and serves later offsets from that
 *   rendering.
 * - Dentries and attributes are cached for a long time: names never change
 *   meaning while they exist, and a node's mode and size never change.
 *   Whenever a store, or deferred kernel work, removes nodes the kernel has
 *   looked up, the dentries are invalidated after the model lock is
 *   released and before the write is answered, so the writer and everyone
 *   after it see the new tree.  Lookups of missing names answer ENOENT,
 *   which leaves no lasting negative dentry: a directory a write creates is
 *   visible to the very next lookup.
 * - open() checks the mode the way kernfs does, for root too: reading a
 *   file without show, or writing one without store, is EACCES at open.
 *
 * Fault injection (hooks.h) is asked before every show and store.
 *
 * Locks: the model lock (struct sim::lock), then fs->worker_lock; nothing
 * takes them the other way round.  A store may sleep inside the model
 * (sim_wait(): a removal waiting for a guest to let go of its mdev); the
 * sleep drops the model lock, so every other request goes on, and it ends
 * when the session exits (unmount, SIGTERM), so the daemon can end.  Before
 * each sleep the worker is kicked, and it announces the removals made so
 * far to the kernel's caches.  libfuse serves at most 10 requests at once
 * (FUSE_LOOP_MT_DEF_MAX_THREADS), sleeping writers included.
 */
#include "fuse_ops.h"

#include "kernfs.h"
#include "sim.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

struct attr_handle {
	struct kn *kn;
	char *buf;		/* the show rendered at offset 0, or NULL */
	ssize_t len;
	struct attr_handle *prev, *next;	/* in simfs_fs::open_files */
};

struct dir_entry {
	uint64_t ino;
	mode_t mode;
	char *name;
};

struct dir_handle {
	struct dir_entry *ents;
	size_t nr;
	bool valid;
	struct dir_handle *prev, *next;		/* in simfs_fs::open_dirs */
};

/* Keep track of open handles (model lock held), for ll_destroy(). */
#define HANDLE_LINK(head, h)			\
	do {					\
		(h)->prev = NULL;		\
		(h)->next = (head);		\
		if (head)			\
			(head)->prev = (h);	\
		(head) = (h);			\
	} while (0)
#define HANDLE_UNLINK(head, h)				\
	do {						\
		if ((h)->prev)				\
			(h)->prev->next = (h)->next;	\
		else					\
			(head) = (h)->next;		\
		if ((h)->next)				\
			(h)->next->prev = (h)->prev;	\
	} while (0)

static struct simfs_fs *fs_of(fuse_req_t req)
{
	return fuse_req_userdata(req);
}

static struct kn *kn_of(struct simfs_fs *fs, fuse_ino_t ino)
{
	return ino == FUSE_ROOT_ID ? fs->sim->kfs.root : (struct kn *)(uintptr_t)ino;
}

static void count(struct simfs_fs *fs, enum simfs_stat s)
{
	atomic_fetch_add_explicit(&fs->stats[s], 1, memory_order_relaxed);
}

static void fill_stat(struct simfs_fs *fs, const struct kn *kn, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = kn_ino(kn, &fs->sim->kfs);
	st->st_mode = kn->mode;
	st->st_nlink = kn->type == KN_DIR ? 2 + kn->dir.nr_subdirs : 1;
	/* Owned by the simulated machine's root: the user who mounted it (root, as a rule). */
	st->st_uid = getuid();
	st->st_gid = getgid();
	st->st_blksize = SYSFS_PAGE_SIZE;
	st->st_atim = st->st_mtim = st->st_ctim = fs->boot_time;
	if (kn->type == KN_ATTR)
		st->st_size = kn->attr.attr->size ? kn->attr.attr->size : SYSFS_PAGE_SIZE;
}

/* A lookup's answer for @kn; the caller counts the kernel's new reference. */
static void fill_entry(struct simfs_fs *fs, const struct kn *kn, struct fuse_entry_param *e)
{
	memset(e, 0, sizeof(*e));
	e->ino = kn_ino(kn, &fs->sim->kfs);
	e->generation = kn->generation;
	fill_stat(fs, kn, &e->attr);
	e->attr_timeout = fs->timeout;
	e->entry_timeout = fs->timeout;
}

/* Send what the model queued for the kernel's caches; the lock must not be held. */
void simfs_send_notifications(struct simfs_fs *fs, struct kn_notify *n)
{
	while (n) {
		struct kn_notify *next = n->next;

		if (fs->se) {
			count(fs, STAT_NOTIFY);
			if (n->child_ino)
				fuse_lowlevel_notify_inval_entry(fs->se, n->parent_ino, n->name,
								 strlen(n->name));
			else
				fuse_lowlevel_notify_inval_inode(fs->se, n->parent_ino, -1, 0);
		}
		free(n);
		n = next;
	}
}

static void sim_unlock_and_notify(struct simfs_fs *fs)
{
	struct kn_notify *n = kernfs_take_notifications(&fs->sim->kfs);

	sim_unlock(fs->sim);
	simfs_send_notifications(fs, n);
}

static bool session_exited(struct simfs_fs *fs)
{
	return fs->se && fuse_session_exited(fs->se);
}

/* Sleep @ms without the model lock; an exiting session cuts it short. */
static void sleep_unlocked(struct simfs_fs *fs, unsigned int ms)
{
	uint64_t end = sim_clock_ms() + ms;

	for (uint64_t now = sim_clock_ms(); now < end && !session_exited(fs); now = sim_clock_ms()) {
		uint64_t slice = end - now > 50 ? 50 : end - now;
		struct timespec ts = { .tv_sec = 0, .tv_nsec = (long)slice * 1000000L };

		nanosleep(&ts, NULL);
	}
}

/*
 * An injected fault for this show or store: -errno to answer instead, or 0
 * to go on (after an injected delay, slept without the model lock, which
 * is held again on return).  Called with the model lock held.
 */
static int inject_fault(struct simfs_fs *fs, struct kn *kn, enum hook_op op)
{
	char path[1024];
	unsigned int delay_ms;
	int err;

	if (!fs->hooks.nr || kernfs_path(kn, path, sizeof(path)) < 0 ||
	    !hooks_consume(&fs->hooks, path, op, &err, &delay_ms))
		return 0;
	if (err)
		return -err;
	sim_unlock_and_notify(fs);
	sleep_unlocked(fs, delay_ms);
	sim_lock(fs->sim);
	return 0;
}

static void ll_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct simfs_fs *fs = fs_of(req);
	struct fuse_entry_param e;
	struct kn *dir, *kn;

	count(fs, STAT_LOOKUP);
	memset(&e, 0, sizeof(e));
	sim_lock(fs->sim);
	dir = kn_of(fs, parent);
	kn = dir->removed ? NULL : kernfs_find(&fs->sim->kfs, dir, name);
	if (!kn) {
		sim_unlock(fs->sim);
		fuse_reply_err(req, ENOENT);
		return;
	}
	kn->lookups++;
	fill_entry(fs, kn, &e);
	sim_unlock(fs->sim);
	fuse_reply_entry(req, &e);
}

static void ll_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	struct simfs_fs *fs = fs_of(req);

	count(fs, STAT_FORGET);
	if (ino != FUSE_ROOT_ID) {
		sim_lock(fs->sim);
		kn_forget(&fs->sim->kfs, kn_of(fs, ino), nlookup);
		sim_unlock(fs->sim);
	}
	fuse_reply_none(req);
}

static void ll_forget_multi(fuse_req_t req, size_t count_, struct fuse_forget_data *forgets)
{
	struct simfs_fs *fs = fs_of(req);

	count(fs, STAT_FORGET);
	sim_lock(fs->sim);
	for (size_t i = 0; i < count_; i++)
		if (forgets[i].ino != FUSE_ROOT_ID)
			kn_forget(&fs->sim->kfs, kn_of(fs, forgets[i].ino), forgets[i].nlookup);
	sim_unlock(fs->sim);
	fuse_reply_none(req);
}

static void ll_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct simfs_fs *fs = fs_of(req);
	struct stat st;

	count(fs, STAT_GETATTR);
	sim_lock(fs->sim);
	fill_stat(fs, kn_of(fs, ino), &st);
	sim_unlock(fs->sim);
	fuse_reply_attr(req, &st, fs->timeout);
}

/* sysfs lets nobody change sizes; truncation from O_TRUNC is accepted and ignored. */
static void ll_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
		       struct fuse_file_info *fi)
{
	struct simfs_fs *fs = fs_of(req);
	struct stat st;

	if (to_set & ~(FUSE_SET_ATTR_SIZE | FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME |
		       FUSE_SET_ATTR_ATIME_NOW | FUSE_SET_ATTR_MTIME_NOW | FUSE_SET_ATTR_CTIME)) {
		fuse_reply_err(req, EPERM);
		return;
	}
	sim_lock(fs->sim);
	fill_stat(fs, kn_of(fs, ino), &st);
	sim_unlock(fs->sim);
	fuse_reply_attr(req, &st, fs->timeout);
}

static void ll_readlink(fuse_req_t req, fuse_ino_t ino)
{
	struct simfs_fs *fs = fs_of(req);
	char buf[4096];
	struct kn *kn;
	int n;

	count(fs, STAT_READLINK);
	sim_lock(fs->sim);
	kn = kn_of(fs, ino);
	n = kn->type == KN_LINK ? kernfs_link_target(kn, buf, sizeof(buf)) : -EINVAL;
	sim_unlock(fs->sim);
	if (n < 0)
		fuse_reply_err(req, -n);
	else
		fuse_reply_readlink(req, buf);
}

/*
 * kernfs_fop_open(): write access needs a store and a write bit, read
 * access a show and a read bit -- for root as well.  Other users are also
 * held to the mode bits (owner and group root).  The user who mounted the
 * tree is its root: a non-root mount (simfs run in a user namespace, where
 * that user is root) can then configure its own simulated machine.
 */
static int attr_open_check(fuse_req_t req, const struct kn *kn, int flags)
{
	const struct fuse_ctx *ctx = fuse_req_ctx(req);
	int acc = flags & O_ACCMODE;
	bool want_read = acc == O_RDONLY || acc == O_RDWR;
	bool want_write = acc == O_WRONLY || acc == O_RDWR;
	uint16_t mode = kn->mode;

	if (want_write && (!(mode & 0222) || !kn->attr.attr->store))
		return -EACCES;
	if (want_read && (!(mode & 0444) || !kn->attr.attr->show))
		return -EACCES;
	if (ctx->uid != 0 && ctx->uid != getuid()) {
		unsigned int bits = ctx->gid == 0 || ctx->gid == getgid() ? (mode >> 3) & 7 : mode & 7;

		if ((want_read && !(bits & 4)) || (want_write && !(bits & 2)))
			return -EACCES;
	}
	return 0;
}

static void ll_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct simfs_fs *fs = fs_of(req);
	struct attr_handle *h;
	struct kn *kn;
	int err;

	count(fs, STAT_OPEN);
	h = calloc(1, sizeof(*h));
	if (!h) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	sim_lock(fs->sim);
	kn = kn_of(fs, ino);
	if (kn->type != KN_ATTR)
		err = kn->type == KN_DIR ? -EISDIR : -ELOOP;
	else if (kn->removed)
		err = -ENODEV;
	else
		err = attr_open_check(req, kn, fi->flags);
	if (!err) {
		kn_pin(kn);
		h->kn = kn;
		HANDLE_LINK(fs->open_files, h);
	}
	sim_unlock(fs->sim);
	if (err) {
		free(h);
		fuse_reply_err(req, -err);
		return;
	}
	fi->fh = (uint64_t)(uintptr_t)h;
	fi->direct_io = 1;
	fi->keep_cache = 0;
	fi->nonseekable = 0;
	if (fuse_reply_open(req, fi) == -ENOENT) {
		sim_lock(fs->sim);
		HANDLE_UNLINK(fs->open_files, h);
		kn_unpin(&fs->sim->kfs, kn);
		sim_unlock(fs->sim);
		free(h);
	}
}

static void ll_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi)
{
	struct simfs_fs *fs = fs_of(req);
	struct attr_handle *h = (struct attr_handle *)(uintptr_t)fi->fh;
	char out[SYSFS_PAGE_SIZE];
	ssize_t n = 0;

	count(fs, STAT_READ);
	if (off == 0 || !h->buf) {
		char *buf = h->buf ? h->buf : malloc(SYSFS_PAGE_SIZE + 1);

		if (!buf) {
			fuse_reply_err(req, ENOMEM);
			return;
		}
		h->buf = buf;
		sim_lock(fs->sim);
		n = inject_fault(fs, h->kn, HOOK_READ);
		if (n)
			;
		else if (h->kn->removed)
			n = -ENODEV;
		else
			n = h->kn->attr.attr->show(h->kn->attr.obj, buf);
		sim_unlock(fs->sim);
		if (n < 0) {
			free(h->buf);
			h->buf = NULL;
			fuse_reply_err(req, (int)-n);
			return;
		}
		h->len = n > SYSFS_PAGE_SIZE ? SYSFS_PAGE_SIZE : n;
	}
	if (off >= h->len) {
		fuse_reply_buf(req, NULL, 0);
		return;
	}
	if ((size_t)(h->len - off) < size)
		size = (size_t)(h->len - off);
	/*
	 * Reply from a copy: as soon as the kernel has the data the reader may
	 * close, and the release (on another thread) frees h->buf while
	 * fuse_reply_buf() has not yet returned.
	 */
	memcpy(out, h->buf + off, size);
	fuse_reply_buf(req, out, size);
}

static void ll_write(fuse_req_t req, fuse_ino_t ino, const char *data, size_t size, off_t off,
		     struct fuse_file_info *fi)
{
	struct simfs_fs *fs = fs_of(req);
	struct attr_handle *h = (struct attr_handle *)(uintptr_t)fi->fh;
	char buf[SYSFS_PAGE_SIZE + 1];
	ssize_t ret;

	count(fs, STAT_WRITE);
	/* A zero-length write never reaches a store. */
	if (size == 0) {
		fuse_reply_write(req, 0);
		return;
	}
	/* kernfs hands a store at most one page, as a NUL-terminated copy; the offset is ignored. */
	if (size > SYSFS_PAGE_SIZE)
		size = SYSFS_PAGE_SIZE;
	memcpy(buf, data, size);
	buf[size] = '\0';

	sim_lock(fs->sim);
	ret = inject_fault(fs, h->kn, HOOK_WRITE);
	if (ret)
		;
	else if (h->kn->removed)
		ret = -ENODEV;
	else
		ret = h->kn->attr.attr->store(h->kn->attr.obj, buf, size);
	sim_unlock_and_notify(fs);

	pthread_mutex_lock(&fs->worker_lock);
	pthread_cond_signal(&fs->worker_cond);
	pthread_mutex_unlock(&fs->worker_lock);

	if (ret < 0)
		fuse_reply_err(req, (int)-ret);
	else
		fuse_reply_write(req, (size_t)ret > size ? size : (size_t)ret);
}

static void ll_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct simfs_fs *fs = fs_of(req);
	struct attr_handle *h = (struct attr_handle *)(uintptr_t)fi->fh;

	count(fs, STAT_RELEASE);
	sim_lock(fs->sim);
	HANDLE_UNLINK(fs->open_files, h);
	kn_unpin(&fs->sim->kfs, h->kn);
	sim_unlock(fs->sim);
	free(h->buf);
	free(h);
	fuse_reply_err(req, 0);
}

static void ll_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct simfs_fs *fs = fs_of(req);
	struct dir_handle *d;
	struct kn *kn;

	count(fs, STAT_OPENDIR);
	sim_lock(fs->sim);
	kn = kn_of(fs, ino);
	if (kn->type != KN_DIR) {
		sim_unlock(fs->sim);
		fuse_reply_err(req, ENOTDIR);
		return;
	}
	sim_unlock(fs->sim);
	d = calloc(1, sizeof(*d));
	if (!d) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	fi->fh = (uint64_t)(uintptr_t)d;
	sim_lock(fs->sim);
	HANDLE_LINK(fs->open_dirs, d);
	sim_unlock(fs->sim);
	if (fuse_reply_open(req, fi) == -ENOENT) {
		sim_lock(fs->sim);
		HANDLE_UNLINK(fs->open_dirs, d);
		sim_unlock(fs->sim);
		free(d);
	}
}

static void dir_handle_clear(struct dir_handle *d)
{
	for (size_t i = 0; i < d->nr; i++)
		free(d->ents[i].name);
	free(d->ents);
	d->ents = NULL;
	d->nr = 0;
	d->valid = false;
}

/* Snapshot a directory's entries, as getdents sees them at offset 0. */
static int dir_snapshot(struct simfs_fs *fs, struct kn *dir, struct dir_handle *d)
{
	size_t n = 2;
	struct kn *kn;
	int err = kernfs_populate(&fs->sim->kfs, dir);

	if (err)
		return err;
	for (kn = dir->dir.first; kn; kn = kn->next)
		n++;
	d->ents = calloc(n, sizeof(*d->ents));
	if (!d->ents)
		return -ENOMEM;
	d->ents[0] = (struct dir_entry){ kn_ino(dir, &fs->sim->kfs), S_IFDIR, strdup(".") };
	d->ents[1] = (struct dir_entry){ dir->parent ? kn_ino(dir->parent, &fs->sim->kfs) : 1,
					 S_IFDIR, strdup("..") };
	d->nr = 2;
	for (kn = dir->dir.first; kn; kn = kn->next) {
		d->ents[d->nr] = (struct dir_entry){ kn_ino(kn, &fs->sim->kfs), kn->mode, strdup(kn->name) };
		if (!d->ents[d->nr].name)
			break;
		d->nr++;
	}
	for (size_t i = 0; i < 2; i++)
		if (!d->ents[i].name)
			return -ENOMEM;
	d->valid = true;
	return d->nr == n ? 0 : -ENOMEM;
}

/*
 * One entry of a readdirplus, with what a lookup would answer.  The kernel
 * takes a reference on every entry but "." and "..", and keeps the
 * attributes: the stat that follows a listing (ls -l, a walk) then costs no
 * request.  An entry gone since the snapshot goes without attributes (ino
 * 0), which the kernel takes as a plain entry.  Returns the bytes needed,
 * as fuse_add_direntry_plus() does; the reference counts only if it fit.
 */
static size_t add_entry_plus(struct simfs_fs *fs, fuse_req_t req, char *buf, size_t room,
			     struct kn *dir, const struct dir_entry *ent, off_t next)
{
	bool dots = !strcmp(ent->name, ".") || !strcmp(ent->name, "..");
	struct kn *kn = dots || dir->removed ? NULL : kernfs_find(&fs->sim->kfs, dir, ent->name);
	struct fuse_entry_param e;
	size_t len;

	if (kn && kn_ino(kn, &fs->sim->kfs) == ent->ino) {
		fill_entry(fs, kn, &e);
	} else {
		kn = NULL;
		memset(&e, 0, sizeof(e));
		e.attr.st_ino = ent->ino;
		e.attr.st_mode = ent->mode;
	}
	len = fuse_add_direntry_plus(req, buf, room, ent->name, &e, next);
	if (kn && len <= room)
		kn->lookups++;
	return len;
}

static void do_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi, bool plus)
{
	struct simfs_fs *fs = fs_of(req);
	struct dir_handle *d = (struct dir_handle *)(uintptr_t)fi->fh;
	struct kn *dir = NULL;
	char *buf;
	size_t pos = 0;
	int err = 0;

	count(fs, plus ? STAT_READDIRPLUS : STAT_READDIR);
	if (off == 0 || !d->valid) {
		dir_handle_clear(d);
		sim_lock(fs->sim);
		err = dir_snapshot(fs, kn_of(fs, ino), d);
		sim_unlock(fs->sim);
		if (err) {
			dir_handle_clear(d);
			fuse_reply_err(req, -err);
			return;
		}
	}
	buf = malloc(size);
	if (!buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	if (plus) {
		sim_lock(fs->sim);
		dir = kn_of(fs, ino);
	}
	for (size_t i = (size_t)off; i < d->nr; i++) {
		struct stat st = { .st_ino = d->ents[i].ino, .st_mode = d->ents[i].mode };
		size_t len = plus ? add_entry_plus(fs, req, buf + pos, size - pos, dir, &d->ents[i],
						   (off_t)(i + 1)) :
				    fuse_add_direntry(req, buf + pos, size - pos, d->ents[i].name, &st,
						      (off_t)(i + 1));

		if (len > size - pos)
			break;
		pos += len;
	}
	if (plus)
		sim_unlock(fs->sim);
	fuse_reply_buf(req, buf, pos);
	free(buf);
}

static void ll_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi)
{
	do_readdir(req, ino, size, off, fi, false);
}

static void ll_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
			   struct fuse_file_info *fi)
{
	do_readdir(req, ino, size, off, fi, true);
}

static void ll_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct simfs_fs *fs = fs_of(req);
	struct dir_handle *d = (struct dir_handle *)(uintptr_t)fi->fh;

	sim_lock(fs->sim);
	HANDLE_UNLINK(fs->open_dirs, d);
	sim_unlock(fs->sim);
	dir_handle_clear(d);
	free(d);
	fuse_reply_err(req, 0);
}

/*
 * The session ends: files still open (a writer that slept until the daemon
 * was told to stop, then closed too late) will never be released.
 */
static void ll_destroy(void *userdata)
{
	struct simfs_fs *fs = userdata;

	sim_lock(fs->sim);
	while (fs->open_files) {
		struct attr_handle *h = fs->open_files;

		HANDLE_UNLINK(fs->open_files, h);
		kn_unpin(&fs->sim->kfs, h->kn);
		free(h->buf);
		free(h);
	}
	while (fs->open_dirs) {
		struct dir_handle *d = fs->open_dirs;

		HANDLE_UNLINK(fs->open_dirs, d);
		dir_handle_clear(d);
		free(d);
	}
	sim_unlock(fs->sim);
}

/* sysfs has no mkdir, unlink, rename, ... (EPERM), and no create (EACCES). */
static void ll_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode)
{
	fuse_reply_err(req, EPERM);
}

static void ll_mknod(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode, dev_t rdev)
{
	fuse_reply_err(req, EPERM);
}

static void ll_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	fuse_reply_err(req, EPERM);
}

static void ll_symlink(fuse_req_t req, const char *link, fuse_ino_t parent, const char *name)
{
	fuse_reply_err(req, EPERM);
}

static void ll_rename(fuse_req_t req, fuse_ino_t parent, const char *name, fuse_ino_t newparent,
		      const char *newname, unsigned int flags)
{
	fuse_reply_err(req, EPERM);
}

static void ll_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent, const char *newname)
{
	fuse_reply_err(req, EPERM);
}

static void ll_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
		      struct fuse_file_info *fi)
{
	fuse_reply_err(req, EACCES);
}

/*
 * Until Linux 6.14 ("fuse: dont truncate cached, mutated symlink") a cached
 * link text was cut at the inode's size, and sysfs links stat at 0 bytes:
 * every link would read as "".  Stable kernels got the fix in 2025, but
 * their version numbers cannot say so; only 6.14 and later are trusted.
 */
static bool kernel_keeps_whole_link_texts(void)
{
	struct utsname u;
	unsigned int major, minor;

	if (uname(&u) || sscanf(u.release, "%u.%u", &major, &minor) != 2)
		return false;
	return major > 6 || (major == 6 && minor >= 14);
}

static void ll_init(void *userdata, struct fuse_conn_info *conn)
{
	/* O_TRUNC arrives with open and is ignored, as sysfs ignores truncation. */
	if (conn->capable & FUSE_CAP_ATOMIC_O_TRUNC)
		conn->want |= FUSE_CAP_ATOMIC_O_TRUNC;
	conn->want &= ~(unsigned int)FUSE_CAP_WRITEBACK_CACHE;
	/*
	 * A link's text is fixed for the link's life: nothing in sysfs moves a
	 * link or its target, and a name linked anew is a new inode.  So the
	 * kernel may keep the text (tools readlink "driver" and "subsystem"
	 * over and over); only a removal needs telling, and it is.
	 */
	if ((conn->capable & FUSE_CAP_CACHE_SYMLINKS) && kernel_keeps_whole_link_texts())
		conn->want |= FUSE_CAP_CACHE_SYMLINKS;
}

const struct fuse_lowlevel_ops simfs_ll_ops = {
	.init = ll_init,
	.destroy = ll_destroy,
	.lookup = ll_lookup,
	.forget = ll_forget,
	.forget_multi = ll_forget_multi,
	.getattr = ll_getattr,
	.setattr = ll_setattr,
	.readlink = ll_readlink,
	.mknod = ll_mknod,
	.mkdir = ll_mkdir,
	.unlink = ll_unlink,
	.rmdir = ll_unlink,
	.symlink = ll_symlink,
	.rename = ll_rename,
	.link = ll_link,
	.create = ll_create,
	.open = ll_open,
	.read = ll_read,
	.write = ll_write,
	.release = ll_release,
	.opendir = ll_opendir,
	.readdir = ll_readdir,
	.readdirplus = ll_readdirplus,
	.releasedir = ll_releasedir,
};

/* ---- deferred work -------------------------------------------------------- */

static void *worker_main(void *arg)
{
	struct simfs_fs *fs = arg;

	pthread_mutex_lock(&fs->worker_lock);
	while (!fs->worker_stop) {
		uint64_t next;
		struct timespec ts;

		pthread_mutex_unlock(&fs->worker_lock);
		sim_lock(fs->sim);
		next = sim_run_work(fs->sim, sim_clock_ms());
		sim_unlock_and_notify(fs);
		pthread_mutex_lock(&fs->worker_lock);
		if (fs->worker_stop)
			break;
		clock_gettime(CLOCK_REALTIME, &ts);
		if (next == UINT64_MAX) {
			ts.tv_sec += 1;
		} else {
			uint64_t now = sim_clock_ms(), wait = next > now ? next - now : 0;

			ts.tv_sec += (time_t)(wait / 1000);
			ts.tv_nsec += (long)(wait % 1000) * 1000000;
			if (ts.tv_nsec >= 1000000000) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000;
			}
		}
		pthread_cond_timedwait(&fs->worker_cond, &fs->worker_lock, &ts);
	}
	pthread_mutex_unlock(&fs->worker_lock);
	return NULL;
}

/* A store is about to sleep in the model: have the worker send what is pending. */
static void kick_worker(void *arg)
{
	struct simfs_fs *fs = arg;

	pthread_mutex_lock(&fs->worker_lock);
	pthread_cond_signal(&fs->worker_cond);
	pthread_mutex_unlock(&fs->worker_lock);
}

static bool sleepers_must_stop(void *arg)
{
	return session_exited(arg);
}

int simfs_worker_start(struct simfs_fs *fs)
{
	int err;

	pthread_mutex_init(&fs->worker_lock, NULL);
	pthread_cond_init(&fs->worker_cond, NULL);
	err = pthread_create(&fs->worker, NULL, worker_main, fs);
	if (err)
		return -err;
	fs->worker_started = true;
	sim_lock(fs->sim);
	fs->sim->waiter_arg = fs;
	fs->sim->kick = kick_worker;
	fs->sim->stopping = sleepers_must_stop;
	sim_unlock(fs->sim);
	return 0;
}

void simfs_worker_stop(struct simfs_fs *fs)
{
	if (!fs->worker_started)
		return;
	sim_lock(fs->sim);
	fs->sim->kick = NULL;
	sim_unlock(fs->sim);
	pthread_mutex_lock(&fs->worker_lock);
	fs->worker_stop = true;
	pthread_cond_signal(&fs->worker_cond);
	pthread_mutex_unlock(&fs->worker_lock);
	pthread_join(fs->worker, NULL);
	fs->worker_started = false;
}
