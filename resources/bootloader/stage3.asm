; stage3.asm: the long-mode part of the loader.
; On entry: 64-bit long mode, CS = SEL_CODE64, paging on with the bootstrap tables (identity map
;           of the first 4 GiB), interrupts off, the plan at PLAN, the payload at PAYLOAD_PHYS,
;           the raw E820 entries at E820_BUF.
; Work:     verify the payload checksum; allocate kernel zero pages, the stack, the boot info
;           frame and page-table frames after the payload; build the kernel's page tables from
;           the plan's runs (W and NX from the ELF flags), the stack below its guard page, the
;           boot info page, identity maps (loader code + GDT, VGA window), the physical memory
;           map (2 MiB pages), the recursive entry; write BootInfo with the memory map
;           (BOOT-CONTRACT section 3); write the host log to port 0xE9 when the plan asks.
; On exit:  CPU state of BOOT-CONTRACT section 5: CR3 = the kernel's tables, SS = 0,
;           DS = ES = SEL_DATA, RSP = stack top - 8 (near call), RDI = BootInfo address,
;           interrupts off, DF = 0, zero-length IDT, SSE enabled only with the sse feature.
;           If the kernel returns, the loader halts forever.
; bootloader_api 0.11 kernels (F_ABI011): the plan's addresses come from the kernel's config;
;           the framebuffer stage2/the UEFI loader set up (fb_*) is mapped P|W|NX, the BootInfo of
;           BOOT-CONTRACT-011 section 2 (232 bytes, the 0.11 region list right behind it) is
;           written, the RSDP is found, and the kernel is entered as section 3.1 says: a jump with
;           RSP = align_down(stack end, 16) - 8 holding a zero return address, RBP = 0, SS = DS =
;           ES = SEL_DATA; no VGA window; under UEFI SSE stays usable (CR4.OSFXSR, as OVMF had it).
; Failures: a message on VGA row 0, COM1 and port 0xE9, then halt; a CPU exception while
;           stage3 runs is caught by the loader's own IDT and reported the same way.

    bits 64
long_entry:
    mov ax, SEL_DATA
    mov ds, ax
    mov es, ax
    xor eax, eax
    mov ss, ax
    mov fs, ax
    mov gs, ax
    mov rsp, STACK_TOP
    cld
    STAGE ST_LONG
    call install_loader_idt
    mov r14, 0x000FFFFFFFFFF000

    ; --- payload checksum -----------------------------------------------------------------
    mov esi, PAYLOAD_PHYS
    mov ecx, [PLAN + P_PAYLOAD_PAGES]
    shl rcx, 9
    xor eax, eax
    test rcx, rcx
    jz .sum_done
.sum:
    rol rax, 7
    xor rax, [rsi]
    add rsi, 8
    dec rcx
    jnz .sum
.sum_done:
    cmp rax, [PLAN + P_PAYLOAD_CK]
    je .sum_ok
    lea rsi, [msg_bad_payload]
    cmp byte [dma_used], 0
    je .bad_sum
    lea rsi, [msg_bad_payload_dma]
.bad_sum:
    jmp fail64
.sum_ok:
    STAGE ST_CHECKSUM

    ; --- frame allocation: [payload][zero pages][stack][boot info][page tables] -------------
    mov eax, [PLAN + P_PAYLOAD_PAGES]
    shl rax, 12
    add rax, PAYLOAD_PHYS
    mov [zero_cursor], rax
    mov ecx, [PLAN + P_ZERO_PAGES]
    shl rcx, 12
    add rax, rcx
    mov [stack_frames], rax
    mov rcx, [PLAN + P_STACK_PAGES]
    shl rcx, 12
    add rax, rcx
    mov [bootinfo_frame], rax
    add rax, 0x1000
    test byte [plan_flags], F_ABI011
    jz .bi_one_page
    add rax, (BI011_PAGES - 1) * 0x1000   ; 0.11: BootInfo and its region list
.bi_one_page:
    mov [pt_base], rax
    mov [pt_cursor], rax
    cmp rax, [mem_limit]
    jbe .fits
    lea rsi, [msg_no_mem64]
    jmp fail64
.fits:
    call alloc_pt
    mov r15, rax
    mov [pml4], rax

    ; --- kernel runs -------------------------------------------------------------------------
    mov r12d, PLAN + P_RUNS
    mov r13d, [PLAN + P_RUN_COUNT]
.run:
    test r13d, r13d
    jz .runs_done
    mov rdi, [r12]
    mov rcx, [r12 + 8]
    mov eax, [r12 + 16]
    mov esi, 1
    test al, R_WRITABLE
    jz .ro
    or esi, 2
.ro:
    test al, R_EXEC
    jnz .exec
    bts rsi, 63
.exec:
    test al, R_DATA
    jz .zero
    mov rdx, [r12 + 24]
    shl rdx, 12
    add rdx, PAYLOAD_PHYS
    or rsi, rdx
    jmp .map
.zero:
    mov rdx, [zero_cursor]
    or rsi, rdx
    push rdi
    push rcx
    mov rdi, rdx
    shl rcx, 9
    xor eax, eax
    rep stosq
    pop rcx
    pop rdi
    mov rax, rcx
    shl rax, 12
    add [zero_cursor], rax
.map:
    call map_range
    add r12, 32
    dec r13d
    jmp .run
.runs_done:

    ; --- stack (guard page left unmapped) and boot info ------------------------------------
    mov rdi, [PLAN + P_STACK_GUARD]
    add rdi, 0x1000
    mov rsi, [stack_frames]
    or rsi, 3
    bts rsi, 63
    mov rcx, [PLAN + P_STACK_PAGES]
    call map_range
    mov rdi, [PLAN + P_BOOT_INFO]
    and rdi, r14
    mov rsi, [bootinfo_frame]
    or rsi, 3
    bts rsi, 63
    mov ecx, 1
    test byte [plan_flags], F_ABI011
    jz .bi_map
    mov ecx, BI011_PAGES
.bi_map:
    call map_range

    ; --- identity maps: loader code and GDT (read-only, executable), VGA window (0.9) --------
    mov edi, CODE_START
    mov esi, CODE_START | 1
    mov ecx, (loader_code_end - $$ + 0x7C00 - CODE_START + 0xFFF) >> 12
    call map_range
    test byte [plan_flags], F_ABI011
    jnz .no_vga
    mov edi, 0xA0000
    mov rsi, 0x80000000000A0003
    mov ecx, 32
    call map_range
.no_vga:
    test byte [plan_flags], F_ABI011
    jz .no_fb
    call map_framebuffer
.no_fb:

    test byte [plan_flags], F_PHYS
    jz .no_phys
    call map_physical
.no_phys:
    test byte [plan_flags], F_RECURSIVE
    jz .no_rec
    mov rax, [PLAN + P_REC_INDEX]
    and eax, 511
    test byte [r15 + rax * 8], 1
    jz .rec_free
    lea rsi, [msg_collision]
    jmp fail64
.rec_free:
    mov rdx, r15
    or rdx, 3
    test byte [plan_flags], F_ABI011
    jz .rec_set
    bts rdx, 63                           ; 0.11: P|W|NX
.rec_set:
    mov [r15 + rax * 8], rdx
.no_rec:
    STAGE ST_PAGING

    test byte [plan_flags], F_ABI011
    jz .boot_info_09
    call write_boot_info_011
    STAGE ST_BOOTINFO
    jmp .the_jump
.boot_info_09:

    ; --- boot info -----------------------------------------------------------------------------
    mov rdi, [bootinfo_frame]
    mov ecx, 512
    xor eax, eax
    rep stosq
    call build_memory_map
    mov rbp, [bootinfo_frame]
    mov eax, [PLAN + P_OFF_REC]
    test eax, eax
    jz .bi_no_rec
    mov rdx, [PLAN + P_REC_ADDR]
    mov [rbp + rax], rdx
.bi_no_rec:
    mov eax, [PLAN + P_OFF_PHYS]
    test eax, eax
    jz .bi_no_phys
    mov rdx, [PLAN + P_PHYS_FIELD]
    mov [rbp + rax], rdx
.bi_no_phys:
    mov eax, [PLAN + P_OFF_TLS]
    mov rdx, [PLAN + P_TLS]
    mov [rbp + rax], rdx
    mov rdx, [PLAN + P_TLS + 8]
    mov [rbp + rax + 8], rdx
    mov rdx, [PLAN + P_TLS + 16]
    mov [rbp + rax + 16], rdx
    STAGE ST_BOOTINFO

    ; --- the jump ------------------------------------------------------------------------------
.the_jump:
    mov rax, [PLAN + P_STACK_GUARD]
    test byte [plan_flags], F_ABI011
    jz .top_09
    add rax, 0x1000                       ; 0.11: align_down(stack start + size, 16)
    add rax, [PLAN + P_STACK_BYTES]
    and rax, ~15
    jmp .top_set
.top_09:
    mov rcx, [PLAN + P_STACK_PAGES]
    inc rcx
    shl rcx, 12
    add rax, rcx
.top_set:
    mov [stack_top], rax
    test byte [plan_flags], F_HOSTLOG
    jz .no_log
    call write_host_log
.no_log:
    test byte [plan_flags], F_SSE
    jz .no_sse
    mov rax, cr0
    and eax, ~(1 << 2)
    or eax, 1 << 1
    mov cr0, rax
    mov rax, cr4
    or eax, (1 << 9) | (1 << 10)
    mov cr4, rax
.no_sse:
    lidt [idt_null]
    test byte [plan_flags], F_ABI011
    jnz enter_011
    mov rcx, [stack_top]
    mov rdi, [PLAN + P_BOOT_INFO]
    mov rbx, [PLAN + P_ENTRY]
    mov rax, r15
    mov cr3, rax
    mov rsp, rcx
    xor eax, eax
    xor ecx, ecx
    xor edx, edx
    xor esi, esi
    xor ebp, ebp
    call rbx
kernel_returned:
    cli
    hlt
    jmp kernel_returned

; enter_011: BOOT-CONTRACT-011 section 3.1: RDI = BootInfo, CR3, RSP = stack top with a zero
; return address pushed, RBP = 0, a jump (not a call). SS = DS = ES = SEL_DATA (section 3.2).
enter_011:
    cmp byte [firmware_uefi], 0
    je .regs
    mov rax, cr0                          ; UEFI: SSE usable, as the firmware had it
    and eax, ~(1 << 2)
    or eax, (1 << 1) | (1 << 5)
    mov cr0, rax
    mov rax, cr4
    or eax, (1 << 9) | (1 << 10)
    mov cr4, rax
.regs:
    mov ax, SEL_DATA
    mov ss, ax
    mov rcx, [stack_top]
    mov rdi, [PLAN + P_BOOT_INFO]
    mov rbx, [PLAN + P_ENTRY]
    mov rax, r15
    mov cr3, rax
    mov rsp, rcx
    push 0
    xor eax, eax
    xor ecx, ecx
    xor edx, edx
    xor esi, esi
    xor ebp, ebp
    jmp rbx

; map_framebuffer: the framebuffer stage2 or the UEFI loader set up (fb_base, 0: none) at the
; plan's address, 4 KiB pages, P|W|NX (BOOT-CONTRACT-011 section 3.3).
map_framebuffer:
    mov rax, [fb_base]
    test rax, rax
    jz .done
    mov rdi, [PLAN + P_FB_VADDR]
    mov rsi, rax
    and rsi, r14
    mov ecx, eax
    and ecx, 0xFFF
    add rcx, [fb_size]
    add rcx, 0xFFF
    shr rcx, 12
    or rsi, 3
    bts rsi, 63
    call map_range
.done:
    ret

; ---------------------------------------------------------------------------------------
; install_loader_idt: gates 0-31 -> exc_stubs (8 bytes each: call exc_common), for stage3 only.
install_loader_idt:
    lea rsi, [exc_stubs]
    mov edi, LOADER_IDT
    xor ecx, ecx
