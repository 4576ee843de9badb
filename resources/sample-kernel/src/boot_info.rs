//! The `bootloader` 0.9 BootInfo layout with the `map_physical_memory` feature (all repr(C)).
//! Bootlab reads `[package.metadata.bootlab] features` in Cargo.toml to pick this layout.

#[repr(C)]
pub struct BootInfo {
    pub memory_map: MemoryMap,
    pub physical_memory_offset: u64,
    pub tls_template: TlsTemplate,
    _non_exhaustive: u8,
}

#[repr(C)]
pub struct TlsTemplate {
    pub start_addr: u64,
    pub file_size: u64,
    pub mem_size: u64,
}

const MAX_MEMORY_MAP_SIZE: usize = 64;

#[repr(C)]
pub struct MemoryMap {
    entries: [MemoryRegion; MAX_MEMORY_MAP_SIZE],
    next_entry_index: u64,
}

impl MemoryMap {
    pub fn len(&self) -> usize {
        (self.next_entry_index as usize).min(MAX_MEMORY_MAP_SIZE)
    }

    pub fn iter(&self) -> core::slice::Iter<'_, MemoryRegion> {
        self.entries[..self.len()].iter()
    }
}

#[derive(Clone, Copy)]
#[repr(C)]
pub struct MemoryRegion {
    pub range: FrameRange,
    /// A `MemoryRegionType` value, kept as u32 so that an unexpected value is not UB.
    pub region_type: u32,
}

#[derive(Clone, Copy)]
#[repr(C)]
pub struct FrameRange {
    pub start_frame_number: u64,
    pub end_frame_number: u64,
}

impl FrameRange {
    pub fn start_addr(&self) -> u64 {
        self.start_frame_number * 4096
    }

    pub fn end_addr(&self) -> u64 {
        self.end_frame_number * 4096
    }
}

#[allow(dead_code)]
#[derive(Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
pub enum MemoryRegionType {
    Usable = 0,
    InUse = 1,
    Reserved = 2,
    AcpiReclaimable = 3,
    AcpiNvs = 4,
    BadMemory = 5,
    Kernel = 6,
    KernelStack = 7,
    PageTable = 8,
    Bootloader = 9,
    FrameZero = 10,
    Empty = 11,
    BootInfo = 12,
    Package = 13,
}

pub fn type_name(value: u32) -> &'static str {
    const NAMES: [&str; 14] = [
        "Usable",
        "InUse",
        "Reserved",
        "AcpiReclaimable",
        "AcpiNvs",
        "BadMemory",
        "Kernel",
        "KernelStack",
        "PageTable",
        "Bootloader",
        "FrameZero",
        "Empty",
        "BootInfo",
        "Package",
    ];
    NAMES.get(value as usize).copied().unwrap_or("Unknown")
}

// The layout must match the bootloader's: 1584 bytes with map_physical_memory.
const _: () = assert!(core::mem::size_of::<MemoryRegion>() == 24);
const _: () = assert!(core::mem::size_of::<MemoryMap>() == 1544);
const _: () = assert!(core::mem::size_of::<BootInfo>() == 1584);
