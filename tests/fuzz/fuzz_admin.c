/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target for the admin socket's codec and handler: what server.c's
 * handle_admin does with the bytes of a frame (ua_json_parse, then
 * admin_handle against the store).  The input is up to FUZZ_MAX_REQ
 * frame payloads separated by NUL bytes (a NUL never parses as JSON
 * anyway), handled in order on one "connection", so that a fuzzer can
 * chain user.import.begin, .chunk and .commit.  Every input runs on a
 * fresh copy of a small store (two pools, a user with a password, a
 * group) in a scratch directory, so a finding replays on its own.
 * Every request must get a reply object that says v=1 and either ok
 * with a result or an error code with a message, and no reply may carry a
 * password hash ("$y$") that the input did not hold itself.
 *
 * run-fuzz-sources: helpers/userauthd/admin/admin.c
 * helpers/userauthd/admin/admin_mfa.c run-fuzz-sources:
 * helpers/userauthd/admin/admin_import.c run-fuzz-sources:
 * helpers/userauthd/admin/admin_throttle.c run-fuzz-sources:
 * helpers/userauthd/store/store.c helpers/userauthd/store/store_open.c
 * run-fuzz-sources: helpers/userauthd/store/store_ids.c
 * helpers/userauthd/store/store_ops.c run-fuzz-sources:
 * helpers/userauthd/store/store_group.c run-fuzz-sources:
 * helpers/userauthd/store/store_auth.c run-fuzz-sources:
 * helpers/userauthd/store/store_mfa.c run-fuzz-sources:
 * helpers/userauthd/store/store_import.c run-fuzz-sources:
 * helpers/userauthd/store/store_throttle.c run-fuzz-sources:
 * helpers/userauthd/throttle.c helpers/userauthd/store/sqlbusy.c
 * run-fuzz-sources: helpers/userauthd/nss/nsscache.c helpers/userauthd/keys.c
 * run-fuzz-sources: helpers/userauthd/otp.c helpers/userauthd/policy.c
 * run-fuzz-sources: helpers/userauthd/totp.c helpers/userauthd/qr.c
 * run-fuzz-sources: helpers/userauthd/mail/mailer.c
 * helpers/userauthd/mail/mailq.c run-fuzz-sources:
 * helpers/userauthd/mail/mailmsg.c helpers/userauthd/mail/mailsend.c
 * run-fuzz-sources: helpers/userauthd/workq.c
 * run-fuzz-sources: common/server/json_frame.c common/server/log.c
 * run-fuzz-sources: common/server/conf.c common/server/conf_check.c
 * run-fuzz-sources: common/server/conf_cognito.c common/server/conf_dump.c
 * run-fuzz-sources: common/server/conf_keys.c common/server/conf_policy.c
 * run-fuzz-sources: common/server/conf_value.c
 * run-fuzz-sources: common/server/secretfile.c
 * run-fuzz-sources: common/server/cache_writer.c
 * run-fuzz-sources: common/server/cache_publish.c
 * run-fuzz-sources: common/client/buf.c common/client/frame.c
 * run-fuzz-sources: common/client/wipe.c common/client/valid.c
 * run-fuzz-sources: common/client/mask.c
 * run-fuzz-sources: common/client/sha256.c common/client/cache.c
 * run-fuzz-sources: common/client/cache_lookup.c
 * run-fuzz-pkgs: jansson sqlite3 libcrypto libcrypt liboath libqrencode
 * run-fuzz-pkgs: libcurl
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "server/conf.h"
#include "server/json_frame.h"
#include "server/log.h"
#include "userauthd/admin/admin.h"
#include "userauthd/admin/admin_import.h"
#include "userauthd/keys.h"
#include "userauthd/store/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define FUZZ_MAX_REQ 8
/* server.c reads admin frames of at most this many bytes */
#define FUZZ_MAX_INPUT (1024 * 1024)

#define check(x)                                                               \
	do {                                                                   \
		if (!(x))                                                      \
			abort();                                               \
	} while (0)

static const char conf_text[] = "[defaults]\n"
				"shell = /bin/sh\n"
				"mail_from = codes@example.com\n"
				"[pool customer]\n"
				"uid_min = 200000\n"
				"uid_max = 200099\n"
				"gid_min = 300000\n"
				"gid_max = 300099\n"
				"[pool staff]\n"
				"uid_min = 220000\n"
				"uid_max = 220099\n"
				"gid_min = 320000\n"
				"gid_max = 320099\n"
				"first_factors = password\n"
				"mfa = required\n";

/* The store every input starts from, made by these requests. */
static const char *const fixture[] = {
	"{\"v\":1,\"op\":\"user.add\",\"pool\":\"customer\",\"login\":"
	"\"alice\","
	"\"email\":\"alice@example.com\"}",
	"{\"v\":1,\"op\":\"user.add\",\"pool\":\"staff\",\"login\":\"sam\","
	"\"email\":\"sam@example.com\",\"display_name\":\"Sam\"}",
	"{\"v\":1,\"op\":\"user.passwd\",\"user\":\"alice\","
	"\"password\":\"correct horse battery\"}",
	"{\"v\":1,\"op\":\"group.add\",\"pool\":\"staff\",\"name\":\"ops\"}",
	"{\"v\":1,\"op\":\"group.member.add\",\"group\":\"ops\",\"user\":"
	"\"sam\"}",
};

