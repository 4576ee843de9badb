// The inspector's API methods for the app (pause, resume, step, cpuState, pageTables,
// readMemory) over the running VM's QMP. The kernel the VM booted comes from the run's own
// `artifact` event; its segments and layout (for labels and the ELF check) from its load plan.
import { readFileSync, statSync } from 'node:fs';
import { readElf, type ElfFile } from '../../elf/index.js';
import { translate } from '../../image/inspect/pageTables.js';
import { parseBootLog } from '../../image/bootLog.js';
import { makePlan } from '../../image/plan.js';
import type { BootlabEvent, ProjectInfo } from '../../shared/api.js';
import { isCanonicalAddress, parseAddress, SYMBOL_NAME, type CpuView, type InspectorApi, type MemoryRequest, type MemoryView, type PageTablesView, type StackView } from '../../shared/inspector.js';
import type { CpuRegisters } from '../../image/inspect/registers.js';
import { qmpStackReader, unwindStack } from '../backtrace.js';
import { codeLocatorFromFile, describeFrame, type CodeLocator } from '../codeLocator.js';
import { readKernelManifest } from '../manifest.js';
import type { QemuSession } from '../qemu.js';
import type { QmpClient } from '../qmp.js';
import { MachineControl, readCpu, readDescriptorTables, readLinear, readPageTables, type MachineLink, type PageTableRead } from './machine.js';
import { kernelFactsFromBootLog, snapshotMachine, type KernelFacts } from './snapshot.js';
import { SymbolLookup } from './symbolLookup.js';
import { watchKeptVm, type KeptWatch } from './keptWatch.js';
import { cpuView, pageTablesView } from './views.js';

export interface AppInspectorOptions {
  session: () => QemuSession | undefined;
  project: () => ProjectInfo | undefined;
  env?: NodeJS.ProcessEnv;
  /** The `vm-state` events: the VM paused, resumed, stepped, reset, or stopped by itself again. */
  emit?: (event: BootlabEvent) => void;
}

export interface AppInspector {
  api: InspectorApi;
  /**
   * The run ended with its VM kept paused there (a halt, a fault, a timeout): reads may share one
   * snapshot. `kernelPath`: the kernel in it, when no `artifact` event named it (a test executable).
   */
  pausedAtEnd(session: QemuSession, kernelPath?: string): void;
  /** Resets a kept VM and lets it run again (watched, as a resume is). */
  resetKept(session: QemuSession): Promise<void>;
  /** Learns the booted kernel from the run's events. */
  follow(onEvent: (listener: (event: BootlabEvent, seq: number) => void) => () => void): void;
}

const EFER_NXE = 1n << 11n;
const STACK_WORDS = 32;
/** The boot log is a few dozen lines; a kernel flooding port 0xE9 is not kept. */
const BOOT_LOG_LINES = 10_000;

/**
 * `cont` once QEMU has carried out a reset of a paused machine: until its main loop has, a machine
 * kept at a guest shutdown still "needs a reset" and refuses to continue (a few tries suffice).
 */
