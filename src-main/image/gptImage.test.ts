// The GPT + FAT writer, checked by real tools used only as oracles (installed by
// scripts/setup.js): sgdisk verifies the protective MBR, both GPT headers and arrays with their
// CRCs; fsck.fat checks each FAT12/16/32 volume; mdir and mcopy read the directory tree and
// the files back byte for byte, long names included.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { crc32 } from './crc32.js';
import { buildFat, FatError, type FatFile, type FatType } from './fat.js';
import { GPT_TYPE, GptError, guidBytes, guidFromSeed, SECTOR, writeGpt } from './gpt.js';
import { buildGptImage, ESP_ALIGN_SECTORS } from './gptImage.js';

const work = mkdtempSync(join(tmpdir(), 'bootlab-gpt-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Bytes that differ from position to position, so a misplaced cluster shows. */
function pattern(length: number, salt: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (i * 31 + salt + (i >> 9)) & 0xff);
}

const text = (s: string) => new TextEncoder().encode(s);

/** What the ESP of a hybrid image holds: the EFI loader, the kernel, the plan, a few odd names. */
const ESP_FILES: FatFile[] = [
  { path: 'EFI/BOOT/BOOTX64.EFI', data: pattern(300_000, 1) },
  { path: 'kernel-x86_64', data: pattern(70_001, 2) },
  { path: 'boot.json', data: text('{"serial_logging":true}') },
  { path: 'EFI/bootlab/plan.bin', data: pattern(4096, 3) },
  { path: 'EFI/bootlab/A long name, with spaces and ünïcödé.txt', data: text('long names work') },
  { path: 'EFI/bootlab/kernel-x86_64.debug-symbols', data: pattern(1, 4) },
  { path: 'empty', data: new Uint8Array(0) },
];

function run(command: string, args: string[]): { status: number | null; out: string } {
  const r = spawnSync(command, args, { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C.UTF-8' } });
  if (r.error) throw new Error(`${command} could not run (${r.error.message}); node scripts/setup.js installs the test oracles`);
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

function writeTemp(name: string, bytes: Uint8Array): string {
  const path = join(work, name);
  writeFileSync(path, bytes);
  return path;
}

/**
 * sgdisk -v finds no problem in the GPT it read. (With both headers unreadable sgdisk starts a
 * new empty table in memory and also says "No problems found": so that must not happen.)
 */
function expectValidGpt(img: string): void {
  const verify = run('sgdisk', ['-v', img]);
  expect(verify.out).not.toContain('Creating new GPT entries');
  expect(verify.out).toContain('No problems found');
  expect(verify.status).toBe(0);
}

/** Byte-for-byte equality; a mismatch names the first differing offset (toEqual on MiBs is slow). */
function expectSameBytes(actual: Uint8Array, expected: Uint8Array, what: string): void {
  let firstDiff = -1;
  if (!Buffer.from(actual.buffer, actual.byteOffset, actual.byteLength).equals(Buffer.from(expected.buffer, expected.byteOffset, expected.byteLength))) {
    firstDiff = actual.findIndex((b, i) => b !== expected[i]);
    if (firstDiff < 0) firstDiff = Math.min(actual.length, expected.length);
  }
  expect({ what, length: actual.length, firstDiff }).toEqual({ what, length: expected.length, firstDiff: -1 });
}

describe('CRC-32', () => {
  it('gives the standard check value for "123456789"', () => {
    // The check value every CRC-32/IEEE implementation publishes.
    expect(crc32(text('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });
});

describe('GPT disks with a BIOS boot partition and an EFI system partition', () => {
  const fatTypes: FatType[] = [12, 16, 32];
  for (const fatType of fatTypes) {
    it(`FAT${fatType}: sgdisk, fsck.fat and mtools accept it and read every file back`, () => {
      const biosBoot = pattern(20_000, 9);
      const bootCode = pattern(440, 7);
      const image = buildGptImage({ seed: `test-${fatType}`, fatType, biosBoot, bootCode, espFiles: ESP_FILES });
      expect(image.esp.fatType).toBe(fatType);
      expect(image.esp.firstLba % ESP_ALIGN_SECTORS).toBe(0);
      expect(image.bytes.length).toBe(image.totalSectors * SECTOR);
      const img = writeTemp(`fat${fatType}.img`, image.bytes);

      // GPT: both headers, both arrays, the CRCs and the protective MBR.
      expectValidGpt(img);
      const bios = run('sgdisk', ['-i', '1', img]).out;
      expect(bios).toContain(`Partition GUID code: ${GPT_TYPE.biosBoot}`);
      expect(bios).toContain(`First sector: 34 `);
      expect(bios).toContain(`Last sector: ${34 + Math.ceil(biosBoot.length / SECTOR) - 1} `);
      expect(bios).toContain(`Partition unique GUID: ${guidFromSeed(`test-${fatType}/bios-boot`)}`);
      const esp = run('sgdisk', ['-i', '2', img]).out;
      expect(esp).toContain(`Partition GUID code: ${GPT_TYPE.efiSystem}`);
      expect(esp).toContain(`First sector: ${image.esp.firstLba} `);
      expect(esp).toContain(`Last sector: ${image.esp.lastLba} `);
      expect(esp).toContain("Partition name: 'EFI system partition'");
      expect(run('sgdisk', ['-p', img]).out).toContain(`Disk identifier (GUID): ${guidFromSeed(`test-${fatType}/disk`)}`);
      // LBA 0 keeps the BIOS boot code; the BIOS boot partition holds its bytes.
      expect(image.bytes.subarray(0, 440)).toEqual(bootCode);
      expect(image.bytes.subarray(34 * SECTOR, 34 * SECTOR + biosBoot.length)).toEqual(biosBoot);

      // FAT: fsck.fat on the partition's bytes, read-only.
      const part = writeTemp(`esp${fatType}.bin`, image.bytes.subarray(image.esp.firstLba * SECTOR, (image.esp.lastLba + 1) * SECTOR));
      const fsck = run('fsck.fat', ['-n', '-v', part]);
      expect(fsck.status, fsck.out).toBe(0);
      expect(fsck.out).toMatch(new RegExp(` files, \\d+/${image.esp.clusterCount} clusters`));
      const at = `${img}@@${image.esp.firstLba * SECTOR}`;
      expect(run('minfo', ['-i', at, '::']).out).toContain(`disk type="FAT${fatType}   "`);

      // mtools reads each file back through the directory tree (long names included).
      for (const file of ESP_FILES) {
        const out = join(work, 'readback');
        rmSync(out, { force: true });
        execFileSync('mcopy', ['-n', '-i', at, `::/${file.path}`, out]);
        expectSameBytes(new Uint8Array(readFileSync(out)), file.data, file.path);
      }
      const listing = run('mdir', ['-i', at, '-/', '-a', '::/']).out;
      expect(listing).toContain('A long name, with spaces and ünïcödé.txt');
      expect(listing).toMatch(/BOOTX64 +EFI +300000/);
      expect(listing).toContain(' EFI SYSTEM');
    });
  }

  it("tells where each file's bytes start on the disk, contiguous, for FAT12, FAT16 and FAT32 (the BIOS loader reads the kernel there)", () => {
    for (const fatType of [12, 16, 32] as FatType[]) {
      const image = buildGptImage({ seed: `lba-${fatType}`, fatType, biosBoot: pattern(9000, 6), espFiles: ESP_FILES });
      for (const file of ESP_FILES.filter((f) => f.data.length > 0)) {
        const lba = image.espFileLbas.get(file.path)!;
        expect(lba).toBeGreaterThanOrEqual(image.esp.firstLba);
        expectSameBytes(image.bytes.subarray(lba * SECTOR, lba * SECTOR + file.data.length), file.data, `FAT${fatType} ${file.path}`);
      }
      // Empty files have no clusters, so no place.
      expect(image.espFileLbas.has('empty')).toBe(false);
    }
  });

  it('picks the smallest FAT type that holds the files', () => {
    expect(buildGptImage({ seed: 's', espFiles: ESP_FILES }).esp.fatType).toBe(12);
    // 3 MiB more than FAT12 with 1-sector clusters holds; still smallest as FAT12 with larger clusters or FAT16.
    const big = buildGptImage({ seed: 's', espFiles: [...ESP_FILES, { path: 'ramdisk', data: pattern(3 << 20, 5) }] });
    const img = writeTemp('auto.img', big.bytes);
    expectValidGpt(img);
    expect(run('sgdisk', ['-p', img]).out).toMatch(/^ +1 +2048 +\d+ +.* EF00 +EFI system partition$/m);
    const part = writeTemp('auto.bin', big.bytes.subarray(big.esp.firstLba * SECTOR, (big.esp.lastLba + 1) * SECTOR));
    expect(run('fsck.fat', ['-n', part]).status).toBe(0);
    const out = join(work, 'ramdisk.readback');
    execFileSync('mcopy', ['-n', '-i', `${img}@@${big.esp.firstLba * SECTOR}`, '::/ramdisk', out]);
    expectSameBytes(new Uint8Array(readFileSync(out)), pattern(3 << 20, 5), 'ramdisk');
  });

  it('the same inputs give the same bytes; another seed gives other GUIDs', () => {
    const a = buildGptImage({ seed: 'kernel-a', espFiles: ESP_FILES });
    const b = buildGptImage({ seed: 'kernel-a', espFiles: ESP_FILES });
    const c = buildGptImage({ seed: 'kernel-b', espFiles: ESP_FILES });
    expect(Buffer.compare(a.bytes, b.bytes)).toBe(0);
    expect(a.bytes.subarray(SECTOR + 56, SECTOR + 72)).not.toEqual(c.bytes.subarray(SECTOR + 56, SECTOR + 72));
    expect(guidFromSeed('x')).toMatch(/^[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$/);
  });

  it('without BIOS stages there is only the EFI system partition', () => {
    const image = buildGptImage({ seed: 'uefi-only', espFiles: ESP_FILES });
    expect(image.biosBoot).toBeUndefined();
    const img = writeTemp('uefi-only.img', image.bytes);
    expectValidGpt(img);
    const listing = run('sgdisk', ['-p', img]).out;
    expect(listing).toMatch(/^ +1 +2048 +\d+ +.* EF00 +EFI system partition$/m);
    expect(listing).not.toContain('EF02');
    expect(image.bytes.subarray(0, 440).every((b) => b === 0)).toBe(true);
  });

  it('GUIDs are stored mixed-endian (first three groups little-endian)', () => {
    expect([...guidBytes(GPT_TYPE.efiSystem)]).toEqual([0x28, 0x73, 0x2a, 0xc1, 0x1f, 0xf8, 0xd2, 0x11, 0xba, 0x4b, 0x00, 0xa0, 0xc9, 0x3e, 0xc9, 0x3b]);
  });
});

describe('bad input is a clear error', () => {
  const file = (path: string, data = text('x')): FatFile => ({ path, data });
  it.each([
    ['"efi/boot/bootx64.efi" is given twice (FAT names ignore case)', [file('EFI/BOOT/BOOTX64.EFI'), file('efi/boot/bootx64.efi')]],
    ['"a/b/c": "b" is a file, not a directory', [file('a/b'), file('a/b/c')]],
    ['"EFI//BOOT.EFI" has an empty path component', [file('EFI//BOOT.EFI')]],
    ['"bad:name": "bad:name" contains a character FAT does not allow', [file('bad:name')]],
    ['ends with a space or a dot', [file('trailing.')]],
    ['is 256 characters long, at most 255 fit', [file('x'.repeat(256))]],
  ])('%s', (message, files) => {
    expect(() => buildFat(files)).toThrow(FatError);
    expect(() => buildFat(files)).toThrow(message);
  });

  it('a volume label outside the 8.3 character set', () => {
    expect(() => buildFat([file('a')], { label: 'lower case' })).toThrow(/volume label "lower case" must be 1-11 characters/);
  });

  it('more data than the forced FAT type can hold', () => {
    expect(() => buildFat([file('big', new Uint8Array(130 << 20))], { fatType: 12 })).toThrow(/do not fit in a FAT12 volume/);
  });

  it('boot code longer than the protective MBR holds', () => {
    expect(() => buildGptImage({ seed: 's', espFiles: [file('a')], bootCode: new Uint8Array(441) })).toThrow(new GptError('the boot code is 441 bytes; a protective MBR holds at most 440'));
  });

  it('overlapping partitions, partitions outside the usable sectors, bad GUIDs, long names', () => {
    const disk = new Uint8Array(4096 * SECTOR);
    const p = (name: string, firstLba: number, lastLba: number, guid = guidFromSeed(name)) => ({ type: GPT_TYPE.efiSystem, guid, name, firstLba, lastLba });
    expect(() => writeGpt(disk, { diskGuid: guidFromSeed('d'), partitions: [p('a', 34, 100), p('b', 100, 200)] })).toThrow('partitions "a" (LBA 34-100) and "b" (LBA 100-200) overlap');
    expect(() => writeGpt(disk, { diskGuid: guidFromSeed('d'), partitions: [p('a', 2048, 4095)] })).toThrow('partition 1 ("a"): LBA 2048-4095 lies outside the usable sectors 34-4062');
    expect(() => writeGpt(disk, { diskGuid: guidFromSeed('d'), partitions: [p('a', 33, 40)] })).toThrow('lies outside the usable sectors');
    expect(() => writeGpt(disk, { diskGuid: 'not-a-guid', partitions: [] })).toThrow('"not-a-guid" is not a GUID');
    expect(() => writeGpt(disk, { diskGuid: guidFromSeed('d'), partitions: [p('n'.repeat(37), 34, 40)] })).toThrow('at most 36 fit');
    expect(() => writeGpt(new Uint8Array(1000), { diskGuid: guidFromSeed('d'), partitions: [] })).toThrow('not a whole number of 512-byte sectors');
  });
});
