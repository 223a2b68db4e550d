package script

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"zeroserve.dev/zeroserve/pkg/vm"
	"zeroserve.dev/zeroserve/pkg/vm/interp"
)

// Kind says how a chain ended, or that it has not yet.
type Kind uint8

const (
	// Static: no script responded; serve static on the (possibly
	// rewritten) Context.Request, with Context.ApplyHeaders.
	Static Kind = iota
	// Respond: send Context.Response with Context.ResponseFields.
	Respond
	// Abort: a script called zs_abort; close the connection (reset the
	// stream) without a response.
	Abort
	// Yielded: the running script used its slice; call Runner.Continue
	// later (after serving other connections), or Runner.Put to cancel.
	Yielded
	// Failed: a script trapped (500), ran over its budget or wall-clock
	// limit, or the Runner is overloaded (503). Context.Response holds a
	// short text response with Outcome.Status; the fault is already logged.
	Failed
)

func (k Kind) String() string {
	switch k {
	case Static:
		return "static"
	case Respond:
		return "respond"
	case Abort:
		return "abort"
	case Yielded:
		return "yielded"
	case Failed:
		return "failed"
	}
	return fmt.Sprintf("Kind(%d)", k)
}

// Outcome is the result of Run or Continue.
type Outcome struct {
	Kind Kind
	// Status is the response status for Respond and Failed.
	Status int
	// Script names the script that responded or failed.
	Script string
	// Err is the trap or error of a Failed outcome.
	Err error
}

// Errors of Failed outcomes that are not traps.
var (
	ErrOverloaded = errors.New("script: too many chains in progress on this worker")
	ErrWallLimit  = errors.New("script: wall-clock limit exceeded")
	ErrNotYielded = errors.New("script: Continue on a chain that has not yielded")
)

// Runner runs a Set's chain on one worker (one event loop): it pools
// instances per script and Contexts, without locks. A Runner and the
// Contexts it hands out must be used by one goroutine. Close it when its
// generation is retired and no chain of it is in progress.
type Runner struct {
	set    *Set
	idle   [][]*interp.Instance // per script
	free   []*Context
	active int
}

// NewRunner returns a Runner for one worker.
func (s *Set) NewRunner() *Runner {
	return &Runner{set: s, idle: make([][]*interp.Instance, len(s.scripts))}
}

// Set returns the Runner's scripts.
func (r *Runner) Set() *Set { return r.set }

// Get returns a reset Context for a new request.
func (r *Runner) Get() *Context {
	var cx *Context
	if n := len(r.free); n > 0 {
		cx, r.free = r.free[n-1], r.free[:n-1]
	} else {
		cx = &Context{runner: r}
		cx.json.limit = r.set.cfg.JSONMemory
	}
	cx.reset()
	return cx
}

// Put cancels cx's chain if it is still in progress (a client that went
// away) and takes cx back. cx must not be used afterwards.
func (r *Runner) Put(cx *Context) {
	if cx.runner != r {
		panic("BUG: script.Context returned to another Runner")
	}
	r.finish(cx, true)
	cx.reset()
	r.free = append(r.free, cx)
}

// Run starts the chain for the request in cx: each script's request entry
// in order until one responds.
func (r *Runner) Run(cx *Context) Outcome {
	if cx.active {
		return r.fail(cx, 500, "", ErrNotYielded)
	}
	if r.active >= r.set.cfg.MaxActive {
		return r.fail(cx, 503, "", ErrOverloaded)
	}
	r.active++
	cx.active, cx.next, cx.yields = true, 0, 0
	cx.start = r.set.cfg.Now()
	return r.step(cx, false)
}

// Continue resumes a chain whose last outcome was Yielded.
func (r *Runner) Continue(cx *Context) Outcome {
	if !cx.active || cx.inst == nil {
		return r.fail(cx, 500, "", ErrNotYielded)
	}
	return r.step(cx, true)
}

