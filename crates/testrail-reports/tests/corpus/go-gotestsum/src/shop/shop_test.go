package shop

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

func TestC2101LoginOk(t *testing.T) {
	if 1+1 != 2 {
		t.Fatal("math broke")
	}
}

func TestC2102_LoginWrongPassword(t *testing.T) {
	got, want := "denied", "granted"
	if got != want {
		t.Errorf("expected login to be granted for bad password: got %q want %q", got, want)
	}
}

func TestC2103CheckoutError(t *testing.T) {
	err := errors.New("payment gateway timeout")
	t.Fatalf("checkout: %v", err)
}

func TestC2104CouponApplies(t *testing.T) {
	t.Skip("coupon service not deployed")
}

func TestCartTotals_C2105_C2106(t *testing.T) {
	if Price(12) != 120 {
		t.Fatal("wrong total")
	}
}

func TestLogoutWithoutCaseID(t *testing.T) {
	t.Log("logged out <a&b>")
}

func TestC2107PriceForQty(t *testing.T) {
	for _, tc := range []struct{ qty, want int }{{1, 10}, {3, 31}} {
		t.Run(fmt.Sprintf("C2108 qty %d", tc.qty), func(t *testing.T) {
			if got := Price(tc.qty); got != tc.want {
				t.Errorf("price mismatch for qty=%d: got %d want %d", tc.qty, got, tc.want)
			}
		})
	}
}

func TestC2109FlakySearch(t *testing.T) {
	marker := filepath.Join(os.TempDir(), "gotestsum-gen-c2109.marker")
	if _, err := os.Stat(marker); err != nil {
		_ = os.WriteFile(marker, []byte("1"), 0o644)
		t.Fatal("search index not ready")
	}
}
