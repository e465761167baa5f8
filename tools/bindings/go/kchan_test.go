// SPDX-License-Identifier: GPL-2.0

package kchan

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

var bg = context.Background()

// needDev skips the test when /dev/chan cannot be opened (no module).
func needDev(t *testing.T) {
	t.Helper()
	fd, err := openDevice()
	if err != nil {
		t.Skipf("%s: %v", device, err)
	}
	syscall.Close(fd)
}

// threads is the "Threads:" line of /proc/self/status.
func threads(t *testing.T) int {
	t.Helper()
	f, err := os.Open("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v := strings.TrimPrefix(sc.Text(), "Threads:"); v != sc.Text() {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatal("no Threads: line in /proc/self/status")
	return 0
}

// parked counts goroutines parked in the poller ("IO wait") and, with
// sema, those waiting for os.File's read lock as well.
func parked(sema bool) int {
	buf := make([]byte, 64<<20)
	buf = buf[:runtime.Stack(buf, true)]
	n := bytes.Count(buf, []byte("[IO wait"))
	if sema {
		n += bytes.Count(buf, []byte("[semacquire"))
	}
	return n
}

// waitFor polls cond for up to d.
func waitFor(d time.Duration, cond func() bool) bool {
	end := time.Now().Add(d)
	for time.Now().Before(end) {
		if cond() {
			return true
		}
		time.Sleep(10 * time.Millisecond)
	}
	return cond()
}

func closeAll(t *testing.T, cs ...interface{ Close() error }) {
	t.Cleanup(func() {
		for _, c := range cs {
			c.Close()
		}
	})
}

func queue(t *testing.T, capacity, msgMax int, opts ...Option) (*Sender, *Receiver) {
	t.Helper()
	tx, rx, err := Queue(capacity, msgMax, opts...)
	if err != nil {
		t.Fatal(err)
	}
	closeAll(t, tx, rx)
	return tx, rx
}

func send(t *testing.T, tx *Sender, msgs ...string) {
	t.Helper()
	for _, m := range msgs {
		if err := tx.Send(bg, []byte(m)); err != nil {
			t.Fatalf("send %q: %v", m, err)
		}
	}
}

func expect(t *testing.T, rx *Receiver, msgs ...string) {
	t.Helper()
	for _, want := range msgs {
		ctx, cancel := context.WithTimeout(bg, 10*time.Second)
		got, err := rx.Recv(ctx)
		cancel()
		if err != nil {
			t.Fatalf("recv (want %q): %v", want, err)
		}
		if string(got) != want {
			t.Fatalf("recv: got %q, want %q", got, want)
		}
	}
}

func expectEOF(t *testing.T, rx *Receiver) {
	t.Helper()
	ctx, cancel := context.WithTimeout(bg, 10*time.Second)
	defer cancel()
	if m, err := rx.Recv(ctx); err != io.EOF {
		t.Fatalf("recv: got %q, %v; want io.EOF", m, err)
	}
}

// This test comes first: Go never gives back the threads it made, and
// later tests make some (rendezvous sends and calls wait in the kernel).
func TestThousandGoroutines(t *testing.T) {
	needDev(t)
	const n = 1000
	limit := 20

	t.Run("channels", func(t *testing.T) {
		txs := make([]*Sender, n)
		rxs := make([]*Receiver, n)
		for i := range txs {
			tx, rx, err := Queue(1, 16)
			if err != nil {
				t.Fatalf("queue %d: %v", i, err)
			}
			closeAll(t, tx, rx)
			txs[i], rxs[i] = tx, rx
		}
		got := make([]string, n)
		errs := make(chan error, n)
		var done sync.WaitGroup
		done.Add(n)
		for i := range rxs {
			go func(i int) {
				defer done.Done()
				m, err := rxs[i].Recv(bg)
				if err != nil {
					errs <- err
					return
				}
				got[i] = string(m)
			}(i)
		}
		if !waitFor(60*time.Second, func() bool { return parked(false) >= n }) {
			t.Fatalf("only %d of %d goroutines parked in the poller", parked(false), n)
		}
		th := threads(t)
		t.Logf("%d goroutines blocked in Recv on %d channels, %d threads", n, n, th)
		if th > limit {
			t.Errorf("%d threads for %d blocked receivers, want <= %d", th, n, limit)
		}
		for i, tx := range txs {
			if err := tx.Send(bg, []byte("msg-"+strconv.Itoa(i))); err != nil {
				t.Fatalf("send %d: %v", i, err)
			}
		}
		done.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		for i := range got {
			if want := "msg-" + strconv.Itoa(i); got[i] != want {
				t.Fatalf("goroutine %d got %q, want %q", i, got[i], want)
			}
		}
	})

	t.Run("one channel", func(t *testing.T) {
		tx, rx := queue(t, n, 16)
		var mu sync.Mutex
		seen := make(map[string]int)
		var done sync.WaitGroup
		done.Add(n)
		for i := 0; i < n; i++ {
			go func() {
				defer done.Done()
				m, err := rx.Recv(bg)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				seen[string(m)]++
				mu.Unlock()
			}()
		}
		// One goroutine waits in the poller; the others wait for
		// os.File's read lock behind it.
		if !waitFor(60*time.Second, func() bool { return parked(true) >= n }) {
			t.Fatalf("only %d of %d goroutines parked", parked(true), n)
		}
		th := threads(t)
		t.Logf("%d goroutines blocked in Recv on one channel, %d threads", n, th)
		if th > limit {
			t.Errorf("%d threads for %d blocked receivers, want <= %d", th, n, limit)
		}
		for i := 0; i < n; i++ {
			send(t, tx, "m"+strconv.Itoa(i))
		}
		done.Wait()
		if len(seen) != n {
			t.Fatalf("%d distinct messages received, want %d", len(seen), n)
		}
		for m, c := range seen {
			if c != 1 {
				t.Fatalf("%q received %d times", m, c)
			}
		}
	})
}

func TestABI(t *testing.T) {
	sizes := []struct {
		name string
		got  uintptr
		want uintptr
	}{
		{"chan_version", unsafe.Sizeof(chanVersion{}), 40},
		{"chan_create", unsafe.Sizeof(chanCreate{}), 64},
		{"chan_open", unsafe.Sizeof(chanOpen{}), 40},
		{"chan_unlink", unsafe.Sizeof(chanUnlink{}), 16},
		{"chan_info", unsafe.Sizeof(chanInfo{}), 224},
		{"chan_msg", unsafe.Sizeof(chanMsg{}), 24},
		{"chan_batch", unsafe.Sizeof(chanBatch{}), 48},
		{"chan_call", unsafe.Sizeof(chanCall{}), 64},
		{"chan_create.name", unsafe.Offsetof(chanCreate{}.name), 32},
		{"chan_create.recv_fd", unsafe.Offsetof(chanCreate{}.recvFd), 40},
		{"chan_open.fd", unsafe.Offsetof(chanOpen{}.fd), 12},
		{"chan_info.id", unsafe.Offsetof(chanInfo{}.id), 64},
		{"chan_info.name", unsafe.Offsetof(chanInfo{}.name), 128},
		{"chan_info.cancelled", unsafe.Offsetof(chanInfo{}.cancelled), 208},
		{"chan_msg.id", unsafe.Offsetof(chanMsg{}.id), 16},
		{"chan_batch.timeout_ns", unsafe.Offsetof(chanBatch{}.timeoutNs), 24},
		{"chan_call.timeout_ns", unsafe.Offsetof(chanCall{}.timeoutNs), 32},
		{"chan_call.id", unsafe.Offsetof(chanCall{}.id), 40},
	}
	for _, s := range sizes {
		if s.got != s.want {
			t.Errorf("%s: %d, want %d", s.name, s.got, s.want)
		}
	}
	iocs := []struct {
		name      string
		got, want uintptr
	}{
		{"CHAN_IOC_VERSION", iocVersion, 0xC028C400},
		{"CHAN_IOC_CREATE", iocCreate, 0xC040C401},
		{"CHAN_IOC_OPEN", iocOpen, 0xC028C402},
		{"CHAN_IOC_UNLINK", iocUnlink, 0x4010C403},
		{"CHAN_IOC_INFO", iocInfo, 0xC0E0C410},
		{"CHAN_IOC_CLOSE", iocClose, 0x0000C411},
		{"CHAN_IOC_LOST", iocLost, 0x8008C412},
		{"CHAN_IOC_SEND_BATCH", iocSendBatch, 0xC030C413},
		{"CHAN_IOC_RECV_BATCH", iocRecvBatch, 0xC030C414},
		{"CHAN_IOC_SUBSCRIBE", iocSubscribe, 0x0000C415},
		{"CHAN_IOC_CALL", iocCall, 0xC040C416},
		{"CHAN_IOC_REPLY", iocReply, 0xC030C417},
	}
	for _, c := range iocs {
		if c.got != c.want {
			t.Errorf("%s: %#x, want %#x", c.name, c.got, c.want)
		}
	}
}

func TestErrors(t *testing.T) {
	cases := []struct {
		op    string
		errno syscall.Errno
		want  error
	}{
		{"send", syscall.EPIPE, ErrClosed},
		{"send", syscall.EAGAIN, ErrFull},
		{"recv", syscall.EAGAIN, ErrEmpty},
		{"send", syscall.EALREADY, ErrAlreadySent},
		{"send", syscall.EMSGSIZE, ErrMsgSize},
		{"call", syscall.ECONNRESET, ErrServerGone},
		{"send", syscall.EBUSY, ErrBusy},
		{"reply", syscall.ENOENT, ErrNoCall},
		{"open", syscall.ENOENT, os.ErrNotExist},
		{"create", syscall.EEXIST, os.ErrExist},
		{"open", syscall.EACCES, os.ErrPermission},
	}
	for _, c := range cases {
		err := opErr(c.op, "n", c.errno)
		if !errors.Is(err, c.want) {
			t.Errorf("%s %v: %v is not %v", c.op, c.errno, err, c.want)
		}
		if !errors.Is(err, c.errno) {
			t.Errorf("%s %v: %v is not the errno", c.op, c.errno, err)
		}
	}
	var lag error = &LaggedError{Count: 3}
	if !errors.Is(lag, syscall.EOVERFLOW) {
		t.Error("LaggedError is not EOVERFLOW")
	}
	if !(&OpError{Op: "recv", Err: os.ErrDeadlineExceeded}).Timeout() {
		t.Error("deadline OpError is not a Timeout")
	}
}

func TestVersion(t *testing.T) {
	needDev(t)
	v, err := Version()
	if err != nil {
		t.Fatal(err)
	}
	if v.ABI != 1 {
		t.Errorf("ABI version %d, want 1", v.ABI)
	}
	for _, f := range []Features{FeatQueue, FeatOneshot, FeatRendezvous, FeatBroadcast, FeatReqRep, FeatNames, FeatBatch} {
		if v.Features&f == 0 {
			t.Errorf("feature %#x missing from %#x", f, v.Features)
		}
	}
	if v.MaxCapacity < 1 || v.MaxMsgSize < 1 {
		t.Errorf("maxima %+v", v)
	}
}

func TestQueue(t *testing.T) {
	needDev(t)
	tx, rx := queue(t, 8, 64)
	msgs := []string{"a", "bb", "ccc", strings.Repeat("d", 64), "e\x00e"}
	send(t, tx, msgs...)
	info, err := rx.Info()
	if err != nil {
		t.Fatal(err)
	}
	if info.Kind != KindQueue || info.Capacity != 8 || info.MsgMax != 64 ||
		info.Depth != uint64(len(msgs)) || info.Sent != uint64(len(msgs)) ||
		info.Role != RoleRecv || info.Senders != 1 || info.Receivers != 1 {
		t.Errorf("info %+v", info)
	}
	if err := tx.Close(); err != nil {
		t.Fatal(err)
	}
	expect(t, rx, msgs...)
	expectEOF(t, rx)
	expectEOF(t, rx)

	t.Run("concurrent order", func(t *testing.T) {
		tx, rx := queue(t, 4, 16)
		const n = 500
		go func() {
			for i := 0; i < n; i++ {
				if err := tx.Send(bg, []byte(strconv.Itoa(i))); err != nil {
					t.Error(err)
					return
				}
			}
			tx.Close()
		}()
		for i := 0; i < n; i++ {
			expect(t, rx, strconv.Itoa(i))
		}
		expectEOF(t, rx)
	})

	t.Run("close send", func(t *testing.T) {
		tx, rx := queue(t, 4, 16)
		send(t, tx, "last")
		if err := tx.CloseSend(); err != nil {
			t.Fatal(err)
		}
		if err := tx.CloseSend(); err != nil {
			t.Fatalf("second CloseSend: %v", err)
		}
		if err := tx.Send(bg, []byte("late")); !errors.Is(err, ErrClosed) {
			t.Fatalf("send after CloseSend: %v", err)
		}
		expect(t, rx, "last")
		expectEOF(t, rx)
	})

	t.Run("empty message", func(t *testing.T) {
		tx, _ := queue(t, 4, 16)
		if err := tx.Send(bg, nil); !errors.Is(err, ErrEmptyMessage) {
			t.Fatalf("empty send: %v", err)
		}
	})

	t.Run("try recv", func(t *testing.T) {
		tx, rx := queue(t, 4, 16)
		if _, err := rx.TryRecv(); !errors.Is(err, ErrEmpty) || !errors.Is(err, syscall.EAGAIN) {
			t.Fatalf("TryRecv on empty: %v", err)
		}
		send(t, tx, "x")
		if m, err := rx.TryRecv(); err != nil || string(m) != "x" {
			t.Fatalf("TryRecv: %q, %v", m, err)
		}
		tx.Close()
		if _, err := rx.TryRecv(); err != io.EOF {
			t.Fatalf("TryRecv at end: %v", err)
		}
	})
}

func TestNoReceivers(t *testing.T) {
	needDev(t)
	tx, rx := queue(t, 4, 16)
	rx.Close()
	err := tx.Send(bg, []byte("x"))
	if !errors.Is(err, ErrClosed) || !errors.Is(err, syscall.EPIPE) {
		t.Fatalf("send without receivers: %v", err)
	}
	if err := tx.TrySend([]byte("x")); !errors.Is(err, ErrClosed) {
		t.Fatalf("TrySend without receivers: %v", err)
	}
	if _, err := tx.SendBatch(bg, [][]byte{[]byte("x")}); !errors.Is(err, syscall.EPIPE) {
		t.Fatalf("SendBatch without receivers: %v", err)
	}
}

func TestFull(t *testing.T) {
	needDev(t)
	t.Run("try send", func(t *testing.T) {
		tx, rx := queue(t, 2, 16)
		for i := 0; i < 2; i++ {
			if err := tx.TrySend([]byte("m" + strconv.Itoa(i))); err != nil {
				t.Fatal(err)
			}
		}
		err := tx.TrySend([]byte("m2"))
		if !errors.Is(err, ErrFull) || !errors.Is(err, syscall.EAGAIN) {
			t.Fatalf("TrySend on full: %v", err)
		}
		expect(t, rx, "m0", "m1")
	})
	t.Run("policy fail", func(t *testing.T) {
		tx, rx := queue(t, 2, 16, WithPolicy(PolicyFail))
		send(t, tx, "a", "b")
		start := time.Now()
		if err := tx.Send(bg, []byte("c")); !errors.Is(err, ErrFull) {
			t.Fatalf("Send on full fail channel: %v", err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("Send under PolicyFail took %v", d)
		}
		expect(t, rx, "a", "b")
	})
	t.Run("policy drop newest", func(t *testing.T) {
		tx, rx := queue(t, 2, 16, WithPolicy(PolicyDropNewest))
		send(t, tx, "a", "b", "c")
		if n, err := tx.Lost(); err != nil || n != 1 {
			t.Fatalf("Lost: %d, %v; want 1", n, err)
		}
		expect(t, rx, "a", "b")
		if info, _ := rx.Info(); info.Dropped != 1 {
			t.Errorf("dropped %d", info.Dropped)
		}
	})
	t.Run("policy overwrite", func(t *testing.T) {
		tx, rx := queue(t, 2, 16, WithPolicy(PolicyOverwrite))
		send(t, tx, "a", "b", "c")
		expect(t, rx, "b", "c")
		if info, _ := rx.Info(); info.Overwritten != 1 {
			t.Errorf("overwritten %d", info.Overwritten)
		}
	})
	t.Run("blocking send waits for room", func(t *testing.T) {
		tx, rx := queue(t, 1, 16)
		send(t, tx, "a")
		done := make(chan error, 1)
		go func() { done <- tx.Send(bg, []byte("b")) }()
		select {
		case err := <-done:
			t.Fatalf("send on a full channel returned at once: %v", err)
		case <-time.After(200 * time.Millisecond):
		}
		expect(t, rx, "a")
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		expect(t, rx, "b")
	})
}

func TestMsgSize(t *testing.T) {
	needDev(t)
	tx, rx := queue(t, 4, 8)
	err := tx.Send(bg, []byte("123456789"))
	if !errors.Is(err, ErrMsgSize) || !errors.Is(err, syscall.EMSGSIZE) {
		t.Fatalf("send of 9 bytes into msgMax 8: %v", err)
	}
	send(t, tx, "12345678")
	small := make([]byte, 4)
	if _, err := rx.RecvInto(bg, small); !errors.Is(err, ErrMsgSize) {
		t.Fatalf("RecvInto 4 bytes: %v", err)
	}
	buf := make([]byte, 8)
	n, err := rx.RecvInto(bg, buf)
	if err != nil || string(buf[:n]) != "12345678" {
		t.Fatalf("RecvInto: %q, %v", buf[:n], err)
	}
}

func TestOneshot(t *testing.T) {
	needDev(t)
	tx, rx, err := Oneshot(32)
	if err != nil {
		t.Fatal(err)
	}
	closeAll(t, tx, rx)
	send(t, tx, "only")
	err = tx.Send(bg, []byte("again"))
	if !errors.Is(err, ErrAlreadySent) || !errors.Is(err, syscall.EALREADY) {
		t.Fatalf("second oneshot send: %v", err)
	}
	expect(t, rx, "only")
	expectEOF(t, rx)

	tx2, rx2, err := Oneshot(32)
	if err != nil {
		t.Fatal(err)
	}
	closeAll(t, tx2, rx2)
	tx2.Close()
	expectEOF(t, rx2)
}

func TestRendezvous(t *testing.T) {
	needDev(t)
	tx, rx, err := Rendezvous(32)
	if err != nil {
		t.Fatal(err)
	}
	closeAll(t, tx, rx)

	t.Run("no receiver", func(t *testing.T) {
		if err := tx.TrySend([]byte("x")); !errors.Is(err, ErrFull) {
			t.Fatalf("TrySend with no receiver: %v", err)
		}
		ctx, cancel := context.WithTimeout(bg, 100*time.Millisecond)
		defer cancel()
		if err := tx.Send(ctx, []byte("x")); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Send with no receiver: %v", err)
		}
		// Both were withdrawn.
		if m, err := rx.TryRecv(); !errors.Is(err, ErrEmpty) {
			t.Fatalf("TryRecv after withdrawn sends: %q, %v", m, err)
		}
	})

	t.Run("send waits for receiver", func(t *testing.T) {
		done := make(chan error, 1)
		go func() { done <- tx.Send(bg, []byte("hand")) }()
		select {
		case err := <-done:
			t.Fatalf("rendezvous send returned before a receive: %v", err)
		case <-time.After(300 * time.Millisecond):
		}
		expect(t, rx, "hand")
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("send did not return after the receive")
		}
	})

	t.Run("receiver waits first", func(t *testing.T) {
		got := make(chan string, 1)
		go func() {
			m, err := rx.Recv(bg)
			if err != nil {
				t.Error(err)
			}
			got <- string(m)
		}()
		time.Sleep(100 * time.Millisecond)
		send(t, tx, "shake")
		if m := <-got; m != "shake" {
			t.Fatalf("got %q", m)
		}
	})

	t.Run("try send to parked receiver", func(t *testing.T) {
		got := make(chan string, 1)
		go func() {
			m, err := rx.Recv(bg)
			if err != nil {
				t.Error(err)
			}
			got <- string(m)
		}()
		if !waitFor(10*time.Second, func() bool { return parked(false) >= 1 }) {
			t.Fatal("receiver did not park")
		}
		// The receiver must wake and take it within 20 ms; allow a
		// slow (emulated) machine a few tries.
		var err error
		for i := 0; i < 20; i++ {
			if err = tx.TrySend([]byte("try")); err == nil {
				break
			}
		}
		if err != nil {
			t.Fatalf("TrySend to a parked receiver: %v", err)
		}
		if m := <-got; m != "try" {
			t.Fatalf("got %q", m)
		}
	})

	t.Run("cancel", func(t *testing.T) {
		ctx, cancel := context.WithCancel(bg)
		go func() { time.Sleep(50 * time.Millisecond); cancel() }()
		start := time.Now()
		if err := tx.Send(ctx, []byte("x")); !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled send: %v", err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("cancel took %v", d)
		}
		if err := tx.SetWriteDeadline(time.Now().Add(50 * time.Millisecond)); err != nil {
			t.Fatal(err)
		}
		if err := tx.Send(bg, []byte("x")); !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("send past deadline: %v", err)
		}
		tx.SetWriteDeadline(time.Time{})
		if m, err := rx.TryRecv(); !errors.Is(err, ErrEmpty) {
			t.Fatalf("TryRecv after cancelled sends: %q, %v", m, err)
		}
	})

	t.Run("order", func(t *testing.T) {
		const n = 20
		go func() {
			for i := 0; i < n; i++ {
				if err := tx.Send(bg, []byte(strconv.Itoa(i))); err != nil {
					t.Error(err)
					return
				}
			}
		}()
		for i := 0; i < n; i++ {
			expect(t, rx, strconv.Itoa(i))
		}
	})

	t.Run("batch", func(t *testing.T) {
		msgs := [][]byte{[]byte("b0"), []byte("b1"), []byte("b2")}
		done := make(chan error, 1)
		go func() {
			n, err := tx.SendBatch(bg, msgs)
			if err == nil && n != len(msgs) {
				err = fmt.Errorf("sent %d", n)
			}
			done <- err
		}()
		expect(t, rx, "b0", "b1", "b2")
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	})

	t.Run("receiver gone", func(t *testing.T) {
		tx, rx, err := Rendezvous(8)
		if err != nil {
			t.Fatal(err)
		}
		closeAll(t, tx, rx)
		done := make(chan error, 1)
		go func() { done <- tx.Send(bg, []byte("x")) }()
		time.Sleep(100 * time.Millisecond)
		rx.Close()
		if err := <-done; !errors.Is(err, ErrClosed) {
			t.Fatalf("send when the receiver left: %v", err)
		}
	})
}

