import { describe, expect, it } from 'vitest';
import { validateRequest, validateSettingsPatch, ValidationError } from './validate.js';

describe('request validation', () => {
  it('accepts a well-formed request and returns clean arguments', () => {
    expect(validateRequest('buildAndBoot', [{ profile: 'release' }])).toEqual({
      method: 'buildAndBoot',
      args: [{ profile: 'release' }],
    });
  });

  it('carries the Firmware select (bios or uefi) and refuses anything else', () => {
    expect(validateRequest('boot', [{ profile: 'debug', firmware: 'uefi' }]).args).toEqual([{ profile: 'debug', firmware: 'uefi' }]);
    expect(validateRequest('buildAndBoot', [{ firmware: 'bios' }]).args).toEqual([{ firmware: 'bios' }]);
    expect(() => validateRequest('buildAndBoot', [{ firmware: 'efi' }])).toThrow('buildAndBoot: firmware must be "bios" or "uefi"');
    expect(() => validateRequest('boot', [{ firmware: ['uefi'] }])).toThrow(ValidationError);
  });

  it('rejects unknown methods, wrong arity and wrong types with a message naming them', () => {
    expect(() => validateRequest('rmRf', [])).toThrow(/unknown method "rmRf"/);
    expect(() => validateRequest('__proto__', [])).toThrow(ValidationError);
    expect(() => validateRequest('stop', [1])).toThrow(/stop takes 0/);
    expect(() => validateRequest('build', [{ profile: 'fast' }])).toThrow(/profile/);
    expect(() => validateRequest('build', [{ shell: true }])).toThrow(/unknown option "shell"/);
    expect(() => validateRequest('openProject', [''])).toThrow(/directory/);
    expect(() => validateRequest('readGuestMemory', [0xb8000, 1 << 30])).toThrow(/length/);
  });

  it('validates settings patches key by key', () => {
    expect(validateSettingsPatch({ qemuPath: '/opt/qemu', profile: 'debug' })).toEqual({
      qemuPath: '/opt/qemu',
      profile: 'debug',
    });
    expect(() => validateSettingsPatch({ qemuArgs: 'x' })).toThrow(/qemuArgs/);
    expect(() => validateSettingsPatch({ evil: 1 })).toThrow(/unknown setting "evil"/);
  });
});