.gate:
    mov rax, rsi
    mov [rdi], ax
    mov word [rdi + 2], SEL_CODE64
    mov word [rdi + 4], 0x8E00
    shr rax, 16
    mov [rdi + 6], ax
    shr rax, 16
    mov [rdi + 8], eax
    mov dword [rdi + 12], 0
    add rsi, 8
    add rdi, 16
    inc ecx
    cmp ecx, 32
    jb .gate
    mov word [LOADER_IDTR], 32 * 16 - 1
    mov qword [LOADER_IDTR + 2], LOADER_IDT
    lidt [LOADER_IDTR]
    ret

    align 8
exc_stubs:
%rep 32
    call exc_common
    align 8
%endrep

; exc_common: the vector is the stub's index; "CPU exception 0xNN in the loader" and halt.
exc_common:
    pop rax
    sub rax, exc_stubs + 5
    shr eax, 3
    mov ebx, eax
    mov edi, EXC_MSG
    lea rsi, [msg_exception]
.copy:
    lodsb
    stosb
    test al, al
    jnz .copy
    dec rdi
    mov eax, ebx
    shr eax, 4
    call .digit
    mov eax, ebx
    and eax, 15
    call .digit
    lea rsi, [msg_exception_tail]
.tail:
    lodsb
    stosb
    test al, al
    jnz .tail
    mov esi, EXC_MSG
    jmp fail64
.digit:
    add al, '0'
    cmp al, '9'
    jbe .store
    add al, 'a' - '0' - 10
.store:
    stosb
    ret

; ---------------------------------------------------------------------------------------
; alloc_pt: RAX = a zeroed page-table frame. Preserves everything else.
alloc_pt:
    push rdi
    push rcx
    call alloc_pt_raw
    mov rdi, rax
    mov ecx, 512
    push rax
    xor eax, eax
    rep stosq
    pop rax
    pop rcx
    pop rdi
    ret

; alloc_pt_raw: RAX = a page-table frame, not zeroed. Clobbers nothing else.
alloc_pt_raw:
    push rdx
    mov rax, [pt_cursor]
    lea rdx, [rax + 0x1000]
    cmp rdx, [mem_limit]
    ja .no_mem
    mov [pt_cursor], rdx
    pop rdx
    ret
.no_mem:
    lea rsi, [msg_no_mem64]
    jmp fail64

; next_table: RBX = address of a table entry; returns RBX = the next-level table (allocated
; when absent). Fails on a huge page. Clobbers RAX.
next_table:
    mov rax, [rbx]
    test al, 1
    jnz .present
    call alloc_pt
    or rax, 3
    mov [rbx], rax
.present:
    test al, 0x80
    jnz collision
    mov rbx, rax
    and rbx, r14
    ret

; map_page: map the 4 KiB page at RDI with the entry RSI (frame | flags). Clobbers RAX, RBX.
map_page:
    mov rax, rdi
    shr rax, 39
    and eax, 511
    lea rbx, [r15 + rax * 8]
    call next_table
    mov rax, rdi
    shr rax, 30
    and eax, 511
    lea rbx, [rbx + rax * 8]
    call next_table
    mov rax, rdi
    shr rax, 21
    and eax, 511
    lea rbx, [rbx + rax * 8]
    call next_table
    mov rax, rdi
    shr rax, 12
    and eax, 511
    lea rbx, [rbx + rax * 8]
    test byte [rbx], 1
    jnz collision
    mov [rbx], rsi
    ret

; map_range: RCX pages from RDI, entries from RSI (frame advances by 4 KiB). Clobbers RAX,
; RBX, RCX, RDI, RSI.
map_range:
    test rcx, rcx
    jz .done
.page:
    call map_page
    add rdi, 0x1000
    add rsi, 0x1000
    dec rcx
    jnz .page
.done:
    ret

collision:
    lea rsi, [msg_collision]
    jmp fail64

; map_physical: physical memory 0 .. highest E820 end (rounded up to 2 MiB) at the plan's
; offset, 2 MiB pages, writable, no-execute. Fresh page directories are filled in one pass.
map_physical:
    mov esi, E820_BUF
    movzx ecx, word [e820_count]
    xor r10d, r10d
.max:
    mov rax, [rsi]
    add rax, [rsi + 8]
    cmp rax, r10
    jbe .max_next
    mov r10, rax
.max_next:
    add rsi, 24
    dec ecx
    jnz .max
    add r10, 0x1FFFFF
    and r10, ~0x1FFFFF
    test byte [plan_flags], F_ABI011
    jz .max_set
    mov rax, 0x100000000                  ; 0.11: max(highest map end, 4 GiB)
    cmp r10, rax
    cmovb r10, rax
.max_set:
    mov [max_phys], r10
    xor r8d, r8d
    mov r9, [PLAN + P_PHYS_OFFSET]
    mov r11, 0x8000000000000083
.walk:
    cmp r8, r10
    jae .done
    mov rax, r9
    shr rax, 39
    and eax, 511
    lea rbx, [r15 + rax * 8]
    call next_table
    mov rax, r9
    shr rax, 30
    and eax, 511
    lea rbx, [rbx + rax * 8]
    test byte [rbx], 1
    jnz .existing
    test r9d, 0x3FFFFFFF
    jnz .existing
    call alloc_pt_raw
    mov rdx, rax
    or rdx, 3
    mov [rbx], rdx
    mov rdi, rax
    mov ecx, 512
.fast:
    cmp r8, r10
    jae .zero_rest
    lea rax, [r8 + r11]
    mov [rdi], rax
    lea rax, [r8 + r11 + 0x200000]
    mov [rdi + 8], rax
    lea rax, [r8 + r11 + 0x400000]
    mov [rdi + 16], rax
    lea rax, [r8 + r11 + 0x600000]
    mov [rdi + 24], rax
    add rdi, 32
    add r8, 0x800000
    add r9, 0x800000
    sub ecx, 4
    jnz .fast
    jmp .walk
