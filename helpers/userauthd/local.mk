# SPDX-License-Identifier: MIT
# The daemon's rooms live in a convenience library so that unit tests link
# exactly the code that ships.
noinst_LTLIBRARIES += helpers/userauthd/libuad.la
helpers_userauthd_libuad_la_CFLAGS = $(AM_CFLAGS) $(UA_PIE_CFLAGS) \
	$(JANSSON_CFLAGS) $(SQLITE_CFLAGS) $(CRYPT_CFLAGS) $(OPENSSL_CFLAGS)
helpers_userauthd_libuad_la_SOURCES = \
	helpers/userauthd/admin.c helpers/userauthd/admin.h \
	helpers/userauthd/store.c helpers/userauthd/store.h \
	helpers/userauthd/store_open.c helpers/userauthd/store_ids.c \
	helpers/userauthd/store_int.h helpers/userauthd/store_ops.c \
	helpers/userauthd/store_group.c \
	helpers/userauthd/nsscache.c helpers/userauthd/nsscache.h \
	helpers/userauthd/nsscache_merge.c helpers/userauthd/nsscache_merge.h \
	helpers/userauthd/store_auth.c \
	helpers/userauthd/store_sources.c helpers/userauthd/store_sources.h \
	helpers/userauthd/keys.c helpers/userauthd/keys.h \
	helpers/userauthd/otp.c helpers/userauthd/otp.h \
	helpers/userauthd/store_otp.c helpers/userauthd/store_otp.h \
	helpers/userauthd/store_stmt.c \
	helpers/userauthd/policy.c helpers/userauthd/policy.h \
	helpers/userauthd/workq.c helpers/userauthd/workq.h \
	helpers/userauthd/sqlbusy.c helpers/userauthd/sqlbusy.h \
	helpers/userauthd/mailmsg.c helpers/userauthd/mailmsg.h \
	helpers/userauthd/mailsend.c helpers/userauthd/mailsend.h \
	helpers/userauthd/mailq.c helpers/userauthd/mailq.h \
	helpers/userauthd/mailer.c helpers/userauthd/mailer.h \
	helpers/userauthd/hostname.c helpers/userauthd/hostname.h \
	helpers/userauthd/recovery.c helpers/userauthd/recovery.h
helpers_userauthd_libuad_la_LIBADD = common/server/libua_server.la \
	common/client/libua_client.la $(JANSSON_LIBS) $(SQLITE_LIBS) $(CRYPT_LIBS) \
	$(OPENSSL_LIBS)
# The mail sender (mailer.c, mailsend.c) uses libcurl and a thread.
helpers_userauthd_libuad_la_CFLAGS += $(CURL_CFLAGS)
helpers_userauthd_libuad_la_LIBADD += $(CURL_LIBS) -lpthread

sbin_PROGRAMS += userauthd
userauthd_CFLAGS = $(UA_CFLAGS_PROG) $(JANSSON_CFLAGS) $(SQLITE_CFLAGS)
userauthd_LDFLAGS = $(UA_LDFLAGS_PROG)
userauthd_SOURCES = \
	helpers/userauthd/main.c \
	helpers/userauthd/server.c helpers/userauthd/server.h
userauthd_LDADD = helpers/userauthd/libuad.la
# TOTP MFA (totp.c on liboath; common/server/qr.c draws the enrolment QR).
helpers_userauthd_libuad_la_SOURCES += \
	helpers/userauthd/totp.c helpers/userauthd/totp.h \
	helpers/userauthd/store_mfa.c helpers/userauthd/store_mfa.h \
	helpers/userauthd/admin_mfa.c helpers/userauthd/admin_mfa.h
helpers_userauthd_libuad_la_CFLAGS += $(OATH_CFLAGS)
helpers_userauthd_libuad_la_LIBADD += $(OATH_LIBS)
# Bulk import (user.import.*).
helpers_userauthd_libuad_la_SOURCES += \
	helpers/userauthd/store_import.c \
	helpers/userauthd/admin_import.c helpers/userauthd/admin_import.h
# The login conversation (auth.c, auth/: sessions, fakes, audit), the
# same for every pool backend, and the pool-backend seam with the local
# backend (pool/: backend.h, the SQLite store, codes, TOTP, passwords).
helpers_userauthd_libuad_la_SOURCES += \
	helpers/userauthd/auth.c helpers/userauthd/auth.h \
	helpers/userauthd/auth/session.h helpers/userauthd/auth/reply.c \
	helpers/userauthd/auth/fake.c \
	helpers/userauthd/pool/backend.c helpers/userauthd/pool/backend.h \
	helpers/userauthd/pool/pwjob.c helpers/userauthd/pool/pwjob.h \
	helpers/userauthd/password.c helpers/userauthd/password.h \
	helpers/userauthd/pool/local.c helpers/userauthd/pool/local.h \
	helpers/userauthd/pool/local_int.h helpers/userauthd/pool/local_mfa.c \
	helpers/userauthd/pool/local_pw.c
# Throttling of failed factors (throttle.c) and its buckets in the store.
helpers_userauthd_libuad_la_SOURCES += \
	helpers/userauthd/throttle.c helpers/userauthd/throttle.h \
	helpers/userauthd/store_throttle.c helpers/userauthd/store_throttle.h \
	helpers/userauthd/admin_throttle.c helpers/userauthd/admin_throttle.h
# userauthctl status: in-memory counters and read-only figures.
helpers_userauthd_libuad_la_SOURCES += \
	helpers/userauthd/stats.c helpers/userauthd/stats.h \
	helpers/userauthd/store_status.c helpers/userauthd/store_status.h \
	helpers/userauthd/admin_status.c helpers/userauthd/admin_status.h
# user.modify, and user.show with MFA and limits.
helpers_userauthd_libuad_la_SOURCES += \
	helpers/userauthd/store_modify.c helpers/userauthd/store_modify.h \
	helpers/userauthd/admin_user.c helpers/userauthd/admin_user.h
# Readiness for systemd (Type=notify): the sd_notify protocol on its own.
helpers_userauthd_libuad_la_SOURCES += \
	helpers/userauthd/notify.c helpers/userauthd/notify.h
# Cognito pools: request signing (SigV4, SECRET_HASH) and token checks.
helpers_userauthd_libuad_la_SOURCES += \
	helpers/userauthd/pool/cognito_sign.c \
	helpers/userauthd/pool/cognito_sign.h \
	helpers/userauthd/pool/cognito_jwt.c \
	helpers/userauthd/pool/cognito_jwt.h \
	helpers/userauthd/pool/cognito_claims.c
# Cognito pools (pool/cognito*.c) over the HTTPS thread (net/http.c).
helpers_userauthd_libuad_la_SOURCES += \
	helpers/userauthd/net/http.c helpers/userauthd/net/http.h \
	helpers/userauthd/pool/cognito.c helpers/userauthd/pool/cognito.h \
	helpers/userauthd/pool/cognito_int.h \
	helpers/userauthd/pool/cognito_users.c \
	helpers/userauthd/pool/cognito_answer.c \
	helpers/userauthd/pool/cognito_sync.c \
	helpers/userauthd/pool/cognito_imds.c \
	helpers/userauthd/pool/cognito_ids.c \
	helpers/userauthd/pool/cognito_nss.c \
	helpers/userauthd/pool/cognito_api.c helpers/userauthd/pool/cognito_api.h