static struct {
	char dir[64];
	char template[128];
	char db[128];
	struct ua_conf *conf;
	struct keys keys;
} F;

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path) < 0 ? -1 : 0;
}

static void
cleanup(void)
{
	if (F.dir[0] != '\0')
		(void)nftw(F.dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
	ua_conf_free(F.conf);
}

/* Remove the working database and its journals. */
static void
db_remove(void)
{
	static const char *const sfx[] = { "", "-wal", "-shm", "-journal" };
	char p[160];
	size_t i;

	for (i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
		(void)snprintf(p, sizeof(p), "%s%s", F.db, sfx[i]);
		(void)unlink(p);
	}
}

static int
copy_file(const char *from, const char *to)
{
	char buf[65536];
	ssize_t n;
	int in, out, r = 0;

	in = open(from, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -1;
	out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (out < 0) {
		(void)close(in);
		return -1;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n) {
			r = -1;
			break;
		}
	if (n < 0)
		r = -1;
	(void)close(in);
	(void)close(out);
	return r;
}

/* One request as server.c's handle_admin takes it; checks the reply. */
static void
handle(struct admin_ctx *ctx, const uint8_t *p, size_t n, bool hash_in)
{
	json_t *req = NULL, *reply;
	char *text;

	if (ua_json_parse(p, n, &req) < 0) {
		check(req == NULL);
		return;
	}
	reply = admin_handle(ctx, req);
	json_decref(req);
	check(reply != NULL && json_is_object(reply));
	check(json_integer_value(json_object_get(reply, "v")) == 1);
	if (json_is_true(json_object_get(reply, "ok")))
		check(json_object_get(reply, "result") != NULL);
	else
		check(json_is_false(json_object_get(reply, "ok")) &&
		    json_is_string(json_object_get(reply, "error")) &&
		    json_is_string(json_object_get(reply, "message")));
	text = json_dumps(reply, JSON_COMPACT);
	check(text != NULL);
	check(hash_in || strstr(text, "$y$") == NULL);
	free(text);
	json_decref(reply);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct store_err err = { 0 };
	struct admin_import *im = NULL;
	struct admin_ctx ctx;
	struct store *s = NULL;
	const char *tmp = getenv("TMPDIR");
	char msg[256];
	size_t i;

	(void)argc;
	(void)argv;
	/* the handler's audit lines would drown the fuzzer's output */
	ua_log_open("fuzz_admin", true);
	ua_log_set_level(LOG_EMERG);
	(void)snprintf(F.dir, sizeof(F.dir), "%s/ua-fuzz-admin-XXXXXX",
	    tmp != NULL && strlen(tmp) < 32 ? tmp : "/tmp");
	check(mkdtemp(F.dir) != NULL);
	check(atexit(cleanup) == 0);
	(void)snprintf(F.template, sizeof(F.template), "%s/template.db", F.dir);
	(void)snprintf(F.db, sizeof(F.db), "%s/userauth.db", F.dir);
	check(ua_conf_parse("fuzz.conf", conf_text, strlen(conf_text), &F.conf,
		  msg, sizeof(msg)) == 0);
	check(keys_load(F.dir, &F.keys) == 0);
	check(store_open(F.template, &s, &err) == 0);
	check(store_sync_pools(s, F.conf, &err) == 0);
	ctx = (struct admin_ctx){ .conf = F.conf,
		.store = s,
		.import = &im,
		.keys = &F.keys };
	for (i = 0; i < sizeof(fixture) / sizeof(fixture[0]); i++) {
		json_t *req = NULL, *reply;

		check(ua_json_parse(fixture[i], strlen(fixture[i]), &req) == 0);
		reply = admin_handle(&ctx, req);
		check(json_is_true(json_object_get(reply, "ok")));
		json_decref(reply);
		json_decref(req);
	}
	admin_import_free(im);
	store_close(s);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct store_err err = { 0 };
	struct admin_import *im = NULL;
	struct admin_ctx ctx;
	struct store *s = NULL;
	const uint8_t *p = data, *end = data + size, *nul;
	bool hash_in;
	int nreq;

	if (size > FUZZ_MAX_INPUT)
		return 0;
	hash_in = memmem(data, size, "$y$", 3) != NULL;
	db_remove();
	check(copy_file(F.template, F.db) == 0);
	check(store_open(F.db, &s, &err) == 0);
	ctx = (struct admin_ctx){ .conf = F.conf,
		.store = s,
		.peer_uid = 0,
		.import = &im,
		.keys = &F.keys };
	for (nreq = 0; nreq < FUZZ_MAX_REQ && p <= end; nreq++) {
		nul = memchr(p, '\0', (size_t)(end - p));
		if (nul == NULL)
			nul = end;
		handle(&ctx, p, (size_t)(nul - p), hash_in);
		p = nul + 1;
	}
	admin_import_free(im);
	store_close(s);
	db_remove();
	return 0;
}
