; stage3-blob.asm: stage3 (the long-mode half of the BIOS loader) as a blob for the UEFI loader.
; Assembled on its own, at the address where the BIOS path runs stage3's code (org 0x7C00, so
; stage3's identity map of CODE_START..loader_code_end and its absolute addresses hold), and
; embedded in BOOTX64.EFI (bootx64.asm, `incbin "uefi/stage3-blob.bin"`), which copies it to
; 0x7C00 after ExitBootServices.
; On entry (long_entry, reached by a far return from handoff.asm): as stage3.asm says, with the
;           bootstrap identity map at BOOT_PML4, the plan at PLAN, the payload at PAYLOAD_PHYS,
;           the E820-style map (translated from the UEFI map) at E820_BUF, VARS filled in.
; On exit:  the kernel's entry, as stage3.asm says.
; The header's layout is read by handoff.asm: keep HDR_* in step.

    org 0x7C00
    bits 64
%include "layout.inc"

blob_header:
    dq long_entry                 ; HDR_ENTRY: where the far return lands (CS = SEL_CODE64)
    dq gdt_desc                   ; HDR_GDTR: the 10-byte GDTR image for lgdt
    align 8
; The same selectors as stage2's GDT: stage3 and its IDT gates assume them.
gdt:
    dq 0
    dq 0x00AF9B000000FFFF         ; 0x08: 64-bit code, accessed
    dq 0x00CF93000000FFFF         ; 0x10: flat data, 4 GiB, accessed
gdt_end:
gdt_desc:
    dw gdt_end - gdt - 1
    dq gdt
    align 8
; stage3 loads this zero-length IDT for the kernel (stage2 defines it on the BIOS path).
idt_null:
    dw 0
    dq 0
; stage3's fail64 shares these texts with stage1 on the BIOS path.
msg_prefix: db "Bootlab: ", 0
msg_error:  db "error ", 0
    align 16
%include "stage3.asm"
