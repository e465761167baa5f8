// SPDX-License-Identifier: GPL-2.0

// Command produce feeds an existing named channel:
//
//	produce NAME COUNT
//
// opens NAME for sending, sends COUNT messages "go-0", "go-1", ..., closes
// the channel for sending (CHAN_IOC_CLOSE, so that its receivers see end
// of stream) and exits 0.
package main

import (
	"context"
	"fmt"
	"os"
	"strconv"

	"kchan"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: produce NAME COUNT")
		os.Exit(2)
	}
	count, err := strconv.Atoi(os.Args[2])
	if err != nil || count < 0 {
		fmt.Fprintf(os.Stderr, "produce: bad COUNT %q\n", os.Args[2])
		os.Exit(2)
	}
	tx, err := kchan.OpenSender(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "produce:", err)
		os.Exit(1)
	}
	ctx := context.Background()
	for i := 0; i < count; i++ {
		if err := tx.Send(ctx, []byte("go-"+strconv.Itoa(i))); err != nil {
			fmt.Fprintln(os.Stderr, "produce:", err)
			os.Exit(1)
		}
	}
	if err := tx.CloseSend(); err != nil {
		fmt.Fprintln(os.Stderr, "produce:", err)
		os.Exit(1)
	}
	if err := tx.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "produce:", err)
		os.Exit(1)
	}
}
