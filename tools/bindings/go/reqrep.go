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

// Client is the calling end of a request/reply channel: a send endpoint
// on which Call sends a request and waits for the reply to it.
type Client struct {
	s *Sender

	mu    sync.Mutex
	calls map[*callState]struct{} // calls in progress, for Close
	done  bool                    // Close was called
}

// NewClient makes a Client of the send endpoint of a request/reply
// channel (from Create or OpenSender); the Client owns it from now on.
func NewClient(s *Sender) *Client {
	return &Client{s: s, calls: make(map[*callState]struct{})}
}

// Server is the serving end of a request/reply channel: a receive
// endpoint that receives requests with their call ids and answers them.
// Every Server of a channel serves every call.
type Server struct {
	r *Receiver
}

// NewServer makes a Server of the receive endpoint of a request/reply
// channel (from Create or OpenReceiver); the Server owns it from now on.
func NewServer(r *Receiver) *Server { return &Server{r: r} }

// OpenClient opens the named request/reply channel name for calling.
func OpenClient(name string) (*Client, error) {
	s, err := OpenSender(name)
	if err != nil {
		return nil, err
	}
	return NewClient(s), nil
}

// OpenServer opens the named request/reply channel name for serving.
func OpenServer(name string) (*Server, error) {
	r, err := OpenReceiver(name)
	if err != nil {
		return nil, err
	}
	return NewServer(r), nil
}

// callState is one Call in progress, for interrupting it.
type callState struct {
	mu       sync.Mutex
	tid      int   // the OS thread the call runs on (locked to it)
	inKernel bool  // between entering and leaving CHAN_IOC_CALL
	finished bool  // the call returned: stop interrupting it
	reason   error // why it is being interrupted, nil if not
}

// enter marks the call as about to enter the kernel, unless it has been
// interrupted already.
func (st *callState) enter() error {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.reason != nil {
		return st.reason
	}
	st.inKernel = true
	return nil
}

func (st *callState) leave() {
	st.mu.Lock()
	st.inKernel = false
	st.mu.Unlock()
}

func (st *callState) finish() {
	st.mu.Lock()
	st.finished = true
	st.mu.Unlock()
}

func (st *callState) why() error {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.reason
}

// interrupt makes the call return with reason.  A call waiting in the
// kernel for its reply can only be woken by a signal: CHAN_IOC_CALL is
// never restarted, so it fails with EINTR.  The signal is SIGURG, which
// Go's runtime already uses to preempt goroutines and so ignores; it is
// sent to the call's own thread (tgkill) again every millisecond until the
// call is over, since it may come just before the thread enters the
// kernel.  Signals are only sent while the call is inside the ioctl, and
// its goroutine keeps its thread locked until then, so no other code is
// ever hit.
func (st *callState) interrupt(reason error) {
	st.mu.Lock()
	if st.reason != nil || st.finished {
		st.mu.Unlock()
		return
	}
	st.reason = reason
	st.mu.Unlock()
	go func() {
		pid := syscall.Getpid()
		for {
			st.mu.Lock()
			if st.finished {
				st.mu.Unlock()
				return
			}
			if st.inKernel {
				syscall.Tgkill(pid, st.tid, syscall.SIGURG)
			}
			st.mu.Unlock()
			time.Sleep(time.Millisecond)
		}
	}()
}

func (c *Client) track(st *callState) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done {
		return false
	}
	c.calls[st] = struct{}{}
	return true
}

func (c *Client) untrack(st *callState) {
	c.mu.Lock()
	delete(c.calls, st)
	c.mu.Unlock()
}

