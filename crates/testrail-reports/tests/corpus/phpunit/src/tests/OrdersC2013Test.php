<?php
use PHPUnit\Framework\TestCase;

final class OrdersC2013Test extends TestCase
{
    public static function setUpBeforeClass(): void
    {
        throw new RuntimeException('db fixture could not connect');
    }

    public function testC2014ListsOrders(): void
    {
        $this->assertTrue(true);
    }
}