func TestBroadcast(t *testing.T) {
	needDev(t)
	tx, rx1, err := Broadcast(16, 32)
	if err != nil {
		t.Fatal(err)
	}
	rx2, err := rx1.Subscribe()
	if err != nil {
		t.Fatal(err)
	}
	closeAll(t, tx, rx1, rx2)
	send(t, tx, "a", "b")
	rx3, err := rx1.Subscribe()
	if err != nil {
		t.Fatal(err)
	}
	closeAll(t, rx3)
	send(t, tx, "c")
	tx.Close()
	expect(t, rx1, "a", "b", "c")
	expect(t, rx2, "a", "b", "c")
	expect(t, rx3, "c")
	for _, rx := range []*Receiver{rx1, rx2, rx3} {
		expectEOF(t, rx)
	}
	if info, _ := rx1.Info(); info.Receivers != 3 || info.Received != 7 {
		t.Errorf("info %+v", info)
	}

	q, qr := queue(t, 2, 8)
	if _, err := qr.Subscribe(); !errors.Is(err, syscall.EINVAL) {
		t.Errorf("Subscribe on a queue: %v", err)
	}
	_ = q
}

func TestBroadcastLagged(t *testing.T) {
	needDev(t)
	tx, rx, err := Broadcast(4, 32, WithPolicy(PolicyOverwrite))
	if err != nil {
		t.Fatal(err)
	}
	brx, err := rx.Subscribe()
	if err != nil {
		t.Fatal(err)
	}
	closeAll(t, tx, rx, brx)
	for i := 0; i < 10; i++ {
		send(t, tx, "m"+strconv.Itoa(i))
	}
	_, err = rx.Recv(bg)
	var lag *LaggedError
	if !errors.As(err, &lag) || !errors.Is(err, syscall.EOVERFLOW) {
		t.Fatalf("recv of a lapped subscriber: %v", err)
	}
	if lag.Count != 6 {
		t.Fatalf("lagged by %d, want 6", lag.Count)
	}
	expect(t, rx, "m6", "m7", "m8", "m9")
	if _, err := rx.TryRecv(); !errors.Is(err, ErrEmpty) {
		t.Fatalf("after the ring: %v", err)
	}
	// It is reported once; the stream goes on.
	send(t, tx, "n")
	expect(t, rx, "n")

	// The same through batches: the gap first, then what is left.  This
	// subscriber also missed m6, pushed out by "n".
	if _, err := brx.RecvBatch(bg, 16); !errors.As(err, &lag) || lag.Count != 7 {
		t.Fatalf("batch recv of a lapped subscriber: %v", err)
	}
	b, err := brx.RecvBatch(bg, 16)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range b {
		got = append(got, string(m))
	}
	if strings.Join(got, ",") != "m7,m8,m9,n" {
		t.Fatalf("batch after the gap: %q", got)
	}
}

