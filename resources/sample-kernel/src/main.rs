//! The Bootlab sample kernel.
//!
//! A kernel in the style of "Writing an OS in Rust", written against the BootInfo layout of the
//! `bootloader` 0.9 crate with the `map_physical_memory` feature. It has no crates.io
//! dependencies: the BootInfo types are defined in `boot_info.rs`, the port I/O in `port.rs`.
//!
//! It prints a greeting on the VGA text screen and on the serial port COM1, its memory map one
//! region per line (`region 0xSTART..0xEND TYPE`), a few virtual-to-physical translations
//! through the physical memory offset, and then writes the success code 0x10 to port 0xf4.
//! With QEMU's `-device isa-debug-exit,iobase=0xf4,iosize=0x04` that ends the run with status
//! 33 (what `[package.metadata.bootimage] test-success-exit-code` expects); without the device
//! the write does nothing and the kernel halts, leaving its output on the screen.

#![no_std]
#![no_main]

mod boot_info;
mod port;
mod serial;
mod vga;

use boot_info::{BootInfo, MemoryRegionType};
use core::fmt::Write;
use core::panic::PanicInfo;

/// Prints to both the serial port and the VGA text screen.
macro_rules! println {
    ($($arg:tt)*) => {{
        let _ = writeln!($crate::Both, $($arg)*);
    }};
}

/// A writer that sends text to the serial port and the VGA screen.
pub struct Both;

impl core::fmt::Write for Both {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        serial::write_str(s);
        vga::write_str(s);
        Ok(())
    }
}

/// The kernel's entry point. The bootloader calls it with RDI = the BootInfo's address,
/// exactly like `bootloader::entry_point!` does.
#[no_mangle]
pub extern "C" fn _start(boot_info: &'static BootInfo) -> ! {
    serial::init();
    vga::clear();

    println!("Hello from the Bootlab sample kernel!");
    println!("boot info at {:#x}", boot_info as *const BootInfo as usize);
    println!("physical memory offset {:#x}", boot_info.physical_memory_offset);

    let map = &boot_info.memory_map;
    let mut usable: u64 = 0;
    println!("memory map: {} regions", map.len());
    for region in map.iter() {
        let start = region.range.start_addr();
        let end = region.range.end_addr();
        if region.region_type == MemoryRegionType::Usable as u32 {
            usable += end - start;
        }
        println!("region {:#x}..{:#x} {}", start, end, boot_info::type_name(region.region_type));
    }
    println!("usable memory: {} KiB", usable / 1024);

    // A few translations through the page tables, read via the physical memory offset.
    let stack_variable = 0u64;
    let addresses: [(&str, u64); 4] = [
        ("vga buffer", 0xb8000),
        ("kernel code", _start as *const () as usize as u64),
        ("boot info", boot_info as *const BootInfo as u64),
        ("stack", &stack_variable as *const u64 as u64),
    ];
    for (what, virt) in addresses {
        match translate(virt, boot_info.physical_memory_offset) {
            Some(phys) => println!("translate {:#x} -> {:#x} ({})", virt, phys, what),
            None => println!("translate {:#x} -> unmapped ({})", virt, what),
        }
    }
    println!("The sample kernel is done.");

    exit_qemu(QemuExitCode::Success);
    halt()
}

/// Walks the 4-level page tables (CR3) through the physical memory mapping.
fn translate(virt: u64, physical_memory_offset: u64) -> Option<u64> {
    let cr3: u64;
    // SAFETY: reading CR3 has no side effects.
    unsafe { core::arch::asm!("mov {}, cr3", out(reg) cr3, options(nomem, nostack, preserves_flags)) };
    let mut table = cr3 & 0x000f_ffff_ffff_f000;
    let indexes = [(virt >> 39) & 511, (virt >> 30) & 511, (virt >> 21) & 511, (virt >> 12) & 511];
    for (level, index) in indexes.iter().enumerate() {
        let entry_address = physical_memory_offset + table + index * 8;
        // SAFETY: the bootloader maps all physical memory at `physical_memory_offset`.
        let entry = unsafe { core::ptr::read_volatile(entry_address as *const u64) };
        if entry & 1 == 0 {
            return None;
        }
        let frame = entry & 0x000f_ffff_ffff_f000;
        let huge = entry & (1 << 7) != 0;
        match (level, huge) {
            (1, true) => return Some((frame & !0x3fff_ffff) + (virt & 0x3fff_ffff)),
            (2, true) => return Some((frame & !0x1f_ffff) + (virt & 0x1f_ffff)),
            (3, _) => return Some(frame + (virt & 0xfff)),
            _ => table = frame,
        }
    }
    None
}

#[derive(Clone, Copy)]
#[repr(u32)]
enum QemuExitCode {
    Success = 0x10,
    Failed = 0x11,
}

/// Writes to QEMU's isa-debug-exit port; without that device nothing happens.
fn exit_qemu(code: QemuExitCode) {
    // SAFETY: port 0xf4 is unused on a PC without the debug-exit device.
    unsafe { port::outl(0xf4, code as u32) };
}

fn halt() -> ! {
    loop {
        // SAFETY: halting until the next interrupt has no other effect.
        unsafe { core::arch::asm!("hlt", options(nomem, nostack)) };
    }
}

#[panic_handler]
fn panic(info: &PanicInfo) -> ! {
    let _ = writeln!(Both, "[failed]\nKernel {}", info);
    exit_qemu(QemuExitCode::Failed);
    halt()
}
