// SPDX-License-Identifier: GPL-2.0

package kchan

import (
	"context"
	"errors"
	"io"
	"os"
	"runtime"
	"sync"
	"syscall"
	"time"
	"unsafe"
)

// batchBytes bounds the buffer space one RecvBatch allocates: with large
// messages it receives fewer than asked.
const batchBytes = 1 << 20

// Receiver is the receive endpoint of a channel (on a broadcast channel:
// one subscriber).  Its methods may be called from several goroutines at
// once; each message goes to one of them.
type Receiver struct {
	ep   *endpoint
	bufs sync.Pool

	pumpOnce  sync.Once
	pumpc     chan []byte
	closing   chan struct{}
	closeOnce sync.Once
	pumpErr   firstErr
}

func newReceiver(e *endpoint) *Receiver {
	r := &Receiver{ep: e, pumpc: make(chan []byte), closing: make(chan struct{})}
	r.bufs.New = func() interface{} {
		b := make([]byte, e.msgMax)
		return &b
	}
	return r
}

// Kind is the kind of the channel.
func (r *Receiver) Kind() Kind { return r.ep.kind }

// MsgMax is the largest message the channel carries, in bytes.
func (r *Receiver) MsgMax() int { return r.ep.msgMax }

// File is the endpoint's descriptor, for passing it on.  It stays owned
// by the Receiver: do not close it or change its mode.
func (r *Receiver) File() *os.File { return r.ep.f }

// Recv receives the next message, waiting until one is queued, ctx is
// done or the read deadline passes.  It returns io.EOF (itself, not
// wrapped) at end of stream: the channel was closed for sending and
// everything queued has been received.  A lapped broadcast subscriber
// gets a *LaggedError once.  Waiting parks the goroutine in Go's runtime
// poller, never an OS thread.
func (r *Receiver) Recv(ctx context.Context) ([]byte, error) {
	bp := r.bufs.Get().(*[]byte)
	defer r.bufs.Put(bp)
	n, err := r.recv(ctx, *bp, "recv")
	if err != nil {
		return nil, err
	}
	msg := make([]byte, n)
	copy(msg, *bp)
	return msg, nil
}

// RecvInto receives the next message into buf, like Recv, and returns its
// length.  A buf shorter than the message fails with ErrMsgSize and leaves
// the message queued; MsgMax bytes always suffice.
func (r *Receiver) RecvInto(ctx context.Context, buf []byte) (int, error) {
	return r.recv(ctx, buf, "recv")
}

func (r *Receiver) recv(ctx context.Context, buf []byte, op string) (int, error) {
	e := r.ep
	if len(buf) == 0 {
		return 0, &OpError{Op: op, Name: e.name, Err: ErrMsgSize}
	}
	var n int
	var rerr error
	err := e.wait(ctx, func(fd uintptr) bool {
		for {
			m, err := syscall.Read(int(fd), buf)
			if err == syscall.EINTR {
				continue
			}
			if err == syscall.EAGAIN {
				return false
			}
			n, rerr = m, err
			return true
		}
	}, nil)
	if err == nil {
		err = rerr
	}
	if err != nil {
		return 0, r.fail(op, err)
	}
	if n == 0 {
		return 0, io.EOF
	}
	return n, nil
}

// fail turns a receive's error into the one to return: EOVERFLOW into a
// *LaggedError with the count CHAN_IOC_LOST gives.
func (r *Receiver) fail(op string, err error) error {
	if err == syscall.EOVERFLOW {
		n, lerr := r.ep.lost()
		if lerr != nil {
			return lerr
		}
		return &LaggedError{Count: n}
	}
	return opErr(op, r.ep.name, err)
}

// TryRecv receives the next message if one is queued now: ErrEmpty if
// none is, io.EOF at end of stream.
func (r *Receiver) TryRecv() ([]byte, error) {
	const op = "try recv"
	bp := r.bufs.Get().(*[]byte)
	defer r.bufs.Put(bp)
	buf := *bp
	var n int
	var rerr error
	err := r.ep.rc.Control(func(fd uintptr) {
		for {
			n, rerr = syscall.Read(int(fd), buf)
			if rerr != syscall.EINTR {
				return
			}
		}
	})
	if err != nil {
		if r.ep.isClosed() {
			err = os.ErrClosed
		}
		return nil, &OpError{Op: op, Name: r.ep.name, Err: err}
	}
	if rerr != nil {
		return nil, r.fail(op, rerr)
	}
	if n == 0 {
		return nil, io.EOF
	}
	msg := make([]byte, n)
	copy(msg, buf)
	return msg, nil
}

// batchResult is what one CHAN_IOC_RECV_BATCH moved.
type batchResult struct {
	msgs []chanMsg // the descriptors of the messages moved
	slab []byte    // their buffers, mm bytes each
	mm   int
}

