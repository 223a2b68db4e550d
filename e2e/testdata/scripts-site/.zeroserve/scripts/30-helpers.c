/* GET /helpers calls every helper of the core set and answers a JSON object
 * of results, which the e2e test compares with known answers. */
#include "zeroserve.h"

static char buf[1024];
static char buf2[256];
static zs_s64 o, t;

static void put_str(const char *key, const char *s, zs_s64 n) {
  if (n < 0 || n >= (zs_s64)sizeof buf)
    n = 0;
  zs_json_set_string(t, s, (zs_u64)n);
  zs_json_set(o, ZS_STR(key), t);
}

static void put_int(const char *key, zs_s64 v) {
  zs_json_set_i64(t, v);
  zs_json_set(o, ZS_STR(key), t);
}

/* Puts the lowercase hex of n bytes at data. */
static void put_hex(const char *key, const void *data, zs_u64 n) {
  put_str(key, buf, zs_hex_encode(data, n, buf, sizeof buf, ZS_HEX_LOWERCASE));
}

/* Puts base64 of data in encoding enc. */
static void put_b64(const char *key, const void *data, zs_u64 n, zs_u64 enc) {
  put_str(key, buf, zs_base64_encode(data, n, buf, sizeof buf, enc));
}

static void request_reads(void) {
  put_str("method", buf, zs_req_method(buf, sizeof buf));
  put_str("path", buf, zs_req_path(buf, sizeof buf));
  put_str("normalized_path", buf, zs_req_normalized_path(buf, sizeof buf));
  put_str("uri", buf, zs_req_uri(buf, sizeof buf));
  put_str("query", buf, zs_req_query(buf, sizeof buf));
  put_str("scheme", buf, zs_req_scheme(buf, sizeof buf));
  put_str("peer", buf, zs_req_peer(buf, sizeof buf));
  put_int("proto", zs_req_proto_major() * 10 + zs_req_proto_minor());
  put_int("tls", zs_req_is_tls());
  put_str("header", buf, zs_req_header(ZS_STR("X-TEST"), buf, sizeof buf));
  put_str("header_multi", buf, zs_req_header(ZS_STR("x-multi"), buf, sizeof buf));
  put_int("header_missing_len", zs_req_header(ZS_STR("x-none"), buf, sizeof buf));
  put_str("param_q", buf, zs_req_query_param(ZS_STR("q"), buf, sizeof buf));
  put_int("param_x_is_1", zs_req_query_param_matches(ZS_STR("x"), ZS_STR("1")));
  put_int("param_x_is_2", zs_req_query_param_matches(ZS_STR("x"), ZS_STR("2")));
  put_int("ip_loopback", zs_req_remote_ip_matches(ZS_STR("[\"127.0.0.0/8\", \"::1\"]")));
  put_int("ip_ten", zs_req_remote_ip_matches(ZS_STR("[\"10.0.0.0/8\"]")));
  put_int("ip_bad", zs_req_remote_ip_matches(ZS_STR("not json")));
}

static void request_writes(void) {
  put_int("set_method", zs_req_set_method(ZS_STR("PUT")));
  put_str("method_after", buf, zs_req_method(buf, sizeof buf));
  put_int("set_uri", zs_req_set_uri(ZS_STR("/new/../rewritten?z=9")));
  put_str("uri_after", buf, zs_req_uri(buf, sizeof buf));
  put_str("normalized_after", buf, zs_req_normalized_path(buf, sizeof buf));
  put_str("param_z", buf, zs_req_query_param(ZS_STR("z"), buf, sizeof buf));
  put_int("set_uri_bad", zs_req_set_uri(ZS_STR("no-slash")));
  zs_req_set_header(ZS_STR("x-new"), ZS_STR("v"));
  zs_req_append_header(ZS_STR("X-New"), ZS_STR("w"));
  put_str("header_set_append", buf, zs_req_header(ZS_STR("x-new"), buf, sizeof buf));
  zs_req_set_header(ZS_STR("x-new"), "", 0);
  put_int("header_removed_len", zs_req_header(ZS_STR("x-new"), buf, sizeof buf));
  put_int("deleted", zs_req_delete_header(ZS_STR("x-debug-*")));
  put_int("debug_after_len", zs_req_header(ZS_STR("x-debug-one"), buf, sizeof buf));
}

