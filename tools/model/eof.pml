/*
 * chan: a model of the wait/wake/close protocol of a multi-producer,
 * multi-consumer queue (kmod/xfer.c, kmod/ring.h), for the spin model
 * checker.  tools/model/check.sh runs it; make check runs that.
 *
 * Who is in it: NS senders, each sending one message; one closer
 * (CHAN_IOC_CLOSE); NR receivers sleeping exclusively on the receive
 * queue, each reading until end of stream - except that receivers other
 * than the first may stop after one message, as a worker that takes the
 * last job of a batch does.  Every step below is one load, one store or
 * one atomic read-modify-write of the code; interleavings are sequentially
 * consistent (eof_sp.pml models the barriers).
 *
 * What must hold in every interleaving:
 *  - no receiver sleeps for ever: spin reports a blocked receiver as an
 *    invalid end state;
 *  - a receiver reads end of stream only once everything queued was taken;
 *  - every message a sender was told it sent is received exactly once.
 *
 * -DOLD_C1 models the code before the fix of the review's finding C1: a
 * sender that publishes (or leaves a tombstone) after the close wakes one
 * exclusive sleeper, not all of them.  -DOLD_C2 models the receive
 * predicate before the fix of C2: a slot found retired under a stale head
 * reads as "empty" instead of sending the reader back for the new head.
 * check.sh shows that spin finds each bug in its old form and that the
 * current protocol passes.
 */

#ifndef NR
#define NR	3
#endif
#ifndef NS
#define NS	2
#endif

/* A slot: never written yet, a message, a tombstone, or retired. */
#define EMPTY	0
#define MSG	1
#define TOMB	2
#define RETIRED	3

byte tail, head;	/* ring positions; NS <= capacity, so one lap */
byte slot[NS + 1];	/* one past the last, always EMPTY */
bit closed;

/*
 * The receive queue: exclusive waiters in FIFO order; qorder[] is a
 * waiter's place in the queue, 0 at the front, kept dense so that the
 * state space stays finite.
 */
bit queued[NR];
bit sleepy[NR];		/* TASK_INTERRUPTIBLE and not yet woken */
byte qorder[NR];
byte qlen;

/* Take waiter @w off the queue (autoremove_wake_function, finish_wait). */
inline dequeue(w)
{
	j = 0;
	do
	:: j < NR ->
		if
		:: queued[j] && qorder[j] > qorder[w] -> qorder[j]--
		:: else
		fi;
		j++
	:: else -> break
	od;
	queued[w] = 0;
	qorder[w] = 0;
	qlen--;
	j = 0
}

byte sent, received;
byte eofs;		/* receivers that have read end of stream */

/* wake_up(): the first queued task still asleep; autoremove takes it off. */
inline wake_one()
{
	atomic {
		i = 0;
		best = NR;
		do
		:: i < NR ->
			if
			:: queued[i] && sleepy[i] &&
			   (best == NR || qorder[i] < qorder[best]) -> best = i
			:: else
			fi;
			i++
		:: else -> break
		od;
		if
		:: best < NR -> sleepy[best] = 0; dequeue(best)
		:: else
		fi;
		i = 0;
		best = 0	/* scratch values are not state */
	}
}

/* wake_up_all(): every queued task asleep. */
inline wake_all()
{
	atomic {
		i = 0;
		do
		:: i < NR ->
			if
			:: queued[i] && sleepy[i] -> sleepy[i] = 0; dequeue(i)
			:: else
			fi;
			i++
		:: else -> break
		od;
		i = 0
	}
}

/*
 * The end of a send that claimed a position, published or aborted:
 * chan_send_end().  Its one full barrier orders the publish before the
 * look at the close and at the queue.
 */
inline send_end()
{
#ifdef OLD_C1
	wake_one()
#else
	if
	:: closed -> wake_all()
	:: else -> wake_one()
	fi
#endif
}

proctype sender(byte id)
{
	byte p, i, j, best;

	/* chan_send_broken() */
	if
	:: closed -> goto out
	:: else
	fi;
	/* chan_ring_reserve(): cmpxchg() of tail (there is room) */
	atomic { p = tail; tail++ };
	/* the second look at the close, after the claim's full barrier */
	if
	:: closed -> slot[p] = TOMB; send_end(); goto out
	:: else
	fi;
	/* the copy may fault: a tombstone, -EFAULT */
	if
	:: slot[p] = TOMB; send_end(); goto out
	:: assert(eofs == 0);	/* nobody has given up on it */
		slot[p] = MSG; sent++; send_end()
	fi;
out:
	skip
}

proctype closer()
{
	byte i, j;

	closed = 1;
	wake_all()
}

/*
 * chan_recv_ready(): a slot to take at the head, or end of stream.  The
 * head is read first, then its slot; a slot already retired means another
 * receiver moved the head meanwhile: look again.
 */
inline ready(res)
{
	do
	:: true ->
		h = head;
		s = slot[h];
		if
		:: h < NS && (s == MSG || s == TOMB) ->
			res = 1;
			atomic { h = 0; s = 0 };
			break
#ifndef OLD_C2
		:: h < NS && s == RETIRED ->
			atomic { h = 0; s = 0 }	/* stale head: again */
#endif
		:: else ->
			atomic { h = 0; s = 0; res = 0 };
			/* chan_eof(): closed, then (full barrier) tail == head */
			if
			:: closed ->
				/* tail, then head: head never passes tail */
				atomic {
					t = tail;
					h = head;
					res = t == h;
					t = 0;
					h = 0
				}
			:: else
			fi;
			break
		fi
	od
}

proctype receiver(byte r; bit may_stop)
{
	byte h, s, t, k, i, j, best;
	bit res;

read:
	/*
	 * chan_ring_peek() and chan_ring_consume() as one step: a claim lost
	 * to another receiver only sends this one round again.
	 */
	atomic {
		k = slot[head];
		if
		:: head < NS && (k == MSG || k == TOMB) ->
			slot[head] = RETIRED;
			head++
		:: else -> k = EMPTY
		fi
	};
	if
	:: k == MSG ->
		k = 0;
		received++;
		if
		:: may_stop -> goto done
		:: true -> goto read
		fi
	:: k == TOMB -> k = 0; goto read
	:: else
	fi;
	/* chan_eof() */
	if
	:: closed ->
		atomic { t = tail; h = head };
		if
		:: t == h -> goto eof
		:: else
		fi
	:: else
	fi;
wait:
	/* prepare_to_wait_exclusive() */
	atomic {
		if
		:: !queued[r] -> queued[r] = 1; qorder[r] = qlen; qlen++
		:: else
		fi;
		sleepy[r] = 1
	};
	ready(res);
	if
	:: res ->
		atomic {
			sleepy[r] = 0;
			if
			:: queued[r] -> dequeue(r)
			:: else
			fi
		};
		goto read
	:: else
	fi;
	/* schedule(): until a wakeup */
	atomic { h = 0; s = 0; t = 0; k = 0 };
	!sleepy[r];
	goto wait;
eof:
	/* read() returns 0: nothing queued is left behind */
	atomic {
		eofs++;
		k = 0;
		do
		:: k < NS -> assert(slot[k] != MSG); k++
		:: else -> break
		od
	};
done:
	skip
}

init
{
	byte k;

	atomic {
		k = 0;
		do
		:: k < NR -> run receiver(k, k > 0); k++
		:: else -> break
		od;
		k = 0;
		do
		:: k < NS -> run sender(k); k++
		:: else -> break
		od;
		run closer()
	};
	/* Everyone has returned: nothing lost, nothing twice. */
	_nr_pr == 1;
	assert(received == sent)
}
