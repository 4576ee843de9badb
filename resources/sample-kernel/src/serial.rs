//! A 16550 UART on COM1 (port 0x3F8), polled.

use crate::port::{inb, outb};

const COM1: u16 = 0x3f8;

pub fn init() {
    // SAFETY: the standard COM1 initialisation sequence.
    unsafe {
        outb(COM1 + 1, 0x00); // interrupts off
        outb(COM1 + 3, 0x80); // DLAB on
        outb(COM1, 0x03); // 38400 baud
        outb(COM1 + 1, 0x00);
        outb(COM1 + 3, 0x03); // 8 bits, no parity, one stop bit
        outb(COM1 + 2, 0xc7); // FIFO on, cleared
        outb(COM1 + 4, 0x0b); // DTR, RTS, OUT2
    }
}

fn write_byte(byte: u8) {
    // SAFETY: polling the line status register, then writing the data register.
    unsafe {
        // Wait as long as it takes: under a loaded host QEMU's UART can stay busy for a long
        // time, and a bounded wait drops bytes (and so lines of the memory map).
        while inb(COM1 + 5) & 0x20 == 0 {
            core::hint::spin_loop();
        }
        outb(COM1, byte);
    }
}

pub fn write_str(s: &str) {
    for byte in s.bytes() {
        write_byte(byte);
    }
}
