/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * chan: message channels on lock-free rings, created through /dev/chan.
 *
 * Every structure passed to an ioctl starts with a __u32 @size that the
 * caller sets to sizeof() of the structure it was compiled with.  The kernel
 * accepts older (shorter) and newer (longer) callers as long as every byte it
 * does not know is zero (%E2BIG otherwise), so fields can be added at the
 * end without a new ioctl number; it fills a longer output structure with
 * zeroes.  A @size below the first version's is %EINVAL, above 4096 %E2BIG.
 * Reserved fields must be zero on input and are zero on output.
 */
#ifndef _UAPI_LINUX_CHAN_H
#define _UAPI_LINUX_CHAN_H

#include <linux/ioctl.h>
#include <linux/types.h>

/** define CHAN_ABI_VERSION - version of this interface, see &struct chan_version */
#define CHAN_ABI_VERSION	1

/** define CHAN_NAME_MAX - longest channel name, including its terminating NUL */
#define CHAN_NAME_MAX		64

/**
 * define CHAN_KERNEL_PREFIX - names that begin with this are kernel code's
 *
 * A channel created by CHAN_IOC_CREATE may not take such a name
 * (%EPERM); CHAN_IOC_OPEN opens it like any other.
 */
#define CHAN_KERNEL_PREFIX	"kernel."

/**
 * enum chan_feature - capability bits reported in &chan_version.features
 * @CHAN_FEAT_QUEUE: the queue kind (SPSC, MPSC, SPMC, MPMC)
 * @CHAN_FEAT_POLICY: full-channel policies (&enum chan_policy)
 * @CHAN_FEAT_NAMES: named channels, CHAN_IOC_OPEN and CHAN_IOC_UNLINK
 * @CHAN_FEAT_LIST: CHAN_IOC_LIST
 * @CHAN_FEAT_INFO: CHAN_IOC_INFO, CHAN_IOC_LOST and show_fdinfo
 * @CHAN_FEAT_BATCH: CHAN_IOC_SEND_BATCH and CHAN_IOC_RECV_BATCH
 * @CHAN_FEAT_ONESHOT: the oneshot kind
 * @CHAN_FEAT_RENDEZVOUS: the rendezvous kind
 * @CHAN_FEAT_BROADCAST: the broadcast kind and CHAN_IOC_SUBSCRIBE
 * @CHAN_FEAT_REQREP: the request/reply kind, CHAN_IOC_CALL and
 *	CHAN_IOC_REPLY
 * @CHAN_FEAT_MMAP: %CHAN_MAPPABLE queues, mmap(), CHAN_IOC_WAIT and
 *	CHAN_IOC_WAKE (&struct chan_ring_hdr)
 * @CHAN_FEAT_LIMITS: CHAN_IOC_LIMITS (&struct chan_limits)
 */
enum chan_feature {
	CHAN_FEAT_QUEUE		= 1 << 0,
	CHAN_FEAT_POLICY	= 1 << 1,
	CHAN_FEAT_NAMES		= 1 << 2,
	CHAN_FEAT_LIST		= 1 << 3,
	CHAN_FEAT_INFO		= 1 << 4,
	CHAN_FEAT_BATCH		= 1 << 5,
	CHAN_FEAT_ONESHOT	= 1 << 6,
	CHAN_FEAT_RENDEZVOUS	= 1 << 7,
	CHAN_FEAT_BROADCAST	= 1 << 8,
	CHAN_FEAT_REQREP	= 1 << 9,
	CHAN_FEAT_MMAP		= 1 << 10,
	CHAN_FEAT_LIMITS	= 1 << 11
};

