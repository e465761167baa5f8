// SPDX-License-Identifier: GPL-2.0
//
// gochan - Go's own channels in chanbench's scenarios, the in-process
// ceiling a cross-process kernel channel is compared with.
//
//	gochan STREAM_MSGS ROUND_TRIPS
//
// B2: one goroutine sends 64-byte values into a buffered channel (256
// slots, chanbench's ring) and main receives them; B3: 1, 2 and 4
// producers; B1: an unbuffered ping-pong of 64-byte values, p50 and p99
// of the round trip.  Each result is one line chanbench --ext reads:
//
//	ROW scenario transport mode size producers msgs/s p50_ns p99_ns cpu_ns/msg
//
// Standard library only.
package main

import (
	"fmt"
	"os"
	"sort"
	"strconv"
	"syscall"
	"time"
)

type msg [64]byte

func cpuNs() float64 {
	var r syscall.Rusage

	syscall.Getrusage(syscall.RUSAGE_SELF, &r)
	return float64(r.Utime.Nano() + r.Stime.Nano())
}

func row(sc, mode string, producers int, mps, p50, p99, cpu float64) {
	fmt.Printf("ROW %s go-chan %s 64 %d %.0f %.0f %.0f %.0f\n",
		sc, mode, producers, mps, p50, p99, cpu)
}

// stream: producers goroutines send n values in all; main receives.
func stream(sc string, producers, n int) {
	ch := make(chan msg, 256)
	per := n / producers
	c0 := cpuNs()
	t0 := time.Now()

	for p := 0; p < producers; p++ {
		go func() {
			var m msg

			for i := 0; i < per; i++ {
				m[0] = byte(i)
				ch <- m
			}
		}()
	}
	sum := 0
	for i := 0; i < per*producers; i++ {
		m := <-ch
		sum += int(m[0])
	}
	el := time.Since(t0).Seconds()
	total := float64(per * producers)
	row(sc, "buffered", producers, total/el, 0, 0,
		(cpuNs()-c0)/total)
	_ = sum
}

// pingPong: an unbuffered channel each way, the goroutine echoes.
func pingPong(n int) {
	ab, ba := make(chan msg), make(chan msg)
	lat := make([]float64, n)
	c0 := cpuNs()
	t0 := time.Now()

	go func() {
		for i := 0; i < n; i++ {
			ba <- <-ab
		}
	}()
	var m msg
	for i := 0; i < n; i++ {
		s := time.Now()
		ab <- m
		m = <-ba
		lat[i] = float64(time.Since(s).Nanoseconds())
	}
	el := time.Since(t0).Seconds()
	sort.Float64s(lat)
	row("B1", "unbuffered", 1, float64(n)/el, lat[n/2],
		lat[int(0.99*float64(n-1))], (cpuNs()-c0)/float64(n))
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: gochan STREAM_MSGS ROUND_TRIPS")
		os.Exit(2)
	}
	n, err1 := strconv.Atoi(os.Args[1])
	r, err2 := strconv.Atoi(os.Args[2])
	if err1 != nil || err2 != nil || n < 4 || r < 2 {
		fmt.Fprintln(os.Stderr, "gochan: bad counts")
		os.Exit(2)
	}
	pingPong(r)
	stream("B2", 1, n)
	for _, p := range []int{1, 2, 4} {
		stream("B3", p, n)
	}
}
