/** Words and numbers as the panel shows them. Pure: no DOM, no JupyterLab. */
import type { IRun, ProofProgress as RestProofProgress } from './api';

/** "1 step", "3 steps". */
export function count(n: number, word: string, plural = word + 's'): string {
  return `${n} ${n === 1 ? word : plural}`;
}

/**
 * A step's outputs as the panel lists them: an object the step changed in place (`model.fit(X, y)`)
 * is marked "(changed)", as `notebook-ops inspect` marks it.
 */
export function outputLabels(step: { outputs: string[]; changed?: string[] }): string[] {
  const changed = new Set(step.changed ?? []);
  return step.outputs.map(name => (changed.has(name) ? `${name} (changed)` : name));
}

/** JupyterLab numbers cells from 1 in its status bar ("Cell 34/65"); the model from 0. */
export function cellLabel(index: number): string {
  return `cell ${index + 1}`;
}

export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) {
    return '';
  }
  return seconds < 60 ? `${seconds.toFixed(1)} s` : `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
}

/** A Python value as the notebook shows it. */
export function formatValue(value: unknown): string {
  if (typeof value === 'string') {
    return JSON.stringify(value);
  }
  if (value === null || value === undefined) {
    return 'None';
  }
  if (typeof value === 'boolean') {
    return value ? 'True' : 'False';
  }
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** The header's last word: the errors to fix, else whether a run is on, else ready. */
export function readiness(errors: number, running: boolean): string {
  return errors ? count(errors, 'error') : running ? 'running…' : 'ready';
}

/**
 * Whether the notebook has no step tagged yet: its one step is the implicit "main" (no cell
 * starts it), so the panel teaches how to tag one.
 */
export function untagged(steps: readonly { start_cell: number | null }[]): boolean {
  return steps.length === 1 && steps[0].start_cell === null;
}

/** A run's parameter values as Python spells them ("n = 5 · region = \"eu\""); '' when none. */
export function parametersText(parameters: Record<string, unknown> | null | undefined): string {
  return Object.entries(parameters ?? {})
    .map(([name, value]) => `${name} = ${formatValue(value)}`)
    .join(' · ');
}

/**
 * A past run in one line of the Recent runs list: when it started, how long it took and its
 * parameters (shortened past `width` characters), so runs tell apart without opening each one.
 */
export function runSummary(
  run: Pick<IRun, 'started_at' | 'duration_s' | 'parameters'>,
  options: { timeZone?: string; locale?: string; width?: number } = {}
): string {
  // no start time: a run whose run.json could not be read (status "unreadable")
  const start = new Date(run.started_at ?? NaN);
  const when = isNaN(start.getTime())
    ? (run.started_at ?? '')
    : start.toLocaleString(options.locale, {
        dateStyle: 'medium',
        timeStyle: 'short',
        hourCycle: 'h23',
        timeZone: options.timeZone
      });
  const width = options.width ?? 60;
  let params = parametersText(run.parameters);
  if (params.length > width) {
    params = params.slice(0, width - 1).trimEnd() + '…';
  }
  return [when, run.duration_s ? duration(run.duration_s) : '', params].filter(Boolean).join(' · ');
}

/** A time in the schedule's own zone, labelled with it ("Mon 8 Dec, 06:00 Europe/Paris"). */
export function zonedTime(iso: string | null | undefined, timeZone: string, locale?: string): string {
  if (!iso) {
    return '–';
  }
  const d = new Date(iso);
  if (isNaN(d.getTime())) {
    return iso;
  }
  try {
    const text = d.toLocaleString(locale, { dateStyle: 'medium', timeStyle: 'short', hourCycle: 'h23', timeZone });
    return `${text} ${timeZone}`;
  } catch {
    return `${d.toLocaleString(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' })} UTC`;
  }
}

/**
 * The time zones a schedule may use, the browser's own first (then the others in the runtime's
 * order, no repeat). `all` is `Intl.supportedValuesOf('timeZone')`; an empty list (an older
 * runtime) still offers the browser's zone and UTC.
 */
export function timeZoneChoices(browserZone: string | undefined, all: readonly string[]): string[] {
  const first = browserZone || 'UTC';
  const rest = all.length ? all : ['UTC'];
  return [first, ...rest.filter(z => z !== first)];
}

/** Every IANA zone this browser knows (`Intl.supportedValuesOf`, missing on older runtimes). */
export function supportedTimeZones(): string[] {
  const intl = Intl as unknown as { supportedValuesOf?: (key: string) => string[] };
  try {
    return intl.supportedValuesOf ? intl.supportedValuesOf('timeZone') : [];
  } catch {
    return [];
  }
}

const TRUE = ['true', '1', 'yes', 'y', 'on'];
const FALSE = ['false', '0', 'no', 'n', 'off'];

/**
 * Why `text` is not a valid value of the declared type, or null when it is (the runner's own
 * rules, notebook_ops/model/parameters.py: it converts the text again and has the last word).
 */
