import { readFileSync } from 'node:fs';
import { fmtNumber, renderTable } from './stats.ts';

/**
 * A terminal summary of a V8 `.cpuprofile` (written by the server child when
 * PROCTOR_BENCH_NODE_ARGS holds --cpu-prof): self time by area (our src/ files, each npm package,
 * node internals, GC, idle) and the hottest functions. The profile spans the server's whole life
 * (start-up and upload included); open it in Chrome DevTools or speedscope for the full picture.
 */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface ProfileSummary {
  total_ms: number;
  by_area: { area: string; self_ms: number }[];
  top_functions: { fn: string; where: string; self_ms: number }[];
  /** Every sample charged to the innermost function of the project's own code on its stack (else to its area). */
  by_own_caller: { fn: string; self_ms: number }[];
}

function areaOf(url: string, functionName: string, root: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (nm?.[1] !== undefined) return nm[1];
  if (url.startsWith('node:')) return 'node internals';
  const path = url.replace(/^file:\/\//, '');
  if (path.startsWith(root)) return path.slice(root.length + 1);
  return path;
}

export function summarizeProfile(path: string, root: string, top = 15): ProfileSummary {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const areas = new Map<string, number>();
  const functions = new Map<string, { fn: string; where: string; us: number }>();
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (node === undefined) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const area = areaOf(url, functionName, root);
    areas.set(area, (areas.get(area) ?? 0) + us);
    const where = url === '' ? '' : `${areaOf(url, functionName, root)}:${lineNumber + 1}`;
    const key = `${functionName}@${where}`;
    const f = functions.get(key) ?? { fn: functionName || '(anonymous)', where, us: 0 };
    f.us += us;
    functions.set(key, f);
  }
  // Charge each sample to the innermost frame of our own code (src/, bench/) on its stack.
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const own = (url: string) => url.includes(`${root}/src/`);
  const ownerCache = new Map<number, string>();
  const ownerOf = (id: number): string => {
    const cached = ownerCache.get(id);
    if (cached !== undefined) return cached;
    let owner: string | null = null;
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const node = byId.get(at);
      if (node !== undefined && own(node.callFrame.url)) {
        owner = `${node.callFrame.functionName || '(anonymous)'} (${areaOf(node.callFrame.url, '', root)})`;
        break;
      }
    }
    const leaf = byId.get(id);
    const result = owner ?? `[no src/ frame] ${leaf === undefined ? '?' : areaOf(leaf.callFrame.url, leaf.callFrame.functionName, root)}`;
    ownerCache.set(id, result);
    return result;
  };
  const owners = new Map<string, number>();
  for (const [id, us] of selfUs) owners.set(ownerOf(id), (owners.get(ownerOf(id)) ?? 0) + us);

  const ms = (us: number) => Math.round(us / 100) / 10;
  return {
    total_ms: ms(profile.endTime - profile.startTime),
    by_area: [...areas].sort((a, b) => b[1] - a[1]).slice(0, top).map(([area, us]) => ({ area, self_ms: ms(us) })),
    top_functions: [...functions.values()].sort((a, b) => b.us - a.us).slice(0, top).map((f) => ({ fn: f.fn, where: f.where, self_ms: ms(f.us) })),
    by_own_caller: [...owners].sort((a, b) => b[1] - a[1]).slice(0, top).map(([fn, us]) => ({ fn, self_ms: ms(us) })),
  };
}

export function renderProfileSummary(s: ProfileSummary): string {
  const pct = (v: number) => `${fmtNumber((100 * v) / s.total_ms, 1)} %`;
  return [
    `profile spans ${fmtNumber(s.total_ms / 1000, 1)} s of the server's life`,
    renderTable(['self time by area', 'ms', 'share'], s.by_area.map((a) => [a.area, fmtNumber(a.self_ms), pct(a.self_ms)])),
    '',
    renderTable(['hottest functions (self)', 'where', 'ms'], s.top_functions.map((f) => [f.fn, f.where, fmtNumber(f.self_ms)])),
    '',
    renderTable(['time charged to the innermost src/ function on the stack', 'ms', 'share'], s.by_own_caller.map((o) => [o.fn, fmtNumber(o.self_ms), pct(o.self_ms)])),
  ].join('\n');
}