.zero_rest:
    mov r8, r10
    xor eax, eax
    rep stosq
    jmp .done
.existing:
    call next_table
    mov rax, r9
    shr rax, 21
    and eax, 511
    lea rdi, [rbx + rax * 8]
    mov ecx, 512
    sub ecx, eax
.slow:
    cmp r8, r10
    jae .done
    test byte [rdi], 1
    jnz collision
    lea rax, [r8 + r11]
    mov [rdi], rax
    add rdi, 8
    add r8, 0x200000
    add r9, 0x200000
    dec ecx
    jnz .slow
    jmp .walk
.done:
    ret

; ---------------------------------------------------------------------------------------
; build_memory_map: the BootInfo memory map (BOOT-CONTRACT section 3) at the boot info frame.
; Intervals (frames): E820 entries (rank = type, Usable lowest) and the loader's own regions
; (rank 16 + type, highest); the map is the sweep over all interval boundaries, each piece
; taking the type of the highest-ranked interval covering it, adjacent equal pieces merged.
build_memory_map:
    mov edi, MAP_IV
    xor r8d, r8d
    mov esi, E820_BUF
    movzx ecx, word [e820_count]
.e820:
    test ecx, ecx
    jz .e820_done
    mov rax, [rsi]
    mov rdx, [rsi + 8]
    add rdx, rax
    shr rax, 12
    add rdx, 0xFFF
    shr rdx, 12
    mov ebx, [rsi + 16]
    cmp ebx, 1
    je .usable
    cmp ebx, 5
    ja .reserved
    cmp ebx, 2
    jb .reserved
    jmp .store
.reserved:
    mov ebx, 2
    jmp .store
.usable:
    xor ebx, ebx
.store:
    push rcx
    mov ecx, ebx
    call add_interval
    pop rcx
    add rsi, 24
    dec ecx
    jmp .e820
.e820_done:
    xor eax, eax                          ; frame zero
    mov edx, 1
    mov ebx, 10
    call add_used
    mov eax, LOADER_START >> 12           ; the loader, its buffers and bootstrap tables
    mov edx, LOADER_END >> 12
    mov ebx, 9
    call add_used
    mov eax, PAYLOAD_PHYS >> 12           ; kernel data and zero pages
    mov rdx, [stack_frames]
    shr rdx, 12
    mov ebx, 6
    call add_used
    mov rax, [stack_frames]               ; kernel stack
    shr rax, 12
    mov rdx, [bootinfo_frame]
    shr rdx, 12
    mov ebx, 7
    call add_used
    mov rax, [bootinfo_frame]             ; boot info
    shr rax, 12
    lea rdx, [rax + 1]
    mov ebx, 12
    call add_used
    mov rax, [pt_base]                    ; page tables
    shr rax, 12
    mov rdx, [pt_cursor]
    shr rdx, 12
    mov ebx, 8
    call add_used

    call sort_points
    jmp sweep_09

; sort_points: the R8D intervals at MAP_IV -> their start and end points at RBX = MAP_PTS,
; sorted ascending, R9 = how many. Clobbers RAX, RCX, RDX, RSI, RDI, R10, R11.
sort_points:
    mov esi, MAP_IV
    mov edi, MAP_PTS
    mov ecx, r8d
.points:
    test ecx, ecx
    jz .points_done
    mov rax, [rsi]
    stosq
    mov rax, [rsi + 8]
    stosq
    add rsi, 24
    dec ecx
    jmp .points
.points_done:
    mov r9, rdi
    sub r9, MAP_PTS
    shr r9, 3
    mov ebx, MAP_PTS
    mov r10d, 1
.sort:
    cmp r10, r9
    jae .sorted
    mov rax, [rbx + r10 * 8]
    mov r11, r10
.sort_in:
    test r11, r11
    jz .place
    mov rdx, [rbx + r11 * 8 - 8]
    cmp rdx, rax
    jbe .place
    mov [rbx + r11 * 8], rdx
    dec r11
    jmp .sort_in
.place:
    mov [rbx + r11 * 8], rax
    inc r10
    jmp .sort
.sorted:
    ret

; find_cover: of the R8D intervals at MAP_IV (start, end, kind, priority), the one of highest
; priority that covers [RAX, RDX). Out: R11D its priority (-1: none covers it), R13D its kind.
; Clobbers RCX, RSI, RDI. Shared by the 0.9 and the 0.11 region sweeps.
find_cover:
    mov esi, MAP_IV
    mov ecx, r8d
    mov r11d, -1
.next:
    test ecx, ecx
    jz .done
    cmp [rsi], rax
    ja .skip
    cmp [rsi + 8], rdx
    jb .skip
    mov edi, [rsi + 20]
    cmp edi, r11d
    jle .skip
    mov r11d, edi
    mov r13d, [rsi + 16]
.skip:
    add rsi, 24
    dec ecx
    jmp .next
.done:
    ret

sweep_09:
    mov rbp, [bootinfo_frame]
    xor r12d, r12d
    xor r10d, r10d
.sweep:
    lea rax, [r10 + 1]
    cmp rax, r9
    jae .swept
    mov rax, [rbx + r10 * 8]
    mov rdx, [rbx + r10 * 8 + 8]
    inc r10
    cmp rax, rdx
    je .sweep
    call find_cover
    cmp r11d, -1
    je .sweep
    test r12d, r12d
    jz .new
    lea rdi, [r12 + r12 * 2]
    lea rdi, [rbp + rdi * 8 - 24]
    cmp [rdi + 16], r13d
    jne .new
    cmp [rdi + 8], rax
    jne .new
    mov [rdi + 8], rdx
    jmp .sweep
.new:
    cmp r12d, 64
    jb .room
    lea rsi, [msg_map_full]
    jmp fail64
.room:
    lea rdi, [r12 + r12 * 2]
    lea rdi, [rbp + rdi * 8]
    mov [rdi], rax
    mov [rdi + 8], rdx
    mov [rdi + 16], r13d
    mov dword [rdi + 20], 0
    inc r12d
    jmp .sweep