func TestOptions(t *testing.T) {
	needDev(t)
	tx, rx := queue(t, 4, 16, SingleProducer(), SingleConsumer(), WithPolicy(PolicyDropNewest))
	info, err := tx.Info()
	if err != nil {
		t.Fatal(err)
	}
	if !info.SingleProducer || !info.SingleConsumer || info.Policy != PolicyDropNewest || info.Role != RoleSend {
		t.Fatalf("info %+v", info)
	}
	send(t, tx, "sp")
	expect(t, rx, "sp")
	if _, _, err := Rendezvous(16, WithPolicy(PolicyFail)); !errors.Is(err, syscall.EINVAL) {
		t.Fatalf("rendezvous with PolicyFail: %v", err)
	}
}

func TestReqRep(t *testing.T) {
	needDev(t)
	t.Run("call and reply", func(t *testing.T) {
		cl, srv, err := ReqRep(8, 64)
		if err != nil {
			t.Fatal(err)
		}
		closeAll(t, cl, srv)
		served := make(chan error, 1)
		go func() {
			served <- srv.Serve(bg, func(req []byte) []byte {
				return bytes.ToUpper(req)
			})
		}()
		var wg sync.WaitGroup
		for g := 0; g < 8; g++ {
			wg.Add(1)
			go func(g int) {
				defer wg.Done()
				for i := 0; i < 20; i++ {
					req := fmt.Sprintf("req-%d-%d", g, i)
					rep, err := cl.Call(bg, []byte(req))
					if err != nil {
						t.Error(err)
						return
					}
					if want := strings.ToUpper(req); string(rep) != want {
						t.Errorf("reply %q, want %q", rep, want)
					}
				}
			}(g)
		}
		wg.Wait()
		if err := cl.CloseSend(); err != nil {
			t.Fatal(err)
		}
		if err := <-served; err != nil {
			t.Fatalf("Serve: %v", err)
		}
		if _, err := cl.Call(bg, []byte("late")); !errors.Is(err, ErrClosed) {
			t.Fatalf("call after CloseSend: %v", err)
		}
	})

	t.Run("ids and empty reply", func(t *testing.T) {
		cl, srv, err := ReqRep(8, 64)
		if err != nil {
			t.Fatal(err)
		}
		closeAll(t, cl, srv)
		// The server's second reply may come after the call returned:
		// the subtest waits for it, before its cleanup closes srv.
		served := make(chan struct{})
		go func() {
			defer close(served)
			req, err := srv.Recv(bg)
			if err != nil {
				t.Error(err)
				return
			}
			if req.ID == 0 || string(req.Data) != "ping" {
				t.Errorf("request %+v", req)
			}
			if err := srv.Reply(req.ID, nil); err != nil {
				t.Error(err)
			}
			if err := srv.Reply(req.ID, []byte("twice")); !errors.Is(err, ErrNoCall) {
				t.Errorf("second reply: %v", err)
			}
		}()
		rep, err := cl.Call(bg, []byte("ping"))
		<-served
		if err != nil || len(rep) != 0 {
			t.Fatalf("call: %q, %v", rep, err)
		}
	})

	t.Run("server gone", func(t *testing.T) {
		cl, srv, err := ReqRep(8, 64)
		if err != nil {
			t.Fatal(err)
		}
		closeAll(t, cl, srv)
		go func() {
			if _, err := srv.Recv(bg); err != nil {
				t.Error(err)
			}
			time.Sleep(50 * time.Millisecond)
			srv.Close()
		}()
		_, err = cl.Call(bg, []byte("hello?"))
		if !errors.Is(err, ErrServerGone) || !errors.Is(err, syscall.ECONNRESET) {
			t.Fatalf("call whose server left: %v", err)
		}
		if _, err := cl.Call(bg, []byte("anyone?")); !errors.Is(err, ErrClosed) {
			t.Fatalf("call without a server: %v", err)
		}
	})

	t.Run("cancel and deadline", func(t *testing.T) {
		cl, srv, err := ReqRep(8, 64)
		if err != nil {
			t.Fatal(err)
		}
		closeAll(t, cl, srv)
		// The server takes requests until its cleanup closes it (the
		// error then is expected: nothing is reported after the test).
		ids := make(chan uint64, 2)
		go func() {
			for {
				req, err := srv.Recv(bg)
				if err != nil {
					return
				}
				ids <- req.ID
			}
		}()
		// A call that gives up leaves nothing behind: if the server took
		// its request, a late reply finds no call; if not (a slow guest),
		// the request is skipped and counted as cancelled.
		gaveUp := func(what string, cancelled uint64) {
			t.Helper()
			select {
			case id := <-ids:
				if err := srv.Reply(id, []byte("too late")); !errors.Is(err, ErrNoCall) {
					t.Fatalf("reply to a %s call: %v", what, err)
				}
			case <-time.After(2 * time.Second):
				info, err := srv.Info()
				if err != nil || info.Cancelled != cancelled {
					t.Fatalf("%s call neither taken nor skipped: %+v, %v", what, info, err)
				}
			}
		}
		ctx, cancel := context.WithCancel(bg)
		go func() {
			<-time.After(200 * time.Millisecond)
			cancel()
		}()
		start := time.Now()
		if _, err := cl.Call(ctx, []byte("slow")); !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled call: %v", err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("cancel took %v", d)
		}
		gaveUp("cancelled", 1)
		before, err := srv.Info()
		if err != nil {
			t.Fatal(err)
		}
		ctx2, cancel2 := context.WithTimeout(bg, 100*time.Millisecond)
		defer cancel2()
		if _, err := cl.Call(ctx2, []byte("slower")); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("call past its deadline: %v", err)
		}
		gaveUp("timed-out", before.Cancelled+1)
	})

	t.Run("close client during call", func(t *testing.T) {
		cl, srv, err := ReqRep(8, 64)
		if err != nil {
			t.Fatal(err)
		}
		closeAll(t, srv)
		go func() {
			srv.Recv(bg)
			time.Sleep(100 * time.Millisecond)
			cl.Close()
		}()
		if _, err := cl.Call(bg, []byte("x")); !errors.Is(err, os.ErrClosed) {
			t.Fatalf("call on a closed client: %v", err)
		}
	})
}

