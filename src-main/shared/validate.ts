// Runtime validation of requests arriving over IPC or WebSocket. The contract's types vanish
// at run time; these checks are what actually stands between a message and the services.
import { DEFAULT_SETTINGS, type ApiMethod, type RunOptions, type Settings } from './api.js';
import type { TestRunRequest } from './tests.js';
import { INSPECTOR_VALIDATORS } from './inspector.js';

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
      } else if (key === 'firmware') {
        if (value !== 'bios' && value !== 'uefi') {
          throw new ValidationError(`${method}: firmware must be "bios" or "uefi"`);
        }
        clean.firmware = value;
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

interface SettingRule {
  check: (value: unknown) => boolean;
  /** What a valid value is, for messages: `setting "profile" must be "debug" or "release"`. */
  expected: string;
}

const TEXT = 'text (a path)';
const STRINGS = 'a list of strings';

// A table without a prototype: a key such as "constructor" or "__proto__" finds nothing here,
// instead of Object.prototype's members.
const SETTING_RULES: Readonly<Record<keyof Settings, SettingRule>> = Object.freeze(
  Object.assign(Object.create(null) as Record<keyof Settings, SettingRule>, {
    cargoPath: { check: (v: unknown) => typeof v === 'string', expected: TEXT },
    rustcPath: { check: (v: unknown) => typeof v === 'string', expected: TEXT },
    qemuPath: { check: (v: unknown) => typeof v === 'string', expected: TEXT },
    profile: { check: (v: unknown) => v === 'debug' || v === 'release', expected: '"debug" or "release"' },
    qemuArgs: { check: isStringList, expected: STRINGS },
    recentProjects: { check: isStringList, expected: STRINGS },
    lastProject: { check: (v: unknown) => typeof v === 'string', expected: TEXT },
    bootTimeoutSeconds: {
      check: (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v > 0 && v <= 86_400,
      expected: 'a number of seconds above 0, at most 86400',
    },
    editorCommand: {
      check: (v: unknown) => isStringList(v) && (v as string[]).length > 0 && (v as string[]).length <= 64 && (v as string[]).every((a) => a.length > 0 && !a.includes('\0')),
      expected: 'a program and its arguments (a non-empty list of strings; {file}, {line}, {column} are filled in)',
    },
    windowBounds: {
      check: isWindowBounds,
      expected: 'an object with width and height (100..100000) and optional x, y, maximized',
    },
  }),
);

function ruleFor(key: string): SettingRule | undefined {
  return Object.hasOwn(SETTING_RULES, key) ? SETTING_RULES[key as keyof Settings] : undefined;
}

function isStringList(v: unknown): boolean {
  return Array.isArray(v) && v.every((a) => typeof a === 'string');
}

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

/** Checks a settings patch: unknown keys and wrong values are errors naming the key. */
export function validateSettingsPatch(value: unknown): Partial<Settings> {
  if (!isPlainObject(value)) throw new ValidationError('settings must be an object');
  const clean: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    const rule = ruleFor(key);
    if (!rule) throw new ValidationError(`unknown setting ${JSON.stringify(key)}`);
    if (!rule.check(v)) throw new ValidationError(`setting "${key}" must be ${rule.expected}`);
    clean[key] = v;
  }
  return clean as Partial<Settings>;
}

/** A settings file's object sorted into what this version can use and what it must keep. */
export interface SettingsFileContents {
  /** The known keys with valid values. */
  valid: Partial<Settings>;
  /** Keys this version does not know (a newer Bootlab's), with their values. */
  unknown: Record<string, unknown>;
  /** Known keys whose values are not valid, with the reason. */
  invalid: { key: string; value: unknown; reason: string }[];
}

/**
 * Sorts a settings file's object key by key, never throwing for one bad key: the file may come
 * from a newer Bootlab or a hand edit, and one key must not cost the user all the others.
 * The records it returns have no prototype, so any key is plain data.
 */
export function sortSettingsFile(value: Record<string, unknown>): SettingsFileContents {
  const valid: Record<string, unknown> = Object.create(null);
  const unknown: Record<string, unknown> = Object.create(null);
  const invalid: SettingsFileContents['invalid'] = [];
  for (const [key, v] of Object.entries(value)) {
    const rule = ruleFor(key);
    if (!rule) unknown[key] = v;
    else if (rule.check(v)) valid[key] = v;
    else invalid.push({ key, value: v, reason: `"${key}" must be ${rule.expected}` });
  }
  return { valid: { ...valid } as Partial<Settings>, unknown, invalid };
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
  runTests: (args) => {
    expectCount(args, 1, 'runTests');
    return [validateTestRunRequest(args[0])];
  },
  getTestsState: noArgs('getTestsState'),
  setWatch: (args) => {
    expectCount(args, 1, 'setWatch');
    if (typeof args[0] !== 'boolean') throw new ValidationError('setWatch: on must be true or false');
    return [args[0]];
  },
  ...INSPECTOR_VALIDATORS,
  openLocation: (args) => {
    expectCount(args, 1, 'openLocation');
    const location = args[0];
    if (!isPlainObject(location)) throw new ValidationError('openLocation: the location must be an object { file, line, column? }');
    const { file, line, column } = location;
    if (typeof file !== 'string' || file.length === 0 || file.length > 4096 || file.includes('\0')) throw new ValidationError('openLocation: file must be a path');
    if (!Number.isSafeInteger(line) || (line as number) < 1) throw new ValidationError('openLocation: line must be a positive integer');
    if (column !== undefined && (!Number.isSafeInteger(column) || (column as number) < 1)) throw new ValidationError('openLocation: column must be a positive integer');
    return [column === undefined ? { file, line } : { file, line, column }];
  },
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

/** `runTests`' request: a profile, executable ids (at most 1000, each a short id), failedOnly. */
export function validateTestRunRequest(value: unknown): TestRunRequest {
  if (!isPlainObject(value)) throw new ValidationError('runTests: the request must be an object');
  const clean: TestRunRequest = {};
  for (const [key, v] of Object.entries(value)) {
    if (key === 'profile') {
      if (v !== 'debug' && v !== 'release') throw new ValidationError('runTests: profile must be "debug" or "release"');
      clean.profile = v;
    } else if (key === 'executables') {
      if (!Array.isArray(v) || v.length > 1000 || !v.every((id) => typeof id === 'string' && id.length > 0 && id.length <= 300 && !id.includes('\0'))) {
        throw new ValidationError('runTests: executables must be a list of executable ids (lib, bin:NAME, test:NAME)');
      }
      clean.executables = [...(v as string[])];
    } else if (key === 'failedOnly') {
      if (typeof v !== 'boolean') throw new ValidationError('runTests: failedOnly must be true or false');
      clean.failedOnly = v;
    } else throw new ValidationError(`runTests: unknown option "${key}"`);
  }
  return clean;
}

export const API_METHODS = Object.keys(REQUEST_VALIDATORS) as ApiMethod[];

/** Validates one request; returns the cleaned arguments or throws ValidationError. */
export function validateRequest(method: unknown, args: unknown): { method: ApiMethod; args: unknown[] } {
  if (typeof method !== 'string' || !Object.hasOwn(REQUEST_VALIDATORS, method)) {
    throw new ValidationError(`unknown method ${JSON.stringify(method)}`);
  }
  if (!Array.isArray(args)) throw new ValidationError(`${method}: arguments must be an array`);
  return { method: method as ApiMethod, args: REQUEST_VALIDATORS[method as ApiMethod](args) };
}