async function continueAfterReset(qmp: QmpClient): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await qmp.execute('cont');
      return;
    } catch (error) {
      if (attempt >= 50 || !/reset/i.test((error as Error).message)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

/** The words at RSP (to the end of its page), the code each points into, and the unwound call chain. */
async function stackView(link: MachineLink, cpu: CpuRegisters, tables: PageTableRead | undefined, info: KernelInfo | undefined): Promise<StackView> {
  const rsp = cpu.general.find((r) => r.name === 'RSP' || r.name === 'ESP')!.value;
  const view: StackView = { rsp: `0x${rsp.toString(16)}`, words: [], frames: [] };
  const length = Math.min(STACK_WORDS * 8, 4096 - Number(rsp & 0xfffn)) || 8;
  const bytes = await readLinear(link, cpu, tables, rsp, length);
  if (typeof bytes === 'string') view.problem = bytes;
  else {
    const data = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const code = (info?.facts?.segments ?? []).filter((s) => s.executable);
    for (let at = 0; at + 8 <= bytes.length; at += 8) {
      const value = data.getBigUint64(at, true);
      const word: StackView['words'][number] = { address: `0x${(rsp + BigInt(at)).toString(16)}`, value: `0x${value.toString(16).padStart(16, '0')}` };
      // Only values inside the kernel's code are named: other words are data, not return addresses.
      if (info && code.some((s) => value >= s.vaddr && value < s.vaddr + s.memsz)) {
        const frame = info.locator.frame(value, { returnAddress: true });
        if (frame.symbol) word.pointsInto = describeFrame(frame);
      }
      view.words.push(word);
    }
  }
  if (info) {
    const reader = qmpStackReader(link.qmp);
    try {
      const registers: Record<string, bigint> = { RIP: cpu.rip };
      for (const r of cpu.general) registers[r.name] = r.value;
      const frames = await unwindStack({ registers, read: reader.read, locator: info.locator });
      view.frames = frames.map((f) => ({ address: `0x${f.address.toString(16)}`, location: describeFrame(f) }));
    } finally {
      reader.dispose();
    }
  }
  return view;
}

interface KernelInfo {
  key: string;
  /** The kernel file and its modification time. */
  file: string;
  facts?: KernelFacts;
  locator: CodeLocator;
  symbols?: SymbolLookup;
}

export function createAppInspector(options: AppInspectorOptions): AppInspector {
  let kernelPath: string | undefined;
  let kernel: KernelInfo | undefined;
  // The booted kernel's boot log (the loader's own account of where it put things).
  let bootLog: string[] = [];
  // One control (and gdbstub connection) per QEMU session.
  const controls = new WeakMap<QemuSession, MachineControl>();
  // While the VM is paused by these methods its registers and tables cannot change: the CPU panel,
  // the page tables and the stack of one pause share one register read and one table walk.
  let frozen: { session: QemuSession; cpu: Promise<CpuRegisters>; tables: Promise<PageTableRead | undefined> } | undefined;
  let pausedSession: QemuSession | undefined;
  // VMs kept where their run ended: no run watches them any more, so once the user lets one run
  // again (Resume, Reset) it is watched here until it stops by itself again or is paused.
  const kept = new WeakSet<QemuSession>();
  const keptWatches = new WeakMap<QemuSession, KeptWatch>();
  const emit = (paused: boolean, reason?: string) => options.emit?.({ type: 'vm-state', paused, ...(reason ? { reason } : {}) });
  const unwatch = (session: QemuSession) => {
    keptWatches.get(session)?.dispose();
    keptWatches.delete(session);
  };
  const watchAgain = async (session: QemuSession) => {
    if (!kept.has(session)) return;
    unwatch(session);
    const qmp = await session.qmpReady;
    keptWatches.set(
      session,
      watchKeptVm({
        qmp,
        exited: session.exit,
        onStopped: (reason) => {
          keptWatches.delete(session);
          frozen = undefined;
          pausedSession = session;
          emit(true, reason);
        },
      }),
    );
  };
  const machineState = async (session: QemuSession): Promise<{ cpu: CpuRegisters; tables: PageTableRead | undefined }> => {
    if (frozen?.session === session && pausedSession === session) return { cpu: await frozen.cpu, tables: await frozen.tables };
    const l = await link(session);
    const cpu = readCpu(l.qmp);
    const tables = cpu.then((c) => ((c.cr0 & (1n << 31n)) !== 0n && (c.efer & (1n << 10n)) !== 0n ? readPageTables(l, c) : undefined));
    // When reading the CPU fails, `tables` fails too and nobody awaits it (the caller gets the
    // CPU's error): marked handled, or Node 20 would end the whole process over it.
    tables.catch(() => {});
    const state = { session, cpu, tables };
    if (pausedSession === session) frozen = state;
    try {
      return { cpu: await cpu, tables: await tables };
    } catch (error) {
      if (frozen === state) frozen = undefined;
      throw error;
    }
  };

  const running = (): QemuSession => {
    const session = options.session();
    if (!session) throw new Error('No virtual machine is running');
    return session;
  };
  const link = async (session: QemuSession): Promise<MachineLink> => ({ qmp: await session.qmpReady, readPhysical: session.readMemory });
  const control = async (session: QemuSession): Promise<MachineControl> => {
    let c = controls.get(session);
    if (!c) {
      c = new MachineControl(await session.qmpReady);
      controls.set(session, c);
      void session.exit.then(() => c!.dispose());
    }
    return c;
  };

  /** The booted kernel's facts (plan, boot log) and symbols, cached by file, modification time and boot log. */
  const kernelInfo = async (): Promise<KernelInfo | undefined> => {
    if (!kernelPath) return undefined;
    const entered = bootLog.some((line) => /^entry\b/.test(line));
    let fileKey: string;
    try {
      fileKey = `${kernelPath}:${statSync(kernelPath).mtimeMs}`;
    } catch {
      return undefined;
    }
    const key = `${fileKey}:${entered}`;
    if (kernel?.key === key) return kernel;
    const project = options.project();
    let facts: KernelFacts | undefined;
    let relocationBase = 0n;
    let elf: ElfFile | undefined;
    try {
      const manifest = project ? await readKernelManifest(project.manifestPath, { noCargo: true, env: options.env }) : undefined;
      elf = readElf(readFileSync(kernelPath));
      const plan = makePlan(elf, { features: project?.features ?? manifest?.features ?? [], bootloaderMetadata: manifest?.bootloaderMetadata ?? {} });
      // Where the plan was random (0.11 ASLR) the boot log says where things really went.
      ({ facts, relocationBase } = kernelFactsFromBootLog(elf, plan, entered ? parseBootLog(bootLog) : undefined));
    } catch {
      // Without a plan the mappings are still shown, unlabelled and unchecked.
    }
    // The kernel's line table is parsed once (while it boots): reused when the boot log moved nothing.
    const before = kernel?.file === fileKey && kernel.locator.relocationBase === relocationBase ? kernel : undefined;
    kernel = {
      key,
      file: fileKey,
      facts,
      locator: before?.locator ?? codeLocatorFromFile(kernelPath, relocationBase),
      symbols: before?.symbols ?? (elf ? new SymbolLookup(elf.symbols, relocationBase) : undefined),
    };
    return kernel;
  };
  const describer = (info: KernelInfo | undefined) => (address: bigint) => {
    if (!info || address > BigInt(Number.MAX_SAFE_INTEGER)) return undefined;
    const frame = info.locator.frame(address);
    return frame.symbol ? describeFrame(frame) : undefined;
  };

  const api: InspectorApi = {
    async pause() {
      const session = running();
      unwatch(session);
      frozen = undefined;
      await (await control(session)).pause();
      pausedSession = session;
      emit(true);
    },
    async resume() {
      const session = running();
      frozen = undefined;
      pausedSession = undefined;
      await (await control(session)).resume();
      await watchAgain(session);
      emit(false);
    },
    async step(count = 1) {
      const session = running();
      unwatch(session);
      frozen = undefined;
      try {
        await (await control(session)).step(count);
      } finally {
        pausedSession = session;
        emit(true);
      }
    },
    async cpuState(): Promise<CpuView> {
      const session = running();
      const l = await link(session);
      const { cpu, tables } = await machineState(session);
      const info = await kernelInfo();
      const view = cpuView(cpu, await readDescriptorTables(l, cpu, tables), describer(info));
      view.stack = await stackView(l, cpu, tables, info);
      return view;
    },
    async pageTables(): Promise<PageTablesView> {
      const session = running();
      return pageTablesView(await snapshotMachine(await link(session), (await kernelInfo())?.facts, await machineState(session)));
    },
    async readMemory(request: MemoryRequest): Promise<MemoryView> {
      const session = running();
      let address: bigint;
      let symbol: string | undefined;
      if (request.space === 'virtual' && typeof request.address === 'string' && SYMBOL_NAME.test(request.address) && !/^(0x|[0-9])/i.test(request.address)) {
        const symbols = (await kernelInfo())?.symbols;
        if (!symbols) throw new Error(`readMemory: cannot look up "${request.address}": the booted kernel's symbols are not known`);
        const hit = symbols.find(request.address);
        if ('problem' in hit) throw new Error(`readMemory: ${hit.problem}`);
        ({ address, name: symbol } = hit);
        const end = address + BigInt(request.length);
        if (!isCanonicalAddress(address) || !isCanonicalAddress(end - 1n)) throw new Error(`readMemory: ${symbol} at 0x${address.toString(16)} is not a canonical virtual range`);
      } else address = parseAddress(request.address, 'readMemory');
      const at = `0x${address.toString(16)}`;
      const view = await readAt(session, address, at, request);
      return symbol ? { ...view, symbol } : view;
    },
  };
  /** Bytes at an address: physical as is, virtual page by page through the walked tables. */
  const readAt = async (session: QemuSession, address: bigint, at: string, request: MemoryRequest): Promise<MemoryView> => {
    if (request.space === 'physical') {
      return { address: at, space: 'physical', mapped: true, bytes: (await session.readMemory(Number(address), request.length)).toString('base64') };
    }
    if (!isCanonicalAddress(address)) return { address: at, space: 'virtual', mapped: false, reason: `${at} is not canonical` };
    const { cpu, tables } = await machineState(session);
    if (!tables && (cpu.cr0 & (1n << 31n)) !== 0n) return { address: at, space: 'virtual', mapped: false, reason: 'paging is not 4-level long-mode paging: virtual addresses are not translated here' };
    if (!tables) {
      // Paging off: virtual is physical.
      return { address: at, space: 'virtual', mapped: true, bytes: (await session.readMemory(Number(address), request.length)).toString('base64') };
    }
    const nx = { noExecuteEnabled: (cpu.efer & EFER_NXE) !== 0n };
    const out = Buffer.alloc(request.length);
    for (let offset = 0; offset < request.length; ) {
      const va = address + BigInt(offset);
      const t = translate(va, cpu.cr3, tables.reader, nx);
      if (!t.mapped) return { address: at, space: 'virtual', mapped: false, reason: `0x${va.toString(16)}: ${t.reason}`, level: t.level };
      const chunk = Math.min(request.length - offset, 4096 - Number(va & 0xfffn));
      (await session.readMemory(Number(t.physical), chunk)).copy(out, offset);
      offset += chunk;
    }
    return { address: at, space: 'virtual', mapped: true, bytes: out.toString('base64') };
  };
  return {
    api,
    pausedAtEnd(session, keptKernel) {
      if (keptKernel && keptKernel !== kernelPath) {
        kernelPath = keptKernel;
        kernel = undefined;
        // A test executable's run sent no boot log here: the plan's facts stand.
        bootLog = [];
      }
      frozen = undefined;
      pausedSession = session;
      kept.add(session);
    },
    async resetKept(session) {
      unwatch(session);
      frozen = undefined;
      pausedSession = undefined;
      await session.reset();
      await continueAfterReset(await session.qmpReady);
      await watchAgain(session);
      emit(false);
    },
    follow(onEvent) {
      onEvent((event) => {
        // The boot stage's artifact names the kernel and its image: that kernel is in the VM.
        if (event.type === 'boot-log' && bootLog.length < BOOT_LOG_LINES) bootLog.push(event.line);
        if (event.type === 'artifact' && event.kernelPath && event.imagePath) {
          kernelPath = event.kernelPath;
          kernel = undefined;
          bootLog = [];
          // Parse the kernel (ELF, plan, line table) while it boots, not at the first pause.
          setTimeout(() => void kernelInfo().then((info) => info?.locator.frame(0)).catch(() => {}), 0);
        }
      });
    },
  };
}
