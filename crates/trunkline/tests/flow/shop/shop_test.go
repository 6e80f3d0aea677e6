package shop

import "testing"

func TestPrice(t *testing.T) {
	if got := Price(250, 3); got != 750 {
		t.Fatalf("Price(250, 3) = %d, want 750", got)
	}
	if got := Price(100, 10); got != 900 {
		t.Fatalf("Price(100, 10) = %d, want 900", got)
	}
}
