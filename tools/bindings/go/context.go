// SPDX-License-Identifier: GPL-2.0

package kchan

import (
	"context"
	"errors"
	"os"
	"runtime"
	"sync"
	"time"
)

// afterFunc arranges for f to run in a goroutine of its own once ctx is
// done, like context.AfterFunc of Go 1.21, which Go 1.19 lacks.  Calling
// stop (exactly once) ends the arrangement: it returns true if f never
// ran and never will, and false if f ran - after waiting for f to return,
// so that the caller can undo what f did.  A context that can never be
// done costs nothing.
func afterFunc(ctx context.Context, f func()) (stop func() bool) {
	done := ctx.Done()
	if done == nil {
		return func() bool { return true }
	}
	stopc := make(chan struct{})
	exited := make(chan struct{})
	ran := false
	go func() {
		defer close(exited)
		select {
		case <-done:
			ran = true
			f()
		case <-stopc:
		}
	}()
	return func() bool {
		close(stopc)
		<-exited
		return !ran
	}
}

// aLongTimeAgo is a deadline in the past: setting it wakes every
// goroutine parked in the poller on the descriptor.
var aLongTimeAgo = time.Unix(1, 0)

// deadline is the user's deadline of one direction of an endpoint and the
// machinery that lets a context cancel a single operation.
//
// Go's poller has deadlines per descriptor, not per operation: the only
// way to wake a goroutine parked on a descriptor is to move the
// descriptor's deadline into the past, which wakes every goroutine parked
// on it (and, since os.File serializes reads and writes, the others wait
// behind the one that is parked).  So a context that is done "kicks" the
// descriptor: it sets a past deadline and counts itself in kicks until its
// operation has returned, then the user's deadline comes back.  An
// operation woken by a deadline that is neither its own context's nor the
// user's (a kick happened since it started, or one is in progress) simply
// tries again.
type deadline struct {
	mu    sync.Mutex
	user  time.Time               // set by SetReadDeadline/SetWriteDeadline
	kicks int                     // contexts done whose operation has not returned
	gen   uint64                  // kicks so far
	set   func(t time.Time) error // the descriptor's own, nil if not pollable
}

// setUser sets the user's deadline; it reaches the descriptor at once
// unless a kick is in progress, which restores it when it ends.
func (d *deadline) setUser(t time.Time) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.user = t
	if d.kicks == 0 && d.set != nil {
		return d.set(t)
	}
	return nil
}

// userDeadline is the user's deadline (zero: none).
func (d *deadline) userDeadline() time.Time {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.user
}

// kick wakes every goroutine parked on the descriptor.
func (d *deadline) kick() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.kicks++
	d.gen++
	if d.set != nil {
		d.set(aLongTimeAgo)
	}
}

// unkick ends one kick; the last one restores the user's deadline.
func (d *deadline) unkick() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.kicks--
	if d.kicks == 0 && d.set != nil {
		d.set(d.user)
	}
}

// generation is the kick count, to compare after a wait.
func (d *deadline) generation() uint64 {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.gen
}

// kickedSince reports whether a timeout seen after generation() returned
// gen may come from a kick rather than from the user's deadline.
func (d *deadline) kickedSince(gen uint64) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.gen != gen || d.kicks > 0
}

// earliest is the earlier of ctx's deadline and the user's deadline, and
// whether it is ctx's; zero if neither has one.
func (d *deadline) earliest(ctx context.Context) (t time.Time, fromCtx bool) {
	t = d.userDeadline()
	if c, ok := ctx.Deadline(); ok && (t.IsZero() || c.Before(t)) {
		return c, true
	}
	return t, false
}

// timeoutErr is the error of an operation whose deadline passed: the
// context's error if it was the context's deadline, else
// os.ErrDeadlineExceeded.
func timeoutErr(ctx context.Context, fromCtx bool) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if fromCtx {
		return context.DeadlineExceeded
	}
	return os.ErrDeadlineExceeded
}

// wait runs f on the endpoint's descriptor until f reports that it is
// done, parking in Go's poller whenever f returns false (it got EAGAIN):
// the goroutine waits for readiness (write readiness on a send endpoint),
// not an OS thread.  ctx being done, the user's deadline passing and the
// endpoint being closed end the wait with ctx.Err(),
// os.ErrDeadlineExceeded and os.ErrClosed.  onCancel, if not nil, runs
// too when ctx is done (it must not block), for operations that can also
// wait inside the kernel.
func (e *endpoint) wait(ctx context.Context, f func(fd uintptr) bool, onCancel func()) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if !e.pollable {
		// A blocking descriptor never parks in the poller: f runs
		// once and must finish.  Control takes no read or write lock,
		// so concurrent callers all reach the kernel, which orders
		// them.
		err := e.rc.Control(func(fd uintptr) { f(fd) })
		if err != nil && e.isClosed() {
			return os.ErrClosed
		}
		return err
	}
	rw := e.rc.Read
	if e.role == roleSend {
		rw = e.rc.Write
	}
	stop := afterFunc(ctx, func() {
		e.dl.kick()
		if onCancel != nil {
			onCancel()
		}
	})
	defer func() {
		if !stop() {
			e.dl.unkick()
		}
	}()
	for {
		gen := e.dl.generation()
		err := rw(f)
		if err == nil {
			return nil
		}
		if e.isClosed() {
			return os.ErrClosed
		}
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			return err
		}
		if cerr := ctx.Err(); cerr != nil {
			return cerr
		}
		if !e.dl.kickedSince(gen) {
			return os.ErrDeadlineExceeded
		}
		// Another operation's context kicked the descriptor: let it
		// have its turn, then wait again.
		runtime.Gosched()
	}
}
