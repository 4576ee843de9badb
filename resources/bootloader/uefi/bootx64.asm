; bootx64.asm: Bootlab's UEFI loader, EFI/BOOT/BOOTX64.EFI, assembled by Bootlab's assembler
; (src-main/asm, `bits 64`, flat binary) into a PE32+ EFI application whose headers are the data
; below. One assembly unit: this file includes the parts; stage3-blob.asm is assembled first and
; comes in through `incbin` (src-main/services/bootloaderAssembly.ts supplies its bytes).
; On entry: the firmware calls efi_main (main.asm) with the MS x64 ABI.
; On exit:  the kernel's entry, through stage3 (handoff.asm), with the CPU state and BootInfo of
;           BOOT-CONTRACT.md, as on the BIOS path.
;
; File layout = memory layout: every section's file offset equals its RVA (sections start on
; 4 KiB boundaries in the file too), so a label's value is its RVA and RIP-relative operands are
; right in memory. There is no .reloc section and no absolute address of a label anywhere: the
; code is position-independent (`default rel`), so the firmware may load the image anywhere.
; ImageBase lies in QEMU's framebuffer (0x80000000), so OVMF always loads it somewhere else and
; every boot exercises that.

    bits 64
    default rel
%include "layout.inc"
%include "uefi/efi.inc"

IMAGE_BASE      equ 0x80000000
PE_SECTION_ALIGN equ 0x1000
PE_FILE_ALIGN   equ 0x200
SCN_CODE        equ 0x60000020      ; code, execute, read
SCN_DATA        equ 0xC0000040      ; initialized data, read, write

; --- DOS header: only the magic and the offset of the PE header matter --------------------
dos_header:
    db 'MZ'
    times 0x3C - ($ - dos_header) db 0
    dd pe_header

; --- PE signature and COFF header ---------------------------------------------------------
pe_header:
    db 'PE', 0, 0
    dw 0x8664                       ; Machine: x86-64
    dw 2                            ; NumberOfSections
    dd 0                            ; TimeDateStamp (0: equal sources give equal files)
    dd 0, 0                         ; no COFF symbols
    dw optional_header_end - optional_header
    dw 0x0022                       ; EXECUTABLE_IMAGE | LARGE_ADDRESS_AWARE; RELOCS_STRIPPED
                                    ; clear, or EDK2 would insist on ImageBase

; --- PE32+ optional header ---------------------------------------------------------------
optional_header:
    dw 0x20B                        ; PE32+
    db 0, 0                         ; linker version
    dd text_raw_size                ; SizeOfCode
    dd data_raw_size                ; SizeOfInitializedData
    dd 0                            ; SizeOfUninitializedData
    dd efi_main                     ; AddressOfEntryPoint (RVA)
    dd text_start                   ; BaseOfCode
    dq IMAGE_BASE
    dd PE_SECTION_ALIGN
    dd PE_FILE_ALIGN
    dw 0, 0, 0, 0, 0, 0             ; OS, image and subsystem versions
    dd 0                            ; Win32VersionValue
    dd image_size                   ; SizeOfImage
    dd headers_size                 ; SizeOfHeaders
    dd 0                            ; CheckSum (firmware does not check it)
    dw 10                           ; Subsystem: EFI application
    dw 0                            ; DllCharacteristics
    dq 0, 0, 0, 0                   ; stack and heap reserve/commit (unused by UEFI)
    dd 0                            ; LoaderFlags
    dd 16                           ; NumberOfRvaAndSizes
    times 16 dq 0                   ; data directories: no imports, exports or relocations
optional_header_end:

; --- section table -----------------------------------------------------------------------
section_table:
    db '.text', 0, 0, 0
    dd text_end - text_start        ; VirtualSize
    dd text_start                   ; VirtualAddress
    dd text_raw_size                ; SizeOfRawData
    dd text_start                   ; PointerToRawData (= RVA)
    dd 0, 0
    dw 0, 0
    dd SCN_CODE
    db '.data', 0, 0, 0
    dd data_end - data_start
    dd data_start
    dd data_raw_size
    dd data_start
    dd 0, 0
    dw 0, 0
    dd SCN_DATA
section_table_end:
; The headers take one file-alignment unit (a negative count here means they outgrew it).
    times PE_FILE_ALIGN - (section_table_end - dos_header) db 0
headers_size equ PE_FILE_ALIGN

; --- .text --------------------------------------------------------------------------------
    align PE_SECTION_ALIGN, db 0
text_start:
%include "uefi/main.asm"
%include "uefi/files.asm"
%include "uefi/gop.asm"
%include "uefi/exit.asm"
%include "uefi/handoff.asm"
%include "uefi/console.asm"
text_end:
    align PE_SECTION_ALIGN, db 0
text_raw_size equ $ - text_start

; --- .data --------------------------------------------------------------------------------
data_start:
%include "uefi/data.asm"
    align 16, db 0
stage3_blob:
    incbin "uefi/stage3-blob.bin"
STAGE3_BLOB_SIZE equ $ - stage3_blob
data_end:
    align PE_SECTION_ALIGN, db 0
data_raw_size equ $ - data_start
image_end:
image_size equ image_end - dos_header
