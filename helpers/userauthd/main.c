/* SPDX-License-Identifier: MIT */
/*
 * userauthd: start-up and shutdown.  Owns option parsing, the checks on
 * its directories, binding the sockets as root, dropping to the daemon
 * user, detaching, and reload on SIGHUP.  It must refuse to start on any
 * doubt (bad config, unsafe directory, foreign database) rather than run
 * with a weaker setup.
 */
#include <errno.h>
#include <malloc.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "client/valid.h"
#include "server/conf.h"
#include "server/defaults.h"
#include "server/json_frame.h"
#include "server/log.h"
#include "client/wipe.h"
#include "userauthd/admin/admin.h"
#include "userauthd/hostname.h"
#include "userauthd/keys.h"
#include "userauthd/mail/mailer.h"
#include "userauthd/net/http.h"
#include "userauthd/notify.h"
#include "userauthd/nss/nsscache.h"
#include "userauthd/password.h"
#include "userauthd/pool/cognito.h"
#include "userauthd/server.h"
#include "userauthd/workq.h"
#include "userauthd/store/store.h"

/*
 * Exit statuses (userauthd(8) EXIT STATUS).  A start refused for what
 * only the administrator can mend exits UAD_EXIT_CONFIG, which the
 * unit's RestartPreventExitStatus= names: systemd would otherwise start
 * it again every RestartSec= until its start limit, for nothing.
 */
#define UAD_EXIT_FAILURE 1 /* start-up failed; a retry may succeed */
#define UAD_EXIT_USAGE 2
#define UAD_EXIT_CONFIG 78 /* sysexits.h EX_CONFIG */

struct ids {
	uid_t uid;
	gid_t gid;
	bool have_admin_gid;
	gid_t admin_gid;
};

static void
usage(FILE *out)
{
	fprintf(out,
	    "usage: userauthd [-f] [-d] [-c FILE]\n"
	    "       userauthd -t [-c FILE]    check the configuration and "
	    "exit\n"
	    "       userauthd -T [-c FILE]    print the effective "
	    "configuration\n"
	    "  -c FILE  configuration file (default " UA_CONFIG_PATH ")\n"
	    "  -f       stay in the foreground and log to stderr\n"
	    "  -d       log debug messages\n"
	    "  -V       print the version\n");
}

/*
 * Look up the daemon user and the admin group.  This goes through NSS on
 * purpose (the accounts may live in LDAP); USERAUTH_NSS_BYPASS, set at the
 * top of main, keeps our own NSS module from calling back into us.
 */
static int
lookup_ids(const struct ua_conf *c, struct ids *ret)
{
	struct passwd pw, *pwp = NULL;
	struct group gr, *grp = NULL;
	char buf[16384];

	memset(ret, 0, sizeof(*ret));
	if (geteuid() == 0) {
		if (getpwnam_r(c->user, &pw, buf, sizeof(buf), &pwp) != 0 ||
		    pwp == NULL) {
			ua_log(LOG_ERR,
			    "%s: the daemon user '%s' does not "
			    "exist (create it, e.g. useradd --system %s)",
			    c->path, c->user, c->user);
			return -ENOENT;
		}
		if (pw.pw_uid == 0) {
			ua_log(LOG_ERR,
			    "%s: user = %s is root; userauthd "
			    "runs as an unprivileged user",
			    c->path, c->user);
			return -EPERM;
		}
		ret->uid = pw.pw_uid;
		ret->gid = pw.pw_gid;
	} else {
		ret->uid = geteuid();
		ret->gid = getegid();
	}
	if (c->admin_group != NULL) {
		if (getgrnam_r(c->admin_group, &gr, buf, sizeof(buf), &grp) !=
			0 ||
		    grp == NULL) {
			ua_log(LOG_ERR, "%s: admin_group '%s' does not exist",
			    c->path, c->admin_group);
			return -ENOENT;
		}
		ret->have_admin_gid = true;
		ret->admin_gid = gr.gr_gid;
	}
	return 0;
}

