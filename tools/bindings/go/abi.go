// SPDX-License-Identifier: GPL-2.0

package kchan

import (
	"runtime"
	"syscall"
	"time"
	"unsafe"
)

// This file mirrors include/uapi/linux/chan.h: the structures passed to
// the ioctls, their numbers and the flags.  Every structure is at its
// first version, so its Go size equals CHAN_*_SIZE_VER0 (checked by
// TestABI).

// device is the character device that creates and opens channels.
const device = "/dev/chan"

// Creation and open flags (enum chan_create_flags).
const (
	flagSingleProducer = 1 << 0
	flagSingleConsumer = 1 << 1
	flagCloexec        = 1 << 2
	flagNonblock       = 1 << 3
	flagMappable       = 1 << 4
)

// Roles of an endpoint (enum chan_role).
const (
	roleRecv = 1
	roleSend = 2
)

const (
	// nameMax is CHAN_NAME_MAX: the longest name, its NUL included.
	nameMax = 64
	// BatchMax is CHAN_BATCH_MAX, the most messages one batched system
	// call moves.  SendBatch and RecvBatch split longer batches.
	BatchMax = 1024
	// timeoutInfinite is CHAN_TIMEOUT_INFINITE.
	timeoutInfinite = ^uint64(0)
)

// RendezvousHandoff is CHAN_RENDEZVOUS_HANDOFF_MS: how long a non-blocking
// rendezvous send waits for the receiver it found to take its message.
// TrySend on a rendezvous channel waits this long for any receiver.
const RendezvousHandoff = 20 * time.Millisecond

// struct chan_version
type chanVersion struct {
	size        uint32
	abiVersion  uint32
	features    uint64
	maxCapacity uint32
	maxMsgSize  uint32
	_           [2]uint64
}

// struct chan_create
type chanCreate struct {
	size     uint32
	kind     uint32
	flags    uint32
	policy   uint32
	capacity uint32
	msgMax   uint32
	mode     uint32
	_        uint32
	name     uint64
	recvFd   int32
	sendFd   int32
	_        [2]uint64
}

// struct chan_open
type chanOpen struct {
	size  uint32
	role  uint32
	flags uint32
	fd    int32
	name  uint64
	_     [2]uint64
}

// struct chan_unlink
type chanUnlink struct {
	size  uint32
	flags uint32
	name  uint64
}

// struct chan_info
type chanInfo struct {
	size        uint32
	kind        uint32
	flags       uint32
	policy      uint32
	capacity    uint32
	msgMax      uint32
	mode        uint32
	uid         uint32
	gid         uint32
	role        uint32
	senders     uint32
	receivers   uint32
	sendWaiters uint32
	recvWaiters uint32
	closed      uint32
	_           uint32
	id          uint64
	depth       uint64
	sent        uint64
	received    uint64
	dropped     uint64
	overwritten uint64
	sendWaits   uint64
	recvWaits   uint64
	name        [nameMax]byte
	mapSize     uint64
	rejects     uint64
	cancelled   uint64
	_           uint64
}

// struct chan_msg
type chanMsg struct {
	buf   uint64
	len   uint32
	flags uint32
	id    uint64
}

// struct chan_batch
type chanBatch struct {
	size      uint32
	count     uint32
	done      uint32
	flags     uint32
	msgs      uint64
	timeoutNs uint64
	_         [2]uint64
}

// struct chan_call
type chanCall struct {
	size      uint32
	flags     uint32
	req       uint64
	reqLen    uint32
	replyLen  uint32
	reply     uint64
	timeoutNs uint64
	id        uint64
	_         [2]uint64
}

// _IOC(dir, 0xC4, nr, size) of <asm-generic/ioctl.h>.
const (
	iocNone  = 0
	iocWrite = 1
	iocRead  = 2
	iocMagic = 0xC4
)

