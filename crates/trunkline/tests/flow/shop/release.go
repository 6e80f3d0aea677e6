package shop

// How this version behaves in production. The delivery_flow test's
// changes edit these: a bad release fails a share of requests, a broken
// one cannot start.
const (
	// ErrorEvery makes every n-th priced request fail with a 500 (0: none).
	ErrorEvery = 0
	// Starts is false when this version cannot start.
	Starts = true
)
