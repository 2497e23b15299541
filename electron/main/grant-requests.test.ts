import { describe, expect, it } from 'vitest';
import {
  droppedFileGrant,
  openDialogGrant,
  saveDialogDefaultName,
  saveDialogGrant,
} from './grant-requests.ts';

describe("main's grant requests", () => {
  it('grants reading only what the open dialog returned', () => {
    expect(openDialogGrant({ canceled: true, filePaths: ['/data/a.csv'] })).toBeNull();
    expect(openDialogGrant({ canceled: false, filePaths: [] })).toBeNull();
    expect(openDialogGrant({ canceled: false, filePaths: ['/data/a.csv', '/data/b.csv'] })).toEqual({
      kind: 'read',
      path: '/data/a.csv',
    });
  });

  it('lets an export replace a file only when it existed when the dialog confirmed it', () => {
    const existing = new Set(['/out/old.csv']);
    const exists = (p: string) => existing.has(p);
    expect(saveDialogGrant({ canceled: true, filePath: '/out/old.csv' }, exists)).toBeNull();
    expect(saveDialogGrant({ canceled: false, filePath: '' }, exists)).toBeNull();
    expect(saveDialogGrant({ canceled: false, filePath: '/out/old.csv' }, exists)).toEqual({
      kind: 'write',
      path: '/out/old.csv',
      overwrite: true,
    });
    expect(saveDialogGrant({ canceled: false, filePath: '/out/new.csv' }, exists)).toEqual({
      kind: 'write',
      path: '/out/new.csv',
      overwrite: false,
    });
  });

  it('grants a dropped file only for a real absolute path (a File made in memory has none)', () => {
    expect(droppedFileGrant('/home/me/orders.csv')).toEqual({ kind: 'read', path: '/home/me/orders.csv' });
    for (const bad of ['', 'orders.csv', '../etc/passwd', '/etc/\0passwd', 42, null, { path: '/x' }]) {
      expect(droppedFileGrant(bad)).toBeNull();
    }
  });

  it('takes only a file name for the save dialog', () => {
    expect(saveDialogDefaultName('../../home/me/.bashrc')).toBe('_.._home_me_.bashrc');
    expect(saveDialogDefaultName('run-1-rejected.csv')).toBe('run-1-rejected.csv');
    expect(saveDialogDefaultName('  ')).toBe('export');
    // Never a hidden file, a Windows device or control characters, however the page names it.
    expect(saveDialogDefaultName('.bashrc')).toBe('bashrc');
    expect(saveDialogDefaultName('..')).toBe('export');
    expect(saveDialogDefaultName('NUL.csv')).toBe('_NUL.csv');
    expect(saveDialogDefaultName('com1')).toBe('_com1');
    expect(saveDialogDefaultName('a\nb\u0007.csv')).toBe('a_b_.csv');
  });
});