static void misc(void) {
  put_int("log", zs_log(ZS_STR("e2e helpers: hello from zs_log")));
  put_int("now_ms", (zs_s64)zs_now_ms());
  put_str("env", buf, zs_env_get(ZS_STR("ZEROSERVE_ENV_GREETING"), buf, sizeof buf));
  put_str("env_extra", buf, zs_env_get(ZS_STR("E2E_EXTRA"), buf, sizeof buf));
  put_int("env_home_len", zs_env_get(ZS_STR("HOME"), buf, sizeof buf));
  zs_memset(buf2, 'z', 3);
  zs_memcpy(buf2 + 3, "abc", 3);
  put_str("mem", buf2, 6);
  put_int("memcmp_eq", zs_memcmp(buf2, "zzzabc", 6) == 0);
  put_int("memcmp_lt", zs_memcmp("abc", "abd", 3) < 0);
  zs_meta_set(ZS_STR("k"), ZS_STR("meta value"));
  put_str("meta", buf, zs_meta_get(ZS_STR("k"), buf, sizeof buf));
  put_int("meta_missing_len", zs_meta_get(ZS_STR("nope"), buf, sizeof buf));
  put_int("meta_needed_len", zs_meta_get(ZS_STR("k"), buf, 0));
  zs_respond(418, ZS_STR("teapot"));
  put_int("pending_after_respond", zs_response_pending());
  zs_response_clear();
  put_int("pending_after_clear", zs_response_pending());
  zs_u8 r1[16], r2[16];
  zs_memset(r1, 0, 16);
  zs_memset(r2, 0, 16);
  put_int("getrandom", zs_getrandom(r1, 16));
  zs_getrandom(r2, 16);
  put_int("random_differs", zs_memcmp(r1, r2, 16) != 0);
}

static void crypto(void) {
  zs_u8 d[32];
  put_int("sha256_ret", zs_sha256(ZS_STR("abc"), d, sizeof d));
  put_hex("sha256_abc", d, 32);
  put_int("sha256_short", zs_sha256(ZS_STR("abc"), d, 16));
  put_int("hmac_ret", zs_hmac_sha256(ZS_STR("Jefe"), ZS_STR("what do ya want for nothing?"), d));
  put_hex("hmac_rfc4231_2", d, 32);
  static const zs_u8 raw[4] = {0xfb, 0xff, 0xfe, 0x61};
  put_b64("b64_std", raw, 4, ZS_BASE64_STANDARD);
  put_b64("b64_std_nopad", raw, 4, ZS_BASE64_STANDARD_NO_PAD);
  put_b64("b64_url", raw, 4, ZS_BASE64_URL);
  put_b64("b64_url_nopad", raw, 4, ZS_BASE64_URL_NO_PAD);
  put_int("b64_bad_enc", zs_base64_encode(raw, 4, buf, sizeof buf, 9));
  zs_strcpy(buf2, "-__-YQ");
  zs_s64 n = zs_base64_decode_in_place(buf2, 6, ZS_BASE64_URL_NO_PAD);
  put_int("b64_decoded_len", n);
  put_hex("b64_decoded", buf2, n > 0 ? (zs_u64)n : 0);
  zs_strcpy(buf2, "+//+YQ==");
  put_int("b64_decode_std", zs_base64_decode_in_place(buf2, 8, ZS_BASE64_STANDARD));
  zs_strcpy(buf2, "+//+YQ");
  put_int("b64_decode_missing_pad", zs_base64_decode_in_place(buf2, 6, ZS_BASE64_STANDARD));
  static const zs_u8 beef[4] = {0xde, 0xad, 0xbe, 0xef};
  put_str("hex_lower", buf, zs_hex_encode(beef, 4, buf, sizeof buf, ZS_HEX_LOWERCASE));
  put_str("hex_upper", buf, zs_hex_encode(beef, 4, buf, sizeof buf, ZS_HEX_UPPERCASE));
  zs_strcpy(buf2, "CAFEbabe");
  n = zs_hex_decode_in_place(buf2, 8);
  put_int("hex_decoded_len", n);
  put_hex("hex_decoded", buf2, n > 0 ? (zs_u64)n : 0);
  zs_strcpy(buf2, "abc");
  put_int("hex_decode_odd", zs_hex_decode_in_place(buf2, 3));
}