.swept:
    mov [rbp + 1536], r12
    mov [map_count], r12
    mov rcx, r12
.empty:
    cmp ecx, 64
    jae .map_done
    lea rdi, [rcx + rcx * 2]
    lea rdi, [rbp + rdi * 8]
    mov qword [rdi], 0
    mov qword [rdi + 8], 0
    mov dword [rdi + 16], 11
    inc ecx
    jmp .empty
.map_done:
    ret

; ---------------------------------------------------------------------------------------
; write_boot_info_011: the bootloader_api 0.11 BootInfo (BOOT-CONTRACT-011 section 2.2) at the
; plan's boot info address (bi_ptr: its physical place), the region list right behind it.
BI011_PAGES      equ 3
BI011_SIZE       equ 232
BI011_MAX_REGIONS equ (BI011_PAGES * 0x1000 - 0x1000 - BI011_SIZE) / 24
OPT_SOME         equ 0
OPT_NONE         equ 1

write_boot_info_011:
    mov rdi, [bootinfo_frame]
    mov ecx, BI011_PAGES * 512
    xor eax, eax
    rep stosq
    mov rbp, [PLAN + P_BOOT_INFO]
    and ebp, 0xFFF
    add rbp, [bootinfo_frame]
    mov [bi_ptr], rbp
    call build_regions_011
    mov rbp, [bi_ptr]
    mov rax, [PLAN + P_API_VERSION]
    mov [rbp + 0], rax
    ; framebuffer: Optional<FrameBuffer> at 24
    mov dword [rbp + 24], OPT_NONE
    mov rax, [fb_base]
    test rax, rax
    jz .no_fb
    mov dword [rbp + 24], OPT_SOME
    and eax, 0xFFF
    add rax, [PLAN + P_FB_VADDR]
    mov [rbp + 32], rax
    mov rax, [fb_size]
    mov [rbp + 40], rax
    mov eax, [fb_width]
    mov [rbp + 48], rax
    mov eax, [fb_height]
    mov [rbp + 56], rax
    movzx eax, byte [fb_format]
    mov [rbp + 64], eax
    movzx eax, byte [fb_bpp]
    mov [rbp + 72], rax
    mov eax, [fb_stride]
    mov [rbp + 80], rax
.no_fb:
    ; physical_memory_offset: Optional<u64> at 88
    mov dword [rbp + 88], OPT_NONE
    test byte [plan_flags], F_PHYS
    jz .no_phys
    mov dword [rbp + 88], OPT_SOME
    mov rax, [PLAN + P_PHYS_FIELD]
    mov [rbp + 96], rax
.no_phys:
    ; recursive_index: Optional<u16> at 104
    mov dword [rbp + 104], OPT_NONE
    test byte [plan_flags], F_RECURSIVE
    jz .no_rec
    mov dword [rbp + 104], OPT_SOME
    mov eax, [PLAN + P_REC_INDEX]
    mov [rbp + 108], ax
.no_rec:
    ; rsdp_addr: Optional<u64> at 112
    call find_rsdp
    mov dword [rbp + 112], OPT_NONE
    mov rax, [rsdp_addr]
    test rax, rax
    jz .no_rsdp
    mov dword [rbp + 112], OPT_SOME
    mov [rbp + 120], rax
.no_rsdp:
    ; tls_template: Optional<TlsTemplate> at 128
    mov dword [rbp + 128], OPT_NONE
    test byte [PLAN + P_ABI011_FLAGS], A_TLS
    jz .no_tls
    mov dword [rbp + 128], OPT_SOME
    mov rax, [PLAN + P_TLS]
    mov [rbp + 136], rax
    mov rax, [PLAN + P_TLS + 8]
    mov [rbp + 144], rax
    mov rax, [PLAN + P_TLS + 16]
    mov [rbp + 152], rax
.no_tls:
    ; ramdisk_addr: Optional<u64> at 160, ramdisk_len at 176
    mov dword [rbp + 160], OPT_NONE
    test byte [PLAN + P_ABI011_FLAGS], A_RAMDISK
    jz .no_ramdisk
    mov dword [rbp + 160], OPT_SOME
    mov rax, [PLAN + P_RAMDISK_VADDR]
    mov [rbp + 168], rax
    mov rax, [PLAN + P_RAMDISK_BYTES]
    mov [rbp + 176], rax
.no_ramdisk:
    ; kernel_addr/len: the kernel's loadable pages as loaded (the ELF file itself never is)
    mov qword [rbp + 184], PAYLOAD_PHYS
    mov eax, [PLAN + P_KERNEL_PAGES]
    shl rax, 12
    mov [rbp + 192], rax
    mov rax, [PLAN + P_IMAGE_OFFSET]
    mov [rbp + 200], rax
    mov rax, [PLAN + P_STACK_GUARD]
    add rax, 0x1000
    mov [rbp + 208], rax
    mov rax, [PLAN + P_STACK_BYTES]
    mov [rbp + 216], rax
    ret

; find_rsdp: rsdp_addr = the ACPI RSDP (the UEFI loader may have set it from the configuration
; table): the first "RSD PTR " with a valid checksum on a 16-byte boundary in the EBDA's first
; KiB, then in 0xE0000-0xFFFFF.
find_rsdp:
    cmp qword [rsdp_addr], 0
    jne .done
    movzx esi, word [0x40E]
    shl esi, 4
    lea edx, [rsi + 1024]
    test esi, esi
    jz .bios_area
    call .scan
    jnz .found
.bios_area:
    mov esi, 0xE0000
    mov edx, 0x100000
    call .scan
    jnz .found
.done:
    ret
.found:
    mov [rsdp_addr], rsi
    ret
; .scan: ESI..EDX; ZF clear and RSI = the RSDP when found.
.scan:
    mov rax, 0x2052545020445352           ; "RSD PTR "
.scan_next:
    cmp esi, edx
    jae .none
    cmp [rsi], rax
    jne .scan_skip
    xor ecx, ecx
    xor ebx, ebx
