// SPDX-License-Identifier: GPL-2.0

// Package kchan is the Go binding of chan, the Linux kernel module of
// message channels on lock-free rings (/dev/chan, include/uapi/linux/chan.h,
// chan(4)).  The package is called kchan, not chan, because chan is a Go
// keyword: no package can be named after it, and kchan (kernel channel)
// also keeps it apart from Go's own channels, which it works alongside.
//
// A channel is a pair of endpoints, a *Sender and a *Receiver (for the
// request/reply kind a *Client and a *Server).  Each Send sends one
// message and each Recv receives one whole message; Recv returns io.EOF
// at end of stream, once the channel is closed for sending (every Sender
// of an anonymous channel closed, or CloseSend) and drained:
//
//	tx, rx, err := kchan.Queue(64, 256)
//	...
//	tx.Send(ctx, []byte("hello"))
//	tx.Close()
//	for {
//		msg, err := rx.Recv(ctx)
//		if err == io.EOF {
//			break
//		}
//		...
//	}
//
// The kinds are Queue, Oneshot, Rendezvous, Broadcast and ReqRep; Create,
// OpenSender, OpenReceiver and Unlink work with named channels that other
// processes can open.  Only the standard library is used.
//
// # Goroutines, not threads
//
// Endpoints are *os.File values on non-blocking descriptors, which
// os.NewFile registers with Go's runtime poller: a Recv, Send or
// Server.Recv that has to wait parks its goroutine until the descriptor is
// ready, and a thousand goroutines blocked on a thousand channels use no
// more OS threads than an idle program.  Two operations must wait inside
// the kernel, and hold an OS thread while they do: Client.Call waiting for
// its reply, and a rendezvous Send waiting for a receiver to take its
// message (see Sender.Send for why).
//
// # Cancellation and deadlines
//
// Every blocking method takes a context.Context; a done context unblocks
// it and makes it return ctx.Err().  SetReadDeadline and SetWriteDeadline
// set deadlines as on net.Conn, which make waiting operations fail with
// os.ErrDeadlineExceeded.  Errors are *OpError values (or io.EOF, or a
// *LaggedError) that wrap sentinel errors such as ErrClosed and ErrFull,
// which in turn wrap the syscall.Errno: errors.Is(err, kchan.ErrClosed)
// and errors.Is(err, syscall.EPIPE) both hold after a send without
// receivers.
//
// # Go channels
//
// Receiver.Chan and Sender.Chan adapt endpoints to Go channels, with a
// goroutine moving the messages, so that chan channels can take part in a
// select with Go channels.
package kchan
