/* HMAC-signed session cookie.
 *
 *   GET /login?user=<name>  sets session=<name>.<tag> and redirects to
 *                           /members/; tag = base64url(HMAC-SHA256(key, name))
 *   GET /logout             clears the cookie and redirects to /
 *   /members/...            needs a valid cookie: 401 otherwise; the user
 *                           name goes to metadata "user" for the page
 *
 * The key comes from the environment variable ZEROSERVE_ENV_COOKIE_KEY (the
 * ZEROSERVE_ENV_ prefix makes it visible to scripts); without it a demo key
 * is used and a warning logged. */
#include "zeroserve.h"

#define MAX_USER 32
#define TAG_B64 43 /* 32 bytes in unpadded base64url */

static char key[128];
static zs_u64 key_len;
static char cookie[1024];
static char value[128];

static void load_key(void) {
  zs_s64 n = zs_env_get(ZS_STR("ZEROSERVE_ENV_COOKIE_KEY"), key, sizeof key);
  if (n > 0 && n < (zs_s64)sizeof key) {
    key_len = (zs_u64)n;
    return;
  }
  zs_log(ZS_STR("ZEROSERVE_ENV_COOKIE_KEY is not set: using the demo key"));
  zs_strcpy(key, "demo key: set ZEROSERVE_ENV_COOKIE_KEY");
  key_len = zs_strlen(key);
}

static int valid_user(const char *u, zs_s64 n) {
  if (n <= 0 || n > MAX_USER)
    return 0;
  for (zs_s64 i = 0; i < n; i++) {
    char c = u[i];
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
      return 0;
  }
  return 1;
}

/* Writes base64url(HMAC(key, user)) and a NUL to out (TAG_B64 + 1 bytes). */
static void tag(const char *user, zs_u64 n, char *out) {
  zs_u8 mac[ZS_SHA256_SIZE];
  zs_hmac_sha256(key, key_len, user, n, mac);
  zs_base64_encode(mac, sizeof mac, out, TAG_B64 + 1, ZS_BASE64_URL_NO_PAD);
}

/* Constant-time comparison of n bytes. */
static int equal(const char *a, const char *b, zs_u64 n) {
  zs_u8 d = 0;
  for (zs_u64 i = 0; i < n; i++)
    d |= (zs_u8)(a[i] ^ b[i]);
  return d == 0;
}

static void redirect(const char *location) {
  zs_meta_set(ZS_STR("zs.response.header.location"), ZS_STR(location));
  zs_respond(303, ZS_STR("redirecting\n"));
}

static void login(void) {
  zs_s64 n = zs_req_query_param(ZS_STR("user"), value, MAX_USER + 1);
  if (!valid_user(value, n)) {
    zs_respond(400, ZS_STR("user must be 1-32 of a-z, 0-9 and -\n"));
    return;
  }
  char t[TAG_B64 + 1];
  tag(value, (zs_u64)n, t);
  char *p = zs_stpcpy(cookie, "session=");
  p = zs_stpcpy(p, value);
  p = zs_stpcpy(p, ".");
  p = zs_stpcpy(p, t);
  zs_strcpy(p, "; Path=/; HttpOnly; SameSite=Lax");
  zs_meta_set(ZS_STR("zs.response.header.set-cookie"), ZS_STR(cookie));
  redirect("/members/");
}

/* Finds the value of cookie "session" in the Cookie header; returns its
 * length (0 when absent) and leaves it NUL-terminated in value. */
static zs_s64 session_cookie(void) {
  zs_s64 n = zs_req_header(ZS_STR("cookie"), cookie, sizeof cookie);
  if (n <= 0 || n >= (zs_s64)sizeof cookie)
    return 0;
  for (zs_s64 i = 0; i < n; i++) {
    if ((i == 0 || cookie[i - 1] == ' ' || cookie[i - 1] == ';') &&
        zs_strncmp(cookie + i, "session=", 8) == 0) {
      zs_s64 j = 0;
      for (i += 8; i < n && cookie[i] != ';' && j < (zs_s64)sizeof value - 1; i++)
        value[j++] = cookie[i];
      value[j] = '\0';
      return j;
    }
  }
  return 0;
}

/* Returns the length of the signed user name in value, or 0. */
static zs_s64 verified_user(void) {
  zs_s64 n = session_cookie();
  char *dot = zs_strrchr(value, '.');
  if (n == 0 || dot == 0)
    return 0;
  zs_s64 user_len = dot - value;
  if (!valid_user(value, user_len) || n - user_len - 1 != TAG_B64)
    return 0;
  char want[TAG_B64 + 1];
  tag(value, (zs_u64)user_len, want);
  if (!equal(dot + 1, want, TAG_B64))
    return 0;
  *dot = '\0';
  return user_len;
}

ZS_ENTRY
zs_u64 entry(void) {
  char path[16];
  zs_s64 n = zs_req_normalized_path(path, sizeof path);
  if (n < 0)
    return 0;
  load_key();

  if (zs_strcmp(path, "/login") == 0) {
    login();
  } else if (zs_strcmp(path, "/logout") == 0) {
    zs_meta_set(ZS_STR("zs.response.header.set-cookie"),
                ZS_STR("session=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax"));
    redirect("/");
  } else if (zs_strncmp(path, "/members/", 9) == 0 || zs_strcmp(path, "/members") == 0) {
    zs_s64 u = verified_user();
    if (u == 0) {
      zs_respond(401, ZS_STR("log in first: /login?user=<name>\n"));
      return 0;
    }
    zs_meta_set(ZS_STR("user"), value, (zs_u64)u);
    zs_meta_set(ZS_STR("zs.response.header.cache-control"), ZS_STR("private, no-store"));
  }
  return 0;
}
