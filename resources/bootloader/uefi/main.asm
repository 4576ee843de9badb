; main.asm: the EFI application's entry, from the firmware to handoff.asm.
; On entry: (firmware) MS x64 ABI: RCX = ImageHandle, RDX = EFI_SYSTEM_TABLE*, RSP = 8 (mod 16),
;           long mode with the firmware's identity-mapped page tables, interrupts on, boot
;           services active; this image anywhere in memory (no .reloc: all addresses here are
;           RIP-relative).
; Work:     print progress; the boot partition (LoadedImage -> DeviceHandle -> SimpleFileSystem);
;           allocate the fixed areas stage3 expects (LOADER_START..LOADER_END and the payload at
;           PAYLOAD_PHYS) with AllocatePages(AllocateAddress), so nothing the firmware hands out
;           later lands there; read BOOTLAB\PLAN.BIN to PLAN and check it as stage2 does (magic,
;           version, size, checksum); read BOOTLAB\KERNEL.BIN to PAYLOAD_PHYS (stage3 checks its
;           checksum); the GOP framebuffer when the plan asks for one (gop.asm); note that there
;           is no VGA text buffer; memory map and ExitBootServices (exit.asm).
; On exit:  handoff.asm, never back to the firmware. Failures: a message on ConOut and COM1, halt.

efi_main:
    mov [rel image_handle], rcx
    mov [rel system_table], rdx
    mov r8, rdx
    rdtsc
    shl rdx, 32
    or rax, rdx
    mov [rel tsc_entry], rax
    push rbx
    push rbp
    push rsi
    push rdi
    push r12
    push r13
    push r14
    push r15
    sub rsp, 0x48
    mov rax, [r8 + SYST_BOOT_SERVICES]
    mov [rel boot_services], rax
    mov rax, [r8 + SYST_CON_OUT]
    mov [rel con_out], rax
    mov byte [rel conout_live], 1
    lea rsi, [rel msg_hello]
    call print

    ; No watchdog: a loader stopped at a message must not be reset five minutes later.
    xor ecx, ecx
    xor edx, edx
    xor r8d, r8d
    xor r9d, r9d
    mov rax, [rel boot_services]
    call [rax + BS_SET_WATCHDOG_TIMER]

    ; handoff.asm switches to an identity map of the first 4 GiB while it still runs here.
    lea rax, [rel image_end]
    shr rax, 32
    lea rsi, [rel msg_above_4g]
    jnz fail

    call open_volume

    ; --- fixed areas ----------------------------------------------------------------------
    mov qword [rel alloc_address], LOADER_START
    mov r8d, (LOADER_END - LOADER_START) / 0x1000
    lea rsi, [rel msg_low_area]
    call allocate_at

    ; --- plan ---------------------------------------------------------------------------------
    lea rsi, [rel path_plan]
    call open_file
    mov rbx, rax
    cmp rdx, P_RUNS
    jb .plan_size
    cmp rdx, PLAN_MAX
    ja .plan_size
    mov [rel plan_file_size], rdx
    mov rcx, rbx
    mov r8, rdx
    mov edx, PLAN
    lea r9, [rel path_plan]
    call read_file
    call check_plan
    rdtsc
    shl rdx, 32
    or rax, rdx
    mov [rel tsc_plan], rax

    ; --- payload ------------------------------------------------------------------------------
    lea rsi, [rel path_kernel]
    call open_file
    mov rbx, rax
    mov eax, PLAN
    mov r12d, [rax + P_PAYLOAD_PAGES]
    shl r12, 12
    cmp rdx, r12
    jb .kernel_short
    test r12, r12
    jz .payload_read
    mov qword [rel alloc_address], PAYLOAD_PHYS
    mov r8, r12
    shr r8, 12
    lea rsi, [rel msg_payload_area]
    call allocate_at
    mov rcx, rbx
    mov edx, PAYLOAD_PHYS
    mov r8, r12
    lea r9, [rel path_kernel]
    call read_file
.payload_read:
    rdtsc
    shl rdx, 32
    or rax, rdx
    mov [rel tsc_payload], rax

    mov eax, PLAN
    test byte [rax + P_FLAGS], F_FRAMEBUFFER
    jz .no_framebuffer
    call set_framebuffer_gop
.no_framebuffer:
    mov eax, PLAN
    test byte [rax + P_FLAGS], F_VGA320
    jz .exit
    lea rsi, [rel msg_no_vga320]
    call print
.exit:
    ; One ConOut call for both lines: each costs about 2 ms under TCG (OVMF draws the text). A
    ; 0.11 kernel draws on its framebuffer: no VGA-text note for it.
    lea rsi, [rel msg_no_vga_exiting]
    mov eax, PLAN
    test byte [rax + P_FLAGS], F_ABI011
    jz .print_exiting
    lea rsi, [rel msg_exiting]
.print_exiting:
    call print
    call exit_boot_services
    lea rsi, [rel msg_exited]
    call print
    jmp handoff

.plan_size:
    lea rsi, [rel msg_bad_plan_size]
    jmp fail
.kernel_short:
    lea rsi, [rel msg_kernel_short]
    jmp fail

; allocate_at: R8 pages at [alloc_address] (physical), as LoaderData. RSI = what the area is
; for (the message when the firmware has that memory in use).
allocate_at:
    push rsi
    sub rsp, 0x30
    mov ecx, ALLOCATE_ADDRESS
    mov edx, EFI_LOADER_DATA
    lea r9, [rel alloc_address]
    mov rax, [rel boot_services]
    call [rax + BS_ALLOCATE_PAGES]
    mov rsi, [rsp + 0x30]
    xor edi, edi
    test rax, rax
    jnz fail_status
    add rsp, 0x30
    pop rsi
    ret

; check_plan: the plan at PLAN as stage2 checks it: magic, version, size, checksum (s = rol(s, 7)
; xor each qword, with the checksum field counted as 0).
check_plan:
    sub rsp, 8
    mov esi, PLAN
    mov rax, 'BLABPLAN'
    cmp [rsi + P_MAGIC], rax
    lea rdi, [rel msg_bad_magic]
    jne .bad
    cmp dword [rsi + P_VERSION], PLAN_VERSION
    lea rdi, [rel msg_bad_version]
    jne .bad
    mov ecx, [rsi + P_BYTES]
    cmp ecx, P_RUNS
    lea rdi, [rel msg_bad_plan_size]
    jb .bad
    cmp ecx, PLAN_MAX
    ja .bad
    cmp rcx, [rel plan_file_size]
    ja .bad
    test ecx, 7
    jnz .bad
    shr ecx, 3
    xor eax, eax
    xor edx, edx
.sum:
    rol rax, 7
    cmp edx, P_PLAN_CK / 8
    je .skip
    xor rax, [rsi + rdx * 8]
.skip:
    inc edx
    cmp edx, ecx
    jb .sum
    cmp rax, [rsi + P_PLAN_CK]
    lea rdi, [rel msg_bad_plan_sum]
    jne .bad
    add rsp, 8
    ret
.bad:
    mov rsi, rdi
    jmp fail
