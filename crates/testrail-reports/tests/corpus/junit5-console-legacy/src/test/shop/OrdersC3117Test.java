package shop;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class OrdersC3117Test {
    @BeforeAll
    static void connect() {
        throw new IllegalStateException("db fixture could not connect");
    }

    @Test
    void test_C3118_listsOrders() {
    }
}
