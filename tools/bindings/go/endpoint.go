// SPDX-License-Identifier: GPL-2.0

package kchan

import (
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"
)

// endpoint is what a Sender, Receiver, Client and Server share: one
// descriptor of a channel, wrapped in an *os.File.
type endpoint struct {
	f        *os.File
	rc       syscall.RawConn
	role     uint32
	kind     Kind
	policy   Policy
	msgMax   int
	name     string // the name it was created or opened by, for errors
	pollable bool   // registered with Go's poller (O_NONBLOCK)
	closed   int32  // atomic: Close was called
	dl       deadline
}

// newEndpoint wraps fd, which it owns from now on.  A non-blocking fd is
// registered with Go's runtime poller by os.NewFile.
func newEndpoint(fd int, role uint32, kind Kind, policy Policy, msgMax int, name string) (*endpoint, error) {
	what := "kchan-recv"
	if role == roleSend {
		what = "kchan-send"
	}
	if name != "" {
		what += ":" + name
	}
	nonblock, err := isNonblock(fd)
	if err != nil {
		syscall.Close(fd)
		return nil, err
	}
	f := os.NewFile(uintptr(fd), what)
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, err
	}
	e := &endpoint{f: f, rc: rc, role: role, kind: kind, policy: policy,
		msgMax: msgMax, name: name, pollable: nonblock}
	if nonblock {
		if role == roleSend {
			e.dl.set = f.SetWriteDeadline
		} else {
			e.dl.set = f.SetReadDeadline
		}
	}
	return e, nil
}

// isNonblock reports whether fd is in non-blocking mode.
func isNonblock(fd int) (bool, error) {
	fl, _, e := syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), syscall.F_GETFL, 0)
	if e != 0 {
		return false, e
	}
	return fl&syscall.O_NONBLOCK != 0, nil
}

// setBlocking clears O_NONBLOCK on a descriptor nobody else has yet.
func setBlocking(fd int) error {
	return syscall.SetNonblock(fd, false)
}

func (e *endpoint) isClosed() bool { return atomic.LoadInt32(&e.closed) != 0 }

// control runs f on the descriptor without taking the read or write lock
// (for ioctls that never wait).
func (e *endpoint) control(op string, f func(fd uintptr) error) error {
	var ferr error
	if err := e.rc.Control(func(fd uintptr) { ferr = f(fd) }); err != nil {
		if e.isClosed() {
			err = os.ErrClosed
		}
		return &OpError{Op: op, Name: e.name, Err: err}
	}
	return opErr(op, e.name, ferr)
}

func (e *endpoint) close() error {
	if !atomic.CompareAndSwapInt32(&e.closed, 0, 1) {
		return &OpError{Op: "close", Name: e.name, Err: os.ErrClosed}
	}
	if err := e.f.Close(); err != nil {
		return &OpError{Op: "close", Name: e.name, Err: err}
	}
	return nil
}

func (e *endpoint) info() (Info, error) {
	var ci chanInfo
	err := e.control("info", func(fd uintptr) error {
		return rawInfo(fd, &ci)
	})
	if err != nil {
		return Info{}, err
	}
	return ci.export(), nil
}

func rawInfo(fd uintptr, ci *chanInfo) error {
	ci.size = uint32(unsafe.Sizeof(*ci))
	_, err := ioctlPtr(fd, iocInfo, unsafe.Pointer(ci))
	return err
}

func (e *endpoint) lost() (uint64, error) {
	var n uint64
	err := e.control("lost", func(fd uintptr) error {
		_, err := ioctlPtr(fd, iocLost, unsafe.Pointer(&n))
		return err
	})
	return n, err
}

// Role says which end of a channel a descriptor is.
type Role uint32

// The two roles of enum chan_role.
const (
	RoleRecv Role = roleRecv
	RoleSend Role = roleSend
)

