/**
 * Pipeline settings, edited into the notebook's `metadata.notebook_ops`: name, owner, objective,
 * metric targets, and the options of one step at a time (retries, timeout, cache, resources, image).
 * Values are written when a field is committed (change event); the model re-reads the pipeline.
 */
import { IPipeline } from '../api';
import { PipelineModel } from '../model';
import { h, section } from './react';
import type { ReactElement } from 'react';

function field(label: string, input: ReactElement, help = ''): ReactElement {
  return h('label', { class: 'nbo-field', title: help }, h('span', { class: 'nbo-field-label' }, label), input);
}

function text(value: unknown, onCommit: (value: string) => void, placeholder = ''): ReactElement {
  return h('input', {
    type: 'text',
    class: 'jp-mod-styled nbo-input',
    value: value === undefined || value === null ? '' : String(value),
    placeholder,
    onchange: (e: Event) => onCommit((e.target as HTMLInputElement).value.trim())
  });
}

/** "accuracy >= 0.8" lines <-> {"accuracy": ">= 0.8"}. */
export function parseTargets(value: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of value.split(/[\n;]+/)) {
    const m = /^\s*([A-Za-z_][\w.-]*)\s*((?:>=|<=|==|>|<)\s*-?[\d.]+(?:[eE][-+]?\d+)?)\s*$/.exec(line);
    if (m) {
      out[m[1]] = m[2].replace(/\s+/g, ' ');
    }
  }
  return out;
}

function numberOrUndefined(value: string): number | undefined {
  if (!value) {
    return undefined;
  }
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

export function settingsView(model: PipelineModel, pipeline: IPipeline, selected: string | null): ReactElement {
  const s = model.settings;
  const targets = Object.entries(s.metric_targets ?? {})
    .map(([k, v]) => `${k} ${v}`)
    .join('\n');
  const stepNames = pipeline.steps.map(st => st.name);
  const step = selected && stepNames.includes(selected) ? selected : stepNames[0];
  const stepOpts = (step && (s.steps?.[step] as Record<string, unknown>)) || {};
  const setStep = (patch: Record<string, unknown>) => {
    const all = { ...(model.settings.steps ?? {}) };
    const next: Record<string, unknown> = { ...(all[step] ?? {}), ...patch };
    for (const key of Object.keys(next)) {
      const v = next[key];
      if (v === undefined || v === '' || (typeof v === 'object' && v && !Object.keys(v).length)) {
        delete next[key];
      }
    }
    if (Object.keys(next).length) {
      all[step] = next;
    } else {
      delete all[step];
    }
    model.updateSettings({ steps: all });
  };
  const resources = (stepOpts.resources ?? {}) as Record<string, unknown>;
  const setResource = (key: string, value: unknown) => setStep({ resources: { ...resources, [key]: value } });

  return section(
    'Settings',
    'nbo-settings',
    h(
      'div',
      { class: 'nbo-form' },
      field(
        'name',
        text(s.name, v => model.updateSettings({ name: v }), pipeline.name),
        'Pipeline name (lower case).'
      ),
      field(
        'owner',
        text(s.owner, v => model.updateSettings({ owner: v }), 'team or e-mail')
      ),
      field(
        'objective',
        h('textarea', {
          class: 'jp-mod-styled nbo-input',
          rows: 2,
          value: s.objective ?? '',
          placeholder: 'What this pipeline is for',
          onchange: (e: Event) => model.updateSettings({ objective: (e.target as HTMLTextAreaElement).value.trim() })
        })
      ),
      field(
        'metric targets',
        h('textarea', {
          class: 'jp-mod-styled nbo-input nbo-mono',
          rows: 2,
          value: targets,
          placeholder: 'accuracy >= 0.8',
          onchange: (e: Event) =>
            model.updateSettings({ metric_targets: parseTargets((e.target as HTMLTextAreaElement).value) })
        }),
        'One per line: metric, comparison, number.'
      )
    ),
    step
      ? h(
          'div',
          { class: 'nbo-form nbo-step-options', 'data-step': step },
          h(
            'h4',
            {},
            'Options of step ',
            h(
              'select',
              {
                class: 'jp-mod-styled nbo-step-select',
                onchange: (e: Event) =>
                  (e.target as HTMLSelectElement).dispatchEvent(
                    new CustomEvent('nbo-select-step', { bubbles: true, detail: (e.target as HTMLSelectElement).value })
                  )
              },
              stepNames.map(n => h('option', { value: n, selected: n === step }, n))
            )
          ),
          field(
            'retries',
            text(stepOpts.retries, v => setStep({ retries: numberOrUndefined(v) }), '0')
          ),
          field(
            'timeout (s)',
            text(stepOpts.timeout, v => setStep({ timeout: numberOrUndefined(v) }), '600')
          ),
          field(
            'cache',
            h('input', {
              type: 'checkbox',
              checked: stepOpts.cache !== false,
              onchange: (e: Event) => setStep({ cache: (e.target as HTMLInputElement).checked ? undefined : false })
            })
          ),
          field(
            'cpu',
            text(resources.cpu, v => setResource('cpu', numberOrUndefined(v) ?? (v || undefined)), '1')
          ),
          field(
            'memory',
            text(resources.memory, v => setResource('memory', v || undefined), '1Gi')
          ),
          field(
            'gpu',
            text(resources.gpu, v => setResource('gpu', numberOrUndefined(v)), '0')
          ),
          field(
            'image',
            text(stepOpts.image, v => setStep({ image: v || undefined }), 'container image')
          )
        )
      : null
  );
}
