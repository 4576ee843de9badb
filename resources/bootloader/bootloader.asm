; bootloader.asm: Bootlab's BIOS bootloader, assembled as one unit by Bootlab's assembler
; (src-main/asm) into [MBR][stage2 sectors][stage3 sectors]: the BIOS loads the MBR, the MBR
; loads stage2 through the BIOS, stage2 loads stage3, the plan and the payload (by DMA when it can). The image writer (src-main/image/disk.ts)
; fills in the partition table and appends the load plan and the payload after loader_end.
; Entry: the BIOS jumps to 0x7C00 (stage1.asm). Exit: the kernel's entry point in long mode
; with the CPU state of BOOT-CONTRACT.md section 5 (stage3.asm).

    org 0x7C00
%include "layout.inc"
%include "stage1.asm"
%include "stage2.asm"
    times (512 - (($ - $$) % 512)) % 512 db 0
stage3_start:
%include "stage3.asm"

    times (512 - (($ - $$) % 512)) % 512 db 0
loader_end:
