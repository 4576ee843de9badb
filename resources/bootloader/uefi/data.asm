; data.asm: the EFI application's variables, buffers, GUIDs and messages (.data section).
; Buffers are zeros in the file (a few KiB) rather than a .bss tail, so every label is an
; ordinary RIP-relative target.

    align 8
image_handle:   dq 0
system_table:   dq 0
boot_services:  dq 0
con_out:        dq 0
loaded_image:   dq 0
simple_fs:      dq 0
fs_root:        dq 0
alloc_address:  dq 0
plan_file_size: dq 0
map_buf:        dq 0
map_size:       dq 0
map_capacity:   dq 0
map_key:        dq 0
desc_size:      dq 0
desc_version:   dq 0
exit_retries:   dq 0
tsc_entry:      dq 0                ; TSC at efi_main, for stage3's host log (stage "loader")
tsc_plan:       dq 0
tsc_payload:    dq 0
conout_live:    db 0                ; 1 while ConOut may be called
    align 8
gop:            dq 0
gop_info:       dq 0
gop_info_size:  dq 0
; The framebuffer gop.asm found, laid out as VARS' fb_* fields (layout.inc): handoff.asm zeroes
; VARS and then copies this block there. All zero: no framebuffer.
FB_VARS_SIZE equ fb_mode_tsc + 8 - fb_base
fb_vars:        times FB_VARS_SIZE db 0

; EFI_GUIDs as stored: u32, u16, u16, then 8 bytes.
    align 8
guid_loaded_image:
    dd 0x5B1B31A1
    dw 0x9562, 0x11D2
    db 0x8E, 0x3F, 0x00, 0xA0, 0xC9, 0x69, 0x72, 0x3B
guid_simple_fs:
    dd 0x964E5B22
    dw 0x6459, 0x11D2
    db 0x8E, 0x39, 0x00, 0xA0, 0xC9, 0x69, 0x72, 0x3B
guid_gop:
    dd 0x9042A9DE
    dw 0x23DC, 0x4A38
    db 0x96, 0xFB, 0x7A, 0xDE, 0xD0, 0x80, 0x51, 0x6A
guid_file_info:
    dd 0x09576E92
    dw 0x6D3F, 0x11D2
    db 0x8E, 0x39, 0x00, 0xA0, 0xC9, 0x69, 0x72, 0x3B

UCS2_CHARS equ 600
    align 8
ucs2_buf:       times UCS2_CHARS dw 0
name_buf:       times 64 dw 0
file_info:      times FINFO_BUF_SIZE db 0
hex_buf:        times 24 db 0
MSG_BUF_SIZE equ 512
msg_buf:        times MSG_BUF_SIZE db 0
msg_cursor:     dq 0

; Names as src-main/image/disk.ts ESP_PATHS writes them.
path_plan:      db "\BOOTLAB\PLAN.BIN", 0
path_kernel:    db "\BOOTLAB\KERNEL.BIN", 0

