// Runtime validation of requests arriving over IPC or WebSocket. The contract's types vanish
// at run time; these checks are what actually stands between a message and the services.
import { DEFAULT_SETTINGS, type ApiMethod, type RunOptions, type Settings } from './api.js';

export class ValidationError extends Error {}

type ArgsValidator = (args: unknown[]) => unknown[];

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function expectCount(args: unknown[], count: number, method: string): void {
  if (args.length !== count) {
    throw new ValidationError(`${method} takes ${count} argument(s), got ${args.length}`);
  }
}

function runOptions(method: string): ArgsValidator {
  return (args) => {
    expectCount(args, 1, method);
    const [options] = args;
    if (!isPlainObject(options)) throw new ValidationError(`${method}: options must be an object`);
    const clean: RunOptions = {};
    for (const [key, value] of Object.entries(options)) {
      if (key === 'profile') {
        if (value !== 'debug' && value !== 'release') {
          throw new ValidationError(`${method}: profile must be "debug" or "release"`);
        }
        clean.profile = value;
      } else {
        throw new ValidationError(`${method}: unknown option "${key}"`);
      }
    }
    return [clean];
  };
}

function noArgs(method: string): ArgsValidator {
  return (args) => {
    expectCount(args, 0, method);
    return [];
  };
}

function path(method: string): ArgsValidator {
  return (args) => {
    expectCount(args, 1, method);
    const [dir] = args;
    if (typeof dir !== 'string' || dir.length === 0 || dir.length > 4096 || dir.includes('\0')) {
      throw new ValidationError(`${method}: a project directory path is required`);
    }
    return [dir];
  };
}

const SETTINGS_CHECKS: { [K in keyof Settings]: (value: unknown) => boolean } = {
  cargoPath: (v) => typeof v === 'string',
  rustcPath: (v) => typeof v === 'string',
  qemuPath: (v) => typeof v === 'string',
  profile: (v) => v === 'debug' || v === 'release',
  qemuArgs: (v) => Array.isArray(v) && v.every((a) => typeof a === 'string'),
  recentProjects: (v) => Array.isArray(v) && v.every((a) => typeof a === 'string'),
  lastProject: (v) => typeof v === 'string',
  bootTimeoutSeconds: (v) => typeof v === 'number' && Number.isFinite(v) && v > 0 && v <= 86_400,
  windowBounds: (v) => isWindowBounds(v),
};

function isWindowBounds(v: unknown): boolean {
  if (!isPlainObject(v)) return false;
  const size = (n: unknown) => Number.isSafeInteger(n) && (n as number) >= 100 && (n as number) <= 100_000;
  const place = (n: unknown) => n === undefined || (Number.isSafeInteger(n) && Math.abs(n as number) <= 100_000);
  const known = new Set(['x', 'y', 'width', 'height', 'maximized']);
  return (
    Object.keys(v).every((k) => known.has(k)) &&
    size(v.width) &&
    size(v.height) &&
    place(v.x) &&
    place(v.y) &&
    (v.maximized === undefined || typeof v.maximized === 'boolean')
  );
}

/** Checks a settings object (or patch); unknown keys and wrong types are errors naming the key. */
export function validateSettingsPatch(value: unknown): Partial<Settings> {
  if (!isPlainObject(value)) throw new ValidationError('settings must be an object');
  const clean: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    const check = SETTINGS_CHECKS[key as keyof Settings];
    if (!check) throw new ValidationError(`unknown setting "${key}"`);
    if (!check(v)) throw new ValidationError(`setting "${key}" has the wrong type`);
    clean[key] = v;
  }
  return clean as Partial<Settings>;
}

export function settingsWithDefaults(patch: Partial<Settings>): Settings {
  return { ...DEFAULT_SETTINGS, ...patch };
}

export const REQUEST_VALIDATORS: Record<ApiMethod, ArgsValidator> = {
  getState: noArgs('getState'),
  openProject: path('openProject'),
  openSampleProject: noArgs('openSampleProject'),
  build: runOptions('build'),
  boot: runOptions('boot'),
  buildAndBoot: runOptions('buildAndBoot'),
  stop: noArgs('stop'),
  reset: noArgs('reset'),
  getSettings: noArgs('getSettings'),
  setSettings: (args) => {
    expectCount(args, 1, 'setSettings');
    return [validateSettingsPatch(args[0])];
  },
  checkToolchain: noArgs('checkToolchain'),
  readGuestMemory: (args) => {
    expectCount(args, 2, 'readGuestMemory');
    const [address, length] = args;
    if (!Number.isSafeInteger(address) || (address as number) < 0) {
      throw new ValidationError('readGuestMemory: address must be a non-negative integer');
    }
    if (!Number.isSafeInteger(length) || (length as number) <= 0 || (length as number) > 1 << 20) {
      throw new ValidationError('readGuestMemory: length must be 1..1048576');
    }
    return [address, length];
  },
};

export const API_METHODS = Object.keys(REQUEST_VALIDATORS) as ApiMethod[];

/** Validates one request; returns the cleaned arguments or throws ValidationError. */
export function validateRequest(method: unknown, args: unknown): { method: ApiMethod; args: unknown[] } {
  if (typeof method !== 'string' || !Object.hasOwn(REQUEST_VALIDATORS, method)) {
    throw new ValidationError(`unknown method ${JSON.stringify(method)}`);
  }
  if (!Array.isArray(args)) throw new ValidationError(`${method}: arguments must be an array`);
  return { method: method as ApiMethod, args: REQUEST_VALIDATORS[method as ApiMethod](args) };
}