func TestNamed(t *testing.T) {
	needDev(t)
	name := fmt.Sprintf("kchan-test-%d", os.Getpid())
	tx, rx, err := Create(name, KindQueue, 8, 64, 0600)
	if err != nil {
		t.Fatal(err)
	}
	closeAll(t, tx, rx)
	t.Cleanup(func() { Unlink(name) })

	_, _, err = Create(name, KindQueue, 8, 64, 0600)
	if !errors.Is(err, os.ErrExist) || !errors.Is(err, syscall.EEXIST) {
		t.Fatalf("second create: %v", err)
	}
	tx2, err := OpenSender(name)
	if err != nil {
		t.Fatal(err)
	}
	rx2, err := OpenReceiver(name)
	if err != nil {
		t.Fatal(err)
	}
	closeAll(t, tx2, rx2)
	send(t, tx2, "via open")
	expect(t, rx, "via open")
	send(t, tx, "via create")
	expect(t, rx2, "via create")
	info, err := rx2.Info()
	if err != nil {
		t.Fatal(err)
	}
	if info.Name != name || info.Kind != KindQueue || info.Mode != 0600 || info.Senders != 2 || info.Receivers != 2 {
		t.Errorf("info %+v", info)
	}

	// A named channel outlives its endpoints, like a message queue.
	tx.Close()
	tx2.Close()
	rx.Close()
	rx2.Close()
	tx3, err := OpenSender(name)
	if err != nil {
		t.Fatal(err)
	}
	closeAll(t, tx3)
	send(t, tx3, "kept")
	tx3.Close()
	rx3, err := OpenReceiver(name)
	if err != nil {
		t.Fatal(err)
	}
	closeAll(t, rx3)
	expect(t, rx3, "kept")

	if err := Unlink(name); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenSender(name); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("open after unlink: %v", err)
	}
	if err := Unlink(name); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("second unlink: %v", err)
	}
	// Unlinked and without senders: end of stream.
	expectEOF(t, rx3)

	if _, err := OpenSender(strings.Repeat("x", 64)); !errors.Is(err, syscall.ENAMETOOLONG) {
		t.Fatalf("long name: %v", err)
	}

	t.Run("rendezvous", func(t *testing.T) {
		name := fmt.Sprintf("kchan-test-rv-%d", os.Getpid())
		tx, rx, err := Create(name, KindRendezvous, 0, 16, 0600)
		if err != nil {
			t.Fatal(err)
		}
		closeAll(t, tx, rx)
		defer Unlink(name)
		otx, err := OpenSender(name)
		if err != nil {
			t.Fatal(err)
		}
		closeAll(t, otx)
		done := make(chan error, 1)
		go func() { done <- otx.Send(bg, []byte("rv")) }()
		expect(t, rx, "rv")
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	})

	t.Run("reqrep", func(t *testing.T) {
		name := fmt.Sprintf("kchan-test-rr-%d", os.Getpid())
		tx, rx, err := Create(name, KindReqRep, 4, 16, 0600)
		if err != nil {
			t.Fatal(err)
		}
		srv := NewServer(rx)
		closeAll(t, tx, srv)
		defer Unlink(name)
		cl, err := OpenClient(name)
		if err != nil {
			t.Fatal(err)
		}
		closeAll(t, cl)
		go srv.Serve(bg, func(b []byte) []byte { return append([]byte("re:"), b...) })
		rep, err := cl.Call(bg, []byte("q"))
		if err != nil || string(rep) != "re:q" {
			t.Fatalf("call: %q, %v", rep, err)
		}
	})
}

