; stage1.asm: the master boot record (512 bytes at LBA 0).
; On entry: real mode, loaded at 0:0x7C00 by the BIOS, DL = boot drive, other registers and
;           segments unspecified, interrupts possibly on.
; On exit:  jumps to stage2_entry with CS = DS = ES = SS = 0, SP below 0x7C00, DF = 0,
;           interrupts on, stage2 read to 0x7E00 from LBA loader_lba + 1 (one BIOS extended
;           read; stage2 reads stage3),
;           the VARS page zeroed, boot_drive saved, tsc_table[0] = TSC at the start.
; Failures: no int 13h extensions or a read error print a message (VGA row 0, COM1, port 0xE9)
;           and halt.
; Bytes 0x1B0-0x1FF (loader_lba, image_id, disk signature, partition table, 0x55AA) are
; written by the image writer. On an MBR disk the loader follows this sector (loader_lba 0); on
; a hybrid GPT disk (src-main/image/disk.ts) it lies in the BIOS boot partition, and LBA 0 is a
; protective MBR whose disk signature stays 0, so image_id makes this sector unique instead.

    bits 16
stage1_start:
    jmp 0x0000:stage1_main
stage1_main:
    cli
    xor ax, ax
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov sp, STACK_TOP
    sti
    cld
    mov bp, dx
    rdtsc
    mov di, VARS
    push eax
    xor ax, ax
    mov cx, VARS_SIZE / 2
    rep stosw
    pop eax
    mov [tsc_table], eax
    mov [tsc_table + 4], edx
    mov dx, bp
    mov [boot_drive], dl
    mov byte [dap], 0x10

    mov ah, 0x41
    mov bx, 0x55AA
    mov dl, [boot_drive]
    int 0x13
    jc .no_ext
    cmp bx, 0xAA55
    jne .no_ext

    mov eax, [loader_lba]
    inc eax
    mov cx, (stage3_start - stage2_start) / 512
    mov bx, 0x07E0
    call disk_read
    jmp stage2_entry

.no_ext:
    mov si, msg_no_ext
    jmp fail16

; disk_read: read CX sectors (1..127) from LBA EAX to BX:0000 with int 13h AH=42h, one retry
; after a disk reset. Fails with "disk read failed".
disk_read:
    mov [dap_lba], eax
    mov [dap_count], cx
    mov [dap_seg], bx
    mov byte [dap_tries], 2
.again:
    mov si, dap
    mov dl, [boot_drive]
    mov ah, 0x42
    int 0x13
    jnc .ok
    dec byte [dap_tries]
    jz .fail
    xor ah, ah
    mov dl, [boot_drive]
    int 0x13
    jmp .again
.ok:
    ret
.fail:
    mov si, msg_disk
    ; fall through

; fail16: print "Bootlab: <message at SI>" on VGA row 0 and COM1, "error <message>" on the
; host-log port 0xE9, then halt forever (interrupts off, never a reboot).
fail16:
    cli
    xor ax, ax
    mov ds, ax
    push si
    mov ax, 0xB800
    mov es, ax
    xor di, di
    mov ah, 0x4F
    mov si, msg_prefix
    call .put_all
    pop si
    push si
    call .put_all
.pad:
    cmp di, 160
    jae .e9
    mov al, ' '
    stosw
    jmp .pad
.e9:
    mov si, msg_error
    call .put_e9
    pop si
    call .put_e9
    mov al, 10
    out 0xE9, al
    mov al, 13
    call serial16
    mov al, 10
    call serial16
.halt:
    cli
    hlt
    jmp .halt
.put_all:                   ; SI -> VGA (ES:DI, attribute AH) and COM1
    lodsb
    test al, al
    jz .done
    stosw
    call serial16
    jmp .put_all
.put_e9:
    lodsb
    test al, al
    jz .done
    out 0xE9, al
    jmp .put_e9
.done:
    ret

; serial16: AL -> COM1, waiting (bounded) for the transmitter.
serial16:
    push dx
    push cx
    push ax
    mov dx, 0x3FD
    mov cx, 0xFFFF
.wait:
    in al, dx
    test al, 0x20
    jnz .ready
    loop .wait
.ready:
    pop ax
    mov dx, 0x3F8
    out dx, al
    pop cx
    pop dx
    ret

msg_prefix:  db "Bootlab: ", 0
msg_error:   db "error ", 0
msg_no_ext:  db "BIOS has no int 13h extensions", 0
msg_disk:    db "disk read failed", 0


    times 0x1B0 - ($ - $$) db 0
loader_lba:
    dd 0                    ; LBA of the loader's first sector: stage2 is at +1 (image writer)
image_id:
    dd 0                    ; unique per hybrid image, for stage2's DMA disk check (image writer)
    dd 0                    ; disk signature (image writer, MBR disks)
    dw 0
    times 64 db 0           ; partition table (image writer)
    dw 0xAA55