static void json(void) {
  static const char doc[] = "{\"a\":[1,true,\"s\\u00e9\",null],\"n\":-5}";
  zs_s64 h = zs_json_parse(doc, sizeof doc - 1);
  put_int("json_type_root", zs_json_type(h));
  zs_s64 a = zs_json_get(h, ZS_STR("a"));
  put_int("json_len_a", zs_json_len(a));
  zs_s64 e = zs_json_array_get(a, 0);
  zs_s64 v = 0;
  zs_json_read_i64(e, &v, 8);
  put_int("json_a0", v);
  zs_object_free(e);
  e = zs_json_array_get(a, 1);
  zs_u8 b = 0;
  zs_json_read_bool(e, &b, 1);
  put_int("json_a1", b);
  zs_object_free(e);
  e = zs_json_array_get(a, 2);
  put_str("json_a2", buf, zs_json_read_string(e, buf, sizeof buf));
  zs_object_free(e);
  e = zs_json_array_get(a, 3);
  put_int("json_a3_type", zs_json_type(e));
  put_int("json_a9", zs_json_array_get(a, 9));
  zs_s64 c = zs_json_clone(h);
  put_int("json_remove", zs_json_remove(c, ZS_STR("n")));
  put_int("json_remove_again", zs_json_remove(c, ZS_STR("n")));
  put_int("json_clone_len", zs_json_len(c));
  put_int("json_orig_len", zs_json_len(h));
  zs_s64 arr = zs_json_new_array();
  zs_json_set_i64(t, 7);
  zs_json_array_push(arr, t);
  zs_json_array_push(arr, t);
  zs_json_set_null(t);
  zs_json_array_set(arr, 1, t);
  zs_json_set(o, ZS_STR("json_built"), arr);
  zs_s64 n = zs_json_get(h, ZS_STR("n"));
  zs_json_reset(n); /* back to the root object */
  put_int("json_reset_type", zs_json_type(n));
  put_int("json_parse_bad", zs_json_parse(ZS_STR("{bad")));
  zs_s64 items = zs_load_static_json(ZS_STR("data/items.json"));
  put_int("static_json_len", zs_json_len(items));
  zs_s64 it = zs_json_array_get(items, 1);
  zs_s64 name = zs_json_get(it, ZS_STR("name"));
  put_str("static_json_1_name", buf, zs_json_read_string(name, buf, sizeof buf));
  put_int("static_json_missing", zs_load_static_json(ZS_STR("nope.json")));
  zs_s64 m = zs_load_file_metadata(ZS_STR("hello.txt"));
  zs_json_set(o, ZS_STR("file_metadata"), m);
  put_int("file_metadata_missing", zs_load_file_metadata(ZS_STR("nope.txt")));
  put_int("object_free", zs_object_free(c));
  put_int("object_free_again", zs_object_free(c));
}

ZS_ENTRY
zs_u64 entry(void) {
  zs_s64 n = zs_req_normalized_path(buf, sizeof buf);
  if (n != 8 || zs_strcmp(buf, "/helpers") != 0)
    return 0;
  o = zs_json_new_object();
  t = zs_json_new_object();
  request_reads();
  misc();
  crypto();
  json();
  request_writes();
  zs_json_respond(200, o);
  return 0;
}
