// SPDX-License-Identifier: GPL-2.0

package kchan

import (
	"errors"
	"fmt"
	"syscall"
)

// errnoError is a sentinel error that stands for one errno: errors.Is
// matches both the sentinel and the syscall.Errno it wraps.
type errnoError struct {
	msg   string
	errno syscall.Errno
}

// Error implements error.
func (e *errnoError) Error() string { return e.msg }

// Unwrap returns the errno, for errors.Is.
func (e *errnoError) Unwrap() error { return e.errno }

// Sentinel errors.  Each wraps its syscall.Errno, so errors.Is(err,
// ErrClosed) and errors.Is(err, syscall.EPIPE) both hold for a send to a
// channel without receivers.
var (
	// ErrClosed (EPIPE): a send to a channel that has no receive endpoint
	// left or was closed for sending (CloseSend, a oneshot's message
	// sent), or a call on a request/reply channel without a server.  It
	// is not os.ErrClosed, which means this process closed the endpoint.
	ErrClosed error = &errnoError{"kchan: channel closed or without receivers", syscall.EPIPE}
	// ErrFull (EAGAIN): TrySend on a full channel, any send under
	// PolicyFail on a full one, or a rendezvous TrySend that no receiver
	// took in time.
	ErrFull error = &errnoError{"kchan: channel full", syscall.EAGAIN}
	// ErrEmpty (EAGAIN): TryRecv on an empty channel.
	ErrEmpty error = &errnoError{"kchan: channel empty", syscall.EAGAIN}
	// ErrAlreadySent (EALREADY): a second send on a oneshot channel.
	ErrAlreadySent error = &errnoError{"kchan: oneshot message already sent", syscall.EALREADY}
	// ErrMsgSize (EMSGSIZE): a message longer than the channel's msgMax,
	// or a receive buffer shorter than the next message (which stays
	// queued).
	ErrMsgSize error = &errnoError{"kchan: message too long", syscall.EMSGSIZE}
	// ErrServerGone (ECONNRESET): the last server of a request/reply
	// channel closed while the call waited for its reply.
	ErrServerGone error = &errnoError{"kchan: server gone", syscall.ECONNRESET}
	// ErrBusy (EBUSY): a second concurrent sender (receiver, caller) on a
	// single-producer (single-consumer) channel.
	ErrBusy error = &errnoError{"kchan: single-party channel busy", syscall.EBUSY}
	// ErrNoCall (ENOENT): a reply to a call that no longer waits (it was
	// answered, timed out, was cancelled or its caller died).
	ErrNoCall error = &errnoError{"kchan: no such call waiting", syscall.ENOENT}
)

// ErrEmptyMessage is returned for an attempt to send an empty message:
// chan has no zero-length messages (a read of 0 bytes is end of stream),
// and the kernel would silently queue nothing.
var ErrEmptyMessage = errors.New("kchan: empty message")

// OpError is the error of a failed operation: Op names it ("send",
// "recv", "call", "create", ...), Name is the channel's name when the
// operation was on a name, and Err is the cause: one of the sentinel
// errors above, a syscall.Errno, a *LaggedError, a context error,
// os.ErrDeadlineExceeded or os.ErrClosed.  Use errors.Is and errors.As on
// it.
type OpError struct {
	Op   string
	Name string
	Err  error
}

// Error implements error.
func (e *OpError) Error() string {
	if e.Name != "" {
		return "kchan: " + e.Op + " " + e.Name + ": " + e.Err.Error()
	}
	return "kchan: " + e.Op + ": " + e.Err.Error()
}

// Unwrap returns the cause.
func (e *OpError) Unwrap() error { return e.Err }

// Timeout reports whether the operation timed out (a deadline passed).
func (e *OpError) Timeout() bool {
	t, ok := e.Err.(interface{ Timeout() bool })
	return ok && t.Timeout()
}

// LaggedError is what a broadcast subscriber that fell a whole ring
// behind under PolicyOverwrite gets, once, from its next receive: Count
// messages were lost (CHAN_IOC_LOST).  Receiving goes on after it with the
// oldest message left.  It wraps syscall.EOVERFLOW.
type LaggedError struct {
	Count uint64
}

// Error implements error.
func (e *LaggedError) Error() string {
	return fmt.Sprintf("kchan: broadcast subscriber lagged behind, %d messages lost", e.Count)
}

// Unwrap returns syscall.EOVERFLOW.
func (e *LaggedError) Unwrap() error { return syscall.EOVERFLOW }

// opErr wraps err as the error of op; errnos with a sentinel become the
// sentinel.  recv says EAGAIN means empty rather than full.
func opErr(op, name string, err error) error {
	if err == nil {
		return nil
	}
	if e, ok := err.(syscall.Errno); ok {
		err = sentinel(op, e)
	}
	return &OpError{Op: op, Name: name, Err: err}
}

// sentinel is the sentinel error of errno e in operation op, or e.
func sentinel(op string, e syscall.Errno) error {
	switch e {
	case syscall.EPIPE:
		return ErrClosed
	case syscall.EAGAIN:
		switch op {
		case "recv", "recv batch", "try recv":
			return ErrEmpty
		}
		return ErrFull
	case syscall.EALREADY:
		return ErrAlreadySent
	case syscall.EMSGSIZE:
		return ErrMsgSize
	case syscall.ECONNRESET:
		return ErrServerGone
	case syscall.EBUSY:
		return ErrBusy
	case syscall.ENOENT:
		if op == "reply" {
			return ErrNoCall
		}
	}
	return e
}
