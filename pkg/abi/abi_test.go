package abi

import (
	"strings"
	"testing"
)

func TestHelpersWellFormed(t *testing.T) {
	seen := map[string]bool{}
	for i, h := range Helpers() {
		t.Run(h.Name, func(t *testing.T) {
			if !strings.HasPrefix(h.Name, "zs_") {
				t.Errorf("name %q does not start with zs_", h.Name)
			}
			if seen[h.Name] {
				t.Errorf("duplicate helper %q", h.Name)
			}
			seen[h.Name] = true
			if j, ok := Index(h.Name); !ok || j != i {
				t.Errorf("Index(%q) = %d, %v; want %d", h.Name, j, ok, i)
			}
			if len(h.Params) > 5 {
				t.Errorf("%d parameters; eBPF passes at most 5", len(h.Params))
			}
			if h.Doc == "" || !strings.HasSuffix(h.Doc, ".") {
				t.Errorf("doc %q is empty or does not end with a period", h.Doc)
			}
			if h.Family >= numFamilies {
				t.Errorf("family %d out of range", h.Family)
			}
			names := map[string]bool{}
			for _, p := range h.Params {
				if names[p.Name] {
					t.Errorf("duplicate parameter %q", p.Name)
				}
				names[p.Name] = true
				checkParam(t, h, p)
			}
		})
	}
}

func checkParam(t *testing.T, h Helper, p Param) {
	t.Helper()
	if !p.IsPointer() {
		if p.Len != "" || p.Size != 0 {
			t.Errorf("scalar %s has a length", p.Name)
		}
		return
	}
	switch {
	case p.Len != "" && p.Size != 0:
		t.Errorf("pointer %s has both Len and Size", p.Name)
	case p.Len == "" && p.Size <= 0:
		t.Errorf("pointer %s has neither Len nor Size", p.Name)
	case p.Len != "":
		l, ok := h.Param(p.Len)
		if !ok || l.IsPointer() {
			t.Errorf("pointer %s: length parameter %q is missing or a pointer", p.Name, p.Len)
		}
	}
}

func TestFamiliesCovered(t *testing.T) {
	n := map[Family]int{}
	for _, h := range Helpers() {
		n[h.Family]++
	}
	for _, f := range Families() {
		if n[f] == 0 {
			t.Errorf("family %s has no helper", f)
		}
		if f.Title() == "" || f.String() == "" {
			t.Errorf("family %d has no name", f)
		}
	}
	if got := Family(200).String(); got != "Family(200)" {
		t.Errorf("Family(200).String() = %q", got)
	}
}

func TestPrototype(t *testing.T) {
	tests := []struct{ name, want string }{
		{"zs_log", "zs_s64 zs_log(const char *msg, zs_u64 len)"},
		{"zs_now_ms", "zs_u64 zs_now_ms(void)"},
		{"zs_memcpy", "void *zs_memcpy(void *dst, const void *src, size_t n)"},
		{"zs_memcmp", "int zs_memcmp(const void *a, const void *b, size_t n)"},
		{"zs_req_header", "zs_s64 zs_req_header(const char *name, zs_u64 name_len, char *out, zs_u64 out_len)"},
		{"zs_hmac_sha256", "zs_s64 zs_hmac_sha256(const void *key, zs_u64 key_len, const void *msg, zs_u64 msg_len, void *out)"},
		{"zs_json_set", "zs_s64 zs_json_set(zs_u64 h, const char *key, zs_u64 key_len, zs_u64 v)"},
		{"zs_json_set_i64", "zs_s64 zs_json_set_i64(zs_u64 h, zs_s64 v)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, ok := Lookup(tt.name)
			if !ok {
				t.Fatalf("Lookup(%q) failed", tt.name)
			}
			if got := h.Prototype(); got != tt.want {
				t.Errorf("Prototype() = %q, want %q", got, tt.want)
			}
		})
	}
	if _, ok := Lookup("zs_nope"); ok || Known("zs_nope") {
		t.Error("unknown helper found")
	}
}

// TestIssueHelpers pins the helper set of issue 5: removing or renaming one
// breaks source compatibility with scripts written for the original SDK.
func TestIssueHelpers(t *testing.T) {
	want := strings.Fields(`zs_log zs_now_ms zs_env_get zs_memcpy zs_memcmp zs_memset
		zs_req_method zs_req_path zs_req_normalized_path zs_req_uri zs_req_query zs_req_scheme
		zs_req_peer zs_req_proto_major zs_req_proto_minor zs_req_is_tls zs_req_header
		zs_req_query_param zs_req_query_param_matches zs_req_remote_ip_matches
		zs_req_set_method zs_req_set_uri zs_req_set_header zs_req_append_header zs_req_delete_header
		zs_meta_get zs_meta_set zs_respond zs_abort zs_response_pending zs_response_clear
		zs_getrandom zs_sha256 zs_hmac_sha256 zs_base64_encode zs_base64_decode_in_place
		zs_hex_encode zs_hex_decode_in_place
		zs_json_parse zs_json_get zs_json_array_get zs_json_reset zs_json_read_string
		zs_json_read_i64 zs_json_read_bool zs_json_new_object zs_json_new_array zs_json_clone
		zs_json_len zs_json_type zs_json_set zs_json_remove zs_json_array_push zs_json_array_set
		zs_json_set_string zs_json_set_i64 zs_json_set_bool zs_json_set_null zs_object_free
		zs_json_respond zs_load_static_json zs_load_file_metadata`)
	for _, n := range want {
		if !Known(n) {
			t.Errorf("helper %s missing", n)
		}
	}
	if len(Names()) != len(want) {
		t.Errorf("%d helpers, want %d: update this list with the issue that adds one", len(Names()), len(want))
	}
}

func TestSections(t *testing.T) {
	tests := []struct {
		section string
		want    bool
	}{
		{"zeroserve.request", true},
		{CallSection("greet"), true},
		{"zeroserve.call.", false},
		{"zeroserve.requests", false},
		{".text", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := IsEntrySection(tt.section); got != tt.want {
			t.Errorf("IsEntrySection(%q) = %v, want %v", tt.section, got, tt.want)
		}
	}
}
