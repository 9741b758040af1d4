import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/**
 * Readers of Linux `/proc`: resident memory and CPU time of a process we did not write. Every
 * reader answers null when the process is gone or `/proc` is not there (another OS), so a
 * benchmark prints "n/a" instead of failing.
 */

/** Clock ticks per second of the `utime`/`stime` fields (almost always 100). */
export const CLOCK_TICKS: number = (() => {
  try {
    const n = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    return Number.isFinite(n) && n > 0 ? n : 100;
  } catch {
    return 100;
  }
})();

function read(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

function kbField(text: string, name: string): number | null {
  const match = new RegExp(`^${name}:\\s+(\\d+)\\s+kB`, 'm').exec(text);
  return match?.[1] === undefined ? null : Number(match[1]);
}

export interface MemoryStatus {
  /** Resident set size now, kB. */
  rssKb: number;
  /** High-water mark of the resident set over the process's life, kB. */
  hwmKb: number;
}

export function readMemory(pid: number): MemoryStatus | null {
  const text = read(`/proc/${pid}/status`);
  if (text === null) return null;
  const rssKb = kbField(text, 'VmRSS');
  const hwmKb = kbField(text, 'VmHWM');
  return rssKb === null || hwmKb === null ? null : { rssKb, hwmKb };
}

/** Proportional set size, kB: shared pages divided among their sharers, so sums over processes are fair. */
export function readPssKb(pid: number): number | null {
  const text = read(`/proc/${pid}/smaps_rollup`);
  return text === null ? null : kbField(text, 'Pss');
}

/** Fields of /proc/<pid>/stat after the `(comm)`, which may itself hold spaces. */
function statFields(pid: number): string[] | null {
  const text = read(`/proc/${pid}/stat`);
  if (text === null) return null;
  const close = text.lastIndexOf(')');
  return close === -1 ? null : text.slice(close + 2).trim().split(' ');
}

/**
 * CPU seconds (user + system) the process has used; with `withReapedChildren` also those of its
 * children that have exited and been waited for (how a postmaster accounts for ended backends).
 */
export function readCpuSeconds(pid: number, withReapedChildren = false): number | null {
  const f = statFields(pid);
  if (f === null) return null;
  // After the comm: [0]=state [1]=ppid … [11]=utime [12]=stime [13]=cutime [14]=cstime
  const ticks = Number(f[11]) + Number(f[12]) + (withReapedChildren ? Number(f[13]) + Number(f[14]) : 0);
  return Number.isFinite(ticks) ? ticks / CLOCK_TICKS : null;
}

/** Pids of the live direct children of `ppid`. */
export function childPids(ppid: number): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const found: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const f = statFields(Number(entry));
    if (f !== null && Number(f[1]) === ppid) found.push(Number(entry));
  }
  return found;
}

/** A process tree (a postmaster and its backends): its summed PSS and CPU seconds. */
export function readTree(rootPid: number): { pssKb: number; cpuSeconds: number } | null {
  const rootPss = readPssKb(rootPid);
  const rootCpu = readCpuSeconds(rootPid, true);
  if (rootPss === null || rootCpu === null) return null;
  let pssKb = rootPss;
  let cpuSeconds = rootCpu;
  for (const pid of childPids(rootPid)) {
    pssKb += readPssKb(pid) ?? 0;
    cpuSeconds += readCpuSeconds(pid) ?? 0;
  }
  return { pssKb, cpuSeconds };
}