// String returns "recv" or "send".
func (r Role) String() string {
	switch r {
	case RoleRecv:
		return "recv"
	case RoleSend:
		return "send"
	}
	return "Role(" + itoa(uint64(r)) + ")"
}

// Info is the state and counters of a channel, as CHAN_IOC_INFO reports
// them (struct chan_info in include/uapi/linux/chan.h).
type Info struct {
	Kind           Kind
	Policy         Policy
	SingleProducer bool
	SingleConsumer bool
	Mappable       bool
	Capacity       int         // ring size in messages (0 for rendezvous)
	MsgMax         int         // largest message in bytes
	Mode           os.FileMode // permission bits
	UID, GID       uint32      // owner, in the caller's user namespace
	Role           Role        // the endpoint asked
	Senders        int         // open send endpoints (open file descriptions)
	Receivers      int         // open receive endpoints
	SendWaiters    int         // tasks waiting in a send inside the kernel now
	RecvWaiters    int         // tasks waiting in a receive inside the kernel now
	Closed         bool        // closed for sending
	ID             uint64      // unique while the module is loaded
	Depth          uint64      // messages queued (broadcast: the slowest subscriber's)
	Sent           uint64      // messages queued since creation
	Received       uint64      // messages received since creation
	Dropped        uint64      // discarded by PolicyDropNewest
	Overwritten    uint64      // discarded by PolicyOverwrite
	SendWaits      uint64      // times a sender slept in the kernel
	RecvWaits      uint64      // times a receiver slept in the kernel
	Name           string      // empty if anonymous or unlinked
	MapSize        uint64      // bytes to map of a mappable channel
	Rejects        uint64      // invalid words seen in a mapped ring
	Cancelled      uint64      // reqrep: requests skipped, their caller gone
}

func (ci *chanInfo) export() Info {
	name := ci.name[:]
	for i, c := range name {
		if c == 0 {
			name = name[:i]
			break
		}
	}
	return Info{
		Kind:           Kind(ci.kind),
		Policy:         Policy(ci.policy),
		SingleProducer: ci.flags&flagSingleProducer != 0,
		SingleConsumer: ci.flags&flagSingleConsumer != 0,
		Mappable:       ci.flags&flagMappable != 0,
		Capacity:       int(ci.capacity),
		MsgMax:         int(ci.msgMax),
		Mode:           os.FileMode(ci.mode) & os.ModePerm,
		UID:            ci.uid,
		GID:            ci.gid,
		Role:           Role(ci.role),
		Senders:        int(ci.senders),
		Receivers:      int(ci.receivers),
		SendWaiters:    int(ci.sendWaiters),
		RecvWaiters:    int(ci.recvWaiters),
		Closed:         ci.closed != 0,
		ID:             ci.id,
		Depth:          ci.depth,
		Sent:           ci.sent,
		Received:       ci.received,
		Dropped:        ci.dropped,
		Overwritten:    ci.overwritten,
		SendWaits:      ci.sendWaits,
		RecvWaits:      ci.recvWaits,
		Name:           string(name),
		MapSize:        ci.mapSize,
		Rejects:        ci.rejects,
		Cancelled:      ci.cancelled,
	}
}

// itoa formats n without fmt (for String methods).
func itoa(n uint64) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			return string(b[i:])
		}
	}
}

// relTimeout converts a deadline to the relative nanoseconds of a
// chan_batch or chan_call (timeoutInfinite for none); ok is false once it
// has passed.
func relTimeout(t time.Time) (ns uint64, ok bool) {
	if t.IsZero() {
		return timeoutInfinite, true
	}
	d := time.Until(t)
	if d <= 0 {
		return 0, false
	}
	return uint64(d), true
}

// firstErr keeps the first error set, for the goroutines of the Chan
// adapters to report and Err to return.
type firstErr struct {
	mu  sync.Mutex
	err error
}

func (f *firstErr) get() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.err
}

func (f *firstErr) set(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err == nil {
		f.err = err
	}
}
