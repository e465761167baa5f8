// SPDX-License-Identifier: GPL-2.0

package kchan

import (
	"context"
	"errors"
	"os"
	"runtime"
	"sync"
	"syscall"
	"time"
	"unsafe"
)

// rendezvousSlice is the longest a rendezvous send waits in the kernel in
// one go: between slices it looks at its context and deadline again (see
// Sender.Send).
const rendezvousSlice = 50 * time.Millisecond

// Sender is the send endpoint of a channel.  Its methods may be called
// from several goroutines at once.
type Sender struct {
	ep *endpoint

	pumpOnce sync.Once
	pumpc    chan []byte
	done     chan struct{}
	pumpErr  firstErr
}

func newSender(e *endpoint) *Sender {
	return &Sender{ep: e, pumpc: make(chan []byte), done: make(chan struct{})}
}

// Kind is the kind of the channel.
func (s *Sender) Kind() Kind { return s.ep.kind }

// File is the endpoint's descriptor, for passing it on (for example to
// a child process or over a Unix socket).  It stays owned by the Sender:
// do not close it or change its mode.
func (s *Sender) File() *os.File { return s.ep.f }

// Send sends msg as one message, waiting as long as the channel is full
// (under PolicyBlock; PolicyFail fails with ErrFull at once), until ctx is
// done or the write deadline passes.  It fails with ErrClosed once the
// channel has no receiver or was closed for sending, ErrMsgSize if msg is
// longer than the channel's msgMax, ErrAlreadySent on a oneshot channel
// whose message was sent, and ErrEmptyMessage for an empty msg.  The
// kernel copies msg: it may be reused once Send returns.
//
// A waiting Send parks its goroutine in Go's runtime poller until the
// send endpoint is writable, not an OS thread, except on a rendezvous
// channel.  There the kernel lets a non-blocking send through only when a
// receiver is waiting inside a receive system call, and a receiver parked
// in the poller (as every Receiver of this package is) is not one; two
// such sides would never meet.  So a rendezvous Sender's descriptor is
// left blocking, and Send waits in the kernel with its message published:
// the receive end becomes readable, a Receiver takes the message, and
// Send returns.  While it waits, Send holds an OS thread; it looks at ctx
// and the write deadline again every 50 ms, withdrawing and re-publishing
// its message in between (a withdrawn message is never received), so
// cancellation takes up to that long to be noticed.
func (s *Sender) Send(ctx context.Context, msg []byte) error {
	const op = "send"
	e := s.ep
	if len(msg) == 0 {
		return &OpError{Op: op, Name: e.name, Err: ErrEmptyMessage}
	}
	if e.kind == KindRendezvous {
		return opErr(op, e.name, s.sendRendezvous(ctx, msg))
	}
	var werr error
	err := e.wait(ctx, func(fd uintptr) bool {
		for {
			_, err := syscall.Write(int(fd), msg)
			if err == syscall.EINTR {
				continue
			}
			if err == syscall.EAGAIN && e.policy != PolicyFail {
				return false
			}
			werr = err
			return true
		}
	}, nil)
	if err == nil {
		err = werr
	}
	return opErr(op, e.name, err)
}

// sendRendezvous waits in the kernel, a slice at a time, until a receiver
// takes msg.
func (s *Sender) sendRendezvous(ctx context.Context, msg []byte) error {
	e := s.ep
	msgs := [][]byte{msg}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		dl, fromCtx := e.dl.earliest(ctx)
		slice := rendezvousSlice
		if !dl.IsZero() {
			left := time.Until(dl)
			if left <= 0 {
				return timeoutErr(ctx, fromCtx)
			}
			if left < slice {
				slice = left
			}
		}
		var serr error
		err := e.wait(ctx, func(fd uintptr) bool {
			_, serr = sendBatch(fd, msgs, uint64(slice))
			return true
		}, nil)
		if err != nil {
			return err
		}
		if serr != syscall.ETIMEDOUT {
			return serr
		}
	}
}

// sendBatch is one CHAN_IOC_SEND_BATCH of msgs (at most BatchMax, none
// empty) whose first message may wait timeout nanoseconds.  It makes the
// messages escape to the heap: the kernel gets their addresses inside
// structures.
func sendBatch(fd uintptr, msgs [][]byte, timeout uint64) (int, error) {
	escape(msgs)
	cm := make([]chanMsg, len(msgs))
	for i, m := range msgs {
		cm[i] = chanMsg{buf: addr(m), len: uint32(len(m))}
	}
	escape(cm)
	b := &chanBatch{count: uint32(len(cm)), timeoutNs: timeout}
	b.size = uint32(unsafe.Sizeof(*b))
	b.msgs = uint64(uintptr(unsafe.Pointer(&cm[0])))
	n, err := ioctlPtr(fd, iocSendBatch, unsafe.Pointer(b))
	runtime.KeepAlive(cm)
	runtime.KeepAlive(msgs)
	return int(n), err
}

