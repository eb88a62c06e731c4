/**
 * Stale steps as the lab shows them: the server's verdict (POST stale-steps, the step cache's
 * own answer to "would a run now reuse this step?") turned into the short words on the graph
 * and on the cells. Pure functions: the model asks, the views render.
 */
import type { StalenessView, StepStaleness } from './api';

export type IStaleness = StalenessView;
export type IStepStaleness = StepStaleness;

/** Step name -> its verdict, for the steps a run now would run (stale or never run). */
export function staleSteps(view: IStaleness | null): Map<string, IStepStaleness> {
  const out = new Map<string, IStepStaleness>();
  for (const step of view?.steps ?? []) {
    if (step.state !== 'fresh') {
      out.set(step.step, step);
    }
  }
  return out;
}

const REASON_WORDS: Record<string, string> = {
  code: 'code',
  parameters: 'parameters',
  inputs: 'inputs',
  files: 'files',
  upstream: 'upstream',
  cache_off: 'cache off',
  unknown: 'changed'
};

/** The pill's words: "stale · code, upstream", or "never run". */
export function staleLabel(step: IStepStaleness): string {
  if (step.state === 'never_run') {
    return 'never run';
  }
  const words = step.reasons.map(r => REASON_WORDS[r] ?? r);
  return words.length ? `stale · ${words.join(', ')}` : 'stale';
}

/** The tooltip: what changed since the run it is compared with, and what it waits for. */
export function staleTip(step: IStepStaleness): string {
  const head =
    step.state === 'never_run'
      ? `${step.step} has not run yet: Run stale runs it`
      : `${step.step} is stale: Run stale runs it again` + (step.run_id ? ` (last run ${step.run_id})` : '');
  return [head, ...step.details.map(d => `· ${d}`)].join('\n');
}

/** The text of the Run stale button: how many steps would run. */
export function runStaleLabel(view: IStaleness | null): string {
  const n = view?.stale.length ?? 0;
  return n ? `Run stale (${n})` : 'Run stale';
}
