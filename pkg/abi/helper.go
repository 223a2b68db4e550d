package abi

import (
	"strconv"
	"strings"
)

// Family groups helpers by what they work on; the header and the helper
// reference list them family by family.
type Family uint8

// Helper families, in documentation order.
const (
	FamilyLog Family = iota
	FamilyMemory
	FamilyRequest
	FamilyMutation
	FamilyMeta
	FamilyResponse
	FamilyCrypto
	FamilyJSON
	numFamilies
)

var familyNames = [numFamilies]struct{ id, title string }{
	FamilyLog:      {"log", "Log, time and environment"},
	FamilyMemory:   {"memory", "Memory"},
	FamilyRequest:  {"request", "Request inspection"},
	FamilyMutation: {"mutation", "Request mutation"},
	FamilyMeta:     {"meta", "Metadata"},
	FamilyResponse: {"response", "Responses"},
	FamilyCrypto:   {"crypto", "Crypto and encoding"},
	FamilyJSON:     {"json", "JSON trees"},
}

// Families returns every family in documentation order.
func Families() []Family {
	fs := make([]Family, numFamilies)
	for i := range fs {
		fs[i] = Family(i)
	}
	return fs
}

// String returns the family's short identifier, e.g. "crypto".
func (f Family) String() string {
	if f >= numFamilies {
		return "Family(" + strconv.Itoa(int(f)) + ")"
	}
	return familyNames[f].id
}

// Title returns the family's heading, e.g. "Crypto and encoding".
func (f Family) Title() string {
	if f >= numFamilies {
		return f.String()
	}
	return familyNames[f].title
}

// Param is one parameter of a helper, in C.
type Param struct {
	Name string // C parameter name
	Type string // C type as written, e.g. "const char *", "zs_u64"
	// Len names the parameter that holds the byte length of this pointer
	// parameter. Empty for scalars and for pointers with a fixed Size.
	Len string
	// Size is the fixed byte length of a pointer parameter without Len.
	Size int
}

// IsPointer reports whether p is a guest pointer.
func (p Param) IsPointer() bool { return strings.HasSuffix(p.Type, "*") }

// Writable reports whether the helper writes through pointer p.
func (p Param) Writable() bool { return p.IsPointer() && !strings.HasPrefix(p.Type, "const ") }

// Decl returns the C declaration of p, e.g. "const char *msg".
func (p Param) Decl() string {
	if p.IsPointer() {
		return p.Type + p.Name
	}
	return p.Type + " " + p.Name
}

// Helper is one host function a script can call.
type Helper struct {
	Name   string  // C symbol, the link name
	Return string  // C return type, e.g. "zs_s64" or "void *"
	Params []Param // r1..r5, in order; at most five
	Family Family
	// Doc is the reference paragraph: what the helper does and returns.
	Doc string
}

// Prototype returns the C prototype without "extern" and ";", e.g.
// "zs_s64 zs_log(const char *msg, zs_u64 len)".
func (h Helper) Prototype() string {
	var b strings.Builder
	b.WriteString(h.Return)
	if !strings.HasSuffix(h.Return, "*") {
		b.WriteByte(' ')
	}
	b.WriteString(h.Name)
	b.WriteByte('(')
	if len(h.Params) == 0 {
		b.WriteString("void")
	}
	for i, p := range h.Params {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(p.Decl())
	}
	b.WriteByte(')')
	return b.String()
}

// Param returns the parameter called name.
func (h Helper) Param(name string) (Param, bool) {
	for _, p := range h.Params {
		if p.Name == name {
			return p, true
		}
	}
	return Param{}, false
}

// Helpers returns every helper, grouped by family. The slice is shared:
// callers must not modify it.
func Helpers() []Helper { return helpers }

var index = func() map[string]int {
	m := make(map[string]int, len(helpers))
	for i, h := range helpers {
		m[h.Name] = i
	}
	return m
}()

// Index returns the position of helper name in [Helpers], or false when no
// helper has that name.
func Index(name string) (int, bool) {
	i, ok := index[name]
	return i, ok
}

// Lookup returns the helper called name.
func Lookup(name string) (Helper, bool) {
	i, ok := index[name]
	if !ok {
		return Helper{}, false
	}
	return helpers[i], true
}

// Known reports whether name is a helper; it is the predicate the loader
// and verifier use to reject unknown imports.
func Known(name string) bool {
	_, ok := index[name]
	return ok
}

// Names returns the names of all helpers, in [Helpers] order.
func Names() []string {
	ns := make([]string, len(helpers))
	for i, h := range helpers {
		ns[i] = h.Name
	}
	return ns
}