func TestRecvCancel(t *testing.T) {
	needDev(t)
	tx, rx := queue(t, 4, 16)

	ctx, cancel := context.WithCancel(bg)
	go func() { time.Sleep(50 * time.Millisecond); cancel() }()
	start := time.Now()
	if _, err := rx.Recv(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled recv: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("cancel took %v", d)
	}

	ctx2, cancel2 := context.WithTimeout(bg, 100*time.Millisecond)
	defer cancel2()
	if _, err := rx.Recv(ctx2); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("recv past ctx deadline: %v", err)
	}

	if err := rx.SetReadDeadline(time.Now().Add(100 * time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	_, err := rx.Recv(bg)
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("recv past read deadline: %v", err)
	}
	var oe *OpError
	if !errors.As(err, &oe) || !oe.Timeout() {
		t.Fatalf("%v is not a timeout OpError", err)
	}
	rx.SetReadDeadline(time.Time{})

	// Cancelling one of two waiting receives leaves the other waiting.
	ctx3, cancel3 := context.WithCancel(bg)
	errA := make(chan error, 1)
	gotB := make(chan string, 1)
	go func() { _, err := rx.Recv(ctx3); errA <- err }()
	go func() {
		m, err := rx.Recv(bg)
		if err != nil {
			t.Error(err)
		}
		gotB <- string(m)
	}()
	waitFor(10*time.Second, func() bool { return parked(true) >= 2 })
	cancel3()
	if err := <-errA; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled recv: %v", err)
	}
	select {
	case m := <-gotB:
		t.Fatalf("the other receive returned %q", m)
	case <-time.After(100 * time.Millisecond):
	}
	send(t, tx, "for B")
	select {
	case m := <-gotB:
		if m != "for B" {
			t.Fatalf("got %q", m)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the other receive never got its message")
	}

	// Everything back to normal.
	send(t, tx, "after")
	expect(t, rx, "after")
}

