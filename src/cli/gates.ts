import type { Gate } from './run-spec.ts';
import { EXIT } from './cli-error.ts';

/** What the gates look at: the finished run and, with a baseline, the server's comparison. */
export interface GateInput {
  status: string;
  result_counts: { total: number; errored: number; failed: number; passed: number };
  per_testing_criteria_results: { testing_criteria: string; passed: number; failed: number }[] | null;
  /** Criterion id → name (from the eval). */
  names: ReadonlyMap<string, string>;
  comparison: { base_run_id: string; criteria: { testing_criteria: string; name: string; regressions: number; fixes: number; significant: boolean; p_value: number; difference: { estimate: number } }[] } | null;
}

export interface GateVerdict {
  gate: 'status' | 'min_pass_rate' | 'max_errored' | 'baseline';
  /** The criterion's name, for per-criterion gates. */
  criterion?: string;
  threshold: number | string;
  value: number | string | null;
  passed: boolean;
  detail: string;
}

export interface GateOutcome {
  verdicts: GateVerdict[];
  exitCode: number;
}

const pct = (x: number) => `${(x * 100).toFixed(1)} %`;

export function evaluateGates(gate: Gate, r: GateInput): GateOutcome {
  const verdicts: GateVerdict[] = [];
  const completed = r.status === 'completed';
  verdicts.push({ gate: 'status', threshold: 'completed', value: r.status, passed: completed, detail: completed ? 'the run completed' : `the run ended ${r.status}` });
  let hardFailure = !completed;

  if (gate.maxErrored !== null) {
    const limit = gate.maxErrored < 1 && gate.maxErrored > 0 ? gate.maxErrored * r.result_counts.total : gate.maxErrored;
    const ok = r.result_counts.errored <= limit;
    if (!ok) hardFailure = true;
    const shown = gate.maxErrored < 1 && gate.maxErrored > 0 ? `${pct(gate.maxErrored)} of ${r.result_counts.total} rows` : `${gate.maxErrored} rows`;
    verdicts.push({ gate: 'max_errored', threshold: gate.maxErrored, value: r.result_counts.errored, passed: ok, detail: `${r.result_counts.errored} errored (at most ${shown})` });
  }

  if (gate.minPassRate !== null) {
    for (const c of r.per_testing_criteria_results ?? []) {
      const name = r.names.get(c.testing_criteria) ?? c.testing_criteria;
      const threshold = typeof gate.minPassRate === 'number' ? gate.minPassRate : gate.minPassRate[name];
      if (threshold === undefined) continue;
      const total = c.passed + c.failed;
      const value = total === 0 ? 0 : c.passed / total;
      verdicts.push({ gate: 'min_pass_rate', criterion: name, threshold, value, passed: value >= threshold, detail: `${name}: ${pct(value)} (at least ${pct(threshold)})` });
    }
  }

  if (r.comparison !== null) {
    for (const c of r.comparison.criteria) {
      const regressed = c.significant && c.regressions > c.fixes;
      verdicts.push({
        gate: 'baseline',
        criterion: c.name,
        threshold: r.comparison.base_run_id,
        value: c.p_value,
        passed: !regressed,
        detail: `${c.name}: ${c.regressions} regressed, ${c.fixes} fixed vs ${r.comparison.base_run_id} (McNemar p = ${c.p_value.toPrecision(3)})${regressed ? ' — significant regression' : ''}`,
      });
    }
  }
  const exitCode = hardFailure ? EXIT.runFailed : verdicts.every((v) => v.passed) ? EXIT.ok : EXIT.gateFailed;
  return { verdicts, exitCode };
}