/**
 * enum chan_kind - what a channel does with a message
 * @CHAN_KIND_QUEUE: each message reaches exactly one receiver, in FIFO order
 *	per producer
 *
 * Receiving, poll() and closing work the same for every kind.
 * @CHAN_KIND_ONESHOT: carries one message.  The first send that succeeds
 *	closes the channel for sending; any later send fails with
 *	%EALREADY.  The receiver gets the message and then end of stream, or
 *	end of stream alone if every sender closed without sending.  A send
 *	that fails (%EFAULT, %EPIPE, %EINTR) sends nothing and may be
 *	retried; a second send racing the first gets %EALREADY.  Capacity 0
 *	or 1, policy %CHAN_POLICY_BLOCK.
 * @CHAN_KIND_RENDEZVOUS: Go's unbuffered channel (capacity 0, policy
 *	%CHAN_POLICY_BLOCK): a send returns only once a receiver has taken
 *	its message.  A send that fails or times out withdraws its message,
 *	so no receiver ever sees it; if a receiver took it first, the send
 *	succeeds.  A non-blocking send (O_NONBLOCK, or a zero timeout)
 *	succeeds only if a receiver is waiting in a receive, and then waits at
 *	most %CHAN_RENDEZVOUS_HANDOFF_MS for it to take the message
 *	(%EAGAIN otherwise); from a context that cannot sleep it always fails
 *	with %EAGAIN.  poll() reports a send endpoint writable only while a
 *	receiver waits and no other message is in flight.  Only the first
 *	message of a batch waits; the others go only to waiting receivers.
 *	io_uring's non-blocking attempts (IOCB_NOWAIT) always get %EAGAIN.
 * @CHAN_KIND_BROADCAST: every receive endpoint is a subscriber with a
 *	cursor of its own and receives every message sent after it
 *	subscribed, in order.  Each CHAN_IOC_OPEN of the name for receiving
 *	and each CHAN_IOC_SUBSCRIBE makes a new subscriber; dup(), fork()
 *	and SCM_RIGHTS share one.  Policies: %CHAN_POLICY_BLOCK (the slowest
 *	subscriber holds senders back), %CHAN_POLICY_FAIL and
 *	%CHAN_POLICY_DROP_NEWEST (judged by the slowest subscriber, and by a
 *	sender of the last lap still writing its slot), and
 *	%CHAN_POLICY_OVERWRITE (senders never
 *	wait; a subscriber that falls a whole ring behind loses the oldest
 *	messages: its next read fails once with %EOVERFLOW, CHAN_IOC_LOST
 *	on it returns exactly how many it missed, and the read after goes
 *	on with the oldest message left; the stream stays open).  With no
 *	subscriber (a named channel nobody opened for receiving) a send
 *	succeeds and counts the message in &chan_info.dropped.
 *	&chan_info.received counts deliveries, one per subscriber per
 *	message, and &chan_info.depth what the slowest subscriber has yet to
 *	read.
 * @CHAN_KIND_REQREP: request/reply.  Clients call CHAN_IOC_CALL on a send
 *	endpoint: the request is queued with a call id and the caller waits
 *	for the reply to that id (&struct chan_call).  The server receives
 *	requests with CHAN_IOC_RECV_BATCH, which reports each request's id
 *	in &chan_msg.id, and answers with CHAN_IOC_REPLY on its receive
 *	endpoint.  read(), write() and CHAN_IOC_SEND_BATCH fail with
 *	%EINVAL.  A reply to an id that is not waiting (unknown, timed out,
 *	given up, answered) fails with %ENOENT; a reply longer than the
 *	caller's room with %EMSGSIZE, and the call stays waiting.  When the
 *	last receive endpoint closes, every call waiting for its reply fails
 *	at once with %ECONNRESET (a call that could not queue its request
 *	gets %EPIPE).  A caller that times out, is interrupted or dies
 *	leaves nothing behind: a request no server has taken yet is skipped
 *	by the servers' receives (&chan_info.cancelled counts them).  On a
 *	%CHAN_SINGLE_PRODUCER channel a second call while one is in
 *	progress, request and reply, gets %EBUSY.  Policies:
 *	%CHAN_POLICY_BLOCK or %CHAN_POLICY_FAIL.
 */
enum chan_kind {
	CHAN_KIND_QUEUE		= 1,
	CHAN_KIND_ONESHOT	= 2,
	CHAN_KIND_RENDEZVOUS	= 3,
	CHAN_KIND_BROADCAST	= 4,
	CHAN_KIND_REQREP	= 5
};

/**
 * define CHAN_RENDEZVOUS_HANDOFF_MS - longest a nonblocking rendezvous send
 * waits for the receiver it found waiting to take its message
 */
#define CHAN_RENDEZVOUS_HANDOFF_MS	20

/**
 * enum chan_policy - what a send does when the channel is full
 * @CHAN_POLICY_BLOCK: wait for room (a non-blocking endpoint gets %EAGAIN)
 * @CHAN_POLICY_FAIL: fail with %EAGAIN at once, even on a blocking endpoint;
 *	poll() reports the send endpoint writable (%EPOLLOUT) only while a
 *	send would find room (or fail with %EPIPE), and room made wakes it
 * @CHAN_POLICY_DROP_NEWEST: discard the message being sent, count it in
 *	&chan_info.dropped and report success to the sender
 * @CHAN_POLICY_OVERWRITE: discard the oldest queued message, count it in
 *	&chan_info.overwritten, and queue the new one.  When other producers
 *	keep taking the room made (64 rounds), the new message is the one
 *	discarded, as if queued and at once overwritten: it is counted in
 *	&chan_info.sent and &chan_info.overwritten alike, so that
 *	sent == received + overwritten + depth always holds
 */