func TestSendCancel(t *testing.T) {
	needDev(t)
	tx, rx := queue(t, 1, 16)
	send(t, tx, "fill")
	ctx, cancel := context.WithCancel(bg)
	go func() { time.Sleep(50 * time.Millisecond); cancel() }()
	if err := tx.Send(ctx, []byte("x")); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled send: %v", err)
	}
	tx.SetWriteDeadline(time.Now().Add(50 * time.Millisecond))
	if err := tx.Send(bg, []byte("x")); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("send past deadline: %v", err)
	}
	tx.SetWriteDeadline(time.Time{})
	expect(t, rx, "fill")
	send(t, tx, "after")
	expect(t, rx, "after")
}

func TestSelect(t *testing.T) {
	needDev(t)
	tx, rx := queue(t, 4, 64)
	goch := make(chan string)
	go func() {
		time.Sleep(20 * time.Millisecond)
		goch <- "from go"
	}()
	go func() {
		send(t, tx, "kchan-1", "kchan-2", "kchan-3")
		tx.Close()
	}()
	var fromK []string
	fromGo := ""
	kc := rx.Chan()
	timeout := time.After(10 * time.Second)
	for kc != nil || fromGo == "" {
		select {
		case m, ok := <-kc:
			if !ok {
				kc = nil
				continue
			}
			fromK = append(fromK, string(m))
		case g := <-goch:
			fromGo = g
		case <-timeout:
			t.Fatalf("timed out: %q %q", fromK, fromGo)
		}
	}
	if strings.Join(fromK, ",") != "kchan-1,kchan-2,kchan-3" || fromGo != "from go" {
		t.Fatalf("got %q and %q", fromK, fromGo)
	}
	if err := rx.Err(); err != nil {
		t.Fatalf("Err after end of stream: %v", err)
	}

	t.Run("sender chan", func(t *testing.T) {
		tx, rx := queue(t, 2, 16)
		c := tx.Chan()
		go func() {
			for i := 0; i < 5; i++ {
				c <- []byte("s" + strconv.Itoa(i))
			}
			close(c)
		}()
		expect(t, rx, "s0", "s1", "s2", "s3", "s4")
		expectEOF(t, rx)
		<-tx.Done()
		if err := tx.Err(); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("receiver closed", func(t *testing.T) {
		_, rx := queue(t, 2, 16)
		c := rx.Chan()
		rx.Close()
		select {
		case _, ok := <-c:
			if ok {
				t.Fatal("message from nowhere")
			}
		case <-time.After(10 * time.Second):
			t.Fatal("Chan not closed by Close")
		}
		if err := rx.Err(); err != nil {
			t.Fatalf("Err after Close: %v", err)
		}
	})
}

func TestBatch(t *testing.T) {
	needDev(t)
	tx, rx := queue(t, 2048, 16)
	const n = 1500
	msgs := make([][]byte, n)
	for i := range msgs {
		msgs[i] = []byte("b" + strconv.Itoa(i))
	}
	sent, err := tx.SendBatch(bg, msgs)
	if err != nil || sent != n {
		t.Fatalf("SendBatch: %d, %v", sent, err)
	}
	tx.Close()
	var got [][]byte
	calls := 0
	for {
		b, err := rx.RecvBatch(bg, 700)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if len(b) == 0 || len(b) > 700 {
			t.Fatalf("batch of %d", len(b))
		}
		got = append(got, b...)
		calls++
	}
	if len(got) != n {
		t.Fatalf("received %d, want %d", len(got), n)
	}
	for i := range got {
		if !bytes.Equal(got[i], msgs[i]) {
			t.Fatalf("message %d: %q, want %q", i, got[i], msgs[i])
		}
	}
	if calls > 4 {
		t.Errorf("%d batches for %d messages", calls, n)
	}
}

// The example programs, when go_test.sh tells where build.sh put them.
func TestExamples(t *testing.T) {
	needDev(t)
	dir := os.Getenv("KCHAN_BIN")
	if dir == "" {
		t.Skip("KCHAN_BIN not set")
	}
	out, err := exec.Command(filepath.Join(dir, "hello")).CombinedOutput()
	if err != nil || string(out) != "hello\n" {
		t.Fatalf("hello: %q, %v", out, err)
	}

	name := fmt.Sprintf("kchan-test-produce-%d", os.Getpid())
	_, rx, err := Create(name, KindQueue, 64, 32, 0600)
	if err != nil {
		t.Fatal(err)
	}
	closeAll(t, rx)
	defer Unlink(name)
	go func() {
		out, err := exec.Command(filepath.Join(dir, "produce"), name, "100").CombinedOutput()
		if err != nil {
			t.Errorf("produce: %v: %s", err, out)
			rx.Close()
		}
	}()
	for i := 0; i < 100; i++ {
		expect(t, rx, "go-"+strconv.Itoa(i))
	}
	expectEOF(t, rx)
}
