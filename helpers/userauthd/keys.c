/* SPDX-License-Identifier: MIT */
/*
 * The daemon key: created with O_EXCL from getrandom, read back with
 * O_NOFOLLOW and checked for owner and mode.  Never logged.
 */
#include <errno.h>
#include <fcntl.h>
#include <openssl/core_names.h>
#include <openssl/decoder.h>
#include <openssl/encoder.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/store.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client/valid.h"
#include "client/wipe.h"
#include "userauthd/keys.h"

static int
read_full(int fd, uint8_t *p, size_t n)
{
	size_t got = 0;
	ssize_t r;

	while (got < n) {
		r = read(fd, p + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r < 0 ? -errno : -EBADMSG;
		got += (size_t)r;
	}
	return 0;
}

static int
create_key(const char *path)
{
	uint8_t k[KEYS_LEN];
	int fd, r = 0;

	if (getrandom(k, sizeof(k), 0) != (ssize_t)sizeof(k))
		return -EIO;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd < 0) {
		r = errno == EEXIST ? 0 : -errno;
		goto out;
	}
	if (write(fd, k, sizeof(k)) != (ssize_t)sizeof(k) || fsync(fd) < 0)
		r = -EIO;
	close(fd);
	if (r < 0)
		(void)unlink(path);
out:
	ua_wipe(k, sizeof(k));
	return r;
}

int
keys_load(const char *state_dir, struct keys *ret)
{
	char path[4096];
	struct stat st;
	int fd, r;

	r = ua_snprintf(path, sizeof(path), "%s/daemon.key", state_dir);
	if (r < 0)
		return r;
	r = create_key(path);
	if (r < 0)
		return r;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_uid != geteuid() || (st.st_mode & 077) ||
	    st.st_size != KEYS_LEN) {
		close(fd);
		return -EPERM;
	}
	r = read_full(fd, ret->key, KEYS_LEN);
	close(fd);
	return r;
}

/* A do-nothing callback of each kind for the *_do_all_provided below. */
#define KEYS_KEEP_NONE(T)                                                      \
	static void keep_##T(T *method, void *arg)                             \
	{                                                                      \
		(void)method;                                                  \
		(void)arg;                                                     \
	}
KEYS_KEEP_NONE(EVP_MD)
KEYS_KEEP_NONE(EVP_MAC)
KEYS_KEEP_NONE(EVP_CIPHER)
KEYS_KEEP_NONE(EVP_KDF)
KEYS_KEEP_NONE(EVP_RAND)
KEYS_KEEP_NONE(EVP_KEYMGMT)
KEYS_KEEP_NONE(EVP_SIGNATURE)
KEYS_KEEP_NONE(EVP_KEYEXCH)
KEYS_KEEP_NONE(EVP_KEM)
KEYS_KEEP_NONE(EVP_ASYM_CIPHER)
KEYS_KEEP_NONE(OSSL_ENCODER)
KEYS_KEEP_NONE(OSSL_DECODER)
KEYS_KEEP_NONE(OSSL_STORE_LOADER)

/*
 * Every algorithm of every kind of operation, built now.  OpenSSL 3.0
 * builds an operation's methods at its first fetch and then marks the
 * operation done whether or not each method made it into its store: a
 * first fetch that ran out of memory half-way left that operation (and
 * the digests, which HMAC fetches inside) "unsupported" for the life of
 * the process.  A daemon whose first login came during a shortage never
 * made another MAC: every login failed until a restart.  Built here, at
 * start, no run-time fetch builds anything, and a shortage later fails
 * the call it hits only.  For all of the process's OpenSSL users: these
 * MACs, Cognito's RS256, libcurl's TLS.
 */
int
keys_crypto_init(void)
{
	const struct keys k = { { 0 } };
	uint8_t out[KEYS_MAC_LEN];

	EVP_MD_do_all_provided(NULL, keep_EVP_MD, NULL);
	EVP_MAC_do_all_provided(NULL, keep_EVP_MAC, NULL);
	EVP_CIPHER_do_all_provided(NULL, keep_EVP_CIPHER, NULL);
	EVP_KDF_do_all_provided(NULL, keep_EVP_KDF, NULL);
	EVP_RAND_do_all_provided(NULL, keep_EVP_RAND, NULL);
	EVP_KEYMGMT_do_all_provided(NULL, keep_EVP_KEYMGMT, NULL);
	EVP_SIGNATURE_do_all_provided(NULL, keep_EVP_SIGNATURE, NULL);
	EVP_KEYEXCH_do_all_provided(NULL, keep_EVP_KEYEXCH, NULL);
	EVP_KEM_do_all_provided(NULL, keep_EVP_KEM, NULL);
	EVP_ASYM_CIPHER_do_all_provided(NULL, keep_EVP_ASYM_CIPHER, NULL);
	OSSL_ENCODER_do_all_provided(NULL, keep_OSSL_ENCODER, NULL);
	OSSL_DECODER_do_all_provided(NULL, keep_OSSL_DECODER, NULL);
	OSSL_STORE_LOADER_do_all_provided(NULL, keep_OSSL_STORE_LOADER, NULL);
	/* and the one MAC the daemon cannot do without, made once */
	return keys_mac(&k, "init", "", 0, out);
}

int
keys_mac(const struct keys *k, const char *label, const void *data, size_t len,
    uint8_t out[KEYS_MAC_LEN])
{
	EVP_MAC *mac = NULL;
	EVP_MAC_CTX *ctx = NULL;
	OSSL_PARAM params[2];
	size_t olen = 0;
	int ok;

	params[0] = OSSL_PARAM_construct_utf8_string("digest",
	    (char *)(uintptr_t) "SHA256", 0);
	params[1] = OSSL_PARAM_construct_end();
	mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	ctx = mac != NULL ? EVP_MAC_CTX_new(mac) : NULL;
	/* The label's NUL separates it from the data. */
	ok = ctx != NULL && EVP_MAC_init(ctx, k->key, KEYS_LEN, params) == 1 &&
	    EVP_MAC_update(ctx, (const unsigned char *)label,
		strlen(label) + 1) == 1 &&
	    EVP_MAC_update(ctx, data, len) == 1 &&
	    EVP_MAC_final(ctx, out, &olen, KEYS_MAC_LEN) == 1 &&
	    olen == KEYS_MAC_LEN;
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
	return ok ? 0 : -EIO;
}

int
keys_ident_mac(const struct keys *k, const char *ident,
    uint8_t out[KEYS_MAC_LEN])
{
	char norm[256];
	size_t i, a = 0, b = strlen(ident);
	int r;

	while (a < b && (ident[a] == ' ' || ident[a] == '\t'))
		a++;
	while (b > a && (ident[b - 1] == ' ' || ident[b - 1] == '\t'))
		b--;
	if (b - a >= sizeof(norm))
		return -EMSGSIZE;
	for (i = a; i < b; i++)
		norm[i - a] = (ident[i] >= 'A' && ident[i] <= 'Z')
		    ? (char)(ident[i] - 'A' + 'a')
		    : ident[i];
	r = keys_mac(k, "ident", norm, b - a, out);
	explicit_bzero(norm, sizeof(norm));
	return r;
}
