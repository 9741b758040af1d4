import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DataDirLockedError, lockDataDir } from './data-dir-lock.ts';

describe('lockDataDir', () => {
  it('refuses a second holder while the first lives, and frees the directory on release', () => {
    const dir = mkdtempSync(join(tmpdir(), 'proctor-lock-'));
    // Our own pid in the file stands for "another live process" only when it is not us, so use
    // the parent process (alive for the whole test) as the holder.
    writeFileSync(join(dir, 'proctor.lock'), String(process.ppid));
    assert.throws(() => lockDataDir(dir), DataDirLockedError);
    assert.ok(existsSync(join(dir, 'proctor.lock')), 'a live holder keeps its lock');
  });

  it('takes over a lock whose process is gone (kill -9, crash)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'proctor-lock-'));
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
    writeFileSync(join(dir, 'proctor.lock'), dead.stdout.toString());
    const lock = lockDataDir(dir);
    lock.release();
    assert.equal(existsSync(join(dir, 'proctor.lock')), false);
  });

  it('creates the directory and lets the next opener in after release', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'proctor-lock-')), 'nested', 'data');
    const first = lockDataDir(dir);
    first.release();
    const second = lockDataDir(dir);
    second.release();
  });
});
