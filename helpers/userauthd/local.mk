# SPDX-License-Identifier: MIT
# The daemon's rooms live in a convenience library so that unit tests link
# exactly the code that ships; the sources are listed by room.
noinst_LTLIBRARIES += helpers/userauthd/libuad.la
helpers_userauthd_libuad_la_CFLAGS = $(AM_CFLAGS) $(UA_PIE_CFLAGS) \
	$(JANSSON_CFLAGS) $(SQLITE_CFLAGS) $(CRYPT_CFLAGS) $(OPENSSL_CFLAGS) \
	$(CURL_CFLAGS) $(OATH_CFLAGS)
helpers_userauthd_libuad_la_LIBADD = common/server/libua_server.la \
	common/client/libua_client.la $(JANSSON_LIBS) $(SQLITE_LIBS) $(CRYPT_LIBS) \
	$(OPENSSL_LIBS) $(CURL_LIBS) $(OATH_LIBS) -lpthread

# The login conversation, the same for every pool backend (sessions,
# fakes, the audit), with throttling above the seam.
helpers_userauthd_libuad_la_SOURCES = \
	helpers/userauthd/auth.c helpers/userauthd/auth.h \
	helpers/userauthd/auth/session.h helpers/userauthd/auth/reply.c \
	helpers/userauthd/auth/fake.c \
	helpers/userauthd/throttle.c helpers/userauthd/throttle.h \
	helpers/userauthd/policy.c helpers/userauthd/policy.h
# The pool-backend seam and the local backend: one-time codes, TOTP,
# recovery codes, passwords (hashed on the workers only).
helpers_userauthd_libuad_la_SOURCES += \
	helpers/userauthd/pool/backend.c helpers/userauthd/pool/backend.h \
	helpers/userauthd/pool/pwjob.c helpers/userauthd/pool/pwjob.h \
	helpers/userauthd/pool/local.c helpers/userauthd/pool/local.h \
	helpers/userauthd/pool/local_int.h helpers/userauthd/pool/local_mfa.c \
	helpers/userauthd/pool/local_pw.c \
	helpers/userauthd/otp.c helpers/userauthd/otp.h \
	helpers/userauthd/totp.c helpers/userauthd/totp.h \
	helpers/userauthd/recovery.c helpers/userauthd/recovery.h \
	helpers/userauthd/password.c helpers/userauthd/password.h \
	helpers/userauthd/keys.c helpers/userauthd/keys.h \
	helpers/userauthd/workq.c helpers/userauthd/workq.h
# The Cognito backend (pool/cognito*.c) over the HTTPS thread (net/).
helpers_userauthd_libuad_la_SOURCES += \
	helpers/userauthd/pool/cognito.c helpers/userauthd/pool/cognito.h \
	helpers/userauthd/pool/cognito_int.h \
	helpers/userauthd/pool/cognito_api.c helpers/userauthd/pool/cognito_api.h \
	helpers/userauthd/pool/cognito_answer.c \
	helpers/userauthd/pool/cognito_sign.c helpers/userauthd/pool/cognito_sign.h \
	helpers/userauthd/pool/cognito_jwt.c helpers/userauthd/pool/cognito_jwt.h \
	helpers/userauthd/pool/cognito_claims.c \
	helpers/userauthd/pool/cognito_users.c \
	helpers/userauthd/pool/cognito_sync.c \
	helpers/userauthd/pool/cognito_imds.c \
	helpers/userauthd/pool/cognito_ids.c \
	helpers/userauthd/pool/cognito_nss.c \
	helpers/userauthd/net/http.c helpers/userauthd/net/http.h
# The store: one SQLite database, all SQL on its connection (store/).
helpers_userauthd_libuad_la_SOURCES += \
	helpers/userauthd/store/store.c helpers/userauthd/store/store.h \
	helpers/userauthd/store/store_int.h \
	helpers/userauthd/store/store_open.c helpers/userauthd/store/store_ids.c \
	helpers/userauthd/store/store_stmt.c \
	helpers/userauthd/store/store_ops.c \
	helpers/userauthd/store/store_modify.c helpers/userauthd/store/store_modify.h \
	helpers/userauthd/store/store_group.c \
	helpers/userauthd/store/store_import.c \
	helpers/userauthd/store/store_auth.c \
	helpers/userauthd/store/store_sources.c helpers/userauthd/store/store_sources.h \
	helpers/userauthd/store/store_otp.c helpers/userauthd/store/store_otp.h \
	helpers/userauthd/store/store_mfa.c helpers/userauthd/store/store_mfa.h \
	helpers/userauthd/store/store_throttle.c helpers/userauthd/store/store_throttle.h \
	helpers/userauthd/store/store_status.c helpers/userauthd/store/store_status.h \
	helpers/userauthd/store/sqlbusy.c helpers/userauthd/store/sqlbusy.h
# Mail: the messages, the durable queue's rows and its sender (mail/).
helpers_userauthd_libuad_la_SOURCES += \
	helpers/userauthd/mail/mailmsg.c helpers/userauthd/mail/mailmsg.h \
	helpers/userauthd/mail/mailq.c helpers/userauthd/mail/mailq.h \
	helpers/userauthd/mail/mailsend.c helpers/userauthd/mail/mailsend.h \
	helpers/userauthd/mail/mailer.c helpers/userauthd/mail/mailer.h
# The NSS cache: built from the store and the other backends, published.
helpers_userauthd_libuad_la_SOURCES += \
	helpers/userauthd/nss/nsscache.c helpers/userauthd/nss/nsscache.h \
	helpers/userauthd/nss/nsscache_merge.c helpers/userauthd/nss/nsscache_merge.h
# The admin socket's operations (admin/).
helpers_userauthd_libuad_la_SOURCES += \
	helpers/userauthd/admin/admin.c helpers/userauthd/admin/admin.h \
	helpers/userauthd/admin/admin_user.c helpers/userauthd/admin/admin_user.h \
	helpers/userauthd/admin/admin_import.c helpers/userauthd/admin/admin_import.h \
	helpers/userauthd/admin/admin_mfa.c helpers/userauthd/admin/admin_mfa.h \
	helpers/userauthd/admin/admin_throttle.c helpers/userauthd/admin/admin_throttle.h \
	helpers/userauthd/admin/admin_status.c helpers/userauthd/admin/admin_status.h
# The process: counters for status, the host name, systemd's readiness.
helpers_userauthd_libuad_la_SOURCES += \
	helpers/userauthd/stats.c helpers/userauthd/stats.h \
	helpers/userauthd/hostname.c helpers/userauthd/hostname.h \
	helpers/userauthd/notify.c helpers/userauthd/notify.h

# The daemon: start-up and privileges (main.c), the event loop and the
# two sockets (server.c).
sbin_PROGRAMS += userauthd
userauthd_CFLAGS = $(UA_CFLAGS_PROG) $(JANSSON_CFLAGS) $(SQLITE_CFLAGS)
userauthd_LDFLAGS = $(UA_LDFLAGS_PROG)
userauthd_SOURCES = \
	helpers/userauthd/main.c \
	helpers/userauthd/server.c helpers/userauthd/server.h
userauthd_LDADD = helpers/userauthd/libuad.la
