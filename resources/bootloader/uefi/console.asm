; console.asm: messages on COM1 and, while boot services run, on ConOut.
; On entry to each routine: RSP = 8 (mod 16) (a near call from 16-byte-aligned code); boot
;           services may or may not have been exited (conout_live says whether ConOut works).
; On exit:  RBX, RBP, RSI, RDI, R12-R15 preserved (the MS x64 ABI's nonvolatile registers);
;           RAX, RCX, RDX, R8-R11 clobbered. fail* never return: they halt with interrupts off,
;           so a failure stays on the screen and on the serial line instead of resetting.
; COM1 gets every message directly (OVMF set the UART up; after ExitBootServices it is the only
; output), so the host sees them even when ConOut is a screen only.

; print: the zero-terminated ASCII text at RSI ("\n" becomes CR LF).
print:
    push rsi
    push rdi
    sub rsp, 0x28
    mov rdi, rsi
.serial:
    mov al, [rdi]
    test al, al
    jz .conout
    cmp al, 10
    jne .char
    mov al, 13
    call serial_putc
    mov al, 10
.char:
    call serial_putc
    inc rdi
    jmp .serial
.conout:
    cmp byte [rel conout_live], 0
    je .done
    lea rdi, [rel ucs2_buf]
    lea rcx, [rdi + UCS2_CHARS * 2 - 6]
.convert:
    cmp rdi, rcx
    jae .convert_done
    movzx eax, byte [rsi]
    test eax, eax
    jz .convert_done
    inc rsi
    cmp eax, 10
    jne .store
    mov word [rdi], 13
    add rdi, 2
.store:
    mov [rdi], ax
    add rdi, 2
    jmp .convert
.convert_done:
    mov word [rdi], 0
    mov rcx, [rel con_out]
    lea rdx, [rel ucs2_buf]
    call [rcx + TXT_OUTPUT_STRING]
.done:
    add rsp, 0x28
    pop rdi
    pop rsi
    ret

; serial_putc: AL to COM1, after waiting (bounded) for the transmitter. Clobbers RCX, RDX, R8.
serial_putc:
    mov r8d, eax
    mov edx, 0x3FD
    mov ecx, 0x10000
.wait:
    in al, dx
    test al, 0x20
    jnz .ready
    dec ecx
    jnz .wait
.ready:
    mov eax, r8d
    mov edx, 0x3F8
    out dx, al
    ret

; append: the zero-terminated text at RSI to the message being composed in msg_buf (cut at its
; end), so that a failure goes out as one piece: ConOut and COM1 may be one serial line (OVMF
; mirrors ConOut there), and piece-by-piece output would interleave the two copies.
append:
    push rsi
    push rdi
    lea rdi, [rel msg_buf]
    mov rcx, [rel msg_cursor]
    add rdi, rcx
    neg rcx
    add rcx, MSG_BUF_SIZE - 1
.copy:
    test rcx, rcx
    jz .full
    mov al, [rsi]
    test al, al
    jz .full
    mov [rdi], al
    inc rsi
    inc rdi
    dec rcx
    jmp .copy
.full:
    mov byte [rdi], 0
    lea rax, [rel msg_buf]
    sub rdi, rax
    mov [rel msg_cursor], rdi
    pop rdi
    pop rsi
    ret

; append_hex: RAX as 0x and 16 hex digits.
append_hex:
    push rsi
    push rdi
    lea rdi, [rel hex_buf]
    mov word [rdi], '0x'
    mov ecx, 16
.digit:
    rol rax, 4
    mov edx, eax
    and edx, 15
    cmp edx, 10
    jb .dec
    add edx, 'A' - 10 - '0'
.dec:
    add edx, '0'
    mov [rdi + 2], dl
    inc rdi
    dec ecx
    jnz .digit
    mov byte [rdi + 2], 0
    lea rsi, [rel hex_buf]
    call append
    pop rdi
    pop rsi
    ret

; fail: "Bootlab: <RSI>" and halt.
fail:
    xor eax, eax
    xor edi, edi
    ; fall through: a failure without a status or file name
; fail_status: "Bootlab: <RSI><RDI>: <status name> (EFI status 0x...)" and halt. RAX = status,
; RDI = a second text (a file name) or 0. With RAX = 0 the status part is left out.
fail_status:
    and rsp, -16
    push rax
    push rdi
    mov qword [rel msg_cursor], 0
    push rsi
    lea rsi, [rel msg_prefix]
    call append
    pop rsi
    call append
    mov rsi, [rsp]
    test rsi, rsi
    jz .no_name
    call append
.no_name:
    cmp qword [rsp + 8], 0
    je .stop
    lea rsi, [rel msg_colon]
    call append
    mov rax, [rsp + 8]
    btr rax, EFI_ERROR_BIT
    lea rsi, [rel msg_status_other]
    cmp rax, STATUS_NAMES
    jae .named
    lea rsi, [rel status_names]
    mov rsi, [rsi + rax * 8]
    lea rdx, [rel status_names]
    add rsi, rdx
.named:
    call append
    lea rsi, [rel msg_status_open]
    call append
    mov rax, [rsp + 8]
    call append_hex
    lea rsi, [rel msg_status_close]
    call append
.stop:
    lea rsi, [rel msg_stopped]
    call append
    lea rsi, [rel msg_buf]
    call print
halt_forever:
    cli
    hlt
    jmp halt_forever