.sum:
    add bl, [rsi + rcx]
    inc ecx
    cmp ecx, 20
    jb .sum
    test bl, bl
    jnz .scan_skip
    or ecx, 1                             ; ZF clear: found
    ret
.scan_skip:
    add esi, 16
    jmp .scan_next
.none:
    xor eax, eax                          ; ZF set: not found
    ret

; build_regions_011: BootInfo.memory_regions (BOOT-CONTRACT-011 section 2.3) at bi_ptr + 232,
; byte addresses: the firmware's entries (E820 type 1 -> Usable, others UnknownBios(type); under
; UEFI UnknownUefi(the UEFI type handoff.asm kept at +20)), with the loader's own memory
; (0x5000-0x37FFF: its code and the kernel's GDT; from 1 MiB: payload, zero pages, stack, boot
; info, page tables) as Bootloader. Ranks: Usable 0 < firmware kinds 1 < Bootloader 2.
build_regions_011:
    mov edi, MAP_IV
    xor r8d, r8d
    mov esi, E820_BUF
    movzx ecx, word [e820_count]
.e820:
    test ecx, ecx
    jz .e820_done
    mov rax, [rsi]
    mov rdx, [rsi + 8]
    add rdx, rax
    mov ebx, [rsi + 16]
    push rcx
    xor ecx, ecx
    cmp ebx, 1
    je .store
    inc ecx
    cmp byte [firmware_uefi], 0
    je .store
    mov ebx, [rsi + 20]
.store:
    call add_interval
    pop rcx
    add rsi, 24
    dec ecx
    jmp .e820
.e820_done:
    mov eax, LOADER_START
    mov edx, LOADER_END
    xor ebx, ebx
    mov ecx, 2
    call add_interval
    mov eax, PAYLOAD_PHYS
    mov rdx, [pt_cursor]
    xor ebx, ebx
    mov ecx, 2
    call add_interval
    call sort_points
    mov rbp, [bi_ptr]
    add rbp, BI011_SIZE
    xor r12d, r12d
    xor r10d, r10d
.sweep:
    lea rax, [r10 + 1]
    cmp rax, r9
    jae .swept
    mov rax, [rbx + r10 * 8]
    mov rdx, [rbx + r10 * 8 + 8]
    inc r10
    cmp rax, rdx
    je .sweep
    call find_cover
    cmp r11d, -1
    je .sweep
    ; the kind: tag u32, payload u32 (section 2.1)
    cmp r11d, 1
    jb .usable
    ja .bootloader
    shl r13, 32
    or r13, 3                             ; UnknownBios(type)
    cmp byte [firmware_uefi], 0
    je .kind
    xor r13b, 1                           ; UnknownUefi(type)
    jmp .kind
.usable:
    xor r13d, r13d
    jmp .kind
.bootloader:
    mov r13d, 1
.kind:
    test r12d, r12d
    jz .new
    lea rdi, [r12 + r12 * 2]
    lea rdi, [rbp + rdi * 8 - 24]
    cmp [rdi + 16], r13
    jne .new
    cmp [rdi + 8], rax
    jne .new
    mov [rdi + 8], rdx
    jmp .sweep
.new:
    cmp r12d, BI011_MAX_REGIONS
    jb .room
    lea rsi, [msg_regions_full]
    jmp fail64
.room:
    lea rdi, [r12 + r12 * 2]
    lea rdi, [rbp + rdi * 8]
    mov [rdi], rax
    mov [rdi + 8], rdx
    mov [rdi + 16], r13
    inc r12d
    jmp .sweep
.swept:
    mov rbp, [bi_ptr]
    mov rax, [PLAN + P_BOOT_INFO]
    add rax, BI011_SIZE
    mov [rbp + 8], rax
    mov [rbp + 16], r12
    mov [map_count], r12
    ret

; add_used: frames RAX..RDX of loader type EBX (rank 16 + type).
add_used:
    lea ecx, [rbx + 16]
    ; fall through
; add_interval: frames RAX..RDX, type EBX, rank ECX, appended at RDI (count R8D). Empty ones are skipped.
add_interval:
    cmp rax, rdx
    jae .skip
    mov [rdi], rax
    mov [rdi + 8], rdx
    mov [rdi + 16], ebx
    mov [rdi + 20], ecx
    add rdi, 24
    inc r8d
.skip:
    ret

; ---------------------------------------------------------------------------------------
; Host log (port 0xE9); the format is documented in src-main/image/bootLog.ts.
write_host_log:
    lea rsi, [log_header]
    call log_str
    cmp byte [firmware_uefi], 0
    je .bios
    lea rsi, [log_uefi]
    call log_str
    test byte [plan_flags], F_ABI011          ; a 0.11 kernel draws on its framebuffer
    jnz .bios
    lea rsi, [log_no_vga]
    call log_str
.bios:
    xor r12d, r12d
.stages:
    mov rax, [tsc_table + r12 * 8]
    test rax, rax
    jz .stage_next
    lea rsi, [log_stage]
    call log_str
    mov rsi, [stage_names + r12 * 8]
    call log_str
    lea rsi, [log_tsc]
    call log_str
    mov rax, [tsc_table + r12 * 8]
    call log_hex
    call log_nl
.stage_next:
    inc r12d
    cmp r12d, ST_COUNT
    jb .stages

    lea rsi, [log_disk_bios]
    cmp byte [dma_used], 0
    je .disk
    lea rsi, [log_disk_dma]
.disk:
    call log_str
    mov eax, [PLAN + P_PAYLOAD_SECT]
    call log_hex
    call log_nl

    mov r12d, E820_BUF
    movzx r13d, word [e820_count]
