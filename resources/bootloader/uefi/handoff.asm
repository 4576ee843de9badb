; handoff.asm: from the UEFI world to stage3, which builds the kernel's page tables and BootInfo
; exactly as on the BIOS path.
; On entry: boot services exited, interrupts off (OVMF's ExitBootServices clears IF; cli again
;           anyway), the firmware's page tables (identity map) and GDT, RSP on the firmware's
;           stack; the plan at PLAN and the payload at PAYLOAD_PHYS (allocated and read by
;           main.asm); LOADER_START..LOADER_END allocated to this loader; this code and the
;           fixed areas below 4 GiB (main.asm checked that).
; Work:     zero VARS; translate the UEFI map into stage3's E820 list (merged where adjacent and
;           of one kind; the UEFI type kept at +20, where E820 has its extended attributes, for
;           0.11's UnknownUefi(n) regions, and for a 0.11 kernel only entries of one UEFI type
;           merged, so a 0.9 kernel's list stays as it was); the ACPI RSDP from the configuration table (rsdp_addr); mem_limit = end of the usable run holding PAYLOAD_PHYS; plan flags,
;           TSC stamps and firmware_uefi for stage3's host log, the framebuffer gop.asm found
;           (fb_vars, into fb_*); copy the stage3 blob to 0x7C00;
;           the bootstrap tables stage2 would have built (identity map of 4 GiB, 2 MiB pages).
; On exit:  the state stage2 hands stage3 on the BIOS path: CR3 = BOOT_PML4, the blob's GDT
;           (CS = SEL_CODE64 through a far return), CR0 = PG|WP|ET|PE and CR4 = PAE (so SSE is
;           off unless the kernel asks, as on BIOS; OVMF leaves it on), EFER.LME|NXE, RSP =
;           STACK_TOP, at long_entry. Stage3 installs its own IDT at once.
; Failures: on COM1 (the only output left), then halt.
; Everything at a fixed address is reached through a register: `default rel` would make a
; plain [constant] RIP-relative, and this image runs wherever the firmware put it.

HDR_ENTRY   equ 0
HDR_GDTR    equ 8
BLOB_ORG    equ 0x7C00
CR0_LOADER  equ 0x80010011          ; PG | WP | ET | PE: what stage2 leaves on SeaBIOS
CR4_LOADER  equ 0x20                ; PAE only
EFER        equ 0xC0000080
SYST_NUMBER_OF_TABLE_ENTRIES equ 104
SYST_CONFIGURATION_TABLE     equ 112
; The ACPI table GUIDs as stored (bytes_le), as two qwords each.
ACPI20_GUID_LO equ 0x11D3E4F18868E871   ; 8868E871-E4F1-11D3-BC22-0080C73C8881
ACPI20_GUID_HI equ 0x81883CC7800022BC
ACPI10_GUID_LO equ 0x11D32D88EB9D2D30   ; EB9D2D30-2D88-11D3-9A16-0090273FC14D
ACPI10_GUID_HI equ 0x4DC13F279000169A

handoff:
    cli
    cld
    mov ebp, VARS
    mov rdi, rbp
    mov ecx, 0x1000 / 8
    xor eax, eax
    rep stosq

    ; --- UEFI map -> E820 entries (24 bytes: base, length, type, UEFI type) -----------------
    mov eax, PLAN
    mov r12d, [rax + P_FLAGS]
    and r12d, F_ABI011
    mov rsi, [rel map_buf]
    mov rcx, [rel map_size]
    mov r8, [rel desc_size]
    mov edi, E820_BUF
    xor ebx, ebx
.desc:
    cmp rcx, r8
    jb .descs_done
    mov r9, [rsi + MD_PHYSICAL_START]
    mov r10, [rsi + MD_NUMBER_OF_PAGES]
    shl r10, 12
    jz .next
    mov eax, [rsi + MD_TYPE]
    call e820_type
    cmp edx, 1
    jne .kept_type
    mov eax, 7                                  ; usable now, whatever it was: one kind
.kept_type:
    test ebx, ebx
    jz .append
    cmp [rdi - 8], edx
    jne .append
    test r12d, r12d
    jz .merge
    cmp [rdi - 4], eax
    jne .append
.merge:
    mov r11, [rdi - 24]
    add r11, [rdi - 16]
    cmp r11, r9
    jne .append
    add [rdi - 16], r10
    jmp .next
.append:
    cmp ebx, E820_MAX
    jae .too_many
    mov [rdi], r9
    mov [rdi + 8], r10
    mov [rdi + 16], edx
    mov [rdi + 20], eax
    add rdi, 24
    inc ebx
.next:
    add rsi, r8
    sub rcx, r8
    jmp .desc
.too_many:
    lea rsi, [rel msg_map_too_big]
    jmp fail
.descs_done:
    mov [rbp + e820_count - VARS], bx

    ; --- mem_limit: the usable run that holds PAYLOAD_PHYS, capped below 4 GiB (as stage2) ----
    mov esi, E820_BUF
    mov ecx, ebx
