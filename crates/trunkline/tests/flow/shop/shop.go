// Package shop prices baskets.
package shop

// Price is the price in cents of qty items at cents each; ten or more
// items cost a tenth less.
func Price(cents, qty int) int {
	total := cents * qty
	if qty >= 10 {
		total = total * 9 / 10
	}
	return total
}