// recvBatch waits like recv for at least one message, then takes up to
// max of them in one CHAN_IOC_RECV_BATCH.
func (r *Receiver) recvBatch(ctx context.Context, max int, op string) (batchResult, error) {
	e := r.ep
	mm := e.msgMax
	if max > BatchMax {
		max = BatchMax
	}
	if max*mm > batchBytes {
		max = batchBytes / mm
	}
	if max < 1 {
		max = 1
	}
	slab := make([]byte, max*mm)
	cm := make([]chanMsg, max)
	for i := range cm {
		cm[i] = chanMsg{buf: addr(slab[i*mm : (i+1)*mm]), len: uint32(mm)}
	}
	escape(slab)
	escape(cm)
	b := &chanBatch{count: uint32(max)}
	b.size = uint32(unsafe.Sizeof(*b))
	b.msgs = uint64(uintptr(unsafe.Pointer(&cm[0])))
	var n int
	var berr error
	err := e.wait(ctx, func(fd uintptr) bool {
		got, err := ioctlPtr(fd, iocRecvBatch, unsafe.Pointer(b))
		if err == syscall.EAGAIN {
			return false
		}
		n, berr = int(got), err
		return true
	}, nil)
	runtime.KeepAlive(slab)
	runtime.KeepAlive(cm)
	if err == nil {
		err = berr
	}
	if err != nil {
		return batchResult{}, r.fail(op, err)
	}
	if n == 0 {
		return batchResult{}, io.EOF
	}
	return batchResult{msgs: cm[:n], slab: slab, mm: mm}, nil
}

// split copies the messages of a batch out, into one allocation.
func (br batchResult) split() [][]byte {
	total := 0
	for _, m := range br.msgs {
		total += int(m.len)
	}
	all := make([]byte, total)
	out := make([][]byte, len(br.msgs))
	mm := br.mm
	off := 0
	for i, m := range br.msgs {
		l := int(m.len)
		copy(all[off:off+l], br.slab[i*mm:i*mm+l])
		out[i] = all[off : off+l : off+l]
		off += l
	}
	return out
}

// RecvBatch waits like Recv for a message, then returns it with as many
// more as are queued, up to max (and BatchMax, and about 1 MiB of
// messages), in one system call (CHAN_IOC_RECV_BATCH).  It returns io.EOF
// at end of stream.
func (r *Receiver) RecvBatch(ctx context.Context, max int) ([][]byte, error) {
	br, err := r.recvBatch(ctx, max, "recv batch")
	if err != nil {
		return nil, err
	}
	return br.split(), nil
}

// Subscribe makes a new subscriber of this Receiver's broadcast channel
// (CHAN_IOC_SUBSCRIBE), whose cursor starts at the next message sent.
// Other kinds fail with syscall.EINVAL.
func (r *Receiver) Subscribe() (*Receiver, error) {
	var nfd int
	err := r.ep.control("subscribe", func(fd uintptr) error {
		got, err := ioctl(fd, iocSubscribe, flagCloexec|flagNonblock)
		nfd = int(got)
		return err
	})
	if err != nil {
		return nil, err
	}
	e := r.ep
	ne, err := newEndpoint(nfd, roleRecv, e.kind, e.policy, e.msgMax, e.name)
	if err != nil {
		return nil, opErr("subscribe", e.name, err)
	}
	return newReceiver(ne), nil
}

// Lost returns how many messages this subscriber of a broadcast channel
// missed (on other kinds: how many the channel discarded under its
// policy) since this endpoint last asked (CHAN_IOC_LOST).  Recv asks for
// itself when it returns a *LaggedError.
func (r *Receiver) Lost() (uint64, error) { return r.ep.lost() }

// Info reports the channel's state and counters (CHAN_IOC_INFO).
func (r *Receiver) Info() (Info, error) { return r.ep.info() }

// SetReadDeadline sets the deadline for Recv, RecvInto and RecvBatch,
// those waiting now included; the zero time means none.  A receive whose
// deadline passes fails with an error wrapping os.ErrDeadlineExceeded.
func (r *Receiver) SetReadDeadline(t time.Time) error {
	if err := r.ep.dl.setUser(t); err != nil {
		return &OpError{Op: "set deadline", Name: r.ep.name, Err: err}
	}
	return nil
}

// Close closes the receive endpoint.  When the last receive endpoint of
// a channel closes, sends fail with ErrClosed (an anonymous channel) and
// calls waiting for a reply fail with ErrServerGone.  A receive waiting
// now returns an error wrapping os.ErrClosed, and the goroutine of Chan
// stops.
func (r *Receiver) Close() error {
	r.closeOnce.Do(func() { close(r.closing) })
	return r.ep.close()
}

// Chan returns a Go channel from which the messages can be received, so
// that receiving can take part in a select.  The first call starts a
// goroutine that receives messages and sends them on; every call returns
// the same channel.  The Go channel is unbuffered, so the goroutine holds
// at most one message that nobody has taken yet.
//
// The Go channel is closed at end of stream, on the first error (Err
// reports it; a *LaggedError stops it too) and when the Receiver is
// closed, which drops the message the goroutine may be holding.  Err is
// nil after end of stream.  Calling Recv while the goroutine runs is
// allowed, but each message goes to one of them.
func (r *Receiver) Chan() <-chan []byte {
	r.pumpOnce.Do(func() { go r.pump() })
	return r.pumpc
}

func (r *Receiver) pump() {
	defer close(r.pumpc)
	for {
		msg, err := r.Recv(context.Background())
		if err != nil {
			if err != io.EOF && !(errors.Is(err, os.ErrClosed) && r.ep.isClosed()) {
				r.pumpErr.set(err)
			}
			return
		}
		select {
		case r.pumpc <- msg:
		case <-r.closing:
			return
		}
	}
}

// Err returns the error that stopped the goroutine of Chan: nil while it
// runs, at end of stream and after Close.
func (r *Receiver) Err() error {
	return r.pumpErr.get()
}
