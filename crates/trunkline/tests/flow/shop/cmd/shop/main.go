// Command shop serves prices on 127.0.0.1, with /health and Prometheus
// /metrics (requests and errors counted).
package main

import (
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"sync/atomic"

	"example.com/shop"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "listen address")
	version := flag.String("version", "dev", "the deployed ref")
	flag.Parse()
	if !shop.Starts {
		fmt.Fprintf(os.Stderr, "shop %s: this version cannot start\n", *version)
		os.Exit(1)
	}
	var requests, errors uint64
	every := uint64(shop.ErrorEvery)
	http.HandleFunc("/health", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "ok %s\n", *version)
	})
	http.HandleFunc("/metrics", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "# TYPE shop_http_requests_total counter\nshop_http_requests_total %d\n", atomic.LoadUint64(&requests))
		fmt.Fprintf(w, "# TYPE shop_http_errors_total counter\nshop_http_errors_total %d\n", atomic.LoadUint64(&errors))
	})
	http.HandleFunc("/price", func(w http.ResponseWriter, r *http.Request) {
		n := atomic.AddUint64(&requests, 1)
		if every > 0 && n%every == 0 {
			atomic.AddUint64(&errors, 1)
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		fmt.Fprintf(w, "%d\n", shop.Price(250, 3))
	})
	log.Fatal(http.ListenAndServe(*addr, nil))
}
