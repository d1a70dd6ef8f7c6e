/* SPDX-License-Identifier: MIT */
/*
 * Talking to userauthd from inside a foreign process: connect, build a
 * request, one call, map the result.  It must never talk to a socket that
 * root does not own, wait past a deadline, or turn an error into success.
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client/frame.h"
#include "pam_userauth/client.h"

/*
 * The socket's directory must not let group or others swap the socket.
 * The peer check in ua_connect_unix is what really decides; this catches
 * socket=/tmp/... before any byte is sent.
 */
static int
check_socket_dir(const char *path)
{
	char dir[UAPAM_SOCKET_MAX];
	struct stat st;
	char *slash;

	if (ua_snprintf(dir, sizeof(dir), "%s", path) < 0)
		return -ENAMETOOLONG;
	slash = strrchr(dir, '/');
	if (slash == NULL)
		return -EINVAL; /* options.c insists on an absolute path */
	if (slash == dir)
		slash++; /* the socket sits in "/" */
	*slash = '\0';
	if (stat(dir, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		return -EPERM;
	return 0;
}

int
uapam_connect(const struct uapam_opts *o, int *ret_fd)
{
	int r;

	r = check_socket_dir(o->socket);
	if (r < 0)
		return r;
	/* (uid_t)-1: the file and the listener must both be root. */
	return ua_connect_unix(o->socket, UAPAM_CONNECT_MS, true, (uid_t)-1,
	    ret_fd);
}

/* Add the PAM item as tag, unless it is unset or empty. */
static int
add_item(pam_handle_t *pamh, struct ua_msg *m, int item, uint16_t tag)
{
	const char *v = NULL;

	if (pam_get_item(pamh, item, (const void **)&v) != PAM_SUCCESS ||
	    v == NULL || v[0] == '\0')
		return 0;
	return ua_msg_add(m, tag, v);
}

int
uapam_request(pam_handle_t *pamh, const struct uapam_opts *o, uint16_t type,
    const char *user, struct ua_msg *ret)
{
	const char *service = NULL;
	int r;

	if (pam_get_item(pamh, PAM_SERVICE, (const void **)&service) !=
		PAM_SUCCESS ||
	    service == NULL || service[0] == '\0')
		return -EINVAL;
	ua_msg_init(ret, type);
	r = ua_msg_add(ret, UA_T_POOL, o->pool);
	if (r == 0)
		r = ua_msg_add(ret, UA_T_USER, user);
	if (r == 0)
		r = ua_msg_add(ret, UA_T_SERVICE, service);
	if (r == 0)
		r = add_item(pamh, ret, PAM_RHOST, UA_T_RHOST);
	if (r == 0 && type != UA_MSG_ACCT)
		r = add_item(pamh, ret, PAM_TTY, UA_T_TTY);
	if (r == 0 && type == UA_MSG_INITIATE)
		r = add_item(pamh, ret, PAM_RUSER, UA_T_RUSER);
	if (r == 0 && type == UA_MSG_INITIATE)
		r = ua_msg_add(ret, UA_T_PREFERRED, o->preferred);
	if (r < 0)
		ua_msg_clear(ret);
	return r;
}

int
uapam_call(int fd, const struct uapam_opts *o, const struct ua_msg *req,
    uint16_t want, struct ua_msg *ret)
{
	struct ua_msg reply;
	int r;

	r = ua_msg_call(fd, req, &reply, o->timeout_ms);
	if (r < 0)
		return r;
	if (reply.type != want && reply.type != UA_MSG_RESULT) {
		ua_msg_clear(&reply);
		return -EBADMSG;
	}
	*ret = reply;
	return 0;
}

int
uapam_outcome(const struct ua_msg *result)
{
	static const char *const names[] = {
		[UAPAM_OUTCOME_OK] = "OK",
		[UAPAM_OUTCOME_FAIL] = "FAIL",
		[UAPAM_OUTCOME_DENIED] = "DENIED",
		[UAPAM_OUTCOME_UNAVAILABLE] = "UNAVAILABLE",
	};
	const char *v;
	size_t i;

	if (result->type != UA_MSG_RESULT)
		return -EBADMSG;
	v = ua_msg_get(result, UA_T_OUTCOME);
	if (v == NULL)
		return -EBADMSG;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(v, names[i]) == 0)
			return (int)i;
	return -EBADMSG;
}

int
uapam_status(int r)
{
	switch (-r) {
	case 0:
		return PAM_SUCCESS;
	case ENOMEM:
		return PAM_BUF_ERR;
	case UAPAM_E_CONV:
		return PAM_CONV_ERR;
	case UAPAM_E_UNKNOWN_CHALLENGE:
	case UAPAM_E_ANSWER_TOO_LONG:
	case UAPAM_E_BAD_CHOICE:
		return PAM_AUTH_ERR;
	/* The daemon is absent, hung, untrusted or talking nonsense. */
	case ECONNREFUSED:
	case ENOENT:
	case ENOTDIR:
	case ETIMEDOUT:
	case ECONNRESET:
	case EPIPE:
	case EPERM:
	case EACCES:
	case EBADMSG:
	case EPROTO:
	case EPROTONOSUPPORT:
	case EMSGSIZE:
	case E2BIG:
	case ELOOP:
	case ENOTSOCK:
	case ENAMETOOLONG:
		return PAM_AUTHINFO_UNAVAIL;
	default:
		return PAM_SYSTEM_ERR;
	}
}