enum chan_policy {
	CHAN_POLICY_BLOCK	= 0,
	CHAN_POLICY_FAIL	= 1,
	CHAN_POLICY_DROP_NEWEST	= 2,
	CHAN_POLICY_OVERWRITE	= 3
};

/**
 * enum chan_create_flags - flags of &chan_create.flags
 * @CHAN_SINGLE_PRODUCER: at most one sender at a time; a concurrent second
 *	sender gets %EBUSY
 * @CHAN_SINGLE_CONSUMER: at most one receiver at a time; a concurrent second
 *	receiver gets %EBUSY
 * @CHAN_CLOEXEC: set close-on-exec on the returned descriptors
 * @CHAN_NONBLOCK: make the returned descriptors non-blocking (O_NONBLOCK)
 * @CHAN_MAPPABLE: the ring can be mapped into user space with mmap() on
 *	either endpoint (&struct chan_ring_hdr).  Only for a
 *	%CHAN_KIND_QUEUE channel with %CHAN_SINGLE_PRODUCER and
 *	%CHAN_SINGLE_CONSUMER and a policy other than %CHAN_POLICY_OVERWRITE.
 *	Both endpoints are then opened read-write, so that both may map the
 *	ring writable; read() on a send endpoint and write() on a receive
 *	endpoint still fail with %EBADF.
 * @CHAN_CREATE_FLAGS: all valid flags
 */
enum chan_create_flags {
	CHAN_SINGLE_PRODUCER	= 1 << 0,
	CHAN_SINGLE_CONSUMER	= 1 << 1,
	CHAN_CLOEXEC		= 1 << 2,
	CHAN_NONBLOCK		= 1 << 3,
	CHAN_MAPPABLE		= 1 << 4,
	CHAN_CREATE_FLAGS	= 0x1f
};

/**
 * struct chan_version - answer of CHAN_IOC_VERSION
 * @size: in: sizeof(struct chan_version)
 * @abi_version: out: %CHAN_ABI_VERSION of the running module
 * @features: out: bitmask of &enum chan_feature
 * @max_capacity: out: largest capacity a channel may have (messages)
 * @max_msg_size: out: largest message a channel may carry (bytes)
 * @__reserved: zero
 */
struct chan_version {
	__u32 size;
	__u32 abi_version;
	__u64 features;
	__u32 max_capacity;
	__u32 max_msg_size;
	__u64 __reserved[2];
};

/**
 * struct chan_create - argument of CHAN_IOC_CREATE
 * @size: in: sizeof(struct chan_create)
 * @kind: in: &enum chan_kind
 * @flags: in: &enum chan_create_flags
 * @policy: in: &enum chan_policy
 * @capacity: in: number of messages the ring holds; rounded up to a power
 *	of two.  A queue or broadcast channel needs at least 1, a oneshot
 *	channel 0 or 1, a rendezvous channel exactly 0.
 * @msg_max: in: largest message in bytes, at least 1
 * @mode: in: permission bits (0777 mask) checked by CHAN_IOC_OPEN: read
 *	permission to receive, write permission to send; ignored without @name
 * @__reserved0: zero
 * @name: in: user pointer to a NUL-terminated name of at most
 *	%CHAN_NAME_MAX bytes (printable, no '/'), or 0 for an anonymous
 *	channel.  A named channel lives until CHAN_IOC_UNLINK, and while it
 *	has its name it behaves like a POSIX message queue: it stays open
 *	for sending when its last send endpoint closes, and sends queue
 *	with no receiver open.  Once anonymous it follows the rules of an
 *	anonymous channel: no send endpoint left means end of stream, no
 *	receive endpoint left means %EPIPE.
 * @recv_fd: out: the receive endpoint
 * @send_fd: out: the send endpoint
 * @__reserved: zero
 *
 * Zero-length messages do not exist: write(fd, buf, 0) queues nothing and
 * returns 0, as on a pipe, so read() returning 0 always means end of stream.
 */
struct chan_create {
	__u32 size;
	__u32 kind;
	__u32 flags;
	__u32 policy;
	__u32 capacity;
	__u32 msg_max;
	__u32 mode;
	__u32 __reserved0;
	__u64 name;
	__s32 recv_fd;
	__s32 send_fd;
	__u64 __reserved[2];
};

