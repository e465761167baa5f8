/*
 * chan: the barriers of end of stream on a single-producer queue
 * (chan_send_end() and chan_eof() in kmod/xfer.c), for spin.
 *
 * A single producer holds sp_busy while its send is in flight; a receiver
 * that finds the channel closed reads end of stream only when no send is
 * in flight (sp_busy == 0) and nothing is queued (tail == head).  The
 * model has one sender S with its message claimed, a closer C and one
 * receiver R reading until end of stream.  It models the two ways memory
 * may be weaker than program order that matter here:
 *
 *  - S's stores go through a FIFO store buffer and reach memory later, as
 *    on x86 (TSO); its own loads see its buffer first.  smp_mb() drains
 *    the buffer; smp_mb__after_atomic() after a plain store does not
 *    (it is only barrier() on x86).
 *  - R's plain load of sp_busy may be satisfied after its later acquire
 *    load of tail, as on arm64, POWER or RISC-V; atomic_read_acquire()
 *    forbids that.
 *
 * -DOLD_C3: S clears sp_busy and looks at the close with only
 * smp_mb__after_atomic() between (the review's C3: R can sleep for ever).
 * -DOLD_C4: R reads sp_busy with a plain load (the review's C4: R can
 * read end of stream with the last message still queued).
 * tools/model/check.sh shows that spin finds both and that the current
 * code passes.
 */

#define TAIL	0
#define BUSY	1

byte mem[2];		/* tail and sp_busy in memory */
bit closed;
byte head;

/* S's store buffer */
byte bvar[2];
byte bval[2];
byte blen;

bit queued, sleepy;	/* R on the receive queue, asleep */

/* R's wakeup: wake_up() and wake_up_all() are the same with one waiter. */
inline wake()
{
	atomic {
		if
		:: queued && sleepy -> sleepy = 0; queued = 0
		:: else
		fi
	}
}

inline store(v, x)
{
	atomic { bvar[blen] = v; bval[blen] = x; blen++ }
}

/* S's own load: the newest buffered store to @v, else memory. */
inline load(v, x)
{
	atomic {
		if
		:: blen == 2 && bvar[1] == v -> x = bval[1]
		:: blen >= 1 && bvar[0] == v && !(blen == 2 && bvar[1] == v) ->
			x = bval[0]
		:: else -> x = mem[v]
		fi
	}
}

inline smp_mb()
{
	blen == 0
}

/* The buffer drains to memory, oldest first, whenever it likes. */
proctype drain()
{
end:
	do
	:: atomic {
		blen > 0 ->
		mem[bvar[0]] = bval[0];
		bvar[0] = bvar[1];
		bval[0] = bval[1];
		blen--
	   }
	od
}

proctype sender()
{
	bit c;

	/* Holding sp_busy (set by a fully ordered cmpxchg), not closed. */
	store(TAIL, 1);			/* chan_ring_publish(): release */
#ifdef OLD_C3
	smp_mb();			/* wq_has_sleeper() */
	wake();
	store(BUSY, 0);			/* atomic_set_release(sp_busy, 0) */
	/* smp_mb__after_atomic(): nothing on x86 */
	c = closed;
	if
	:: c -> wake()
	:: else
	fi
#else
	store(BUSY, 0);			/* atomic_set_release(sp_busy, 0) */
	smp_mb();			/* chan_send_end() */
	c = closed;
	wake()				/* wake_all if c, else wake_one */
#endif
}

proctype closer()
{
	closed = 1;			/* store-release, then the queue lock */
	wake()
}

/*
 * chan_eof(): closed (acquire), smp_mb(), sp_busy, then tail (acquire).
 * A plain sp_busy load may be answered after the tail load.
 */
inline eof(res)
{
	res = 0;
	if
	:: closed ->
#ifdef OLD_C4
		if
		:: b = mem[BUSY]; t = mem[TAIL]
		:: t = mem[TAIL]; b = mem[BUSY]
		fi;
#else
		b = mem[BUSY];
		t = mem[TAIL];
#endif
		res = !b && t == head
	:: else
	fi
}

proctype receiver()
{
	byte t, b;
	bit res;

read:
	if
	:: mem[TAIL] != head -> head++; goto read	/* take the message */
	:: else
	fi;
	eof(res);
	if
	:: res -> goto ended
	:: else
	fi;
wait:
	atomic { queued = 1; sleepy = 1 };	/* prepare_to_wait(), mb */
	if
	:: mem[TAIL] != head -> atomic { sleepy = 0; queued = 0 }; goto read
	:: else
	fi;
	eof(res);
	if
	:: res -> atomic { sleepy = 0; queued = 0 }; goto read
	:: else
	fi;
	!sleepy;				/* schedule() */
	goto wait;
ended:
	/* read() returns 0: the message was taken */
	assert(head == 1)
}

init
{
	mem[TAIL] = 0;
	mem[BUSY] = 1;
	atomic {
		run drain();
		run sender();
		run closer();
		run receiver()
	}
}