.e820:
    test r13d, r13d
    jz .e820_done
    lea rsi, [log_e820]
    call log_str
    mov rax, [r12]
    mov rbx, rax
    add rbx, [r12 + 8]
    call log_range
    mov al, ' '
    call log_putc
    mov eax, [r12 + 16]
    call log_hex
    cmp byte [firmware_uefi], 0               ; under UEFI a 0.11 kernel's entries keep the
    je .e820_eol                              ; UEFI memory type at +20 (uefi/handoff.asm):
    test byte [plan_flags], F_ABI011          ; the app shows the UEFI map from it
    jz .e820_eol
    lea rsi, [log_uefi_type]
    call log_str
    mov eax, [r12 + 20]
    call log_hex
.e820_eol:
    call log_nl
    add r12, 24
    dec r13d
    jmp .e820
.e820_done:
    call log_framebuffer

    test byte [plan_flags], F_ABI011
    jz .regions_09
    call log_regions_011
    jmp .regions_done
.regions_09:
    mov r12, [bootinfo_frame]
    mov r13, [map_count]
.region:
    test r13, r13
    jz .regions_done
    lea rsi, [log_region]
    call log_str
    mov rax, [r12]
    shl rax, 12
    mov rbx, [r12 + 8]
    shl rbx, 12
    call log_range
    mov al, ' '
    call log_putc
    mov eax, [r12 + 16]
    mov rsi, [type_names + rax * 8]
    call log_str
    call log_nl
    add r12, 24
    dec r13
    jmp .region
.regions_done:

    lea rsi, [log_pt]
    call log_str
    mov rax, [pt_base]
    mov rbx, [pt_cursor]
    call log_range
    call log_nl
    lea rsi, [log_pml4]
    call log_str
    mov rax, r15
    call log_hex
    call log_nl
    lea rsi, [log_kernel]
    call log_str
    mov eax, PAYLOAD_PHYS
    mov rbx, [stack_frames]
    call log_range
    call log_nl
    lea rsi, [log_stack]
    call log_str
    mov rax, [PLAN + P_STACK_GUARD]
    call log_hex
    mov al, ' '
    call log_putc
    mov rax, [PLAN + P_STACK_GUARD]
    add rax, 0x1000
    mov rbx, [stack_top]
    call log_range
    lea rsi, [log_frames]
    call log_str
    mov rax, [stack_frames]
    mov rbx, [bootinfo_frame]
    call log_range
    call log_nl
    lea rsi, [log_bootinfo]
    call log_str
    mov rax, [PLAN + P_BOOT_INFO]
    call log_hex
    lea rsi, [log_frame]
    call log_str
    mov rax, [bootinfo_frame]
    call log_hex
    call log_nl
    test byte [plan_flags], F_PHYS
    jz .no_phys
    lea rsi, [log_phys]
    call log_str
    mov rax, [PLAN + P_PHYS_OFFSET]
    call log_hex
    mov al, ' '
    call log_putc
    xor eax, eax
    mov rbx, [max_phys]
    call log_range
    call log_nl
.no_phys:
    lea rsi, [log_entry]
    call log_str
    mov rax, [PLAN + P_ENTRY]
    call log_hex
    lea rsi, [log_rsp]
    call log_str
    mov rax, [stack_top]
    sub rax, 8
    call log_hex
    lea rsi, [log_rdi]
    call log_str
    mov rax, [PLAN + P_BOOT_INFO]
    call log_hex
    lea rsi, [log_tsc]
    call log_str
    rdtsc
    shl rdx, 32
    or rax, rdx
    call log_hex
    call log_nl
    ret

; log_regions_011: "region 0xS..0xE KIND" for the 0.11 list (Usable, Bootloader,
; UnknownBios(N), UnknownUefi(N), N decimal).
log_regions_011:
    mov r12, [bi_ptr]
    add r12, BI011_SIZE
    mov r13, [map_count]
.region:
    test r13, r13
    jz .done
    lea rsi, [log_region]
    call log_str
    mov rax, [r12]
    mov rbx, [r12 + 8]
    call log_range
    mov al, ' '
    call log_putc
    mov eax, [r12 + 16]
    mov rsi, [kind_names + rax * 8]
    call log_str
    cmp dword [r12 + 16], 2
    jb .next
    mov al, '('
    call log_putc
    mov eax, [r12 + 20]
    call log_dec
    mov al, ')'
    call log_putc
.next:
    call log_nl
    add r12, 24
    dec r13
    jmp .region
.done:
    ret

; log_dec: EAX in decimal. Clobbers RAX, RCX, RDX.
log_dec:
    xor ecx, ecx
.div:
    xor edx, edx
    push rbx
    mov ebx, 10
    div ebx
    pop rbx
    push rdx
    inc ecx
    test eax, eax
    jnz .div
.out:
    pop rax
    add al, '0'
    call log_putc
    dec ecx
    jnz .out
    ret

; log_range: "0xRAX..0xRBX"
log_range:
    call log_hex
    mov al, '.'
    call log_putc
    call log_putc
    mov rax, rbx
    jmp log_hex

; log_framebuffer: under UEFI, the GOP framebuffer a 0.11 kernel got (on BIOS stage2's `vbe`
; record already says it): physical base and size, mode, and where the kernel sees it.
log_framebuffer:
    cmp byte [firmware_uefi], 0
    je .done
    test byte [plan_flags], F_ABI011
    jz .done
    cmp qword [fb_base], 0
    je .done
    lea rsi, [log_fb_base]
    call log_str
    mov rax, [fb_base]
    call log_hex
    lea rsi, [log_fb_size]
    call log_str
    mov rax, [fb_size]
    call log_hex
    lea rsi, [log_fb_width]
    call log_str
    mov eax, [fb_width]
    call log_hex
    lea rsi, [log_fb_height]
    call log_str
    mov eax, [fb_height]
    call log_hex
    lea rsi, [log_fb_stride]
    call log_str
    mov eax, [fb_stride]
    call log_hex
    lea rsi, [log_fb_bpp]
    call log_str
    movzx eax, byte [fb_bpp]
    call log_hex
    lea rsi, [log_fb_virt]
    call log_str
    mov rax, [PLAN + P_FB_VADDR]
    call log_hex
    call log_nl
.done:
    ret

