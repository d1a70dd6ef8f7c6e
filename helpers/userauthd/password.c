/* SPDX-License-Identifier: MIT */
/*
 * Password hashes (password.h): yescrypt through libcrypt, compared in
 * constant time; every buffer that held a password or a hash is wiped.
 */
#include <crypt.h>
#include <errno.h>
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

#include "client/wipe.h"
#include "userauthd/password.h"

int
password_hash(const char *password, char **ret)
{
	char salt[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data *cd = NULL;
	char *h, *out = NULL;
	int r = 0;

	if (crypt_gensalt_rn("$y$", 0, NULL, 0, salt, sizeof(salt)) == NULL)
		return -EINVAL;
	cd = calloc(1, sizeof(*cd));
	if (cd == NULL)
		return -ENOMEM;
	h = crypt_r(password, salt, cd);
	if (h == NULL || h[0] == '*') {
		r = -EINVAL;
		goto out;
	}
	out = strdup(h);
	if (out == NULL) {
		r = -ENOMEM;
		goto out;
	}
	*ret = out;
out:
	ua_freezero(cd, sizeof(*cd));
	return r;
}

int
password_verify(const char *password, const char *hash)
{
	struct crypt_data *cd;
	const char *h;
	size_t n = strlen(hash);
	int r;

	if (hash[0] == '*' || hash[0] == '!')
		return 0; /* locked: no password matches */
	cd = calloc(1, sizeof(*cd));
	if (cd == NULL)
		return -EIO;
	h = crypt_r(password, hash, cd);
	if (h == NULL || h[0] == '*')
		r = -EIO; /* libcrypt failed: no verdict */
	else
		r = strlen(h) == n && CRYPTO_memcmp(h, hash, n) == 0;
	ua_freezero(cd, sizeof(*cd));
	return r;
}