.limit:
    test ecx, ecx
    jz .no_limit
    cmp dword [rsi + 16], 1
    jne .limit_next
    mov rax, [rsi]
    cmp rax, PAYLOAD_PHYS
    ja .limit_next
    add rax, [rsi + 8]
    cmp rax, PAYLOAD_PHYS
    jbe .limit_next
    mov edx, 0xFFFFF000
    cmp rax, rdx
    cmova rax, rdx
    and rax, ~0xFFF
    mov [rbp + mem_limit - VARS], rax
    jmp .limit_done
.limit_next:
    add rsi, 24
    dec ecx
    jmp .limit
.no_limit:
    lea rsi, [rel msg_no_low_memory]
    jmp fail
.limit_done:

    ; --- what stage2 would have left in VARS ------------------------------------------------
    mov eax, PLAN
    mov eax, [rax + P_FLAGS]
    mov [rbp + plan_flags - VARS], eax
    mov byte [rbp + firmware_uefi - VARS], 1
    call acpi_rsdp
    mov [rbp + rsdp_addr - VARS], rax
    lea rsi, [rel fb_vars]                      ; the framebuffer gop.asm found
    lea rdi, [rbp + fb_base - VARS]
    mov ecx, FB_VARS_SIZE
    rep movsb
    mov rax, [rel tsc_entry]
    mov [rbp + tsc_table - VARS + ST_LOADER * 8], rax
    mov rax, [rel tsc_plan]
    mov [rbp + tsc_table - VARS + ST_PLAN * 8], rax
    mov rax, [rel tsc_payload]
    mov [rbp + tsc_table - VARS + ST_PAYLOAD * 8], rax
    rdtsc
    shl rdx, 32
    or rax, rdx
    mov [rbp + tsc_table - VARS + ST_E820 * 8], rax

    ; --- stage3 to where it was assembled for --------------------------------------------
    lea rsi, [rel stage3_blob]
    mov edi, BLOB_ORG
    mov ecx, STAGE3_BLOB_SIZE
    rep movsb

    ; --- bootstrap tables: identity map of the first 4 GiB with 2 MiB pages ------------------
    mov edi, BOOT_PML4
    mov ecx, 0x2000 / 8
    xor eax, eax
    rep stosq
    mov edi, BOOT_PML4
    mov qword [rdi], BOOT_PDPT | 3
    mov qword [rdi + 0x1000], (BOOT_PD + 0x0000) | 3
    mov qword [rdi + 0x1008], (BOOT_PD + 0x1000) | 3
    mov qword [rdi + 0x1010], (BOOT_PD + 0x2000) | 3
    mov qword [rdi + 0x1018], (BOOT_PD + 0x3000) | 3
    mov edi, BOOT_PD
    mov eax, 0x83
    mov ecx, 2048
.pd:
    mov [rdi], rax
    add rax, 0x200000
    add rdi, 8
    dec ecx
    jnz .pd

    ; --- the switch: own stack, own tables, own GDT, BIOS-path control registers --------------
    mov esp, STACK_TOP
    mov eax, BOOT_PML4
    mov cr3, rax
    mov eax, BLOB_ORG
    mov rdx, [rax + HDR_GDTR]
    lgdt [rdx]
    mov eax, CR0_LOADER
    mov cr0, rax
    mov eax, CR4_LOADER
    mov cr4, rax
    mov ecx, EFER
    rdmsr
    or eax, (1 << 8) | (1 << 11)
    wrmsr
    mov eax, BLOB_ORG
    mov rax, [rax + HDR_ENTRY]
    push SEL_CODE64
    push rax
    retfq

; acpi_rsdp: RAX = the ACPI RSDP the configuration table names (ACPI 2.0 first, then 1.0), 0
; when it names none. The table is runtime memory: still there after ExitBootServices.
acpi_rsdp:
    mov rdx, [rel system_table]
    mov rcx, [rdx + SYST_NUMBER_OF_TABLE_ENTRIES]
    mov rsi, [rdx + SYST_CONFIGURATION_TABLE]
    mov r8, ACPI20_GUID_LO
    mov r9, ACPI20_GUID_HI
    call .find
    test rax, rax
    jnz .done
    mov r8, ACPI10_GUID_LO
    mov r9, ACPI10_GUID_HI
    call .find
.done:
    ret
; .find: RAX = the pointer of the entry at RSI (RCX entries of 24 bytes) whose GUID is R8:R9.
.find:
    push rcx
    push rsi
    xor eax, eax
.next:
    test rcx, rcx
    jz .out
    cmp [rsi], r8
    jne .skip
    cmp [rsi + 8], r9
    jne .skip
    mov rax, [rsi + 16]
    jmp .out
.skip:
    add rsi, 24
    dec rcx
    jmp .next
.out:
    pop rsi
    pop rcx
    ret

; e820_type: EDX = the E820 type for the UEFI memory type EAX. Memory the firmware or this
; loader used until ExitBootServices is free now (LoaderCode/Data, BootServicesCode/Data), as
; 0.11's loader counts it; runtime services, MMIO and the unknown stay reserved.
e820_type:
    mov edx, 1
    cmp eax, 7
    je .done
    cmp eax, 1
    jb .reserved
    cmp eax, 4
    jbe .done
    mov edx, 3
    cmp eax, 9
    je .done
    mov edx, 4
    cmp eax, 10
    je .done
    mov edx, 5
    cmp eax, 8
    je .done
.reserved:
    mov edx, 2
.done:
    ret
