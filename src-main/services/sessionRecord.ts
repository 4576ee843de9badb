// The session as the service remembers it: every event the services emit is folded into one
// snapshot (stages, build log, diagnostics, serial tail, VGA screen, boot log, memory map, run
// result), so a window that reloads or a browser tab that reconnects is shown exactly what was
// there. Each event gets a sequence number; the snapshot names the last one it includes, and a
// client drops pushed events at or below it (they are already in the snapshot).
import type { BootlabEvent, RunAction, SessionSnapshot, StageSnapshot } from '../shared/api.js';
import { applyScreenFrame, type ScreenPixels } from '../shared/screen.js';

export interface SessionRecordLimits {
  /** Serial bytes kept; the oldest go first (the contract promises at least 1 MiB). */
  serialBytes: number;
  /** Characters of build log kept, counted over the log events' texts. */
  logChars: number;
  bootLogLines: number;
  diagnostics: number;
}

export const DEFAULT_LIMITS: SessionRecordLimits = {
  serialBytes: 2 << 20,
  logChars: 8 << 20,
  bootLogLines: 20_000,
  diagnostics: 5_000,
};

interface StageRecord extends StageSnapshot {
  startedAt: number;
}

export class SessionRecord {
  #seq = 0;
  #runId = 0;
  #action: RunAction | undefined;
  #running = false;
  #stages: StageRecord[] = [];
  #log: { source: 'cargo' | 'bootlab' | 'qemu'; text: string }[] = [];
  #logChars = 0;
  #logDropped = 0;
  #diagnostics: SessionSnapshot['diagnostics'] = [];
  #artifact: SessionSnapshot['artifact'];
  #serial: Buffer[] = [];
  #serialBytes = 0;
  #serialDropped = 0;
  #bootLog: string[] = [];
  #vga: SessionSnapshot['vga'];
  #display: SessionSnapshot['display'];
  /** The Screen's picture with every frame so far painted on it. */
  #screen: ScreenPixels | undefined;
  #memoryMap: SessionSnapshot['memoryMap'];
  #outcome: SessionSnapshot['outcome'];
  #cpuState: SessionSnapshot['cpuState'];
  #pausedVm = false;

  constructor(
    private readonly limits: SessionRecordLimits = DEFAULT_LIMITS,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Folds one event in; returns its sequence number. */
  record(event: BootlabEvent): number {
    this.#seq++;
    switch (event.type) {
      case 'run-start':
        this.#startRun(event.runId, event.action);
        break;
      case 'stage-start':
        this.#stages = [...this.#stages.filter((s) => s.stage !== event.stage), { stage: event.stage, state: 'running', startedAt: this.now() }];
        break;
      case 'stage-end': {
        const ended: StageRecord = { stage: event.stage, state: event.ok ? 'ok' : 'failed', ms: event.ms, detail: event.detail, startedAt: this.now() - event.ms };
        const at = this.#stages.findIndex((s) => s.stage === event.stage);
        if (at < 0) this.#stages.push(ended);
        else this.#stages[at] = ended;
        break;
      }
      case 'log':
        this.#log.push({ source: event.source, text: event.text });
        this.#logChars += event.text.length;
        while (this.#logChars > this.limits.logChars && this.#log.length > 1) {
          this.#logChars -= this.#log.shift()!.text.length;
          this.#logDropped++;
        }
        break;
      case 'diagnostic':
        if (this.#diagnostics.length < this.limits.diagnostics) this.#diagnostics.push(event.diagnostic);
        break;
      case 'artifact': {
        const { type: _type, runId: _runId, ...facts } = event;
        this.#artifact = { ...this.#artifact, ...facts };
        break;
      }
      case 'serial':
        this.#appendSerial(Buffer.from(event.base64, 'base64'));
        break;
      case 'boot-log':
        this.#bootLog.push(event.line);
        if (this.#bootLog.length > this.limits.bootLogLines) this.#bootLog.shift();
        break;
      case 'vga':
        this.#vga = { base64: event.base64, cursor: event.cursor };
        break;
      case 'display':
        this.#display = event.display;
        break;
      case 'screen':
        this.#screen = applyScreenFrame(this.#screen, event.frame, Buffer.from(event.frame.base64, 'base64'));
        break;
      case 'memory-map':
        this.#memoryMap = event.map;
        break;
      case 'cpu-state':
        this.#cpuState = event.state;
        break;
      case 'paused-vm':
        if (event.runId === this.#runId) this.#pausedVm = event.kept;
        break;
      case 'run-end':
        this.#running = false;
        this.#cpuState = undefined;
        this.#outcome = event.outcome;
        // A stage still running when the run ends did not finish: it failed, as the window shows.
        this.#stages = this.#stages.map((s) => (s.state === 'running' ? { ...s, state: 'failed', ms: this.now() - s.startedAt } : s));
        break;
      case 'toolchain':
      case 'project':
        // Part of AppState (the service's own project and toolchain), not of the run.
        break;
    }
    return this.#seq;
  }

  get seq(): number {
    return this.#seq;
  }

  snapshot(): SessionSnapshot {
    const now = this.now();
    return {
      seq: this.#seq,
      runId: this.#runId,
      action: this.#action,
      running: this.#running,
      stages: this.#stages.map(({ startedAt, ...s }) => (s.state === 'running' ? { ...s, elapsedMs: Math.max(0, now - startedAt) } : s)),
      log: this.#log.slice(),
      logDropped: this.#logDropped,
      diagnostics: this.#diagnostics.slice(),
      artifact: this.#artifact,
      serialBase64: Buffer.concat(this.#serial).toString('base64'),
      serialDroppedBytes: this.#serialDropped,
      bootLog: this.#bootLog.slice(),
      vga: this.#vga,
      display: this.#display,
      screen: this.#screen && { width: this.#screen.width, height: this.#screen.height, base64: Buffer.from(this.#screen.rgb).toString('base64') },
      memoryMap: this.#memoryMap,
      cpuState: this.#cpuState,
      outcome: this.#outcome,
      pausedVm: this.#pausedVm || undefined,
    };
  }

  #startRun(runId: number, action: RunAction): void {
    this.#runId = runId;
    this.#action = action;
    this.#running = true;
    this.#stages = [];
    this.#outcome = undefined;
    this.#cpuState = undefined;
    this.#pausedVm = false;
    // The same rule as the window: Boot keeps the build's log, Build keeps the last boot's views.
    if (action !== 'boot') {
      this.#log = [];
      this.#logChars = 0;
      this.#logDropped = 0;
      this.#diagnostics = [];
      this.#artifact = undefined;
    }
    if (action !== 'build') {
      this.#serial = [];
      this.#serialBytes = 0;
      this.#serialDropped = 0;
      this.#bootLog = [];
      this.#vga = undefined;
      this.#display = undefined;
      this.#screen = undefined;
      this.#memoryMap = undefined;
    }
  }

  #appendSerial(bytes: Buffer): void {
    this.#serial.push(bytes);
    this.#serialBytes += bytes.length;
    let excess = this.#serialBytes - this.limits.serialBytes;
    while (excess > 0) {
      const first = this.#serial[0];
      if (first.length <= excess) {
        this.#serial.shift();
        excess -= first.length;
        this.#serialBytes -= first.length;
        this.#serialDropped += first.length;
      } else {
        this.#serial[0] = first.subarray(excess);
        this.#serialBytes -= excess;
        this.#serialDropped += excess;
        excess = 0;
      }
    }
  }
}
