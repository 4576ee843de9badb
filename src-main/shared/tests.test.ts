// The test contract's pure parts: the runTests request validator, labels and crate paths.
import { describe, expect, it } from 'vitest';
import { cratePath, executableLabel } from './tests.js';
import { validateRequest, ValidationError } from './validate.js';

describe('runTests and setWatch requests', () => {
  it('accepts a profile, executable ids and failedOnly, and nothing else', () => {
    expect(validateRequest('runTests', [{ profile: 'release', executables: ['lib', 'test:basic_boot'], failedOnly: false }]).args).toEqual([
      { profile: 'release', executables: ['lib', 'test:basic_boot'], failedOnly: false },
    ]);
    expect(validateRequest('getTestsState', []).args).toEqual([]);
    expect(validateRequest('setWatch', [true]).args).toEqual([true]);
    const bad: [string, unknown[], string][] = [
      ['runTests', [{ profile: 'fast' }], 'profile must be "debug" or "release"'],
      ['runTests', [{ executables: 'lib' }], 'executables must be a list of executable ids'],
      ['runTests', [{ executables: [''] }], 'executables must be a list of executable ids'],
      ['runTests', [{ failedOnly: 'yes' }], 'failedOnly must be true or false'],
      ['runTests', [{ only: ['lib'] }], 'unknown option "only"'],
      ['runTests', [null], 'the request must be an object'],
      ['runTests', [], 'takes 1 argument(s)'],
      ['setWatch', ['on'], 'on must be true or false'],
    ];
    for (const [method, args, message] of bad) {
      expect(() => validateRequest(method, args), `${method} ${JSON.stringify(args)}`).toThrow(ValidationError);
      expect(() => validateRequest(method, args)).toThrow(message);
    }
  });
});

describe('labels', () => {
  it("names executables in cargo's words, paths relative to the crate on either separator", () => {
    const exe = { id: 'test:basic_boot', kind: 'test' as const, name: 'basic_boot', srcPath: '/k/tests/basic_boot.rs', path: '/t/x' };
    expect(executableLabel(exe, '/k')).toBe('tests/basic_boot.rs');
    expect(executableLabel({ ...exe, id: 'lib', kind: 'lib', srcPath: '/k/src/lib.rs' }, '/k/')).toBe('unittests src/lib.rs');
    expect(executableLabel({ ...exe, srcPath: undefined })).toBe('test basic_boot');
    expect(cratePath('C:\\k\\src\\main.rs', 'C:\\k')).toBe('src/main.rs');
    expect(cratePath('/other/src/main.rs', '/k')).toBe('/other/src/main.rs');
  });
});
