package script

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"time"

	"zeroserve.dev/zeroserve/pkg/abi"
	"zeroserve.dev/zeroserve/pkg/archive"
	"zeroserve.dev/zeroserve/pkg/vm"
	"zeroserve.dev/zeroserve/pkg/vm/interp"
	"zeroserve.dev/zeroserve/pkg/vm/loader"
)

// Defaults of Config.
const (
	// DefaultBudget is the hard instruction limit of one script run: about
	// 90 ms of CPU on the interpreter for a tight loop
	// (BenchmarkRunawayDefaultBudget), well under a second.
	DefaultBudget = 1 << 24
	// DefaultSlice is the number of instructions after which a run yields
	// to the event loop (tens to hundreds of microseconds).
	DefaultSlice = 1 << 16
	// DefaultWallLimit ends a chain whose runs, yields included, take
	// longer than this (measured at each slice).
	DefaultWallLimit = time.Second
	// DefaultMaxActive bounds the chains of one Runner in progress at once
	// (yielded ones included); more get 503.
	DefaultMaxActive = 1024
	// DefaultIdleInstances is how many idle instances a Runner keeps per
	// script; more are closed when released.
	DefaultIdleInstances = 16
)

// DefaultEnvAllow is the environment allow-list when Config.EnvAllow is nil.
var DefaultEnvAllow = []string{abi.EnvPrefix + "*"}

// Site is what scripts read from the archive (*archive.Reader implements
// it): zs_load_static_json and zs_load_file_metadata.
type Site interface {
	Lookup(path string) (archive.Entry, bool)
	Content(e archive.Entry) []byte
}

// Config configures a Set. The zero value means the defaults.
type Config struct {
	// Budget is the hard instruction limit of one script's run (503 when
	// exceeded); 0 means DefaultBudget.
	Budget uint64
	// Slice is the instructions per slice before a run yields; 0 means
	// DefaultSlice.
	Slice uint64
	// WallLimit bounds a chain's wall-clock time from Run, checked when a
	// slice ends (503); 0 means DefaultWallLimit, negative means none.
	WallLimit time.Duration
	// Memory is each instance's arena size (power of two); 0: automatic.
	Memory uint64
	// JSONMemory bounds the JSON trees of one script run in bytes; 0 means
	// DefaultJSONMemory.
	JSONMemory int
	// MaxActive bounds a Runner's chains in progress; 0 means
	// DefaultMaxActive.
	MaxActive int
	// IdleInstances is the idle instances a Runner keeps per script; 0
	// means DefaultIdleInstances.
	IdleInstances int

	// EnvAllow lists the environment variables zs_env_get may read: exact
	// names, or prefixes ending in '*'. nil means DefaultEnvAllow
	// (ZEROSERVE_ENV_*); an empty non-nil list hides every variable. The
	// allowed variables are read once, when the Set is loaded (a reload
	// picks up changes).
	EnvAllow []string
	// Environ returns the environment as "NAME=value" strings; nil means
	// os.Environ.
	Environ func() []string

	// Log receives script log lines (zs_log) and faults; nil means
	// slog.Default().
	Log *slog.Logger
	// Now is the clock of zs_now_ms and WallLimit; nil means time.Now.
	Now func() time.Time
	// Rand is the source of zs_getrandom; nil means crypto/rand.Reader.
	Rand io.Reader
}

