; stage2.asm: the real-mode part of the loader (the sectors after the MBR, at 0x7E00).
; On entry: real mode, CS = DS = ES = SS = 0, SP below 0x7C00, DF = 0, interrupts on,
;           VARS zeroed, boot_drive and tsc_table[0] set by stage1.
; Work:     CPU check (CPUID, long mode, NX), E820 map, A20, the load plan (magic, version,
;           checksum), stage3 and the payload: by bus-master DMA straight to their places when
;           the boot disk is the primary master of a PCI IDE controller (checked by reading its
;           LBA 0 back: unique per image), else 127 sectors per BIOS call into the bounce buffer,
;           copied in unreal mode; a VBE linear-framebuffer mode (set_framebuffer) or VGA mode
;           0x13 when the plan asks for one, bootstrap page tables (identity map of 4 GiB with
;           2 MiB pages). stage3 and the plan are read relative to loader_lba (stage1.asm),
;           the payload from the plan's LBA.
; On exit:  long mode entered directly from real mode (PAE, EFER.LME|NXE, CR0.PG|PE|WP), far
;           jump to long_entry (stage3.asm) with CS = SEL_CODE64, interrupts off, zero-length
;           IDT, CR3 = bootstrap tables; fb_* describe the framebuffer (fb_base 0: none).
; Failures: a message on VGA row 0, COM1 and port 0xE9, then halt.

    bits 16
stage2_start:
stage2_entry:
    STAGE ST_LOADER

    call check_cpu
    STAGE ST_CPU
    call read_e820
    call find_mem_limit
    STAGE ST_E820
    call enable_a20
    STAGE ST_A20
    call dma_setup
    mov eax, (stage3_start - stage1_start) / 512
    add eax, [loader_lba]
    mov ecx, (loader_end - stage3_start) / 512
    mov edi, stage3_start
    call read_sectors
    call read_plan
    STAGE ST_PLAN
    call load_payload
    STAGE ST_PAYLOAD
    call dma_quiet

    test byte [plan_flags], F_FRAMEBUFFER
    jz .no_framebuffer
    call set_framebuffer
    jmp .screen_set
.no_framebuffer:
    test byte [plan_flags], F_VGA320
    jz .screen_set
    mov ax, 0x0013
    int 0x10
.screen_set:
    call build_boot_tables
    jmp enter_long_mode

; ---------------------------------------------------------------------------------------
check_cpu:
    pushfd
    pop eax
    mov ecx, eax
    xor eax, 1 << 21
    push eax
    popfd
    pushfd
    pop eax
    push ecx
    popfd
    xor eax, ecx
    jz .no_lm
    mov eax, 0x80000000
    cpuid
    cmp eax, 0x80000001
    jb .no_lm
    mov eax, 0x80000001
    cpuid
    test edx, 1 << 29
    jz .no_lm
    test edx, 1 << 20
    jz .no_nx
    ret
.no_lm:
    mov si, msg_no_lm
    jmp fail16
.no_nx:
    mov si, msg_no_nx
    jmp fail16

; ---------------------------------------------------------------------------------------
read_e820:
    mov ax, E820_SEG
    mov es, ax
    xor di, di
    xor ebx, ebx
    xor bp, bp
.next:
    mov dword [es:di + 20], 1
    mov eax, 0xE820
    mov edx, 0x534D4150
    mov ecx, 24
    int 0x15
    jc .end
    cmp eax, 0x534D4150
    jne .end
    cmp cl, 20
    jbe .keep
    test byte [es:di + 20], 1
    jz .skip
.keep:
    mov eax, [es:di + 8]
    or eax, [es:di + 12]
    jz .skip
    mov dword [es:di + 20], 0
    inc bp
    add di, 24
    cmp bp, E820_MAX
    jae .end
.skip:
    test ebx, ebx
    jnz .next
.end:
    xor ax, ax
    mov es, ax
    mov [e820_count], bp
    test bp, bp
    jz .fail
    ret
.fail:
    mov si, msg_e820
    jmp fail16

; mem_limit = end of the usable E820 range that contains 1 MiB (capped below 4 GiB).
find_mem_limit:
    mov ax, E820_SEG
    mov es, ax
    xor di, di
    mov cx, [e820_count]