msg_hello:          db "Bootlab UEFI loader", 10, 0
msg_no_vga320:      db "Bootlab: VGA mode 0x13 (the vga_320x200 feature) does not exist under UEFI", 10, 0
msg_no_vga_exiting: db "Bootlab: UEFI has no VGA text mode: what the kernel writes to the VGA text buffer (0xB8000) is not shown; serial output is unaffected", 10
msg_exiting:        db "Bootlab: plan and kernel read, exiting boot services", 10, 0
msg_exited:         db "Bootlab: boot services exited, building the kernel's page tables", 10, 0
msg_prefix:         db "Bootlab: ", 0
msg_no_gop:         db "Bootlab: this firmware has no graphics output (GOP): the kernel gets no framebuffer", 10, 0
msg_gop_no_fit:     db "Bootlab: no graphics mode has the kernel's minimum framebuffer size; the current mode stays", 10, 0
msg_gop_set_mode:   db "the firmware could not set the graphics mode the kernel's minimum framebuffer size asks for (GOP SetMode)", 0
msg_gop_bitmask:    db "the firmware's graphics mode has a bit-mask pixel format (GOP PixelBitMask), not the RGB or BGR bytes a bootloader_api kernel's framebuffer needs", 0
msg_gop_blt_only:   db "the firmware's graphics mode has no linear framebuffer (GOP PixelBltOnly), which a bootloader_api kernel needs", 0
msg_stopped:        db 10, "Bootlab: the UEFI loader stopped here.", 10, 0
msg_colon:          db ": ", 0
msg_status_open:    db " (EFI status ", 0
msg_status_close:   db ")", 0
msg_status_other:   db "error", 0
msg_above_4g:       db "the firmware loaded this EFI application above 4 GiB; the loader must run below 4 GiB", 0
msg_no_loaded_image: db "the firmware gave this application no LoadedImage protocol", 0
msg_no_simple_fs:   db "the partition this application was loaded from has no file system the firmware can read", 0
msg_open_volume:    db "cannot open the boot partition's root directory", 0
msg_open_file:      db "cannot open the boot partition's ", 0
msg_file_info:      db "cannot get the size of ", 0
msg_read_file:      db "cannot read ", 0
msg_short_read:     db "the boot partition's file ended early: ", 0
msg_low_area:       db "the memory the loader needs at 0x5000-0x37FFF is in use by the firmware", 0
msg_payload_area:   db "the kernel's memory from 1 MiB (0x100000) is in use by the firmware", 0
msg_bad_plan_size:  db "corrupt image: bad load plan size in \BOOTLAB\PLAN.BIN", 0
msg_bad_magic:      db "corrupt image: \BOOTLAB\PLAN.BIN is no load plan (bad magic)", 0
msg_bad_version:    db "corrupt image: unsupported load plan version in \BOOTLAB\PLAN.BIN", 0
msg_bad_plan_sum:   db "corrupt image: load plan checksum mismatch in \BOOTLAB\PLAN.BIN", 0
msg_kernel_short:   db "corrupt image: \BOOTLAB\KERNEL.BIN is shorter than the plan's payload", 0
msg_memory_map:     db "GetMemoryMap failed", 0
msg_map_pool:       db "no memory for the UEFI memory map", 0
msg_exit_failed:    db "ExitBootServices failed", 0
msg_map_too_big:    db "the UEFI memory map has more than 128 regions after merging", 0
msg_no_low_memory:  db "the UEFI memory map has no usable memory at 1 MiB", 0

; EFI status names by error code (the status without bit 63); offsets from status_names.
    align 8
status_names:
    dq sn_success - status_names, sn_load_error - status_names, sn_invalid_parameter - status_names
    dq sn_unsupported - status_names, sn_bad_buffer_size - status_names, sn_buffer_too_small - status_names
    dq sn_not_ready - status_names, sn_device_error - status_names, sn_write_protected - status_names
    dq sn_out_of_resources - status_names, sn_volume_corrupted - status_names, sn_volume_full - status_names
    dq sn_no_media - status_names, sn_media_changed - status_names, sn_not_found - status_names
    dq sn_access_denied - status_names
STATUS_NAMES equ ($ - status_names) / 8
sn_success:          db "Success", 0
sn_load_error:       db "Load Error", 0
sn_invalid_parameter: db "Invalid Parameter", 0
sn_unsupported:      db "Unsupported", 0
sn_bad_buffer_size:  db "Bad Buffer Size", 0
sn_buffer_too_small: db "Buffer Too Small", 0
sn_not_ready:        db "Not Ready", 0
sn_device_error:     db "Device Error", 0
sn_write_protected:  db "Write Protected", 0
sn_out_of_resources: db "Out of Resources", 0
sn_volume_corrupted: db "Volume Corrupted", 0
sn_volume_full:      db "Volume Full", 0
sn_no_media:         db "No Media", 0
sn_media_changed:    db "Media Changed", 0
sn_not_found:        db "Not Found", 0
sn_access_denied:    db "Access Denied", 0
