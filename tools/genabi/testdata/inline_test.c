/* Host test of the header's inline helpers and macros: compiled for the host
 * by TestInlineHelpersOnHost and run; it prints "ok" or the failed check. */
#define ZS_NO_LIBC_TYPES
#include <stdio.h>
#include "zeroserve.h"

static int failed;
#define CHECK(c)                                                               \
  do {                                                                         \
    if (!(c)) {                                                                \
      printf("FAIL line %d: %s\n", __LINE__, #c);                             \
      failed = 1;                                                              \
    }                                                                          \
  } while (0)

static int pair_len(const char *s, zs_u64 n) { return s ? (int)n : -1; }

int main(void) {
  char buf[32];
  char *p;

  CHECK(zs_strlen("") == 0);
  CHECK(zs_strlen("hello") == 5);
  CHECK(pair_len(ZS_STR("abc")) == 3);
  CHECK(pair_len(ZS_STR_WITH_NULL("abc")) == 4);

  CHECK(zs_strcmp("abc", "abc") == 0);
  CHECK(zs_strcmp("abc", "abd") < 0);
  CHECK(zs_strcmp("abd", "abc") > 0);
  CHECK(zs_strcmp("ab", "abc") < 0);
  CHECK(zs_strcmp("\xff", "a") > 0); /* unsigned comparison */
  CHECK(zs_strncmp("abcX", "abcY", 3) == 0);
  CHECK(zs_strncmp("abcX", "abcY", 4) < 0);
  CHECK(zs_strncmp("ab", "ab", 10) == 0);
  CHECK(zs_strncmp("a", "b", 0) == 0);

  CHECK(zs_strcpy(buf, "hi") == buf && zs_strcmp(buf, "hi") == 0);
  p = zs_stpcpy(buf, "abc");
  CHECK(p == buf + 3 && *p == '\0');
  p = zs_stpcpy(p, "de");
  CHECK(zs_strcmp(buf, "abcde") == 0 && p == buf + 5);

  for (int i = 0; i < 8; i++)
    buf[i] = 'x';
  zs_strncpy(buf, "ab", 5);
  CHECK(buf[0] == 'a' && buf[1] == 'b' && buf[2] == 0 && buf[4] == 0 &&
        buf[5] == 'x');
  zs_strncpy(buf, "abcdef", 3);
  CHECK(buf[2] == 'c' && buf[3] == 0); /* buf[3] from the earlier padding */

  const char *s = "a/b/c";
  CHECK(zs_strrchr(s, '/') == s + 3);
  CHECK(zs_strrchr(s, 'z') == 0);
  CHECK(zs_strrchr(s, '\0') == s + 5);

  CHECK(zs_utoa10(0, buf, sizeof buf) == 1 && zs_strcmp(buf, "0") == 0);
  CHECK(zs_utoa10(4294967295u, buf, sizeof buf) == 10 &&
        zs_strcmp(buf, "4294967295") == 0);
  CHECK(zs_utoa10(123, buf, 4) == 3 && zs_strcmp(buf, "123") == 0);
  CHECK(zs_utoa10(123, buf, 3) == -1);
  CHECK(zs_utoa10(5, 0, 8) == -1);
  CHECK(zs_utoa10(5, buf, 1) == -1);

  CHECK(ZS_MIN(3, 4) == 3 && ZS_MAX(3, 4) == 4);
  CHECK(ZS_BASE64_URL_NO_PAD == 3 && ZS_HEX_UPPERCASE == 1 &&
        ZS_JSON_OBJECT == 5 && ZS_ERROR == -1);

  if (!failed)
    printf("ok\n");
  return failed;
}