; log_hex: RAX as 0x + lowercase hex digits without leading zeros. Clobbers RAX.
log_hex:
    push rcx
    push rdx
    push rbx
    mov rbx, rax
    mov al, '0'
    call log_putc
    mov al, 'x'
    call log_putc
    mov ecx, 60
    xor edx, edx
.digit:
    mov rax, rbx
    shr rax, cl
    and eax, 15
    test edx, edx
    jnz .emit
    test eax, eax
    jnz .emit
    test ecx, ecx
    jnz .skip
.emit:
    mov edx, 1
    cmp al, 10
    jb .dec
    add al, 'a' - 10 - '0'
.dec:
    add al, '0'
    call log_putc
.skip:
    sub ecx, 4
    jns .digit
    pop rbx
    pop rdx
    pop rcx
    ret

log_nl:
    mov al, 10
log_putc:
    out 0xE9, al
    ret

; log_str: zero-terminated string at RSI to port 0xE9.
log_str:
    push rax
.next:
    lodsb
    test al, al
    jz .done
    out 0xE9, al
    jmp .next
.done:
    pop rax
    ret

; fail64: "Bootlab: <message at RSI>" on VGA row 0 and COM1, "error <message>" on 0xE9; halt.
fail64:
    mov rbx, rsi
    mov edi, 0xB8000
    lea rsi, [msg_prefix]
    call .put_all
    mov rsi, rbx
    call .put_all
.pad:
    cmp edi, 0xB8000 + 160
    jae .e9
    mov ax, 0x4F20
    stosw
    jmp .pad
.e9:
    lea rsi, [msg_error]
    call log_str
    mov rsi, rbx
    call log_str
    call log_nl
    mov al, 13
    call serial64
    mov al, 10
    call serial64
.halt:
    cli
    hlt
    jmp .halt
.put_all:
    lodsb
    test al, al
    jz .done
    mov ah, 0x4F
    stosw
    call serial64
    jmp .put_all
.done:
    ret

serial64:
    push rdx
    push rcx
    push rax
    mov dx, 0x3FD
    mov ecx, 0x10000
.wait:
    in al, dx
    test al, 0x20
    jnz .ready
    dec ecx
    jnz .wait
.ready:
    pop rax
    mov dx, 0x3F8
    out dx, al
    pop rcx
    pop rdx
    ret

; ---------------------------------------------------------------------------------------
msg_bad_payload: db "corrupt image: payload checksum mismatch", 0
msg_bad_payload_dma: db "corrupt image: payload checksum mismatch (read by IDE DMA; if the image is intact, please report this machine)", 0
msg_no_mem64:    db "not enough memory for the kernel, its stack and page tables", 0
msg_collision:   db "page-table collision: an address is mapped twice", 0
msg_map_full:    db "the memory map has more than 64 regions", 0
msg_regions_full: db "the memory map has too many regions for the boot info pages", 0
msg_exception:   db "CPU exception 0x", 0
msg_exception_tail: db " in the loader (a Bootlab bug: please report it)", 0

log_header:   db "bootlab-boot-log 1", 10, 0
log_uefi:     db "firmware uefi", 10, 0
log_no_vga:   db "note the VGA text buffer does not exist under UEFI: text the kernel writes to 0xB8000 is not shown", 10, 0
log_stage:    db "stage ", 0
log_tsc:      db " tsc=", 0
log_e820:     db "e820 ", 0
log_uefi_type: db " uefi=", 0
log_fb_base:  db "framebuffer base=", 0
log_fb_size:  db " size=", 0
log_fb_width: db " width=", 0
log_fb_height: db " height=", 0
log_fb_stride: db " stride=", 0
log_fb_bpp:   db " bytes-per-pixel=", 0
log_fb_virt:  db " virt=", 0
log_disk_dma: db "payload-read dma sectors=", 0
log_disk_bios: db "payload-read bios sectors=", 0
log_region:   db "region ", 0
log_pt:       db "page-tables ", 0
log_pml4:     db "pml4 ", 0
log_kernel:   db "kernel-frames ", 0
log_stack:    db "stack guard=", 0
log_frames:   db " frames=", 0
log_bootinfo: db "boot-info ", 0
log_frame:    db " frame=", 0
log_phys:     db "physical-memory ", 0
log_entry:    db "entry rip=", 0
log_rsp:      db " rsp=", 0
log_rdi:      db " rdi=", 0

sn_mbr:       db "mbr", 0
sn_loader:    db "loader", 0
sn_cpu:       db "cpu-check", 0
sn_e820:      db "e820", 0
sn_a20:       db "a20", 0
sn_plan:      db "plan", 0
sn_payload:   db "payload", 0
sn_long:      db "long-mode", 0
sn_checksum:  db "checksum", 0
sn_paging:    db "page-tables", 0
sn_bootinfo:  db "boot-info", 0

tn_0:  db "Usable", 0
tn_1:  db "InUse", 0
tn_2:  db "Reserved", 0
tn_3:  db "AcpiReclaimable", 0
tn_4:  db "AcpiNvs", 0
tn_5:  db "BadMemory", 0
tn_6:  db "Kernel", 0
tn_7:  db "KernelStack", 0
tn_8:  db "PageTable", 0
tn_9:  db "Bootloader", 0
tn_10: db "FrameZero", 0
tn_11: db "Empty", 0
tn_12: db "BootInfo", 0
tn_13: db "Package", 0
kn_0:  db "Usable", 0
kn_1:  db "Bootloader", 0
kn_2:  db "UnknownUefi", 0
kn_3:  db "UnknownBios", 0

    align 8
stage_names:  dq sn_mbr, sn_loader, sn_cpu, sn_e820, sn_a20, sn_plan, sn_payload, sn_long, sn_checksum, sn_paging, sn_bootinfo
type_names:   dq tn_0, tn_1, tn_2, tn_3, tn_4, tn_5, tn_6, tn_7, tn_8, tn_9, tn_10, tn_11, tn_12, tn_13
kind_names:   dq kn_0, kn_1, kn_2, kn_3
loader_code_end:
