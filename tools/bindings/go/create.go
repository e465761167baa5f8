// SPDX-License-Identifier: GPL-2.0

package kchan

import (
	"os"
	"syscall"
	"unsafe"
)

// Kind is what a channel does with a message (enum chan_kind).
type Kind uint32

// The kinds of channel.
const (
	// KindQueue: each message reaches exactly one receiver, in FIFO
	// order per producer.
	KindQueue Kind = 1
	// KindOneshot: one message, then end of stream; a second send gets
	// ErrAlreadySent.
	KindOneshot Kind = 2
	// KindRendezvous: Go's unbuffered channel; a send returns once a
	// receiver has taken its message.
	KindRendezvous Kind = 3
	// KindBroadcast: every receive endpoint is a subscriber that gets
	// every message sent after it subscribed.
	KindBroadcast Kind = 4
	// KindReqRep: request/reply, with Client.Call and Server.Reply.
	KindReqRep Kind = 5
)

// String returns the kind's name as chanctl and fdinfo print it.
func (k Kind) String() string {
	switch k {
	case KindQueue:
		return "queue"
	case KindOneshot:
		return "oneshot"
	case KindRendezvous:
		return "rendezvous"
	case KindBroadcast:
		return "broadcast"
	case KindReqRep:
		return "reqrep"
	}
	return "Kind(" + itoa(uint64(k)) + ")"
}

// Policy is what a send does when the channel is full (enum chan_policy).
type Policy uint32

// The full-channel policies.
const (
	// PolicyBlock waits for room (the default).
	PolicyBlock Policy = 0
	// PolicyFail fails with ErrFull at once; Send does not wait either.
	PolicyFail Policy = 1
	// PolicyDropNewest discards the message being sent, counts it in
	// Info.Dropped and reports success.
	PolicyDropNewest Policy = 2
	// PolicyOverwrite discards the oldest queued message for the new
	// one; on a broadcast channel a lapped subscriber gets a LaggedError.
	PolicyOverwrite Policy = 3
)

// String returns the policy's name as chanctl and fdinfo print it.
func (p Policy) String() string {
	switch p {
	case PolicyBlock:
		return "block"
	case PolicyFail:
		return "fail"
	case PolicyDropNewest:
		return "drop-newest"
	case PolicyOverwrite:
		return "overwrite"
	}
	return "Policy(" + itoa(uint64(p)) + ")"
}

type config struct {
	policy Policy
	flags  uint32
}

// Option changes how a channel is created.
type Option func(*config)

// WithPolicy sets the full-channel policy (default PolicyBlock).  Oneshot
// and rendezvous channels take only PolicyBlock, request/reply channels
// PolicyBlock or PolicyFail.
func WithPolicy(p Policy) Option {
	return func(c *config) { c.policy = p }
}

// SingleProducer promises at most one sender at a time
// (CHAN_SINGLE_PRODUCER); a concurrent second one gets ErrBusy.
func SingleProducer() Option {
	return func(c *config) { c.flags |= flagSingleProducer }
}

// SingleConsumer promises at most one receiver at a time
// (CHAN_SINGLE_CONSUMER); a concurrent second one gets ErrBusy.
func SingleConsumer() Option {
	return func(c *config) { c.flags |= flagSingleConsumer }
}

// create makes a channel and wraps its two descriptors.  The receive
// descriptor is always non-blocking, and so is the send descriptor but
// for a rendezvous channel: see Sender.Send.
func create(op, name string, kind Kind, capacity, msgMax int, mode os.FileMode, opts []Option) (*endpoint, *endpoint, error) {
	var cfg config
	for _, o := range opts {
		o(&cfg)
	}
	if capacity < 0 || msgMax < 0 || uint64(capacity) > 1<<32-1 || uint64(msgMax) > 1<<32-1 {
		return nil, nil, opErr(op, name, syscall.EINVAL)
	}
	c := &chanCreate{
		kind:     uint32(kind),
		flags:    cfg.flags | flagCloexec | flagNonblock,
		policy:   uint32(cfg.policy),
		capacity: uint32(capacity),
		msgMax:   uint32(msgMax),
		mode:     uint32(mode & os.ModePerm),
		recvFd:   -1,
		sendFd:   -1,
	}
	c.size = uint32(unsafe.Sizeof(*c))
	var cname []byte
	if name != "" {
		var err error
		if cname, err = cstring(name); err != nil {
			return nil, nil, opErr(op, name, err)
		}
		c.name = addr(cname)
	}
	_, err := devIoctl(iocCreate, unsafe.Pointer(c))
	keepAlive(cname)
	if err != nil {
		return nil, nil, opErr(op, name, err)
	}
	rfd, sfd := int(c.recvFd), int(c.sendFd)
	if kind == KindRendezvous {
		if err := setBlocking(sfd); err != nil {
			syscall.Close(rfd)
			syscall.Close(sfd)
			return nil, nil, opErr(op, name, err)
		}
	}
	rx, err := newEndpoint(rfd, roleRecv, kind, cfg.policy, msgMax, name)
	if err != nil {
		syscall.Close(sfd)
		return nil, nil, opErr(op, name, err)
	}
	tx, err := newEndpoint(sfd, roleSend, kind, cfg.policy, msgMax, name)
	if err != nil {
		rx.close()
		return nil, nil, opErr(op, name, err)
	}
	return tx, rx, nil
}

func pair(tx, rx *endpoint, err error) (*Sender, *Receiver, error) {
	if err != nil {
		return nil, nil, err
	}
	return newSender(tx), newReceiver(rx), nil
}

// Queue creates an anonymous queue of capacity messages (rounded up to a
// power of two) of at most msgMax bytes each: each message reaches
// exactly one receiver, in FIFO order per producer.  The stream ends when
// every Sender is closed or CloseSend is called.
func Queue(capacity, msgMax int, opts ...Option) (*Sender, *Receiver, error) {
	return pair(create("create", "", KindQueue, capacity, msgMax, 0, opts))
}

// Oneshot creates an anonymous oneshot channel: it carries one message of
// at most msgMax bytes; the receiver gets it and then io.EOF (or io.EOF
// alone if every sender closed without sending), and a second send gets
// ErrAlreadySent.
func Oneshot(msgMax int, opts ...Option) (*Sender, *Receiver, error) {
	return pair(create("create", "", KindOneshot, 1, msgMax, 0, opts))
}

// Rendezvous creates an anonymous rendezvous channel, Go's unbuffered
// channel: Send returns only once a receiver has taken the message, and a
// Send that fails or is cancelled withdraws it, so that no receiver ever
// sees it.  See Sender.Send for what that costs.
func Rendezvous(msgMax int, opts ...Option) (*Sender, *Receiver, error) {
	return pair(create("create", "", KindRendezvous, 0, msgMax, 0, opts))
}

// Broadcast creates an anonymous broadcast channel of capacity messages:
// every Receiver is a subscriber with a cursor of its own that gets every
// message sent after it subscribed (Receiver.Subscribe makes more).
// Under PolicyOverwrite a subscriber that falls a whole ring behind gets a
// *LaggedError once and goes on with the oldest message left.
func Broadcast(capacity, msgMax int, opts ...Option) (*Sender, *Receiver, error) {
	return pair(create("create", "", KindBroadcast, capacity, msgMax, 0, opts))
}

// ReqRep creates an anonymous request/reply channel that queues up to
// capacity requests; requests and replies are at most msgMax bytes.
func ReqRep(capacity, msgMax int, opts ...Option) (*Client, *Server, error) {
	tx, rx, err := create("create", "", KindReqRep, capacity, msgMax, 0, opts)
	if err != nil {
		return nil, nil, err
	}
	return NewClient(newSender(tx)), NewServer(newReceiver(rx)), nil
}

// Create creates a named channel of the given kind (capacity and msgMax as
// for the constructor of that kind: oneshot 0 or 1, rendezvous 0) that
// other processes may open by name as mode allows (read permission to
// receive, write permission to send; the umask applies).  It behaves
// like a POSIX message queue until Unlink: sends queue with no receiver
// open, and closing the last Sender does not end the stream (CloseSend
// does).  A name that is taken gives an error for which errors.Is(err,
// os.ErrExist) holds.  For a request/reply channel wrap the results with
// NewClient and NewServer.
func Create(name string, kind Kind, capacity, msgMax int, mode os.FileMode, opts ...Option) (*Sender, *Receiver, error) {
	if name == "" {
		return nil, nil, opErr("create", name, syscall.EINVAL)
	}
	return pair(create("create", name, kind, capacity, msgMax, mode, opts))
}

// open opens the named channel for role and learns its kind, policy and
// message size.
func open(name string, role uint32) (*endpoint, error) {
	const op = "open"
	cname, err := cstring(name)
	if err != nil {
		return nil, opErr(op, name, err)
	}
	o := &chanOpen{role: role, flags: flagCloexec | flagNonblock, fd: -1, name: addr(cname)}
	o.size = uint32(unsafe.Sizeof(*o))
	_, err = devIoctl(iocOpen, unsafe.Pointer(o))
	keepAlive(cname)
	if err != nil {
		return nil, opErr(op, name, err)
	}
	fd := int(o.fd)
	var ci chanInfo
	if err := rawInfo(uintptr(fd), &ci); err != nil {
		syscall.Close(fd)
		return nil, opErr(op, name, err)
	}
	if role == roleSend && Kind(ci.kind) == KindRendezvous {
		// This open file description is ours alone so far.
		if err := setBlocking(fd); err != nil {
			syscall.Close(fd)
			return nil, opErr(op, name, err)
		}
	}
	e, err := newEndpoint(fd, role, Kind(ci.kind), Policy(ci.policy), int(ci.msgMax), name)
	if err != nil {
		return nil, opErr(op, name, err)
	}
	return e, nil
}

// OpenSender opens the existing named channel name for sending
// (CHAN_IOC_OPEN; needs write permission).  For a request/reply channel,
// wrap it with NewClient.
func OpenSender(name string) (*Sender, error) {
	e, err := open(name, roleSend)
	if err != nil {
		return nil, err
	}
	return newSender(e), nil
}

// OpenReceiver opens the existing named channel name for receiving
// (CHAN_IOC_OPEN; needs read permission).  On a broadcast channel the
// Receiver is a new subscriber.  For a request/reply channel, wrap it with
// NewServer.
func OpenReceiver(name string) (*Receiver, error) {
	e, err := open(name, roleRecv)
	if err != nil {
		return nil, err
	}
	return newReceiver(e), nil
}

// Unlink removes a channel's name (CHAN_IOC_UNLINK; owner only).  The
// channel lives on while descriptors hold it, as an anonymous channel.
func Unlink(name string) error {
	const op = "unlink"
	cname, err := cstring(name)
	if err != nil {
		return opErr(op, name, err)
	}
	u := &chanUnlink{name: addr(cname)}
	u.size = uint32(unsafe.Sizeof(*u))
	_, err = devIoctl(iocUnlink, unsafe.Pointer(u))
	keepAlive(cname)
	return opErr(op, name, err)
}

// Features is the capability bitmask of VersionInfo (enum chan_feature).
type Features uint64

// The capability bits.
const (
	FeatQueue      Features = 1 << 0
	FeatPolicy     Features = 1 << 1
	FeatNames      Features = 1 << 2
	FeatList       Features = 1 << 3
	FeatInfo       Features = 1 << 4
	FeatBatch      Features = 1 << 5
	FeatOneshot    Features = 1 << 6
	FeatRendezvous Features = 1 << 7
	FeatBroadcast  Features = 1 << 8
	FeatReqRep     Features = 1 << 9
	FeatMmap       Features = 1 << 10
	FeatLimits     Features = 1 << 11
)

// VersionInfo is the running module's answer to CHAN_IOC_VERSION.
type VersionInfo struct {
	ABI         uint32   // CHAN_ABI_VERSION of the module
	Features    Features // what it supports
	MaxCapacity int      // largest capacity a channel may have
	MaxMsgSize  int      // largest message a channel may carry
}

// Version asks the module for its ABI version, features and maxima.
func Version() (VersionInfo, error) {
	v := &chanVersion{}
	v.size = uint32(unsafe.Sizeof(*v))
	if _, err := devIoctl(iocVersion, unsafe.Pointer(v)); err != nil {
		return VersionInfo{}, opErr("version", "", err)
	}
	return VersionInfo{ABI: v.abiVersion, Features: Features(v.features),
		MaxCapacity: int(v.maxCapacity), MaxMsgSize: int(v.maxMsgSize)}, nil
}