// TrySend sends msg only if that needs no waiting: ErrFull if the
// channel is full.  On a rendezvous channel it publishes msg and waits up
// to RendezvousHandoff (20 ms) for a receiver to take it, which any
// Receiver parked in Recv does; else it withdraws it and returns ErrFull.
func (s *Sender) TrySend(msg []byte) error {
	const op = "try send"
	e := s.ep
	if len(msg) == 0 {
		return &OpError{Op: op, Name: e.name, Err: ErrEmptyMessage}
	}
	if e.kind == KindRendezvous {
		msgs := [][]byte{msg}
		return e.control(op, func(fd uintptr) error {
			_, err := sendBatch(fd, msgs, uint64(RendezvousHandoff))
			if err == syscall.ETIMEDOUT {
				err = syscall.EAGAIN
			}
			return err
		})
	}
	return e.control(op, func(fd uintptr) error {
		for {
			_, err := syscall.Write(int(fd), msg)
			if err != syscall.EINTR {
				return err
			}
		}
	})
}

// SendBatch sends msgs in order, in as few system calls as it can
// (CHAN_IOC_SEND_BATCH, up to BatchMax messages each), waiting like Send
// whenever the channel is full.  It returns how many messages were sent;
// fewer than len(msgs) only with an error.  A rendezvous channel moves one
// message per receive, so there SendBatch is a loop of Send.
func (s *Sender) SendBatch(ctx context.Context, msgs [][]byte) (int, error) {
	const op = "send batch"
	e := s.ep
	for _, m := range msgs {
		if len(m) == 0 {
			return 0, &OpError{Op: op, Name: e.name, Err: ErrEmptyMessage}
		}
	}
	sent := 0
	for sent < len(msgs) {
		if e.kind == KindRendezvous {
			if err := s.sendRendezvous(ctx, msgs[sent]); err != nil {
				return sent, opErr(op, e.name, err)
			}
			sent++
			continue
		}
		end := sent + BatchMax
		if end > len(msgs) {
			end = len(msgs)
		}
		chunk := msgs[sent:end]
		var n int
		var berr error
		err := e.wait(ctx, func(fd uintptr) bool {
			n, berr = sendBatch(fd, chunk, 0)
			return !(berr == syscall.EAGAIN && e.policy != PolicyFail)
		}, nil)
		if err == nil {
			err = berr
		}
		sent += n
		if err != nil {
			return sent, opErr(op, e.name, err)
		}
	}
	return sent, nil
}

// CloseSend closes the channel for sending (CHAN_IOC_CLOSE), Go's
// close(): every later send through any send endpoint fails with
// ErrClosed, and receivers drain what is queued and then get io.EOF.
// It is idempotent and, unlike Close, also ends the stream of a named
// channel.  The Sender must still be closed with Close.
func (s *Sender) CloseSend() error {
	return s.ep.control("close send", func(fd uintptr) error {
		_, err := ioctl(fd, iocClose, 0)
		return err
	})
}

// Close closes the send endpoint.  When the last send endpoint of an
// anonymous channel closes, its receivers get io.EOF after draining.
// A Send waiting in Go's poller returns an error wrapping os.ErrClosed.
func (s *Sender) Close() error { return s.ep.close() }

// SetWriteDeadline sets the deadline for Send, SendBatch and Client.Call,
// those waiting now included; the zero time means none.  A send whose
// deadline passes fails with an error wrapping os.ErrDeadlineExceeded.
func (s *Sender) SetWriteDeadline(t time.Time) error {
	if err := s.ep.dl.setUser(t); err != nil {
		return &OpError{Op: "set deadline", Name: s.ep.name, Err: err}
	}
	return nil
}

// Info reports the channel's state and counters (CHAN_IOC_INFO).
func (s *Sender) Info() (Info, error) { return s.ep.info() }

// Lost returns how many messages the channel discarded under
// PolicyDropNewest or PolicyOverwrite since this endpoint last asked
// (CHAN_IOC_LOST).
func (s *Sender) Lost() (uint64, error) { return s.ep.lost() }

// Chan returns a Go channel whose messages a goroutine sends, in order,
// so that sending can take part in a select.  The first call starts the
// goroutine; every call returns the same channel.  The slices sent are
// the Sender's until sent: do not change them afterwards.
//
// Closing the Go channel closes the chan channel for sending (CloseSend)
// and then the Sender (Close), once the messages before have been sent;
// Done is closed when that has happened.  If a send fails, Err reports
// why, and every later message is received and dropped, so that writers
// to the Go channel never block for good; it must still be closed.  Do
// not call Close while the goroutine runs: close the Go channel instead.
func (s *Sender) Chan() chan<- []byte {
	s.pumpOnce.Do(func() { go s.pump() })
	return s.pumpc
}

func (s *Sender) pump() {
	defer close(s.done)
	failed := false
	for m := range s.pumpc {
		if failed {
			continue
		}
		if err := s.Send(context.Background(), m); err != nil {
			s.pumpErr.set(err)
			failed = true
		}
	}
	if err := s.CloseSend(); err != nil && !errors.Is(err, os.ErrClosed) {
		s.pumpErr.set(err)
	}
	if err := s.Close(); err != nil && !errors.Is(err, os.ErrClosed) {
		s.pumpErr.set(err)
	}
}

// Done returns a channel that is closed once the goroutine started by
// Chan has finished, after the Go channel was closed.
func (s *Sender) Done() <-chan struct{} { return s.done }

// Err returns the first error of the goroutine started by Chan, or nil.
// After Done is closed it is final.
func (s *Sender) Err() error {
	return s.pumpErr.get()
}