/*
 * Make dir (mode) if missing and, when we are root and made it, hand it to
 * the daemon user.  A directory that already exists is never chowned (it
 * may be /var/cache).  Then insist, on the opened directory (no symlink,
 * no race): owned by uid, not writable by others, and for private dirs
 * (mode 0700) not accessible by anyone else.
 */
static int
prepare_dir(const char *dir, mode_t mode, uid_t uid, gid_t gid)
{
	struct stat st;
	bool made;
	int fd, r = 0;

	made = mkdir(dir, mode) == 0;
	if (!made && errno != EEXIST)
		return ua_log_errno(LOG_ERR, -errno, "mkdir '%s': %m", dir);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		ua_log(LOG_ERR,
		    "'%s' is not a directory (a symlink?): "
		    "refusing to start",
		    dir);
		return -ENOTDIR;
	}
	if (made && geteuid() == 0 && uid != 0 &&
	    (fchown(fd, uid, gid) < 0 || fchmod(fd, mode) < 0)) {
		r = ua_log_errno(LOG_ERR, -errno, "chown '%s': %m", dir);
		goto out;
	}
	if (fstat(fd, &st) < 0) {
		r = ua_log_errno(LOG_ERR, -errno, "'%s': %m", dir);
		goto out;
	}
	if (st.st_uid != uid) {
		ua_log(LOG_ERR,
		    "'%s' is owned by uid %u, not by the daemon "
		    "user (uid %u): refusing to start (let userauthd create "
		    "it, or chown it)",
		    dir, (unsigned)st.st_uid, (unsigned)uid);
		r = -EPERM;
		goto out;
	}
	if ((st.st_mode & 022) || ((mode & 077) == 0 && (st.st_mode & 077))) {
		ua_log(LOG_ERR,
		    "'%s' has mode %04o; it must be %04o: refusing "
		    "to start",
		    dir, (unsigned)(st.st_mode & 07777), (unsigned)mode);
		r = -EPERM;
	}
out:
	close(fd);
	return r;
}

/* The database file, if it exists, must be ours and private. */
static int
check_db_file(const char *path, uid_t uid)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return errno == ENOENT
		    ? 0
		    : ua_log_errno(LOG_ERR, -errno, "'%s': %m", path);
	if (!S_ISREG(st.st_mode) || st.st_uid != uid || (st.st_mode & 077)) {
		ua_log(LOG_ERR,
		    "'%s' must be a regular file owned by the "
		    "daemon user with mode 0600: refusing to start",
		    path);
		return -EPERM;
	}
	return 0;
}

static int
dirname_of(const char *path, char *out, size_t outsz)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL || slash == path)
		return -EINVAL;
	if ((size_t)(slash - path) >= outsz)
		return -ENAMETOOLONG;
	memcpy(out, path, (size_t)(slash - path));
	out[slash - path] = '\0';
	return 0;
}

static int
drop_privileges(const struct ids *ids)
{
	if (geteuid() != 0)
		return 0;
	if (setgroups(0, NULL) < 0 ||
	    setresgid(ids->gid, ids->gid, ids->gid) < 0 ||
	    setresuid(ids->uid, ids->uid, ids->uid) < 0)
		return ua_log_errno(LOG_ERR, -errno, "drop privileges: %m");
	if (setuid(0) == 0) {
		ua_log(LOG_ERR, "could regain root after dropping privileges");
		return -EPERM;
	}
	/* A credential change resets it: no core dumps with secrets. */
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	return 0;
}

/*
 * Detach: the parent waits until the child reports that it is serving, so
 * "userauthd && userauthctl ..." works and start-up errors reach the exit
 * status.  Returns the fd the child writes its status byte to.
 */
static int
detach(int *ret_fd)
{
	int p[2];
	pid_t pid;
	char st = 1;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid > 0) {
		close(p[1]);
		if (read(p[0], &st, 1) != 1)
			st = 1;
		_exit(st);
	}
	close(p[0]);
	if (setsid() < 0)
		return -errno;
	*ret_fd = p[1];
	return 0;
}