func (c Config) withDefaults() Config {
	if c.Budget == 0 {
		c.Budget = DefaultBudget
	}
	if c.Slice == 0 {
		c.Slice = DefaultSlice
	}
	if c.WallLimit == 0 {
		c.WallLimit = DefaultWallLimit
	}
	if c.JSONMemory == 0 {
		c.JSONMemory = DefaultJSONMemory
	}
	if c.MaxActive == 0 {
		c.MaxActive = DefaultMaxActive
	}
	if c.IdleInstances == 0 {
		c.IdleInstances = DefaultIdleInstances
	}
	if c.EnvAllow == nil {
		c.EnvAllow = DefaultEnvAllow
	}
	if c.Environ == nil {
		c.Environ = os.Environ
	}
	if c.Log == nil {
		c.Log = slog.Default()
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Rand == nil {
		c.Rand = rand.Reader
	}
	return c
}

// Script is one loaded script of a Set.
type Script struct {
	// Name is the archive name, e.g. "10-auth" (no ".o").
	Name string
	// Program is the compiled program, shared by every Runner.
	Program *interp.Program
	// Request is the instruction index of the zeroserve.request entry, -1
	// when the script has only callable entries (it is then skipped by the
	// chain).
	Request int
	// Calls maps the names of the script's ZS_CALL_ENTRY functions to their
	// entries (for zs_call, not implemented yet).
	Calls map[string]int
}

// Set is a site's scripts, loaded, verified and compiled: immutable and
// shared by every worker of a Generation.
type Set struct {
	scripts []Script
	cfg     Config
	site    Site
	env     map[string]string
}

// LoadError is a script that failed to load; Err is the loader's, the
// verifier's or the helper binder's error.
type LoadError struct {
	Script string
	Err    error
}

func (e *LoadError) Error() string { return "script " + e.Script + ": " + e.Err.Error() }

func (e *LoadError) Unwrap() error { return e.Err }

// Load loads the scripts of r (archive order, which is name order).
func Load(r *archive.Reader, cfg Config) (*Set, error) {
	return LoadScripts(r.Scripts(), r, cfg)
}

// LoadScripts loads compiled script objects, run in the given order, for
// site. Each is linked against the abi helper table (an unknown helper is
// rejected, naming it), verified and compiled. All failures are reported,
// joined.
func LoadScripts(objs []archive.Script, site Site, cfg Config) (*Set, error) {
	cfg = cfg.withDefaults()
	s := &Set{cfg: cfg, site: site, env: allowedEnv(cfg.EnvAllow, cfg.Environ())}
	lim := vm.Limits{Budget: cfg.Budget, Slice: cfg.Slice, Memory: cfg.Memory}
	var errs []error
	for _, o := range objs {
		sc, err := loadScript(o, lim)
		if err != nil {
			// The name points into the archive mapping; the error may
			// outlive it (a failed reload closes the new archive).
			errs = append(errs, &LoadError{Script: strings.Clone(o.Name), Err: err})
			continue
		}
		s.scripts = append(s.scripts, sc)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return s, nil
}

func loadScript(o archive.Script, lim vm.Limits) (Script, error) {
	p, err := loader.Load(o.Object, loader.Options{Helpers: abi.Known})
	if err != nil {
		return Script{}, err
	}
	sc := Script{Name: o.Name, Request: -1}
	names := make([]string, 0, len(p.Entries))
	for sec := range p.Entries {
		names = append(names, sec)
	}
	slices.Sort(names)
	for _, sec := range names {
		switch {
		case sec == abi.SectionRequest:
			sc.Request = p.Entries[sec]
		case abi.IsEntrySection(sec):
			if sc.Calls == nil {
				sc.Calls = make(map[string]int)
			}
			sc.Calls[strings.TrimPrefix(sec, abi.SectionCallPrefix)] = p.Entries[sec]
		default:
			return Script{}, fmt.Errorf("unknown entry section %q", sec)
		}
	}
	if len(p.Entries) == 0 {
		return Script{}, errors.New("no entry point (ZS_ENTRY or ZS_CALL_ENTRY)")
	}
	if sc.Program, err = interp.Compile(p, helperTable, lim); err != nil {
		return Script{}, err
	}
	return sc, nil
}

// allowedEnv returns the variables of environ that allow admits.
func allowedEnv(allow, environ []string) map[string]string {
	env := make(map[string]string)
	for _, kv := range environ {
		k, v, ok := strings.Cut(kv, "=")
		if ok && envAllowed(allow, k) {
			env[k] = v
		}
	}
	return env
}

func envAllowed(allow []string, name string) bool {
	for _, a := range allow {
		if p, ok := strings.CutSuffix(a, "*"); ok && strings.HasPrefix(name, p) || a == name {
			return true
		}
	}
	return false
}

// Scripts returns the loaded scripts in chain order.
func (s *Set) Scripts() []Script { return s.scripts }

// Len returns the number of scripts.
func (s *Set) Len() int { return len(s.scripts) }