.loop:
    cmp dword [es:di + 16], 1
    jne .next
    cmp dword [es:di + 4], 0
    jne .next
    mov eax, [es:di]
    cmp eax, PAYLOAD_PHYS
    ja .next
    mov edx, [es:di + 8]
    add edx, eax
    jc .big
    cmp dword [es:di + 12], 0
    jne .big
    cmp edx, PAYLOAD_PHYS
    jbe .next
    jmp .found
.big:
    mov edx, 0xFFFFF000
.found:
    and edx, 0xFFFFF000
    mov [mem_limit], edx
    xor ax, ax
    mov es, ax
    ret
.next:
    add di, 24
    loop .loop
    xor ax, ax
    mov es, ax
    mov si, msg_no_mem
    jmp fail16

; ---------------------------------------------------------------------------------------
enable_a20:
    call a20_check
    jnz .ok
    mov ax, 0x2401
    int 0x15
    call a20_check
    jnz .ok
    in al, 0x92
    test al, 2
    jnz .no_fast
    or al, 2
    and al, 0xFE
    out 0x92, al
.no_fast:
    call a20_check
    jnz .ok
    mov si, msg_a20
    jmp fail16
.ok:
    ret

; ZF = 0 when A20 is on (0:0500 and FFFF:0510 are different bytes).
a20_check:
    push ds
    push es
    xor ax, ax
    mov ds, ax
    not ax
    mov es, ax
    mov al, [ds:0x0500]
    push ax
    mov al, [es:0x0510]
    push ax
    mov byte [ds:0x0500], 0x00
    mov byte [es:0x0510], 0xFF
    cmp byte [ds:0x0500], 0xFF
    pop ax
    mov [es:0x0510], al
    pop ax
    mov [ds:0x0500], al
    pop es
    pop ds
    ret

; ---------------------------------------------------------------------------------------
read_plan:
    mov ax, PLAN_SEG
    mov fs, ax
    mov eax, (loader_end - stage1_start) / 512
    add eax, [loader_lba]
    mov ecx, 1
    mov edi, PLAN
    call read_sectors
    cmp dword [fs:P_MAGIC], 'BLAB'
    jne .bad_magic
    cmp dword [fs:P_MAGIC + 4], 'PLAN'
    jne .bad_magic
    cmp dword [fs:P_VERSION], PLAN_VERSION
    jne .bad_version
    mov eax, [fs:P_BYTES]
    cmp eax, P_RUNS
    jb .bad_size
    cmp eax, PLAN_MAX
    ja .bad_size
    test al, 7
    jnz .bad_size
    add eax, 511
    shr eax, 9
    dec eax
    jz .whole
    mov ecx, eax
    mov eax, (loader_end - stage1_start) / 512 + 1
    add eax, [loader_lba]
    mov edi, PLAN + 512
    call read_sectors
.whole:
    ; checksum: s = rol64(s, 7) xor word, over the plan with its checksum field zero
    mov eax, [fs:P_PLAN_CK]
    mov [saved_ck], eax
    mov eax, [fs:P_PLAN_CK + 4]
    mov [saved_ck + 4], eax
    mov dword [fs:P_PLAN_CK], 0
    mov dword [fs:P_PLAN_CK + 4], 0
    mov ecx, [fs:P_BYTES]
    shr ecx, 3
    xor eax, eax
    xor edx, edx
    xor si, si
.sum:
    mov ebx, eax
    shr ebx, 25
    mov ebp, edx
    shr ebp, 25
    shl edx, 7
    or edx, ebx
    shl eax, 7
    or eax, ebp
    xor eax, [fs:si]
    xor edx, [fs:si + 4]
    add si, 8
    dec ecx
    jnz .sum
    mov ebx, [saved_ck]
    mov [fs:P_PLAN_CK], ebx
    mov ebx, [saved_ck + 4]
    mov [fs:P_PLAN_CK + 4], ebx
    cmp eax, [saved_ck]
    jne .bad_sum
    cmp edx, [saved_ck + 4]
    jne .bad_sum
    mov eax, [fs:P_FLAGS]
    mov [plan_flags], eax
    ret
.bad_magic:
    mov si, msg_bad_magic
    jmp fail16
.bad_version:
    mov si, msg_bad_version
    jmp fail16
.bad_size:
    mov si, msg_bad_size
    jmp fail16
.bad_sum:
    mov si, msg_bad_plan_sum
    jmp fail16

; ---------------------------------------------------------------------------------------
load_payload:
    mov eax, [fs:P_PAYLOAD_SECT]
    cmp eax, 0x007FFFFF
    ja .no_mem
    shl eax, 9
    add eax, PAYLOAD_PHYS
    jc .no_mem
    cmp eax, [mem_limit]
    ja .no_mem
    mov eax, [fs:P_PAYLOAD_LBA]
    mov ecx, [fs:P_PAYLOAD_SECT]
    mov edi, PAYLOAD_PHYS
    jmp read_sectors
.no_mem:
    mov si, msg_no_mem
    jmp fail16

; read_sectors: ECX sectors from LBA EAX to physical address EDI (anywhere below 4 GiB).
; By bus-master DMA while dma_used is set (DMA_SECTORS per command; on any failure DMA is
; dropped for good and the read goes on through the BIOS); else BIOS extended reads of
; BOUNCE_SECTORS into the bounce buffer (never crossing 64 KiB), copied in unreal mode.
read_sectors:
    mov [cur_lba], eax
    mov [remaining], ecx
    mov [dest], edi
.loop:
    mov ecx, [remaining]
    test ecx, ecx
    jz .done
    cmp byte [dma_used], 0
    je .bios
    cmp ecx, DMA_SECTORS
    jbe .dma_count
    mov ecx, DMA_SECTORS
.dma_count:
    push ecx
    mov eax, [cur_lba]
    mov edi, [dest]
    call dma_read
    pop ecx
    jnc .advance
    mov byte [dma_used], 0
    call dma_quiet
    jmp .loop
.bios:
    cmp ecx, BOUNCE_SECTORS
    jbe .bios_count
    mov ecx, BOUNCE_SECTORS
.bios_count:
    push ecx
    mov eax, [cur_lba]
    mov bx, BOUNCE_SEG
    call disk_read
    call enter_unreal
    pop ecx
    push ecx
    shl ecx, 7
    mov esi, BOUNCE
    mov edi, [dest]
    cld
    a32 rep movsd
    pop ecx
.advance:
    add [cur_lba], ecx
    sub [remaining], ecx
    shl ecx, 9
    add [dest], ecx
    jmp .loop
.done:
    ret

; ---------------------------------------------------------------------------------------
; dma_setup: dma_used = 1 when the boot disk can be read by PCI IDE bus-master DMA: a
; controller with a compatibility-mode primary channel exists and its primary master's first
; sector is exactly the one the BIOS booted (unique per image: the disk signature of an MBR
; disk, image_id of a hybrid disk).
dma_setup:
    mov byte [dma_used], 0
    call dma_find
    jc .no
    xor eax, eax
    mov ecx, 1
    mov edi, BOUNCE
    call dma_read
    jc .no
    push ds
    push es
    xor ax, ax
    mov ds, ax
    mov si, 0x7C00
    mov ax, BOUNCE_SEG
    mov es, ax
    xor di, di
    mov cx, 128
    repe cmpsd
    pop es
    pop ds
    jne .no
    mov byte [dma_used], 1
    ret
.no:
    call dma_quiet
    ret

; dma_find: bm_base = the bus-master I/O base of a PCI IDE controller on bus 0 whose primary
; channel is in compatibility mode (ports 0x1F0/0x3F6); enables I/O and bus mastering. CF = 1: none.
dma_find:
    xor ebx, ebx
.scan:
    mov eax, ebx
    or eax, 0x80000008
    mov dx, 0xCF8
    out dx, eax
    mov dx, 0xCFC
    in eax, dx
    mov ecx, eax
    shr eax, 16
    cmp ax, 0x0101
    jne .next
    test ch, 0x80              ; prog-if bit 7: bus-master capable
    jz .next
    test ch, 0x01              ; primary channel in native mode: not ours to guess
    jnz .next
    mov eax, ebx
    or eax, 0x80000020
    mov dx, 0xCF8
    out dx, eax
    mov dx, 0xCFC
    in eax, dx
    test al, 1
    jz .next
    and eax, 0xFFFC
    jz .next
    mov [bm_base], ax
    mov eax, ebx
    or eax, 0x80000004
    mov dx, 0xCF8
    out dx, eax
    mov dx, 0xCFC
    in ax, dx
    or ax, 5
    out dx, ax
    clc
    ret
.next:
    add ebx, 0x100
    cmp ebx, 0x10000
    jb .scan
    stc
    ret

; dma_read: ECX sectors (1..DMA_SECTORS) from LBA EAX to physical EDI; descriptors split at
; 64 KiB boundaries. CF = 1 on error or timeout.
dma_read:
    push eax
    mov si, PRD_TABLE
    mov edx, ecx
    shl edx, 9
.prd:
    mov [si], edi
    mov eax, edi
    and eax, 0xFFFF
    mov ebx, 0x10000
    sub ebx, eax                   ; room left in this 64 KiB block
    cmp ebx, edx
    jb .partial
    mov ebx, edx
    and ebx, 0xFFFF                ; 0x10000 -> 0 (means 64 KiB)
    or ebx, 0x80000000             ; end of table
    mov [si + 4], ebx
    jmp .table_done
.partial:
    mov eax, ebx
    and eax, 0xFFFF
    mov [si + 4], eax
    add edi, ebx
    sub edx, ebx
    add si, 8
    jmp .prd
.table_done:
    ; bus master: stop, clear status, table address
    mov dx, [bm_base]
    xor al, al
    out dx, al
    add dx, 2
    mov al, 0x06
    out dx, al
    add dx, 2
    mov eax, PRD_TABLE
    out dx, eax
    ; device: interrupts off (nIEN), master, LBA
    mov dx, 0x3F6
    mov al, 0x02
    out dx, al
    mov dx, 0x1F6
    mov al, 0x40
    out dx, al
    call ata_wait_ready
    pop eax
    jc .fail
    mov ebx, eax
    mov dx, 0x1F7
    in al, dx
    and al, 0xC9                   ; BSY DRDY DRQ ERR
    cmp al, 0x40                   ; an idle, ready disk (no disk reads 0x00 or 0xFF)
    jne .fail
    mov dx, 0x1F2
    mov al, ch
    out dx, al                     ; sector count, high byte
    inc dx
    mov eax, ebx
    shr eax, 24
    out dx, al                     ; LBA 31:24
    inc dx
    xor al, al
    out dx, al                     ; LBA 39:32
    inc dx
    out dx, al                     ; LBA 47:40
    mov dx, 0x1F2
    mov al, cl
    out dx, al                     ; sector count, low byte
    inc dx
    mov al, bl
    out dx, al                     ; LBA 7:0
    inc dx
    mov al, bh
    out dx, al                     ; LBA 15:8
    inc dx
    mov eax, ebx
    shr eax, 16
    out dx, al                     ; LBA 23:16
    mov dx, 0x1F7
    mov al, 0x25                   ; READ DMA EXT
    out dx, al
    mov dx, [bm_base]
    mov al, 0x09                   ; start, bus master writes to memory
    out dx, al
    mov ebx, 5000000
.poll:
    mov dx, [bm_base]
    add dx, 2
    in al, dx
    test al, 0x02
    jnz .fail
    test al, 0x01
    jz .ended
    dec ebx
    jnz .poll
    jmp .fail
.ended:
    call ata_wait_ready
    jc .fail
    mov dx, 0x1F7
    in al, dx
    test al, 0x21                  ; ERR or DF
    jnz .fail
    mov dx, [bm_base]
    xor al, al
    out dx, al
    clc
    ret
.fail:
    mov dx, [bm_base]
    xor al, al
    out dx, al
    stc
    ret

; ata_wait_ready: wait (bounded) for BSY = 0 on the primary channel. CF = 1 on timeout.
ata_wait_ready:
    push ecx
    mov ecx, 2000000
    mov dx, 0x1F7
.wait:
    in al, dx
    test al, 0x80
    jz .ready
    dec ecx
    jnz .wait
    pop ecx
    stc
    ret
.ready:
    pop ecx
    clc
    ret

; dma_quiet: stop the bus master, clear its status, acknowledge the device and give its
; interrupt line back (nIEN = 0), as the BIOS left it.
dma_quiet:
    mov dx, [bm_base]
    test dx, dx
    jz .done
    xor al, al
    out dx, al
    add dx, 2
    mov al, 0x06
    out dx, al
    mov dx, 0x1F7
    in al, dx
    mov dx, 0x3F6
    xor al, al
    out dx, al
