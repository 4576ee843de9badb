//! The VGA text screen at 0xB8000 (80x25, identity mapped by the bootloader), with scrolling.

use core::sync::atomic::{AtomicUsize, Ordering};

const BUFFER: *mut u16 = 0xb8000 as *mut u16;
const WIDTH: usize = 80;
const HEIGHT: usize = 25;
const COLOR: u16 = 0x0f00; // white on black

// The cursor position (row is always the last one used); a kernel without threads needs no lock.
static ROW: AtomicUsize = AtomicUsize::new(0);
static COL: AtomicUsize = AtomicUsize::new(0);

fn put(row: usize, col: usize, value: u16) {
    // SAFETY: row < HEIGHT and col < WIDTH keep this inside the 4000-byte text buffer.
    unsafe { BUFFER.add(row * WIDTH + col).write_volatile(value) };
}

fn get(row: usize, col: usize) -> u16 {
    // SAFETY: as in `put`.
    unsafe { BUFFER.add(row * WIDTH + col).read_volatile() }
}

pub fn clear() {
    for row in 0..HEIGHT {
        for col in 0..WIDTH {
            put(row, col, COLOR | b' ' as u16);
        }
    }
    ROW.store(0, Ordering::Relaxed);
    COL.store(0, Ordering::Relaxed);
}

fn new_line() {
    let row = ROW.load(Ordering::Relaxed);
    if row + 1 < HEIGHT {
        ROW.store(row + 1, Ordering::Relaxed);
    } else {
        for r in 1..HEIGHT {
            for c in 0..WIDTH {
                put(r - 1, c, get(r, c));
            }
        }
        for c in 0..WIDTH {
            put(HEIGHT - 1, c, COLOR | b' ' as u16);
        }
    }
    COL.store(0, Ordering::Relaxed);
}

pub fn write_str(s: &str) {
    for byte in s.bytes() {
        match byte {
            b'\n' => new_line(),
            byte => {
                if COL.load(Ordering::Relaxed) >= WIDTH {
                    new_line();
                }
                let byte = if (0x20..0x7f).contains(&byte) { byte } else { 0xfe };
                put(ROW.load(Ordering::Relaxed), COL.load(Ordering::Relaxed), COLOR | byte as u16);
                COL.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}
