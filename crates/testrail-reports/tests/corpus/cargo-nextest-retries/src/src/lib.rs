pub fn price(qty: u32) -> u32 {
    qty * 10
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c1001_login_ok() {
        assert_eq!(1 + 1, 2);
    }

    #[test]
    fn c1002_login_wrong_password() {
        assert_eq!("denied", "granted", "expected login to be granted for bad password");
    }

    #[test]
    fn c1003_checkout_panics() {
        let gateway: Option<&str> = None;
        gateway.expect("payment gateway timeout");
    }

    #[test]
    #[ignore = "coupon service not deployed"]
    fn c1004_coupon_applies() {}

    #[test]
    fn c1005_c1006_cart_total_and_tax() {
        assert_eq!(price(12), 120);
    }

    #[test]
    fn logout_no_case_id() {}

    #[test]
    fn c1007_price_for_qty_3() {
        assert_eq!(price(3), 31, "price mismatch for qty=3");
    }

    #[test]
    #[should_panic(expected = "negative quantity")]
    fn c1008_rejects_negative_qty() {
        // panics with a different message than expected -> failure
        panic!("quantity overflow");
    }

    #[test]
    fn c1009_returns_err() -> Result<(), String> {
        Err("order store unavailable".to_string())
    }
}
