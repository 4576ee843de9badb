// The inspector's API methods for the app (pause, resume, step, cpuState, pageTables,
// readMemory) over the running VM's QMP. The kernel the VM booted comes from the run's own
// `artifact` event; its segments and layout (for labels and the ELF check) from its load plan.
import { readFileSync, statSync } from 'node:fs';
import { readElf } from '../../elf/index.js';
import { translate } from '../../image/inspect/pageTables.js';
import { makePlan } from '../../image/plan.js';
import type { BootlabEvent, ProjectInfo } from '../../shared/api.js';
import { isCanonicalAddress, parseAddress, type CpuView, type InspectorApi, type MemoryRequest, type MemoryView, type PageTablesView } from '../../shared/inspector.js';
import { codeLocatorFromFile, describeFrame, type CodeLocator } from '../codeLocator.js';
import { readKernelManifest } from '../manifest.js';
import type { QemuSession } from '../qemu.js';
import { MachineControl, readCpu, readDescriptorTables, readPageTables, type MachineLink } from './machine.js';
import { kernelFactsFromPlan, snapshotMachine, type KernelFacts } from './snapshot.js';
import { cpuView, pageTablesView } from './views.js';

export interface AppInspectorOptions {
  session: () => QemuSession | undefined;
  project: () => ProjectInfo | undefined;
  env?: NodeJS.ProcessEnv;
}

export interface AppInspector {
  api: InspectorApi;
  /** Learns the booted kernel from the run's events. */
  follow(onEvent: (listener: (event: BootlabEvent, seq: number) => void) => () => void): void;
}

const EFER_NXE = 1n << 11n;

interface KernelInfo {
  key: string;
  facts?: KernelFacts;
  locator: CodeLocator;
}

export function createAppInspector(options: AppInspectorOptions): AppInspector {
  let kernelPath: string | undefined;
  let kernel: KernelInfo | undefined;
  // One control (and gdbstub connection) per QEMU session.
  const controls = new WeakMap<QemuSession, MachineControl>();

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

  /** The booted kernel's plan facts and symbols, cached by file and modification time. */
  const kernelInfo = async (): Promise<KernelInfo | undefined> => {
    if (!kernelPath) return undefined;
    let key: string;
    try {
      key = `${kernelPath}:${statSync(kernelPath).mtimeMs}`;
    } catch {
      return undefined;
    }
    if (kernel?.key === key) return kernel;
    const project = options.project();
    let facts: KernelFacts | undefined;
    let relocationBase = 0n;
    try {
      const manifest = project ? await readKernelManifest(project.manifestPath, { noCargo: true, env: options.env }) : undefined;
      const elf = readElf(readFileSync(kernelPath));
      const plan = makePlan(elf, { features: project?.features ?? manifest?.features ?? [], bootloaderMetadata: manifest?.bootloaderMetadata ?? {} });
      relocationBase = plan.relocationBase;
      facts = kernelFactsFromPlan(elf, plan);
    } catch {
      // Without a plan the mappings are still shown, unlabelled and unchecked.
    }
    kernel = { key, facts, locator: codeLocatorFromFile(kernelPath, relocationBase) };
    return kernel;
  };
  const describer = (info: KernelInfo | undefined) => (address: bigint) => {
    if (!info || address > BigInt(Number.MAX_SAFE_INTEGER)) return undefined;
    const frame = info.locator.frame(Number(address));
    return frame.symbol ? describeFrame(frame) : undefined;
  };

  const api: InspectorApi = {
    async pause() {
      await (await control(running())).pause();
    },
    async resume() {
      await (await control(running())).resume();
    },
    async step(count = 1) {
      await (await control(running())).step(count);
    },
    async cpuState(): Promise<CpuView> {
      const session = running();
      const l = await link(session);
      const cpu = await readCpu(l.qmp);
      const tables = (cpu.cr0 & (1n << 31n)) !== 0n && (cpu.efer & (1n << 10n)) !== 0n ? await readPageTables(l, cpu) : undefined;
      return cpuView(cpu, await readDescriptorTables(l, cpu, tables), describer(await kernelInfo()));
    },
    async pageTables(): Promise<PageTablesView> {
      const session = running();
      return pageTablesView(await snapshotMachine(await link(session), (await kernelInfo())?.facts));
    },
    async readMemory(request: MemoryRequest): Promise<MemoryView> {
      const session = running();
      const address = parseAddress(request.address, 'readMemory');
      const at = `0x${address.toString(16)}`;
      if (request.space === 'physical') {
        return { address: at, space: 'physical', mapped: true, bytes: (await session.readMemory(Number(address), request.length)).toString('base64') };
      }
      if (!isCanonicalAddress(address)) return { address: at, space: 'virtual', mapped: false, reason: `${at} is not canonical` };
      const l = await link(session);
      const cpu = await readCpu(l.qmp);
      if ((cpu.cr0 & (1n << 31n)) === 0n) {
        // Paging off: virtual is physical.
        return { address: at, space: 'virtual', mapped: true, bytes: (await session.readMemory(Number(address), request.length)).toString('base64') };
      }
      const tables = await readPageTables(l, cpu);
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
    },
  };
  return {
    api,
    follow(onEvent) {
      onEvent((event) => {
        // The boot stage's artifact names the kernel and its image: that kernel is in the VM.
        if (event.type === 'artifact' && event.kernelPath && event.imagePath) {
          kernelPath = event.kernelPath;
          kernel = undefined;
        }
      });
    },
  };
}
