/* SPDX-License-Identifier: MIT */
/* placeholder */
typedef int ua_placeholder_t;