func (r *Runner) step(cx *Context, resume bool) Outcome {
	scripts := r.set.scripts
	for ; cx.next < len(scripts); cx.next++ {
		sc := &scripts[cx.next]
		var st vm.Status
		var err error
		if resume {
			resume = false
			_, st, err = cx.inst.Resume(0)
		} else {
			if sc.Request < 0 {
				continue
			}
			if cx.inst, err = r.instance(cx.next); err != nil {
				return r.fail(cx, 500, sc.Name, err)
			}
			cx.json.reset()
			_, st, err = cx.inst.Run(sc.Request, cx, nil)
		}
		if err == nil && st == vm.Yielded {
			cx.yields++
			if lim := r.set.cfg.WallLimit; lim > 0 && r.set.cfg.Now().Sub(cx.start) > lim {
				return r.fail(cx, 503, sc.Name, ErrWallLimit)
			}
			return Outcome{Kind: Yielded, Script: sc.Name}
		}
		if err == nil && st != vm.Done {
			err = fmt.Errorf("BUG: script suspended (%v) without an async helper", st)
		}
		r.release(cx)
		cx.json.reset()
		if err != nil {
			status := 500
			if errors.Is(err, vm.ErrBudget) {
				status = 503
			}
			return r.fail(cx, status, sc.Name, err)
		}
		if cx.Response.pending {
			r.finish(cx, false)
			if cx.Response.abort {
				return Outcome{Kind: Abort, Script: sc.Name}
			}
			return Outcome{Kind: Respond, Status: cx.Response.Status, Script: sc.Name}
		}
	}
	r.finish(cx, false)
	return Outcome{Kind: Static}
}

// instance takes an idle instance of script i or makes one.
func (r *Runner) instance(i int) (*interp.Instance, error) {
	if n := len(r.idle[i]); n > 0 {
		in := r.idle[i][n-1]
		r.idle[i] = r.idle[i][:n-1]
		return in, nil
	}
	return r.set.scripts[i].Program.Instantiate()
}

// release gives cx's instance back to the pool.
func (r *Runner) release(cx *Context) {
	in := cx.inst
	if in == nil {
		return
	}
	cx.inst = nil
	in.Cancel()
	if len(r.idle[cx.next]) < r.set.cfg.IdleInstances {
		r.idle[cx.next] = append(r.idle[cx.next], in)
		return
	}
	_ = in.Close()
}

// finish ends cx's chain: its instance goes back, the active count drops.
func (r *Runner) finish(cx *Context, cancel bool) {
	if !cx.active {
		return
	}
	if cancel {
		r.release(cx)
	}
	cx.active = false
	r.active--
}

// fail ends the chain with a Failed outcome: a short text response, and a
// log line naming the script, the section, the instruction, the C line and
// the reason.
func (r *Runner) fail(cx *Context, status int, script string, err error) Outcome {
	r.release(cx)
	r.finish(cx, false)
	cx.Response.reset()
	if status == 503 {
		cx.Response.set(503, []byte("503 service unavailable: script over its limit\n"), false)
	} else {
		cx.Response.set(500, []byte("500 internal server error: script failed\n"), false)
	}
	attrs := []slog.Attr{slog.Uint64("request", cx.RequestID), slog.String("script", script),
		slog.Int("status", status)}
	var t *vm.Trap
	if errors.As(err, &t) {
		attrs = append(attrs, slog.Int("pc", t.PC), slog.String("reason", t.Reason))
		if i := r.scriptIndex(script); i >= 0 {
			if f, ok := funcAt(r.set.scripts[i].Program.Source(), t.PC); ok {
				attrs = append(attrs, slog.String("section", f.Section), slog.String("func", f.Name))
			}
		}
		if t.Line.Line > 0 {
			attrs = append(attrs, slog.String("line", fmt.Sprintf("%s:%d", t.Line.File, t.Line.Line)))
			if t.Line.Text != "" {
				attrs = append(attrs, slog.String("source", t.Line.Text))
			}
		}
		if t.Err != nil {
			attrs = append(attrs, slog.String("err", t.Err.Error()))
		}
	} else {
		attrs = append(attrs, slog.String("reason", err.Error()))
	}
	msg := "script fault"
	if status == 503 {
		msg = "script over limit"
	}
	r.set.cfg.Log.LogAttrs(context.Background(), slog.LevelError, msg, attrs...)
	return Outcome{Kind: Failed, Status: status, Script: script, Err: err}
}

func (r *Runner) scriptIndex(name string) int {
	for i := range r.set.scripts {
		if r.set.scripts[i].Name == name {
			return i
		}
	}
	return -1
}

// funcAt returns the function holding instruction pc.
func funcAt(p *vm.Program, pc int) (vm.Func, bool) {
	for _, f := range p.Funcs {
		if f.Start <= pc && pc < f.End {
			return f, true
		}
	}
	return vm.Func{}, false
}

// Close releases the idle instances. Put every Context back first: an
// instance held by a yielded chain is released by Put, not by Close.
func (r *Runner) Close() error {
	var errs []error
	for i, list := range r.idle {
		for _, in := range list {
			errs = append(errs, in.Close())
		}
		r.idle[i] = nil
	}
	return errors.Join(errs...)
}