static void
report_ready(int *fd, int status)
{
	char st = (char)status;
	int devnull;

	if (*fd < 0)
		return;
	if (status == 0) {
		ua_log_errors_to_stderr(false);
		devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (devnull >= 0) {
			(void)dup2(devnull, 0);
			(void)dup2(devnull, 1);
			(void)dup2(devnull, 2);
			if (devnull > 2)
				close(devnull);
		}
	}
	(void)!write(*fd, &st, 1);
	close(*fd);
	*fd = -1;
}

static const char *conf_path = UA_CONFIG_PATH;

/* Room for every client plus the daemon's own files. */
static void
raise_fd_limit(uint32_t max_clients)
{
	struct rlimit rl;
	rlim_t want = (rlim_t)max_clients + SERVER_ADMIN_SLOTS + 64;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur >= want)
		return;
	rl.rlim_cur = want <= rl.rlim_max ? want : rl.rlim_max;
	(void)setrlimit(RLIMIT_NOFILE, &rl);
	if (rl.rlim_cur < want)
		ua_log(LOG_WARNING,
		    "the open file limit (%llu) is below "
		    "max_clients + %u",
		    (unsigned long long)rl.rlim_cur, SERVER_ADMIN_SLOTS + 64);
}

/* Secrets are read as root, at start only: a reload cannot take new ones. */
static bool
cognito_secrets_changed(const struct ua_conf *n, const struct ua_conf *old)
{
	const struct ua_pool_conf *p, *q;
	size_t i;

	for (i = 0; i < n->npools; i++) {
		p = &n->pools[i];
		if (p->backend != UA_BACKEND_COGNITO)
			continue;
		q = ua_conf_pool(old, p->name);
		if (q == NULL || q->backend != UA_BACKEND_COGNITO ||
		    strcmp(p->cognito_client_secret_file
			    ? p->cognito_client_secret_file
			    : "",
			q->cognito_client_secret_file
			    ? q->cognito_client_secret_file
			    : "") != 0 ||
		    strcmp(p->cognito_credentials_file
			    ? p->cognito_credentials_file
			    : "",
			q->cognito_credentials_file
			    ? q->cognito_credentials_file
			    : "") != 0) {
			ua_log(LOG_WARNING,
			    "reload: the secrets of Cognito pool "
			    "%s are read when the daemon starts; restart it "
			    "for "
			    "the new ones",
			    p->name);
			return true;
		}
	}
	return false;
}

static int
reload(struct server *srv)
{
	struct ua_conf *n = NULL, *old = srv->conf;
	struct store_err serr = { 0 };
	char err[512];
	int r;

	r = ua_conf_load(conf_path, &n, err, sizeof(err));
	if (r < 0) {
		ua_log(LOG_ERR,
		    "reload refused, keeping the running "
		    "configuration: %s",
		    err);
		return r;
	}
	(void)cognito_secrets_changed(n, old);
	/* Process settings need a restart; keep the running ones. */
	if (strcmp(n->runtime_dir, old->runtime_dir) ||
	    strcmp(n->state_dir, old->state_dir) ||
	    strcmp(n->nss_cache, old->nss_cache) ||
	    strcmp(n->user, old->user) || n->max_clients != old->max_clients ||
	    n->hash_threads != old->hash_threads ||
	    !!n->admin_group != !!old->admin_group ||
	    (n->admin_group && strcmp(n->admin_group, old->admin_group)))
		ua_log(LOG_WARNING,
		    "reload: [daemon] changes take effect "
		    "at the next restart");
	free(n->runtime_dir);
	free(n->state_dir);
	free(n->nss_cache);
	free(n->user);
	free(n->admin_group);
	n->runtime_dir = strdup(old->runtime_dir);
	n->state_dir = strdup(old->state_dir);
	n->nss_cache = strdup(old->nss_cache);
	n->user = strdup(old->user);
	n->admin_group = old->admin_group ? strdup(old->admin_group) : NULL;
	n->max_clients = old->max_clients;
	n->hash_threads = old->hash_threads;
	if (!n->runtime_dir || !n->state_dir || !n->nss_cache || !n->user ||
	    (old->admin_group && !n->admin_group)) {
		ua_conf_free(n);
		return ua_log_errno(LOG_ERR, -ENOMEM, "reload: %m");
	}
	r = store_sync_pools(srv->store, n, &serr);
	if (r < 0) {
		ua_log(LOG_ERR, "reload refused: %s", serr.msg);
		ua_conf_free(n);
		return r;
	}
	srv->conf = n;
	srv->auth.conf = n;
	ua_conf_free(old);
	ua_log(LOG_NOTICE, "configuration reloaded from %s", conf_path);
	return 0;
}

