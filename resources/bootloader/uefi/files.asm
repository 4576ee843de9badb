; files.asm: the boot partition's files, through the firmware's file system driver.
; On entry to each routine: RSP = 8 (mod 16), boot services active, fs_root set by open_volume
;           (except open_volume itself).
; On exit:  MS x64 nonvolatile registers preserved. Failures go to fail/fail_status with the
;           file's name (they do not return).
; The loader reads the volume it was loaded from (LoadedImage.DeviceHandle), so a second disk
; with other Bootlab files is never mixed in.

; open_volume: fs_root = the root directory of the partition holding this EFI application.
open_volume:
    push rbx
    sub rsp, 0x30
    mov rcx, [rel image_handle]
    lea rdx, [rel guid_loaded_image]
    lea r8, [rel loaded_image]
    mov rax, [rel boot_services]
    call [rax + BS_HANDLE_PROTOCOL]
    lea rsi, [rel msg_no_loaded_image]
    xor edi, edi
    test rax, rax
    jnz fail_status
    mov rax, [rel loaded_image]
    mov rcx, [rax + LI_DEVICE_HANDLE]
    lea rdx, [rel guid_simple_fs]
    lea r8, [rel simple_fs]
    mov rax, [rel boot_services]
    call [rax + BS_HANDLE_PROTOCOL]
    lea rsi, [rel msg_no_simple_fs]
    xor edi, edi
    test rax, rax
    jnz fail_status
    mov rcx, [rel simple_fs]
    lea rdx, [rel fs_root]
    call [rcx + SFS_OPEN_VOLUME]
    lea rsi, [rel msg_open_volume]
    xor edi, edi
    test rax, rax
    jnz fail_status
    add rsp, 0x30
    pop rbx
    ret

; open_file: RSI = the file's path (ASCII, backslashes, for messages too). Returns RAX = the
; EFI_FILE_PROTOCOL of the open file and RDX = its size in bytes.
open_file:
    push rbx
    push r12
    push rsi
    push rdi
    sub rsp, 0x38
    mov r12, rsi
    lea rdi, [rel name_buf]
.name:
    movzx eax, byte [rsi]
    mov [rdi], ax
    inc rsi
    add rdi, 2
    test eax, eax
    jnz .name
    mov rcx, [rel fs_root]
    lea rdx, [rsp + 40]
    lea r8, [rel name_buf]
    mov r9d, FILE_MODE_READ
    mov qword [rsp + 32], 0
    call [rcx + FILE_OPEN]
    lea rsi, [rel msg_open_file]
    mov rdi, r12
    test rax, rax
    jnz fail_status
    mov rbx, [rsp + 40]
    ; size: EFI_FILE_INFO.FileSize
    mov qword [rsp + 32], FINFO_BUF_SIZE
    mov rcx, rbx
    lea rdx, [rel guid_file_info]
    lea r8, [rsp + 32]
    lea r9, [rel file_info]
    call [rbx + FILE_GET_INFO]
    lea rsi, [rel msg_file_info]
    mov rdi, r12
    test rax, rax
    jnz fail_status
    mov rax, rbx
    mov rdx, [rel file_info + FINFO_FILE_SIZE]
    add rsp, 0x38
    pop rdi
    pop rsi
    pop r12
    pop rbx
    ret

; read_file: RCX = open file, RDX = destination, R8 = bytes to read, R9 = the file's path (for
; messages). Reads exactly R8 bytes from the file's start, then closes the file.
read_file:
    push rbx
    push r12
    push r13
    sub rsp, 0x30
    mov rbx, rcx
    mov r12, r9
    mov r13, r8
    mov [rsp + 32], r8
    mov r8, rdx
    lea rdx, [rsp + 32]
    call [rbx + FILE_READ]
    lea rsi, [rel msg_read_file]
    mov rdi, r12
    test rax, rax
    jnz fail_status
    cmp [rsp + 32], r13
    lea rsi, [rel msg_short_read]
    mov eax, 0
    jne fail_status
    mov rcx, rbx
    call [rbx + FILE_CLOSE]
    add rsp, 0x30
    pop r13
    pop r12
    pop rbx
    ret
