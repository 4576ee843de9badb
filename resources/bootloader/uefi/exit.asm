; exit.asm: the final UEFI memory map and ExitBootServices.
; On entry: RSP = 8 (mod 16), boot services active, the plan and payload in their places.
; On exit:  boot services exited (ConOut gone: conout_live = 0, so messages go to COM1 only);
;           map_buf holds the map the firmware accepted, map_size its bytes, desc_size the
;           stride; exit_retries counts the stale-key retries. MS x64 nonvolatile registers kept.
; ExitBootServices fails with EFI_INVALID_PARAMETER when the map changed after GetMemoryMap gave
; its key (any allocation, even the firmware's own timer work, can change it): get the map again
; and retry. After a failed call only GetMemoryMap and ExitBootServices are used.

MAP_SLACK_DESCRIPTORS equ 16      ; room for descriptors the pool allocation itself adds
EXIT_TRIES            equ 8

exit_boot_services:
    push rbx
    push r12
    sub rsp, 0x38
    ; the size the map needs now (a NULL buffer of size 0 gives EFI_BUFFER_TOO_SMALL and the size)
    mov qword [rel map_size], 0
    lea rcx, [rel map_size]
    xor edx, edx
    lea r8, [rel map_key]
    lea r9, [rel desc_size]
    lea rax, [rel desc_version]
    mov [rsp + 32], rax
    mov rax, [rel boot_services]
    call [rax + BS_GET_MEMORY_MAP]
    mov rcx, EFI_BUFFER_TOO_SMALL
    cmp rax, rcx
    lea rsi, [rel msg_memory_map]
    mov edi, 0
    jne fail_status
    mov rax, [rel desc_size]
    imul rax, MAP_SLACK_DESCRIPTORS
    add rax, [rel map_size]
    mov [rel map_capacity], rax
    mov ecx, EFI_LOADER_DATA
    mov rdx, rax
    lea r8, [rel map_buf]
    mov rax, [rel boot_services]
    call [rax + BS_ALLOCATE_POOL]
    lea rsi, [rel msg_map_pool]
    xor edi, edi
    test rax, rax
    jnz fail_status
    mov r12d, EXIT_TRIES
.again:
    mov rax, [rel map_capacity]
    mov [rel map_size], rax
    lea rcx, [rel map_size]
    mov rdx, [rel map_buf]
    lea r8, [rel map_key]
    lea r9, [rel desc_size]
    lea rax, [rel desc_version]
    mov [rsp + 32], rax
    mov rax, [rel boot_services]
    call [rax + BS_GET_MEMORY_MAP]
    lea rsi, [rel msg_memory_map]
    xor edi, edi
    test rax, rax
    jnz fail_status
    ; From here on ConOut may be gone (a failed ExitBootServices may have stopped its drivers).
    mov byte [rel conout_live], 0
    mov rcx, [rel image_handle]
    mov rdx, [rel map_key]
    mov rax, [rel boot_services]
    call [rax + BS_EXIT_BOOT_SERVICES]
    test rax, rax
    jz .exited
    mov rcx, EFI_INVALID_PARAMETER
    cmp rax, rcx
    lea rsi, [rel msg_exit_failed]
    mov edi, 0
    jne fail_status
    inc qword [rel exit_retries]
    dec r12d
    jnz .again
    jmp fail_status
.exited:
    add rsp, 0x38
    pop r12
    pop rbx
    ret
