/**
 * Registered models as the Models section shows them (pure: the view renders, jest tests these).
 * A version's targets come as "<condition> -> met|missed" (the pipeline run's `target.<metric>`
 * tags); its cost is the run's CPU seconds and wall time.
 */
import type { ModelVersionView, RegisteredModelView } from './schemas/types';
import { targetBound } from './trend';
import { duration } from './format';

export interface ITargetCheck {
  metric: string;
  condition: string;
  met: boolean;
  value: number | null;
}

/** The version's targets with the value its run measured, by metric name. */
export function targetChecks(v: ModelVersionView): ITargetCheck[] {
  return Object.entries(v.targets)
    .map(([metric, text]) => {
      const m = /^(.*?)\s*->\s*(met|missed)$/.exec(text);
      const value = v.metrics[metric];
      return {
        metric,
        condition: m ? m[1] : text,
        met: !!m && m[2] === 'met',
        value: typeof value === 'number' ? value : null
      };
    })
    .sort((a, b) => a.metric.localeCompare(b.metric));
}

/** "accuracy = 0.84 (target >= 0.8: met)" */
export function targetText(c: ITargetCheck): string {
  const shown = c.value === null ? 'not measured' : `${+c.value.toFixed(4)}`;
  return `${c.metric} = ${shown} (target ${c.condition}: ${c.met ? 'met' : 'missed'})`;
}

/** "12.3 s CPU · 8.1 s" (what the version's run cost); '' when nothing was measured. */
export function costText(v: ModelVersionView, costPerCpuHour: number | null = null): string {
  const parts: string[] = [];
  if (typeof v.cpu_s === 'number') {
    parts.push(`${v.cpu_s.toFixed(1)} s CPU`);
    if (costPerCpuHour !== null) {
      parts.push(`${((v.cpu_s / 3600) * costPerCpuHour).toFixed(4)} per run`);
    }
  }
  if (typeof v.duration_s === 'number') {
    parts.push(`${duration(v.duration_s)} wall`);
  }
  return parts.join(' · ');
}

/** Where the version came from, in one line: run, step, bundle version, commit. */
export function lineageText(v: ModelVersionView): string {
  const parts: string[] = [];
  if (v.run_id) {
    parts.push(`run ${v.run_id}`);
  }
  if (v.step) {
    parts.push(`step ${v.step}`);
  }
  if (v.bundle) {
    parts.push(`bundle ${v.bundle}${v.bundle_version ? ' ' + v.bundle_version : ''}`);
  }
  if (v.git_commit) {
    parts.push(`commit ${v.git_commit.slice(0, 8)}`);
  }
  return parts.join(' · ') || 'logged outside a pipeline run';
}

/** The metric the section plots across versions: the first target's, else none. */
export function kpiOf(model: RegisteredModelView): string | null {
  const names = new Set<string>();
  for (const v of model.versions) {
    Object.keys(v.targets).forEach(m => names.add(m));
  }
  return [...names].sort()[0] ?? null;
}

/** The KPI per version, oldest first (null where a version's run did not measure it), and the
 * target's bound from the newest version that has one. */
export function kpiSeries(
  model: RegisteredModelView,
  metric: string
): { values: (number | null)[]; bound: number | null } {
  const oldestFirst = [...model.versions].sort((a, b) => a.version - b.version);
  const values = oldestFirst.map(v => (typeof v.metrics[metric] === 'number' ? v.metrics[metric] : null));
  const withTarget = [...oldestFirst].reverse().find(v => v.targets[metric]);
  const bound = withTarget
    ? targetBound(targetChecks(withTarget).find(c => c.metric === metric)?.condition ?? '')
    : null;
  return { values, bound };
}

/** The gate's verdict in a few words, for the version's row. */
export function verdictText(v: ModelVersionView): string {
  if (!v.gate) {
    return '';
  }
  return v.gate.passed ? 'may be promoted' : 'gate refuses';
}