const (
	iocVersion   = (iocRead|iocWrite)<<30 | uintptr(unsafe.Sizeof(chanVersion{}))<<16 | iocMagic<<8 | 0x00
	iocCreate    = (iocRead|iocWrite)<<30 | uintptr(unsafe.Sizeof(chanCreate{}))<<16 | iocMagic<<8 | 0x01
	iocOpen      = (iocRead|iocWrite)<<30 | uintptr(unsafe.Sizeof(chanOpen{}))<<16 | iocMagic<<8 | 0x02
	iocUnlink    = iocWrite<<30 | uintptr(unsafe.Sizeof(chanUnlink{}))<<16 | iocMagic<<8 | 0x03
	iocInfo      = (iocRead|iocWrite)<<30 | uintptr(unsafe.Sizeof(chanInfo{}))<<16 | iocMagic<<8 | 0x10
	iocClose     = iocNone<<30 | iocMagic<<8 | 0x11
	iocLost      = iocRead<<30 | 8<<16 | iocMagic<<8 | 0x12
	iocSendBatch = (iocRead|iocWrite)<<30 | uintptr(unsafe.Sizeof(chanBatch{}))<<16 | iocMagic<<8 | 0x13
	iocRecvBatch = (iocRead|iocWrite)<<30 | uintptr(unsafe.Sizeof(chanBatch{}))<<16 | iocMagic<<8 | 0x14
	iocSubscribe = iocNone<<30 | iocMagic<<8 | 0x15
	iocCall      = (iocRead|iocWrite)<<30 | uintptr(unsafe.Sizeof(chanCall{}))<<16 | iocMagic<<8 | 0x16
	iocReply     = (iocRead|iocWrite)<<30 | uintptr(unsafe.Sizeof(chanBatch{}))<<16 | iocMagic<<8 | 0x17
)

// ioctl issues one ioctl with an integer argument and returns its value.
// EINTR is retried: every ioctl that goes through ioctl and ioctlPtr
// either never waits or is restarted by the kernel anyway (CHAN_IOC_CALL,
// which is not, has its own code).
func ioctl(fd, req, arg uintptr) (uintptr, error) {
	for {
		r, _, e := syscall.Syscall(syscall.SYS_IOCTL, fd, req, arg)
		if e == syscall.EINTR {
			continue
		}
		if e != 0 {
			return 0, e
		}
		return r, nil
	}
}

// ioctlPtr is ioctl with a pointer argument.  The conversion to uintptr
// happens in the argument list of syscall.Syscall itself, where the
// compiler keeps the object alive and the stack cannot move under it.
func ioctlPtr(fd, req uintptr, arg unsafe.Pointer) (uintptr, error) {
	for {
		r, _, e := syscall.Syscall(syscall.SYS_IOCTL, fd, req, uintptr(arg))
		if e == syscall.EINTR {
			continue
		}
		if e != 0 {
			return 0, e
		}
		return r, nil
	}
}

// addr is the address of b's first byte for a structure field the kernel
// reads, or 0 for an empty slice.  The caller must have made b's array
// escape to the heap (see escape) and keep it alive over the system call:
// an address stored in a structure is not a pointer the compiler tracks.
func addr(b []byte) uint64 {
	if len(b) == 0 {
		return 0
	}
	return uint64(uintptr(unsafe.Pointer(&b[0])))
}

// escapeSink is never written: escape only makes the compiler believe
// it may be.
var escapeSink struct {
	on bool
	v  interface{}
}

// escape forces v (and everything it points to) onto the heap.  The
// kernel is handed addresses inside structures, which Go does not see as
// pointers; an object on a goroutine stack could move when the stack
// grows between taking its address and making the system call, while
// heap objects never move.
func escape(v interface{}) {
	if escapeSink.on {
		escapeSink.v = v
	}
}

// openDevice opens /dev/chan for one request.  Descriptors of /dev/chan
// are not kept: names are looked up in the caller's IPC namespace at the
// time of each ioctl anyway, and a held descriptor would keep the module
// from being unloaded.
func openDevice() (int, error) {
	for {
		fd, err := syscall.Open(device, syscall.O_RDWR|syscall.O_CLOEXEC, 0)
		if err == syscall.EINTR {
			continue
		}
		return fd, err
	}
}

// devIoctl runs one ioctl on a fresh descriptor of /dev/chan.
func devIoctl(req uintptr, arg unsafe.Pointer) (uintptr, error) {
	fd, err := openDevice()
	if err != nil {
		return 0, err
	}
	defer syscall.Close(fd)
	return ioctlPtr(uintptr(fd), req, arg)
}

// cstring is name as a NUL-terminated string on the heap.
func cstring(name string) ([]byte, error) {
	if len(name)+1 > nameMax {
		return nil, syscall.ENAMETOOLONG
	}
	for i := 0; i < len(name); i++ {
		if name[i] == 0 {
			return nil, syscall.EINVAL
		}
	}
	b := make([]byte, len(name)+1)
	copy(b, name)
	escape(b)
	return b, nil
}

// keepAlive keeps the buffers whose addresses went into a structure alive
// until after the system call.
func keepAlive(bufs ...[]byte) {
	for _, b := range bufs {
		runtime.KeepAlive(b)
	}
}