static void
kick_mailer(void *mailer)
{
	mailer_kick(mailer);
}

/* 32 random bytes as 64 hex digits: a password nobody knows. */
static int
dummy_password(char out[65])
{
	static const char hex[] = "0123456789abcdef";
	uint8_t b[32];
	size_t i;

	if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b))
		return -EIO;
	for (i = 0; i < sizeof(b); i++) {
		out[2 * i] = hex[b[i] >> 4];
		out[2 * i + 1] = hex[b[i] & 15];
	}
	out[64] = '\0';
	ua_wipe(b, sizeof(b));
	return 0;
}

/* What the login flow needs: workers, the dummy hash, the mailer. */
static void
set_extra(void *arg, struct nss_extra *x)
{
	server_set_extra(arg, x);
}

static int
start_login(struct server *srv, const char *db_path)
{
	char dummy[65];
	int r;

	r = workq_start(srv->conf->hash_threads, &srv->auth.wq);
	if (r < 0)
		return ua_log_errno(LOG_ERR, r, "worker threads: %m");
	r = http_start(srv->auth.wq, &srv->auth.http);
	if (r < 0)
		return ua_log_errno(LOG_ERR, r, "HTTPS thread: %m");
	/*
	 * Fake password checks cost what a real one does.  The dummy is
	 * hashed from random bytes drawn at each start, so no answer is
	 * known to match it.
	 */
	r = dummy_password(dummy);
	if (r == 0)
		r = password_hash(dummy, &srv->dummy_hash);
	ua_wipe(dummy, sizeof(dummy));
	if (r < 0)
		return ua_log_errno(LOG_ERR, r, "dummy hash: %m");
	srv->auth.conf = srv->conf;
	srv->auth.store = srv->store;
	srv->auth.keys = &srv->keys;
	srv->auth.dummy_hash = srv->dummy_hash;
	r = mailer_start(srv->conf, db_path, NULL, &srv->mailer);
	if (r < 0)
		return ua_log_errno(LOG_ERR, r, "mailer: %m");
	srv->auth.mail_queued = kick_mailer;
	srv->auth.mail_arg = srv->mailer;
	srv->auth.nss_extra = set_extra;
	srv->auth.nss_arg = srv;
	r = auth_start(&srv->auth);
	if (r < 0)
		return ua_log_errno(LOG_ERR, r, "pool backends: %m");
	r = publisher_start(db_path, srv->conf->nss_cache, &srv->pub);
	if (r < 0)
		return ua_log_errno(LOG_ERR, r, "NSS publisher: %m");
	if (srv->extra != NULL) /* the Cognito syncs kept on disk */
		publisher_set_extra(srv->pub, srv->extra);
	return 0;
}

/*
 * Before anything is allocated: the id marks of the state file beside the
 * database and of the NSS cache the last run published, so that a
 * database replaced, restored or lost never makes a pool hand out an id
 * again.
 */
static int
attach_marks(const struct ua_conf *c, struct store *s)
{
	struct store_err serr = { 0 };
	struct store_id_mark *m = NULL;
	char path[4096];
	size_t n = 0, raised = 0;
	int r;

	r = nsscache_read_marks(c->nss_cache, &m, &n);
	if (r < 0 && r != -ENOENT && r != -EPROTONOSUPPORT)
		ua_log_errno(LOG_WARNING, r,
		    "id marks: cannot read them from "
		    "the NSS cache '%s' (%m); using %s/userauth.ids alone",
		    c->nss_cache, c->state_dir);
	r = ua_snprintf(path, sizeof(path), "%s/userauth.ids", c->state_dir);
	if (r < 0)
		return ua_log_errno(LOG_ERR, r, "state_dir: %m");
	r = store_marks_attach(s, path, m, n, &raised, &serr);
	nsscache_marks_free(m, n);
	if (r < 0) {
		ua_log(LOG_ERR, "%s", serr.msg);
		return r;
	}
	if (raised > 0)
		ua_log(LOG_WARNING,
		    "the database's id counters of %zu pool(s) "
		    "were below the ids handed out before (recorded in %s and "
		    "the NSS cache): was it replaced, restored or lost?  New "
		    "ids continue above the old ones",
		    raised, path);
	return 0;
}

/* As root: the runtime, state and NSS cache directories, both sockets. */
static int
setup_root(struct server *srv, const struct ids *ids)
{
	const struct ua_conf *c = srv->conf;
	char path[4096], dir[4096];
	int r;

	r = prepare_dir(c->runtime_dir, 0755, ids->uid, ids->gid);
	if (r == 0)
		r = prepare_dir(c->state_dir, 0700, ids->uid, ids->gid);
	if (r == 0)
		r = dirname_of(c->nss_cache, dir, sizeof(dir));
	if (r == 0)
		r = prepare_dir(dir, 0755, ids->uid, ids->gid);
	if (r < 0)
		return r;
	r = ua_snprintf(path, sizeof(path), "%s/public.sock", c->runtime_dir);
	if (r >= 0)
		r = server_listen(path, 0666, (gid_t)-1, &srv->public_fd);
	if (r < 0)
		return ua_log_errno(LOG_ERR, r, "listen on '%s': %m%s", path,
		    r == -EADDRINUSE ? " (is another userauthd running?)" : "");
	r = ua_snprintf(path, sizeof(path), "%s/admin.sock", c->runtime_dir);
	if (r >= 0)
		r = server_listen(path, ids->have_admin_gid ? 0660 : 0600,
		    ids->have_admin_gid ? ids->admin_gid : (gid_t)-1,
		    &srv->admin_fd);
	if (r < 0)
		return ua_log_errno(LOG_ERR, r, "listen on '%s': %m", path);
	return 0;
}

/* As the daemon user: the database at path, checked, opened, in step. */
static int
setup_store(struct server *srv, const char *path, const struct ids *ids,
    struct store **ret_store)
{
	struct store_err serr = { 0 };
	int r;

	r = check_db_file(path, ids->uid);
	if (r < 0)
		return r;
	r = store_open(path, ret_store, &serr);
	if (r == 0)
		r = store_open_side(*ret_store, &serr);
	/*
	 * The event loop's connection: a lock held elsewhere (the mailer's
	 * short writes; an operator's sqlite3) is waited for at most
	 * 250 ms, then that one request fails closed.  Five seconds would
	 * stop every client for five seconds.
	 */
	if (r == 0)
		store_set_busy_ms(*ret_store, UA_LOOP_BUSY_MS);
	if (r == 0 && store_created(*ret_store))
		ua_log(LOG_NOTICE, "created the database '%s' (there was none)",
		    path);
	if (r == 0)
		r = store_sync_pools(*ret_store, srv->conf, &serr);
	if (r < 0) {
		ua_log(LOG_ERR, "%s", serr.msg);
		return r;
	}
	return attach_marks(srv->conf, *ret_store);
}

static int
setup(struct server *srv, const struct ids *ids, struct store **ret_store)
{
	const struct ua_conf *c = srv->conf;
	char path[4096];
	int r;

	/* OpenSSL's algorithms, before any fetch can build them (keys.c) */
	r = keys_crypto_init();
	if (r < 0)
		return ua_log_errno(LOG_ERR, r,
		    "OpenSSL cannot make an HMAC: %m");
	r = setup_root(srv, ids);
	if (r < 0)
		return r;
	/* Read the SMTP password (root-only file) while we still can. */
	r = mailer_prepare(c, ids->uid);
	if (r < 0)
		return ua_log_errno(LOG_ERR, r, "mail setup: %m");
	/* ... and the Cognito app clients' secrets (logged when refused) */
	r = pool_cognito_read_secrets(c, ids->uid, &srv->auth.cg_secrets);
	if (r < 0)
		return r;
	r = drop_privileges(ids);
	if (r < 0)
		return r;
	r = ua_snprintf(path, sizeof(path), "%s/userauth.db", c->state_dir);
	if (r >= 0)
		r = setup_store(srv, path, ids, ret_store);
	if (r < 0)
		return r;
	r = keys_load(c->state_dir, &srv->keys);
	if (r < 0)
		return ua_log_errno(LOG_ERR, r, "daemon key in '%s': %m",
		    c->state_dir);
	return start_login(srv, path);
}

static void
cleanup_sockets(const struct ua_conf *c)
{
	char path[4096];

	if (ua_snprintf(path, sizeof(path), "%s/public.sock", c->runtime_dir) >=
	    0)
		(void)unlink(path);
	if (ua_snprintf(path, sizeof(path), "%s/admin.sock", c->runtime_dir) >=
	    0)
		(void)unlink(path);
}

/* The process's own settings, before anything else runs. */
static int
process_init(void)
{
	/*
	 * Big, short-lived buffers (an NSS cache image of 25 MB at 100,000
	 * users, a snapshot's arrays, an import's rows) must go back to the
	 * kernel when freed.  glibc raises its mmap threshold to the size of
	 * each mmapped block freed, so from the second rebuild on they would
	 * come from the heap and stay resident; a fixed threshold keeps them
	 * mmapped (and turns the dynamic adjustment off).
	 */
	(void)mallopt(M_MMAP_THRESHOLD, 128 * 1024);
	/*
	 * Two malloc arenas, not glibc's 8 per core: the mail senders (up to
	 * 16 threads at a burst) each got an arena of their own that glibc
	 * keeps after they end, and malloc_trim gives back little of it
	 * (+2 MiB of RSS after a burst, measured).  The daemon's threads
	 * spend little time in malloc; a Cognito login's CPU measured the
	 * same either way.
	 */
	(void)mallopt(M_ARENA_MAX, 2);
	/*
	 * Requests may carry passwords: jansson wipes what it frees.  Its
	 * parser must not see a failed allocation (json_frame.c).
	 */
	json_set_alloc_funcs(ua_json_malloc, ua_json_free);
	/* Before any NSS call: our own NSS module must not call us. */
	return setenv("USERAUTH_NSS_BYPASS", "1", 1);
}

/* What the command line asks for. */
struct opts {
	bool foreground, check, dump, debug;
};

