// SPDX-License-Identifier: GPL-2.0

// Command hello is the smallest use of kchan: it creates a queue, sends
// "hello" through it and prints what it receives.
package main

import (
	"context"
	"fmt"
	"log"

	"kchan"
)

func main() {
	tx, rx, err := kchan.Queue(16, 256)
	if err != nil {
		log.Fatal(err)
	}
	defer rx.Close()
	ctx := context.Background()
	if err := tx.Send(ctx, []byte("hello")); err != nil {
		log.Fatal(err)
	}
	tx.Close() // the last sender: end of stream after "hello"
	msg, err := rx.Recv(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(msg))
}
