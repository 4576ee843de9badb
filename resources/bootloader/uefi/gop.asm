; gop.asm: the framebuffer under UEFI, for kernels that asked for one (F_FRAMEBUFFER): the
; Graphics Output Protocol, by the rule of BOOT-CONTRACT-011 section 4 (0.11's UEFI loader).
; On entry (set_framebuffer_gop, a near call from efi_main): boot services active, RSP = 8
;           (mod 16), the plan at PLAN (its P_FB_MIN_W/H: the kernel's minimum size, 0: none).
; Work:     LocateProtocol(GOP); none: a note, no framebuffer. With a minimum width or height,
;           SetMode to the last mode in the firmware's order that has at least that size (the
;           TSC ticks SetMode took go to fb_mode_tsc); when no mode has, a note and the current
;           mode stays. Without a minimum the current mode stays.
; On exit:  fb_vars (data.asm, the layout of VARS' fb_* fields in layout.inc; handoff.asm copies
;           it there after zeroing VARS) describes the mode's linear framebuffer: 4 bytes per
;           pixel, format Rgb or Bgr; fb_base 0 when there is no GOP. MS x64 nonvolatile
;           registers kept.
; Failures: a mode without a linear RGB/BGR framebuffer (BitMask, BltOnly) or a failed SetMode
;           stop the loader with a message (fail), as every other failure does.

FBV_BASE      equ fb_base - fb_base
FBV_SIZE      equ fb_size - fb_base
FBV_WIDTH     equ fb_width - fb_base
FBV_HEIGHT    equ fb_height - fb_base
FBV_STRIDE    equ fb_stride - fb_base
FBV_BPP       equ fb_bpp - fb_base
FBV_FORMAT    equ fb_format - fb_base
FBV_MODE_TSC  equ fb_mode_tsc - fb_base
GOP_BYTES_PER_PIXEL equ 4           ; every GOP RGB/BGR format is 8 bits a colour plus 8 reserved

set_framebuffer_gop:
    push rbx
    push rsi
    push rdi
    push r12
    push r13
    push r14
    push r15
    sub rsp, 0x30
    lea rcx, [rel guid_gop]
    xor edx, edx
    lea r8, [rel gop]
    mov rax, [rel boot_services]
    call [rax + BS_LOCATE_PROTOCOL]
    test rax, rax
    jnz .no_gop
    mov rbx, [rel gop]
    test rbx, rbx
    jz .no_gop
    mov eax, PLAN
    mov r12d, [rax + P_FB_MIN_W]
    mov r13d, [rax + P_FB_MIN_H]
    mov eax, r12d
    or eax, r13d
    jz .current

    ; --- the last mode with at least the minimum size --------------------------------------
    mov rax, [rbx + GOP_MODE]
    mov r14d, [rax + GM_MAX_MODE]
    mov r15d, -1
    xor esi, esi
.query:
    cmp esi, r14d
    jae .queried
    mov rcx, rbx
    mov edx, esi
    lea r8, [rel gop_info_size]
    lea r9, [rel gop_info]
    call [rbx + GOP_QUERY_MODE]
    test rax, rax
    jnz .query_next
    ; (QueryMode's info is pool memory; left to the firmware, it is free after ExitBootServices.)
    mov rax, [rel gop_info]
    cmp [rax + GI_WIDTH], r12d
    jb .query_next
    cmp [rax + GI_HEIGHT], r13d
    jb .query_next
    mov r15d, esi
.query_next:
    inc esi
    jmp .query
.queried:
    cmp r15d, -1
    je .no_fit
    mov rax, [rbx + GOP_MODE]
    cmp [rax + GM_MODE], r15d
    je .current
    rdtsc
    shl rdx, 32
    or rax, rdx
    mov rdi, rax
    mov rcx, rbx
    mov edx, r15d
    call [rbx + GOP_SET_MODE]
    mov rsi, rax
    rdtsc
    shl rdx, 32
    or rax, rdx
    sub rax, rdi
    mov [rel fb_vars + FBV_MODE_TSC], rax
    test rsi, rsi
    jz .current
    mov rax, rsi
    lea rsi, [rel msg_gop_set_mode]
    xor edi, edi
    jmp fail_status
.no_fit:
    lea rsi, [rel msg_gop_no_fit]
    call print

    ; --- the mode now set -------------------------------------------------------------------
.current:
    mov rax, [rbx + GOP_MODE]
    mov rcx, [rax + GM_INFO]
    mov edx, [rcx + GI_PIXEL_FORMAT]
    lea rsi, [rel msg_gop_bitmask]
    cmp edx, GOP_PIXEL_BITMASK
    je fail
    lea rsi, [rel msg_gop_blt_only]
    cmp edx, GOP_PIXEL_BGR
    ja fail
    mov [rel fb_vars + FBV_FORMAT], dl          ; GOP's 0 RGB / 1 BGR are 0.11's Rgb / Bgr
    mov byte [rel fb_vars + FBV_BPP], GOP_BYTES_PER_PIXEL
    mov edx, [rcx + GI_WIDTH]
    mov [rel fb_vars + FBV_WIDTH], edx
    mov edx, [rcx + GI_HEIGHT]
    mov [rel fb_vars + FBV_HEIGHT], edx
    mov edx, [rcx + GI_PIXELS_PER_LINE]
    mov [rel fb_vars + FBV_STRIDE], edx
    mov rdx, [rax + GM_FRAME_BUFFER_SIZE]
    mov [rel fb_vars + FBV_SIZE], rdx
    mov rdx, [rax + GM_FRAME_BUFFER_BASE]
    mov [rel fb_vars + FBV_BASE], rdx
    jmp .done
.no_gop:
    lea rsi, [rel msg_no_gop]
    call print
.done:
    add rsp, 0x30
    pop r15
    pop r14
    pop r13
    pop r12
    pop rdi
    pop rsi
    pop rbx
    ret