/**
 * enum chan_role - which end of a channel a descriptor is
 * @CHAN_ROLE_RECV: a receive endpoint (opened O_RDONLY)
 * @CHAN_ROLE_SEND: a send endpoint (opened O_WRONLY)
 */
enum chan_role {
	CHAN_ROLE_RECV		= 1,
	CHAN_ROLE_SEND		= 2
};

/**
 * struct chan_open - argument of CHAN_IOC_OPEN
 * @size: in: sizeof(struct chan_open)
 * @role: in: &enum chan_role
 * @flags: in: %CHAN_CLOEXEC and/or %CHAN_NONBLOCK
 * @fd: out: the new endpoint
 * @name: in: user pointer to the NUL-terminated name
 * @__reserved: zero
 */
struct chan_open {
	__u32 size;
	__u32 role;
	__u32 flags;
	__s32 fd;
	__u64 name;
	__u64 __reserved[2];
};

/**
 * struct chan_unlink - argument of CHAN_IOC_UNLINK
 * @size: in: sizeof(struct chan_unlink)
 * @flags: in: zero
 * @name: in: user pointer to the NUL-terminated name
 */
struct chan_unlink {
	__u32 size;
	__u32 flags;
	__u64 name;
};

/**
 * struct chan_info - state and counters of one channel
 * @size: in: sizeof(struct chan_info)
 * @kind: &enum chan_kind
 * @flags: %CHAN_SINGLE_PRODUCER, %CHAN_SINGLE_CONSUMER and %CHAN_MAPPABLE as
 *	created (the other creation flags are the descriptors', not kept)
 * @policy: &enum chan_policy
 * @capacity: ring size in messages (a power of two; 0 for a rendezvous
 *	channel)
 * @msg_max: largest message in bytes
 * @mode: permission bits
 * @uid: owner (creator's effective uid, in the caller's user namespace)
 * @gid: group (creator's effective gid, in the caller's user namespace)
 * @role: &enum chan_role of the endpoint asked (0 in a listing)
 * @senders: open send endpoints (open file descriptions: dup() and fork()
 *	add none; a name's own hold is not counted)
 * @receivers: open receive endpoints, likewise
 * @send_waiters: tasks waiting (spinning or sleeping) in a send
 * @recv_waiters: tasks waiting (spinning or sleeping) in a receive
 * @closed: 1 once the channel is closed for sending
 * @__reserved0: zero
 * @id: unique id of the channel, never reused while the module is loaded
 * @depth: messages queued now
 * @sent: messages queued since creation
 * @received: messages received since creation
 * @dropped: messages discarded by %CHAN_POLICY_DROP_NEWEST
 * @overwritten: messages discarded by %CHAN_POLICY_OVERWRITE
 * @send_waits: times a sender went to sleep on a full channel
 * @recv_waits: times a receiver went to sleep on an empty channel
 * @name: the channel's name, empty if anonymous or unlinked
 * @map_size: bytes to mmap() for the whole ring of a %CHAN_MAPPABLE
 *	channel, else 0
 * @rejects: times the kernel found the shared positions or a slot length
 *	of a mapped ring invalid (see &struct chan_ring_hdr)
 * @cancelled: request/reply: requests no server received because their
 *	caller had timed out, been interrupted or died before one took it
 * @__reserved: zero
 *
 * On a %CHAN_MAPPABLE channel @sent, @received, @send_waits and
 * @recv_waits count what went through the kernel (read(), write(), the
 * batch ioctls, CHAN_IOC_WAIT); messages moved through the mapping alone
 * are not counted.  @depth counts every message in the ring.
 */
struct chan_info {
	__u32 size;
	__u32 kind;
	__u32 flags;
	__u32 policy;
	__u32 capacity;
	__u32 msg_max;
	__u32 mode;
	__u32 uid;
	__u32 gid;
	__u32 role;
	__u32 senders;
	__u32 receivers;
	__u32 send_waiters;
	__u32 recv_waiters;
	__u32 closed;
	__u32 __reserved0;
	__u64 id;
	__u64 depth;
	__u64 sent;
	__u64 received;
	__u64 dropped;
	__u64 overwritten;
	__u64 send_waits;
	__u64 recv_waits;
	char name[CHAN_NAME_MAX];
	__u64 map_size;
	__u64 rejects;
	__u64 cancelled;
	__u64 __reserved;
};

/**
 * struct chan_list - argument of CHAN_IOC_LIST
 * @size: in: sizeof(struct chan_list)
 * @entry_size: in: sizeof(struct chan_info) as the caller knows it
 * @count: in: room in @entries; out: entries written
 * @total: out: channels visible to the caller (may exceed @count)
 * @entries: in: user pointer to an array of @count entries of @entry_size
 *	bytes each
 *
 * Lists the channels created in the caller's IPC namespace, in creation
 * order, with &chan_info.role zero.  @entry_size must be at least
 * %CHAN_INFO_SIZE_VER0 and at most 4096.
 */
struct chan_list {
	__u32 size;
	__u32 entry_size;
	__u32 count;
	__u32 total;
	__u64 entries;
};

/**
 * enum chan_limits_flags - flags of &struct chan_limits
 * @CHAN_LIMITS_EXEMPT: the caller has %CAP_SYS_RESOURCE in the initial user
 *	namespace, so no per-user limit refuses its creates; the counts are
 *	still kept
 */
enum chan_limits_flags {
	CHAN_LIMITS_EXEMPT	= 1 << 0
};

/**
 * struct chan_limits - answer of CHAN_IOC_LIMITS: the caller's share of the
 *	per-user limits
 * @size: in: sizeof(struct chan_limits)
 * @flags: out: &enum chan_limits_flags
 * @channels: out: channels charged to the caller, that is to its user
 *	namespace and effective uid: every channel it created that still
 *	exists (open, or kept by its name)
 * @max_channels: out: the module's max_user_channels
 * @bytes: out: ring memory of those channels, in bytes
 * @max_bytes: out: the module's max_user_bytes
 * @channels_left: out: channels the caller may still create: the least
 *	room left at any level of its user-namespace chain (a namespace's
 *	channels are charged to its owner too); 0 means the next create
 *	fails with %EMFILE because of this limit, not of the file table
 * @__reserved0: zero
 * @bytes_left: out: ring memory the caller may still take, likewise; a
 *	create of a larger ring fails with %ENOMEM
 * @__reserved: zero
 *
 * Like every structure here, reserved words must be zero on the way in
 * (%EINVAL) and are zero on the way out.
 */
struct chan_limits {
	__u32 size;
	__u32 flags;
	__u32 channels;
	__u32 max_channels;
	__u64 bytes;
	__u64 max_bytes;
	__u32 channels_left;
	__u32 __reserved0;
	__u64 bytes_left;
	__u64 __reserved[2];
};

/**
 * struct chan_msg - one message of a batch
 * @buf: user pointer to the message, or to room for it
 * @len: send: the message's length; receive: in, the room; out, the
 *	message's length
 * @flags: zero
 * @id: zero on input; a request/reply server's receive reports each
 *	request's call id here, and its CHAN_IOC_REPLY names the call
 */
struct chan_msg {
	__u64 buf;
	__u32 len;
	__u32 flags;
	__u64 id;
};

/** define CHAN_BATCH_MAX - most messages one batched call moves */
#define CHAN_BATCH_MAX		1024
/** define CHAN_TIMEOUT_INFINITE - &chan_batch.timeout_ns that waits for ever */
#define CHAN_TIMEOUT_INFINITE	(~0ULL)

/**
 * struct chan_batch - argument of CHAN_IOC_SEND_BATCH and CHAN_IOC_RECV_BATCH
 * @size: in: sizeof(struct chan_batch)
 * @count: in: messages in @msgs, 1 .. %CHAN_BATCH_MAX
 * @done: out: messages moved
 * @flags: in: zero
 * @msgs: in: user pointer to @count &struct chan_msg
 * @timeout_ns: in: how long the first message may wait, relative, on
 *	CLOCK_MONOTONIC: 0 never waits, %CHAN_TIMEOUT_INFINITE waits for ever;
 *	an O_NONBLOCK descriptor never waits.  Later messages never wait.
 * @__reserved: zero
 *
 * Like sendmmsg() and recvmmsg(): the call moves messages in order until
 * @count are done or one cannot move; it returns the number moved (also
 * in @done), or an error if the first one could not move (%EAGAIN,
 * %ETIMEDOUT, %EINTR, %EPIPE, %EMSGSIZE ...).  A receive stops at end of
 * stream; 0 then means end of stream.  A broadcast receive stops before a
 * gap; the next call reports it (%EOVERFLOW).
 */
struct chan_batch {
	__u32 size;
	__u32 count;
	__u32 done;
	__u32 flags;
	__u64 msgs;
	__u64 timeout_ns;
	__u64 __reserved[2];
};

/**
 * enum chan_call_flags - flags of &chan_call.flags
 * @CHAN_CALL_ABSTIME: &chan_call.timeout_ns is an absolute CLOCK_MONOTONIC
 *	time, not a relative one
 */
enum chan_call_flags {
	CHAN_CALL_ABSTIME	= 1 << 0
};

/**
 * struct chan_call - argument of CHAN_IOC_CALL
 * @size: in: sizeof(struct chan_call)
 * @flags: in: &enum chan_call_flags
 * @req: in: user pointer to the request
 * @req_len: in: the request's length, 1 .. msg_max
 * @reply_len: in: room at @reply; out: the reply's length
 * @reply: in: user pointer to room for the reply
 * @timeout_ns: in: how long to wait, for room to queue the request and
 *	then for the reply, on CLOCK_MONOTONIC: relative, or absolute with
 *	%CHAN_CALL_ABSTIME; %CHAN_TIMEOUT_INFINITE waits for ever.  An
 *	O_NONBLOCK descriptor does not wait for room, only for the reply.
 * @id: out: the id the server saw the call under
 * @__reserved: zero
 *
 * The ioctl returns the reply's length, or fails with %ETIMEDOUT, %EINTR
 * (never restarted: the request may have been seen), %ECONNRESET, %EPIPE,
 * %EAGAIN, %EMSGSIZE, %EFAULT, %ENOMEM, %EINVAL, %EBADF (not a send
 * endpoint) or %EBUSY (a second concurrent caller on a single-producer
 * channel).
 */
struct chan_call {
	__u32 size;
	__u32 flags;
	__u64 req;
	__u32 req_len;
	__u32 reply_len;
	__u64 reply;
	__u64 timeout_ns;
	__u64 id;
	__u64 __reserved[2];
};

/**
 * define CHAN_RING_MAGIC - &chan_ring_hdr.magic of a mapped ring ("chnR")
 */
#define CHAN_RING_MAGIC		0x63686e52

/**
 * enum chan_ring_state - bits of &chan_ring_hdr.state
 * @CHAN_RING_CLOSED: the channel is closed for sending; a mapped producer
 *	must stop: a receiver may already have seen end of stream, so what it
 *	publishes now may never be read
 * @CHAN_RING_NO_RECEIVERS: no receive endpoint is open; what a mapped
 *	producer publishes will not be read
 */
enum chan_ring_state {
	CHAN_RING_CLOSED	= 1 << 0,
	CHAN_RING_NO_RECEIVERS	= 1 << 1
};

/**
 * struct chan_ring_hdr - the start of a mapped ring
 * @tail: next position the producer fills; written only by the producer
 * @recv_wake: set to 1 by the kernel before a receiver (or a poller of
 *	the receive endpoint) sleeps; a producer that finds it non-zero
 *	after publishing calls CHAN_IOC_WAKE on its send endpoint
 * @__pad0: zero; keeps the producer's words on a cache line of their own
 * @head: next position the consumer reads; written only by the consumer
 * @send_wake: set to 1 by the kernel before a sender (or a poller of the
 *	send endpoint) sleeps; a consumer that finds it non-zero after
 *	retiring messages calls CHAN_IOC_WAKE on its receive endpoint
 * @__pad1: zero; keeps the consumer's words on a cache line of their own
 * @magic: %CHAN_RING_MAGIC
 * @state: &enum chan_ring_state, written by the kernel
 * @capacity: slots in the ring, a power of two
 * @msg_max: largest message
 * @stride: bytes from one slot to the next, a multiple of 8
 * @slots_offset: offset of slot 0 from the start of the mapping (the page
 *	size)
 * @map_size: bytes of the whole mapping, as in &chan_info.map_size
 *
 * mmap() the whole &chan_info.map_size bytes at offset 0, MAP_SHARED, on
 * either endpoint of a %CHAN_MAPPABLE channel.  The mapping keeps the
 * channel's memory alive after the descriptor is closed.
 *
 * Positions are free-running __u32 that wrap; the slot of position p is at
 * @slots_offset + (p & (@capacity - 1)) * @stride and holds a __u32 that
 * must be zero, the message length (1 .. @msg_max) as a __u32, and the
 * message.  The ring holds @tail - @head messages, 0 .. @capacity.
 *
 * The producer sends by checking @tail - load_acquire(@head) < @capacity,
 * filling the slot, and store_release(@tail, @tail + 1); then it issues a
 * full barrier (atomic_thread_fence(memory_order_seq_cst)) and, if
 * @recv_wake is set, calls CHAN_IOC_WAKE.  The consumer receives by
 * checking load_acquire(@tail) != @head, copying the message out, and
 * store_release(@head, @head + 1); then a full barrier and, if @send_wake
 * is set, CHAN_IOC_WAKE.  Either side waits with CHAN_IOC_WAIT when the
 * ring is empty (consumer) or full (producer); the kernel arms the flag,
 * issues its own full barrier and looks at the ring again before it
 * sleeps, so a wakeup cannot be lost.  read(), write(), poll() and the
 * batch ioctls keep working on a mapped ring, through the same words.
 *
 * Everything in the mapping is writable by user space, and the kernel
 * trusts none of it: it reads each shared word once, accepts positions
 * only while 0 <= @tail - @head <= @capacity and lengths only in
 * 1 .. @msg_max, and never reads the description words back.  Anything
 * else fails the operation with %EPROTO (a slot with a bad length is
 * retired first, so the next receive goes on after it) and is counted in
 * &chan_info.rejects.  Opening a mappable channel by name takes both read
 * and write permission, since either end can read and write the ring; a
 * process that scribbles over it can only garble the messages of a
 * channel it was allowed to do both on.
 */
struct chan_ring_hdr {
	__u32 tail;
	__u32 recv_wake;
	__u32 __pad0[30];
	__u32 head;
	__u32 send_wake;
	__u32 __pad1[30];
	__u32 magic;
	__u32 state;
	__u32 capacity;
	__u32 msg_max;
	__u32 stride;
	__u32 slots_offset;
	__u64 map_size;
};

/**
 * enum chan_wait_flags - flags of &chan_wait.flags
 * @CHAN_WAIT_ABSTIME: &chan_wait.timeout_ns is an absolute CLOCK_MONOTONIC
 *	time, not a relative one
 */
enum chan_wait_flags {
	CHAN_WAIT_ABSTIME	= 1 << 0
};

/**
 * struct chan_wait - argument of CHAN_IOC_WAIT
 * @size: in: sizeof(struct chan_wait)
 * @flags: in: &enum chan_wait_flags
 * @timeout_ns: in: how long to wait on CLOCK_MONOTONIC, relative or
 *	absolute with %CHAN_WAIT_ABSTIME: 0 only looks,
 *	%CHAN_TIMEOUT_INFINITE waits for ever
 * @__reserved: zero
 *
 * On a receive endpoint the ioctl waits until the ring holds a message, on
 * a send endpoint until it has room.  It returns 0 then, or fails with
 * %EPIPE (receive: closed for sending and empty; send: no receiver left
 * or closed), %EAGAIN (@timeout_ns was 0), %ETIMEDOUT, %EINTR, %EPROTO
 * (the shared positions are invalid) or %EINVAL (not a %CHAN_MAPPABLE
 * channel).  It may spin briefly before it sleeps.
 */
struct chan_wait {
	__u32 size;
	__u32 flags;
	__u64 timeout_ns;
	__u64 __reserved[2];
};

/* Sizes of the first published version of each structure. */
/** define CHAN_VERSION_SIZE_VER0 - smallest &struct chan_version accepted */
#define CHAN_VERSION_SIZE_VER0	40
/** define CHAN_CREATE_SIZE_VER0 - smallest &struct chan_create accepted */
#define CHAN_CREATE_SIZE_VER0	64
/** define CHAN_OPEN_SIZE_VER0 - smallest &struct chan_open accepted */
#define CHAN_OPEN_SIZE_VER0	40
/** define CHAN_UNLINK_SIZE_VER0 - smallest &struct chan_unlink accepted */
#define CHAN_UNLINK_SIZE_VER0	16
/** define CHAN_INFO_SIZE_VER0 - smallest &struct chan_info accepted */
#define CHAN_INFO_SIZE_VER0	224
/** define CHAN_LIST_SIZE_VER0 - smallest &struct chan_list accepted */
#define CHAN_LIST_SIZE_VER0	24
/** define CHAN_BATCH_SIZE_VER0 - smallest &struct chan_batch accepted */
#define CHAN_BATCH_SIZE_VER0	48
/** define CHAN_CALL_SIZE_VER0 - smallest &struct chan_call accepted */
#define CHAN_CALL_SIZE_VER0	64
/** define CHAN_WAIT_SIZE_VER0 - smallest &struct chan_wait accepted */
#define CHAN_WAIT_SIZE_VER0	32
/** define CHAN_LIMITS_SIZE_VER0 - smallest &struct chan_limits accepted */
#define CHAN_LIMITS_SIZE_VER0	64

/** define CHAN_IOC_MAGIC - ioctl type byte of chan (free in ioctl-number.rst) */
#define CHAN_IOC_MAGIC		0xC4

/* ioctls on a /dev/chan descriptor */

/** define CHAN_IOC_VERSION - report ABI version and features (&struct chan_version) */
#define CHAN_IOC_VERSION	_IOWR(CHAN_IOC_MAGIC, 0x00, struct chan_version)
/** define CHAN_IOC_CREATE - create a channel (&struct chan_create) */
#define CHAN_IOC_CREATE		_IOWR(CHAN_IOC_MAGIC, 0x01, struct chan_create)
/** define CHAN_IOC_OPEN - open a named channel (&struct chan_open) */
#define CHAN_IOC_OPEN		_IOWR(CHAN_IOC_MAGIC, 0x02, struct chan_open)
/** define CHAN_IOC_UNLINK - remove a channel's name (&struct chan_unlink) */
#define CHAN_IOC_UNLINK		_IOW(CHAN_IOC_MAGIC, 0x03, struct chan_unlink)
/** define CHAN_IOC_LIST - list channels (&struct chan_list) */
#define CHAN_IOC_LIST		_IOWR(CHAN_IOC_MAGIC, 0x04, struct chan_list)
/** define CHAN_IOC_LIMITS - the caller's use of the per-user limits (&struct chan_limits) */
#define CHAN_IOC_LIMITS		_IOWR(CHAN_IOC_MAGIC, 0x05, struct chan_limits)

/* ioctls on a channel endpoint */

/** define CHAN_IOC_INFO - state and counters of the channel (&struct chan_info) */
#define CHAN_IOC_INFO		_IOWR(CHAN_IOC_MAGIC, 0x10, struct chan_info)
/**
 * define CHAN_IOC_CLOSE - close the channel for sending (Go's close()); on a
 * send endpoint only; idempotent.  Receivers drain what is queued, then read 0.
 */
#define CHAN_IOC_CLOSE		_IO(CHAN_IOC_MAGIC, 0x11)
/**
 * define CHAN_IOC_LOST - messages the channel discarded (dropped plus
 * overwritten) since this descriptor last asked, as a __u64; on a
 * broadcast receive endpoint, the messages this subscriber missed.  The
 * descriptor is the open file description: dup() and fork() share one
 * count, so each loss is reported once among them.
 */
#define CHAN_IOC_LOST		_IOR(CHAN_IOC_MAGIC, 0x12, __u64)
/** define CHAN_IOC_SEND_BATCH - send several messages (&struct chan_batch) */
#define CHAN_IOC_SEND_BATCH	_IOWR(CHAN_IOC_MAGIC, 0x13, struct chan_batch)
/** define CHAN_IOC_RECV_BATCH - receive several messages (&struct chan_batch) */
#define CHAN_IOC_RECV_BATCH	_IOWR(CHAN_IOC_MAGIC, 0x14, struct chan_batch)
/**
 * define CHAN_IOC_SUBSCRIBE - make a new subscriber of the broadcast channel
 * of this receive endpoint, returned as a new receive descriptor (the
 * ioctl's value), whose cursor starts at the next message sent.  The argument is
 * %CHAN_CLOEXEC and/or %CHAN_NONBLOCK.  %EINVAL on other kinds or flags,
 * %EBADF on a send endpoint.
 */
#define CHAN_IOC_SUBSCRIBE	_IO(CHAN_IOC_MAGIC, 0x15)
/** define CHAN_IOC_CALL - make a call on a request/reply channel (&struct chan_call) */
#define CHAN_IOC_CALL		_IOWR(CHAN_IOC_MAGIC, 0x16, struct chan_call)
/**
 * define CHAN_IOC_REPLY - answer calls of a request/reply channel from its
 * receive endpoint (&struct chan_batch: each &chan_msg names the call in
 * @id, the reply in @buf and @len, 0 .. msg_max; @timeout_ns must be 0);
 * returns the number of replies delivered, like CHAN_IOC_SEND_BATCH
 */
#define CHAN_IOC_REPLY		_IOWR(CHAN_IOC_MAGIC, 0x17, struct chan_batch)
/**
 * define CHAN_IOC_WAIT - wait until a mapped ring has a message (receive
 * endpoint) or room (send endpoint) (&struct chan_wait)
 */
#define CHAN_IOC_WAIT		_IOW(CHAN_IOC_MAGIC, 0x18, struct chan_wait)
/**
 * define CHAN_IOC_WAKE - after publishing through a mapped ring, wake every
 * task waiting on the other end and clear its wake flag in
 * &struct chan_ring_hdr; returns 0
 */
#define CHAN_IOC_WAKE		_IO(CHAN_IOC_MAGIC, 0x19)

#endif /* _UAPI_LINUX_CHAN_H */
