package orders

import "testing"

func TestC2110OrdersListed(t *testing.T) {}

func TestC2111OrdersPanics(t *testing.T) {
	var m map[string]int
	m["db fixture could not connect"] = 1 // nil map write panics
}

func TestC2112NeverRuns(t *testing.T) {}