/* -1 to go on, else the exit status (after -h, -V or a usage error). */
static int
parse_opts(int argc, char **argv, struct opts *o)
{
	int opt;

	while ((opt = getopt(argc, argv, "c:dfhtTV")) != -1) {
		switch (opt) {
		case 'c':
			conf_path = optarg;
			break;
		case 'd':
			o->debug = true;
			break;
		case 'f':
			o->foreground = true;
			break;
		case 't':
			o->check = true;
			break;
		case 'T':
			o->dump = true;
			break;
		case 'V':
			printf("userauthd %s\n", PACKAGE_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return UAD_EXIT_USAGE;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return UAD_EXIT_USAGE;
	}
	return -1;
}

/*
 * The exit status of a start that setup refused with r: UAD_EXIT_CONFIG
 * for a file the daemon will not use as it is, which a restart finds
 * the same (a database that is damaged, empty, without our schema or
 * from a newer release, an id marks file that does not parse:
 * -EBADMSG, -EPROTO; a directory or file not the daemon's own, not
 * private or a symbolic link: -EPERM, -ENOTDIR, -ELOOP); else
 * UAD_EXIT_FAILURE.
 */
static int
setup_status(int r)
{
	switch (r) {
	case -EBADMSG:
	case -EPROTO:
	case -EPERM:
	case -ENOTDIR:
	case -ELOOP:
		return UAD_EXIT_CONFIG;
	default:
		return UAD_EXIT_FAILURE;
	}
}

/* Everything the server holds, closed and freed in order. */
static void
teardown(struct server *srv)
{
	struct workq_job *job;

	if (srv->public_fd >= 0 || srv->admin_fd >= 0)
		cleanup_sockets(srv->conf);
	if (srv->public_fd >= 0)
		close(srv->public_fd);
	if (srv->admin_fd >= 0)
		close(srv->admin_fd);
	mailer_stop(srv->mailer);
	publisher_stop(srv->pub);
	/* the HTTP thread hands back what it had: freed before the queue */
	http_stop(srv->auth.http);
	while (
	    srv->auth.wq != NULL && (job = workq_collect(srv->auth.wq)) != NULL)
		auth_job_free(job);
	workq_stop(srv->auth.wq);
	auth_stop(&srv->auth);
	nss_extra_unref(srv->extra);
	store_close(srv->store);
	ua_erase_free(srv->dummy_hash);
	ua_wipe(&srv->keys, sizeof(srv->keys));
	ua_conf_free(srv->conf);
}

/* Serving: publish, say so (log, the parent, systemd), run, stop. */
static int
serve(struct server *srv, int *ready_fd)
{
	int r;

	server_publish(srv, true);
	ua_log(LOG_NOTICE,
	    "userauthd %s serving %zu pool(s) on %s with %zu "
	    "password thread(s)",
	    PACKAGE_VERSION, srv->conf->npools, srv->conf->runtime_dir,
	    workq_threads(srv->auth.wq));
	report_ready(ready_fd, 0);
	/* systemd's Type=notify: serving now (a no-op without systemd). */
	r = notify_send("READY=1");
	if (r < 0)
		ua_log_errno(LOG_WARNING, r, "READY=1 to $NOTIFY_SOCKET: %m");
	r = server_run(srv);
	(void)notify_send("STOPPING=1");
	ua_log(LOG_NOTICE, "userauthd stopping");
	return r;
}

int
main(int argc, char **argv)
{
	struct server srv = { .public_fd = -1, .admin_fd = -1 };
	struct rlimit nocore = { 0, 0 };
	struct opts o = { 0 };
	struct ids ids;
	char err[512];
	int r, st = UAD_EXIT_FAILURE, ready_fd = -1;

	if (process_init() < 0)
		return UAD_EXIT_FAILURE;
	r = parse_opts(argc, argv, &o);
	if (r >= 0)
		return r;
	ua_log_open("userauthd", o.foreground || o.check || o.dump);
	/* until ready: fatal start-up errors reach whoever started us */
	ua_log_errors_to_stderr(!(o.foreground || o.check || o.dump));
	r = ua_conf_load(conf_path, &srv.conf, err, sizeof(err));
	if (r < 0) {
		ua_log(LOG_ERR, "%s", err);
		return UAD_EXIT_CONFIG;
	}
	/* the default TOTP issuer and the name invitations give */
	r = hostname_init();
	if (r < 0)
		(void)ua_log_errno(LOG_WARNING, r,
		    "cannot read the host "
		    "name; using 'localhost' for the TOTP issuer and "
		    "invitations: %m");
	if (o.check || o.dump) {
		if (o.dump)
			ua_conf_dump(srv.conf, stdout);
		else
			fprintf(stderr, "%s: configuration OK\n", conf_path);
		ua_conf_free(srv.conf);
		return 0;
	}
	ua_log_set_level(o.debug ? LOG_DEBUG : srv.conf->log_level);
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	(void)setrlimit(RLIMIT_CORE, &nocore);
	raise_fd_limit(srv.conf->max_clients);
	umask(077);
	r = lookup_ids(srv.conf, &ids);
	if (r == 0 && !o.foreground)
		r = detach(&ready_fd);
	if (r == 0) {
		srv.have_admin_gid = ids.have_admin_gid;
		srv.admin_gid = ids.admin_gid;
		srv.reload = reload;
		r = setup(&srv, &ids, &srv.store);
		if (r < 0)
			st = setup_status(r);
	}
	if (r == 0)
		r = serve(&srv, &ready_fd);
	if (r == 0)
		st = 0;
	/* a start refused in the background: the parent exits with st */
	report_ready(&ready_fd, st);
	teardown(&srv);
	return st;
}