.done:
    ret

; Load DS and ES with 4 GiB limits (unreal mode); bases stay 0.
enter_unreal:
    cli
    push ds
    push es
    lgdt [gdt_desc]
    mov eax, cr0
    or al, 1
    mov cr0, eax
    jmp .pm
.pm:
    mov bx, SEL_DATA
    mov ds, bx
    mov es, bx
    and al, 0xFE
    mov cr0, eax
    jmp .rm
.rm:
    pop es
    pop ds
    sti
    ret

; ---------------------------------------------------------------------------------------
; set_framebuffer: a VBE graphics mode with a linear framebuffer, for kernels that asked for one
; (F_FRAMEBUFFER, bootloader_api 0.11). The rule of BOOT-CONTRACT-011 section 4: of the modes
; the BIOS lists (4F00h), those whose 4F01h info says graphics with a linear framebuffer
; (attributes & 0x90 = 0x90) in packed-pixel or direct colour (memory model 4 or 6), at most
; 1280x720; a known pixel format (RGB or BGR bytes) beats an unknown one, then the widest wins,
; then the tallest, then (Bootlab's tie-break; QEMU lists 1280x720 in 16, 24 and 32 bits) the
; most bits per pixel, so kernels get the 4-byte pixels GOP gives them too. A configured minimum (the plan's P_FB_MIN_W/H; 0.11's BIOS loader ignores
; it, a user would not) drops the smaller modes and raises the 1280x720 cap to itself; when only
; modes beyond the cap meet it, the smallest of them (narrowest, then shortest) is taken.
; 4F02h sets the chosen mode with the linear-framebuffer bit (bit 14); fb_* describe it and
; fb_mode_tsc holds the ticks 4F02h took (the BIOS clears the whole framebuffer: benches report
; it apart). No VBE 2.0, no fitting mode or a failed set: fb_base stays 0 (no framebuffer).
; With the host log on, one line (before stage3's log) names the mode and the ticks, or says
; why there is none. Clobbers the general registers and FS; DS = ES = 0 on return.
VBE_SEG          equ MAP_IV >> 4      ; scratch until stage3 uses MAP_IV: VbeInfoBlock at offset 0,
VBE_MODE_INFO    equ 0x200            ; ModeInfoBlock here (the mode list may lie in VbeInfoBlock)
VBE_MAX_W        equ 1280
VBE_MAX_H        equ 720
; ModeInfoBlock fields
MI_ATTRIBUTES    equ 0x00
MI_BYTES_PER_LINE equ 0x10
MI_WIDTH         equ 0x12
MI_HEIGHT        equ 0x14
MI_BPP           equ 0x19
MI_MEMORY_MODEL  equ 0x1B
MI_RED_POS       equ 0x20
MI_GREEN_POS     equ 0x22
MI_BLUE_POS      equ 0x24
MI_LFB           equ 0x28
; set_framebuffer's stack frame, below BP
FR_BEST_HI       equ 4                ; dword: the best mode's key (high part), 0: none yet
FR_BEST_LO       equ 8                ; dword: its key (low part)
FR_BEST_MODE     equ 10               ; word: its mode number
FR_CAP_W         equ 12
FR_CAP_H         equ 14
FR_MIN_W         equ 16
FR_MIN_H         equ 18
FR_LIST          equ 22               ; dword: far pointer (offset, segment) to the next mode number
FR_SCAN_TSC      equ 26               ; dword: TSC (low) when the scan began
FR_SET_TSC       equ 34               ; qword: TSC before 4F02h
FR_COUNT         equ 36               ; word: modes left to look at (a list without its end)
FR_SIZE          equ 36
VBE_MAX_MODES    equ 512

set_framebuffer:
    push bp
    mov bp, sp
    sub sp, FR_SIZE
    rdtsc
    mov [bp - FR_SCAN_TSC], eax
    mov ax, PLAN_SEG
    mov fs, ax
    mov ebx, VBE_MAX_W
    mov eax, [fs:P_FB_MIN_W]
    call .limits
    mov [bp - FR_MIN_W], ax
    mov [bp - FR_CAP_W], bx
    mov ebx, VBE_MAX_H
    mov eax, [fs:P_FB_MIN_H]
    call .limits
    mov [bp - FR_MIN_H], ax
    mov [bp - FR_CAP_H], bx
    xor eax, eax
    mov [bp - FR_BEST_HI], eax
    mov [bp - FR_BEST_LO], eax

    mov ax, VBE_SEG
    mov es, ax
    xor di, di
    mov dword [es:di], 'VBE2'          ; asks for the VBE 2.0 fields
    mov ax, 0x4F00
    int 0x10
    cmp ax, 0x004F
    jne .no_vbe
    mov ax, VBE_SEG
    mov es, ax
    cmp dword [es:0], 'VESA'
    jne .no_vbe
    cmp byte [es:5], 2                 ; major version: the linear framebuffer came with 2.0
    jb .no_vbe
    mov eax, [es:0x0E]                 ; VideoModePtr
    mov [bp - FR_LIST], eax
    mov word [bp - FR_COUNT], VBE_MAX_MODES

.next_mode:
    dec word [bp - FR_COUNT]
    jz .scanned
    les si, [bp - FR_LIST]
    mov cx, [es:si]
    cmp cx, 0xFFFF
    je .scanned
    add word [bp - FR_LIST], 2
    call vbe_mode_info
    jc .next_mode
    mov ax, [es:di + MI_ATTRIBUTES]
    and ax, 0x90
    cmp ax, 0x90
    jne .next_mode
    mov al, [es:di + MI_MEMORY_MODEL]
    cmp al, 4
    je .model_ok
    cmp al, 6
    jne .next_mode
.model_ok:
    cmp byte [es:di + MI_BPP], 0
    je .next_mode
    cmp dword [es:di + MI_LFB], 0
    je .next_mode
    movzx edx, word [es:di + MI_WIDTH]
    movzx ebx, word [es:di + MI_HEIGHT]
    cmp dx, [bp - FR_MIN_W]
    jb .next_mode
    cmp bx, [bp - FR_MIN_H]
    jb .next_mode
    ; key: EDX = known format (bit 18), within the cap (bit 17), 1 (bit 16), width; EBX =
    ; height, bits per pixel. Beyond the cap the sizes are inverted: the smallest ranks highest.
    cmp dx, [bp - FR_CAP_W]
    ja .beyond_cap
    cmp bx, [bp - FR_CAP_H]
    ja .beyond_cap
    or edx, 0x30000
    jmp .format
.beyond_cap:
    mov ax, [bp - FR_MIN_W]
    or ax, [bp - FR_MIN_H]
    jz .next_mode                      ; without a minimum the cap is a hard limit
    not dx
    not bx
    or edx, 0x10000
.format:
    shl ebx, 8
    mov bl, [es:di + MI_BPP]           ; at one size, more bits per pixel win (32 over 24)
    call vbe_format
    cmp al, 3
    je .compare
    or edx, 0x40000
.compare:
    cmp edx, [bp - FR_BEST_HI]
    jb .next_mode
    ja .better
    cmp ebx, [bp - FR_BEST_LO]
    jbe .next_mode
.better:
    mov [bp - FR_BEST_HI], edx
    mov [bp - FR_BEST_LO], ebx
    mov [bp - FR_BEST_MODE], cx
    jmp .next_mode

.scanned:
    cmp dword [bp - FR_BEST_HI], 0
    je .no_mode
    mov cx, [bp - FR_BEST_MODE]
    call vbe_mode_info                 ; the chosen mode's info again (the buffer holds the last)
    jc .set_failed
    rdtsc
    mov [bp - FR_SET_TSC], eax
    mov [bp - FR_SET_TSC + 4], edx
    mov bx, [bp - FR_BEST_MODE]
    or bx, 0x4000                      ; linear framebuffer
    mov ax, 0x4F02
    int 0x10
    mov cx, ax
    rdtsc
    sub eax, [bp - FR_SET_TSC]
    sbb edx, [bp - FR_SET_TSC + 4]
    mov [fb_mode_tsc], eax
    mov [fb_mode_tsc + 4], edx
    cmp cx, 0x004F
    jne .set_failed

    mov ax, VBE_SEG
    mov es, ax
    mov di, VBE_MODE_INFO
    mov eax, [es:di + MI_LFB]
    mov [fb_base], eax
    movzx eax, word [es:di + MI_WIDTH]
    mov [fb_width], eax
    movzx eax, word [es:di + MI_HEIGHT]
    mov [fb_height], eax
    movzx ecx, word [es:di + MI_BYTES_PER_LINE]
    mul ecx
    mov [fb_size], eax
    mov [fb_size + 4], edx
    movzx eax, byte [es:di + MI_BPP]
    add eax, 7
    shr eax, 3
    mov [fb_bpp], al
    xchg eax, ecx
    xor edx, edx
    div ecx
    mov [fb_stride], eax
    call vbe_format
    mov [fb_format], al

    test byte [plan_flags], F_HOSTLOG
    jz .done
    mov si, log_vbe
    movzx eax, word [bp - FR_BEST_MODE]
    call e9_field
    mov eax, [fb_width]
    call e9_field
    mov eax, [fb_height]
    call e9_field
    mov eax, [fb_stride]
    call e9_field
    movzx eax, byte [fb_bpp]
    call e9_field
    movzx eax, byte [fb_format]
    call e9_field
    mov eax, [fb_base]
    call e9_field
    mov eax, [bp - FR_SET_TSC]
    sub eax, [bp - FR_SCAN_TSC]
    call e9_field
    mov eax, [fb_mode_tsc]
    call e9_field
    jmp .log_end

.no_vbe:
    mov si, log_no_vbe
    jmp .note
.no_mode:
    mov si, log_no_mode
    test byte [plan_flags], F_HOSTLOG
    jz .done
    movzx eax, word [bp - FR_MIN_W]
    call e9_field
    movzx eax, word [bp - FR_MIN_H]
    call e9_field
    jmp .log_end
.set_failed:
    mov si, log_set_failed
    test byte [plan_flags], F_HOSTLOG
    jz .done
    movzx eax, word [bp - FR_BEST_MODE]
    call e9_field
    jmp .log_end
.note:
    test byte [plan_flags], F_HOSTLOG
    jz .done
    call e9_text
.log_end:
    mov al, 10
    out 0xE9, al
.done:
    xor ax, ax
    mov es, ax
    mov sp, bp
    pop bp
    ret

; .limits: EAX = a configured minimum (dword, 0: none), EBX = the default cap. AX = the minimum
; (at most 0xFFFF: VBE sizes are words), BX = the cap raised to it.
.limits:
    cmp eax, 0xFFFF
    jbe .limit_word
    mov eax, 0xFFFF
.limit_word:
    cmp eax, ebx
    jbe .limit_done
    mov ebx, eax
.limit_done:
    ret

; vbe_mode_info: the ModeInfoBlock of mode CX (4F01h) at ES:DI = VBE_SEG:VBE_MODE_INFO.
; CF = 1 when the BIOS refused. Keeps CX.
vbe_mode_info:
    push cx
    mov ax, VBE_SEG
    mov es, ax
    mov di, VBE_MODE_INFO
    mov ax, 0x4F01
    int 0x10
    pop cx
    mov di, VBE_MODE_INFO
    push ax
    mov ax, VBE_SEG
    mov es, ax
    pop ax
    cmp ax, 0x004F
    je .ok
    stc
    ret
.ok:
    clc
    ret

; vbe_format: AL = the 0.11 pixel format of the mode at ES:VBE_MODE_INFO: 0 Rgb (red in the
; first byte, then green, then blue), 1 Bgr, 3 Unknown (any other layout, palette modes).
vbe_format:
    mov al, 3
    cmp byte [es:VBE_MODE_INFO + MI_MEMORY_MODEL], 6
    jne .done
    cmp byte [es:VBE_MODE_INFO + MI_BPP], 24
    jb .done
    cmp byte [es:VBE_MODE_INFO + MI_GREEN_POS], 8
    jne .done
    mov ah, [es:VBE_MODE_INFO + MI_RED_POS]
    or ah, [es:VBE_MODE_INFO + MI_BLUE_POS]
    cmp ah, 16                          ; one of red and blue at 0, the other at 16
    jne .done
    cmp byte [es:VBE_MODE_INFO + MI_RED_POS], 0
    je .rgb
    cmp byte [es:VBE_MODE_INFO + MI_BLUE_POS], 0
    jne .done
    mov al, 1
    ret
.rgb:
    mov al, 0
.done:
    ret

; e9_text: the zero-terminated text at SI on the host-log port; SI ends after it.
e9_text:
    lodsb
    test al, al
    jz .done
    out 0xE9, al
    jmp e9_text
.done:
    ret

; e9_field: e9_text, then EAX as 0x and lowercase hex digits without leading zeros. The texts
; of a record follow one another, so SI walks from field name to field name.
e9_field:
    mov edx, eax
    call e9_text
    mov al, '0'
    out 0xE9, al
    mov al, 'x'
    out 0xE9, al
    mov cx, 8
.skip_zeros:
    cmp cx, 1
    je .digit
    test edx, 0xF0000000
    jnz .digit
    shl edx, 4
    dec cx
    jmp .skip_zeros
.digit:
    rol edx, 4
    mov al, dl
    and al, 15
    add al, '0'
    cmp al, '9'
    jbe .out
    add al, 'a' - '9' - 1
.out:
    out 0xE9, al
    loop .digit
    ret

log_vbe:          db "vbe mode=", 0, " width=", 0, " height=", 0, " stride=", 0, " bytes-per-pixel=", 0
                  db " format=", 0, " base=", 0, " scan-tsc=", 0, " set-tsc=", 0
log_no_vbe:       db "note no framebuffer: the BIOS has no VBE 2.0 (int 10h AX=4F00h)", 0
log_no_mode:      db "note no framebuffer: no VBE mode has a linear framebuffer in packed or direct colour"
                  db " of at most 1280x720, or at least the configured minimum: min-width=", 0, " min-height=", 0
log_set_failed:   db "note no framebuffer: VBE could not set (int 10h AX=4F02h) mode=", 0

; ---------------------------------------------------------------------------------------
build_boot_tables:
    mov ax, BOOT_PML4 >> 4
    mov es, ax
    xor di, di
    xor eax, eax
    mov cx, 2048
    rep stosd
    mov dword [es:0x0000], BOOT_PDPT | 3
    mov dword [es:0x1000], (BOOT_PD + 0x0000) | 3
    mov dword [es:0x1008], (BOOT_PD + 0x1000) | 3
    mov dword [es:0x1010], (BOOT_PD + 0x2000) | 3
    mov dword [es:0x1018], (BOOT_PD + 0x3000) | 3
    mov di, BOOT_PD - BOOT_PML4
    mov eax, 0x83
    mov cx, 2048
.pd:
    mov [es:di], eax
    mov dword [es:di + 4], 0
    add eax, 0x200000
    add di, 8
    loop .pd
    xor ax, ax
    mov es, ax
    ret

; ---------------------------------------------------------------------------------------
enter_long_mode:
    cli
    lidt [idt_null]
    lgdt [gdt_desc]
    mov eax, cr4
    or eax, 1 << 5
    mov cr4, eax
    mov eax, BOOT_PML4
    mov cr3, eax
    mov ecx, 0xC0000080
    rdmsr
    or eax, (1 << 8) | (1 << 11)
    wrmsr
    mov eax, cr0
    or eax, 0x80010001
    mov cr0, eax
    jmp SEL_CODE64:long_entry

; ---------------------------------------------------------------------------------------
msg_no_lm:        db "this CPU does not support 64-bit long mode (x86-64)", 0
msg_no_nx:        db "this CPU does not support no-execute pages (NX)", 0
msg_e820:         db "the BIOS gave no E820 memory map", 0
msg_no_mem:       db "not enough memory to load the kernel", 0
msg_a20:          db "could not enable the A20 line", 0
msg_bad_magic:    db "corrupt image: no load plan (bad magic)", 0
msg_bad_version:  db "corrupt image: unsupported load plan version", 0
msg_bad_size:     db "corrupt image: bad load plan size", 0
msg_bad_plan_sum: db "corrupt image: load plan checksum mismatch", 0

    align 8
gdt:
    dq 0
    dq 0x00AF9B000000FFFF   ; 0x08: 64-bit code, accessed
    dq 0x00CF93000000FFFF   ; 0x10: flat data, 4 GiB, accessed
gdt_end:
gdt_desc:
    dw gdt_end - gdt - 1
    dd gdt
    align 8
idt_null:
    dw 0
    dd 0, 0