// Call sends req and waits for the reply to it (CHAN_IOC_CALL), until
// ctx is done or the write deadline passes.  Waiting for room to queue
// the request parks the goroutine in Go's poller (under PolicyFail a full
// channel fails with ErrFull instead); waiting for the reply happens in
// the kernel and holds an OS thread, which a cancelled ctx or Close
// interrupts with a signal (see callState.interrupt).  A call that gives
// up leaves nothing behind: a server that took its request gets ErrNoCall
// for its reply.  Call fails with ErrServerGone when the last server
// closes while it waits, ErrClosed when there is no server or the channel
// was closed for sending, ErrMsgSize for a request over msgMax, ErrBusy
// for a second concurrent caller on a SingleProducer channel; an
// unexpected signal makes it fail with syscall.EINTR (the server may have
// seen the request, so it is not retried).
func (c *Client) Call(ctx context.Context, req []byte) ([]byte, error) {
	const op = "call"
	e := c.s.ep
	if len(req) == 0 {
		return nil, &OpError{Op: op, Name: e.name, Err: ErrEmptyMessage}
	}
	if err := ctx.Err(); err != nil {
		return nil, &OpError{Op: op, Name: e.name, Err: err}
	}
	// The thread is the call's until it returns: signals that interrupt
	// the call are sent to it.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	st := &callState{tid: syscall.Gettid()}
	if !c.track(st) {
		return nil, &OpError{Op: op, Name: e.name, Err: os.ErrClosed}
	}
	defer c.untrack(st)

	reply := make([]byte, e.msgMax)
	escape(reply)
	escape(req)
	args := &chanCall{}
	var n int
	// attempt makes one CHAN_IOC_CALL; true means there was no room for
	// the request, so wait for some and try again.
	attempt := func(fd uintptr) (bool, error) {
		dl, fromCtx := e.dl.earliest(ctx)
		timeout, ok := relTimeout(dl)
		if !ok {
			return false, timeoutErr(ctx, fromCtx)
		}
		*args = chanCall{
			req:       addr(req),
			reqLen:    uint32(len(req)),
			reply:     addr(reply),
			replyLen:  uint32(len(reply)),
			timeoutNs: timeout,
		}
		args.size = uint32(unsafe.Sizeof(*args))
		if err := st.enter(); err != nil {
			return false, err
		}
		got, _, errno := syscall.Syscall(syscall.SYS_IOCTL, fd, iocCall, uintptr(unsafe.Pointer(args)))
		st.leave()
		switch errno {
		case 0:
			n = int(got)
			return false, nil
		case syscall.EAGAIN:
			return e.policy != PolicyFail, errno
		case syscall.EINTR:
			if reason := st.why(); reason != nil {
				return false, reason
			}
		case syscall.ETIMEDOUT:
			return false, timeoutErr(ctx, fromCtx)
		}
		return false, errno
	}

	stop := afterFunc(ctx, func() { st.interrupt(ctx.Err()) })
	var err error
	for {
		// Control, not the write lock of os.File: many calls may wait
		// for their replies at once.
		var again bool
		var cerr error
		if err = e.rc.Control(func(fd uintptr) { again, cerr = attempt(fd) }); err != nil {
			if e.isClosed() {
				err = os.ErrClosed
			}
			break
		}
		if err = cerr; !again {
			break
		}
		// The ring is full: park in the poller until the send end is
		// writable, then try again.
		if err = e.wait(ctx, pollOut, nil); err != nil {
			break
		}
	}
	st.finish()
	stop()
	runtime.KeepAlive(req)
	runtime.KeepAlive(reply)
	if err != nil {
		return nil, opErr(op, e.name, err)
	}
	out := make([]byte, n)
	copy(out, reply)
	return out, nil
}

// SetWriteDeadline sets the deadline for Call, those in progress included
// (one waiting for its reply in the kernel keeps the deadline it entered
// with); the zero time means none.
func (c *Client) SetWriteDeadline(t time.Time) error { return c.s.SetWriteDeadline(t) }

// CloseSend closes the channel for sending (CHAN_IOC_CLOSE): later calls
// fail with ErrClosed, and servers get io.EOF once they have received
// every request.
func (c *Client) CloseSend() error { return c.s.CloseSend() }

// Info reports the channel's state and counters (CHAN_IOC_INFO).
func (c *Client) Info() (Info, error) { return c.s.Info() }

// Close closes the Client's endpoint.  Calls in progress return an error
// wrapping os.ErrClosed first (their servers' replies then get ErrNoCall).
func (c *Client) Close() error {
	c.mu.Lock()
	c.done = true
	for st := range c.calls {
		st.interrupt(os.ErrClosed)
	}
	c.mu.Unlock()
	return c.s.Close()
}

// Request is a call received by a Server: its id, to answer with Reply,
// and the request.
type Request struct {
	ID   uint64
	Data []byte
}

// Recv receives the next request, waiting like Receiver.Recv (in Go's
// poller).  It returns io.EOF once the channel is closed for sending and
// every request has been received.
func (s *Server) Recv(ctx context.Context) (Request, error) {
	reqs, err := s.RecvBatch(ctx, 1)
	if err != nil {
		return Request{}, err
	}
	return reqs[0], nil
}

// RecvBatch waits for a request, then returns it with as many more as
// are queued, up to max, in one system call.  It returns io.EOF at end
// of stream.
func (s *Server) RecvBatch(ctx context.Context, max int) ([]Request, error) {
	br, err := s.r.recvBatch(ctx, max, "recv request")
	if err != nil {
		return nil, err
	}
	data := br.split()
	reqs := make([]Request, len(data))
	for i := range data {
		reqs[i] = Request{ID: br.msgs[i].id, Data: data[i]}
	}
	return reqs, nil
}

// Reply answers call id with reply, which may be empty (CHAN_IOC_REPLY).
// It fails with ErrNoCall if the call no longer waits (answered, timed
// out, cancelled, its caller gone) and with ErrMsgSize if reply is
// longer than the caller's room (the call keeps waiting).
func (s *Server) Reply(id uint64, reply []byte) error {
	buf := make([]byte, len(reply)+1) // never empty: its address is passed
	copy(buf, reply)
	escape(buf)
	cm := make([]chanMsg, 1)
	cm[0] = chanMsg{buf: addr(buf), len: uint32(len(reply)), id: id}
	escape(cm)
	b := &chanBatch{count: 1}
	b.size = uint32(unsafe.Sizeof(*b))
	b.msgs = uint64(uintptr(unsafe.Pointer(&cm[0])))
	err := s.r.ep.control("reply", func(fd uintptr) error {
		_, err := ioctlPtr(fd, iocReply, unsafe.Pointer(b))
		return err
	})
	runtime.KeepAlive(buf)
	runtime.KeepAlive(cm)
	return err
}

// Serve answers every request with handler(request) until end of stream
// (then it returns nil), ctx is done or an error occurs.  Requests whose
// callers gave up meanwhile are skipped.
func (s *Server) Serve(ctx context.Context, handler func(req []byte) []byte) error {
	for {
		req, err := s.Recv(ctx)
		if err != nil {
			if err == io.EOF {
				return nil
			}
			return err
		}
		if err := s.Reply(req.ID, handler(req.Data)); err != nil && !errors.Is(err, ErrNoCall) {
			return err
		}
	}
}

// SetReadDeadline sets the deadline for Recv and RecvBatch.
func (s *Server) SetReadDeadline(t time.Time) error { return s.r.SetReadDeadline(t) }

// Info reports the channel's state and counters (CHAN_IOC_INFO).
func (s *Server) Info() (Info, error) { return s.r.Info() }

// Close closes the Server's endpoint.  When the last server closes,
// every call waiting for its reply fails with ErrServerGone.
func (s *Server) Close() error { return s.r.Close() }

// pollOut reports whether fd is writable now (or in error), with a
// ppoll() that does not wait.  As the callback of a poller wait it parks
// the goroutine until the descriptor becomes writable; it looks after the
// poller has reset its readiness, so no wakeup is lost.
func pollOut(fd uintptr) bool {
	pfd := struct {
		fd      int32
		events  int16
		revents int16
	}{fd: int32(fd), events: pollOutEvents}
	var zero syscall.Timespec
	for {
		n, _, e := syscall.Syscall6(syscall.SYS_PPOLL, uintptr(unsafe.Pointer(&pfd)), 1,
			uintptr(unsafe.Pointer(&zero)), 0, 0, 0)
		if e == syscall.EINTR {
			continue
		}
		return e != 0 || n > 0
	}
}

// POLLOUT: ready for writing; errors and hang-ups are always reported.
const pollOutEvents = 0x4