export function checkParameter(type: string, text: string): string | null {
  const t = text.trim();
  switch (type) {
    case 'str':
      return null;
    case 'int':
      return /^[-+]?\d+$/.test(t.replace(/_/g, '')) ? null : `"${t}" is not a whole number (int)`;
    case 'float':
      return t !== '' && Number.isFinite(Number(t)) ? null : `"${t}" is not a number (float)`;
    case 'bool':
      return TRUE.includes(t.toLowerCase()) || FALSE.includes(t.toLowerCase())
        ? null
        : `"${t}" is not True or False (bool)`;
    case 'list':
    case 'tuple':
    case 'dict': {
      let value: unknown;
      try {
        value = JSON.parse(pythonToJson(t));
      } catch {
        return `"${t}" is not a ${type} literal, e.g. ${type === 'dict' ? '{"a": 1}' : '[1, 2]'}`;
      }
      const ok = type === 'dict' ? !!value && typeof value === 'object' && !Array.isArray(value) : Array.isArray(value);
      return ok ? null : `"${t}" is not a ${type}`;
    }
    default:
      return null;
  }
}

/** Python literal spellings JSON lacks (True, False, None, single quotes, tuples). */
function pythonToJson(text: string): string {
  return text
    .replace(/'/g, '"')
    .replace(/\bTrue\b/g, 'true')
    .replace(/\bFalse\b/g, 'false')
    .replace(/\bNone\b/g, 'null')
    .replace(/^\((.*)\)$/s, '[$1]')
    .replace(/,\s*([\]}])/g, '$1');
}

export interface ITargetRow {
  metric: string;
  condition: string;
  value?: unknown;
  met: boolean | null;
}

/** One line per metric target: value against the target, and why when it was not measured. */
export function describeTarget(
  row: ITargetRow,
  partial = false
): { text: string; state: 'met' | 'missed' | 'unmeasured' } {
  const measured = typeof row.value === 'number';
  if (!measured) {
    const why = partial
      ? 'not measured: this run did not run the step that logs it'
      : `not measured: no step logged "${row.metric}" (log it in a step with nbo.log_metric)`;
    return {
      text: `${row.metric} ${row.condition}: ${why}`,
      state: row.met === false && !partial ? 'missed' : 'unmeasured'
    };
  }
  const value = +(row.value as number).toFixed(4);
  return row.met
    ? { text: `${row.metric} = ${value} (target ${row.condition}: met)`, state: 'met' }
    : { text: `${row.metric} = ${value} (target ${row.condition}: missed)`, state: 'missed' };
}

/** Why `cluster` is not a place to run ('' when it is: empty or local here, else a scheduler's address). */
export function clusterProblem(cluster: string): string {
  const value = cluster.trim();
  return !value || value === 'local' || /^(tcp|tls|ucx|inproc|ws|wss):\/\/\S+$/.test(value)
    ? ''
    : `"${value}" is not a Dask scheduler address: write tcp://HOST:8786, or leave it empty to run here`;
}

/**
 * A proof as the Export section shows it: while it runs, what it does (the env, then step k of n
 * by name); once over, the proof's own one line ("proven ...: 3/3 steps equal to run ...", or the
 * failing step's problem and its fix). `tone`: running, proven, or not proven.
 */
export function proofStatus(p: RestProofProgress): { text: string; tone: 'running' | 'proven' | 'failed' } {
  if (p.state === 'building_env') {
    return { text: 'Proving: building the clean environment from requirements.txt…', tone: 'running' };
  }
  if (p.state === 'running_step') {
    const where = p.step_index && p.steps_total ? `step ${p.step_index} of ${p.steps_total}` : 'step';
    return { text: `Proving: ${where}, ${p.step ?? ''}…`, tone: 'running' };
  }
  if (p.state === 'done' && p.proof) {
    return { text: p.proof.summary || p.message, tone: p.proof.proven ? 'proven' : 'failed' };
  }
  return { text: `Not proven: ${p.error || p.message || 'the proof stopped'}`, tone: 'failed' };
}

/** What a step's run cost: "0.42 s CPU · 95 MiB" ('' when it was not measured: cached, skipped). */
export function stepCost(step: { cpu_s?: number | null; peak_mem_mb?: number | null }): string {
  const parts: string[] = [];
  if (typeof step.cpu_s === 'number') {
    parts.push(`${step.cpu_s.toFixed(2)} s CPU`);
  }
  if (typeof step.peak_mem_mb === 'number') {
    parts.push(`${Math.round(step.peak_mem_mb)} MiB`);
  }
  return parts.join(' · ');
}

/** A difference with its sign ("+7", "-0.25", "±0"); '' when there is none to show. */
export function signed(delta: number | null | undefined, digits = 4): string {
  if (typeof delta !== 'number' || !isFinite(delta)) {
    return '';
  }
  if (delta === 0) {
    return '±0';
  }
  const text = String(+delta.toPrecision(digits));
  return delta > 0 ? `+${text}` : text;
}

/** A compared metric's verdicts against its target: "≥ 5: missed → met" ('' without a target). */
export function targetChange(m: { target: string | null; met_a: boolean | null; met_b: boolean | null }): string {
  if (!m.target) {
    return '';
  }
  const word = (met: boolean | null) => (met === null ? 'not measured' : met ? 'met' : 'missed');
  return `${m.target}: ${word(m.met_a)} → ${word(m.met_b)}`;
}

/** The two runs of a comparison as the user picked them: the older first (deltas read b - a). */
export function comparePair<T extends { run_id: string; started_at?: string | null }>(
  runs: readonly T[]
): [T, T] | null {
  if (runs.length !== 2) {
    return null;
  }
  const [x, y] = runs;
  return String(x.started_at ?? x.run_id) <= String(y.started_at ?? y.run_id) ? [x, y] : [y, x];
}
