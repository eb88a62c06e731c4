/**
 * The problems list: severity, message, where (cells numbered as JupyterLab shows them); clicking
 * one selects its cell. Kale's legacy-tag notices fold into one line with a "retag all" action.
 */
import { IProblem } from '../api';
import { cellLabel, count } from '../format';
import { h, section } from './react';
import type { ReactElement } from 'react';

export const LEGACY_TAG = 'legacy-tag';

export interface IProblemsOptions {
  /** The cell to show for a problem (a step's markdown title moves to its code). */
  cellOf: (problem: IProblem) => number | null;
  onSelect: (problem: IProblem) => void;
  /** Rewrite Kale's legacy tags as step:/after: in every cell. */
  onRetag?: () => void;
  /** What runs as a pipeline, as the "no problems" line names it (default: "this notebook"). */
  subject?: string;
}

/** "2 errors, 1 warning" (what the section title says). */
export function problemSummary(problems: readonly IProblem[]): string {
  const parts: string[] = [];
  const errors = problems.filter(p => p.severity === 'error').length;
  const warnings = problems.filter(p => p.severity === 'warning').length;
  const notices = problems.length - errors - warnings;
  if (errors) {
    parts.push(count(errors, 'error'));
  }
  if (warnings) {
    parts.push(count(warnings, 'warning'));
  }
  if (notices) {
    parts.push(count(notices, 'notice'));
  }
  return parts.join(', ');
}

export function problemsView(problems: IProblem[], options: IProblemsOptions): ReactElement {
  const order = { error: 0, warning: 1, info: 2 };
  const legacy = problems.filter(p => p.code === LEGACY_TAG);
  const rest = problems.filter(p => p.code !== LEGACY_TAG);
  const sorted = [...rest].sort(
    (a, b) => order[a.severity] - order[b.severity] || (options.cellOf(a) ?? 0) - (options.cellOf(b) ?? 0)
  );
  const title = problems.length ? `Problems: ${problemSummary(problems)}` : 'Problems';
  const item = (p: IProblem) => {
    const cell = options.cellOf(p);
    return h(
      'li',
      {
        class: `nbo-problem nbo-severity-${p.severity}${cell !== null ? ' nbo-clickable' : ''}`,
        'data-code': p.code,
        'data-cell': cell ?? '',
        title: p.hint ?? '',
        tabindex: 0,
        onclick: () => options.onSelect(p),
        onkeydown: (e: KeyboardEvent) => e.key === 'Enter' && options.onSelect(p)
      },
      h('span', { class: 'nbo-problem-icon', 'aria-label': p.severity, title: p.severity }),
      h(
        'span',
        { class: 'nbo-problem-text' },
        h('span', { class: 'nbo-problem-message' }, p.message),
        h(
          'span',
          { class: 'nbo-problem-where' },
          [cell !== null ? cellLabel(cell) : null, p.step ? `step ${p.step}` : null, p.code].filter(Boolean).join(' · ')
        ),
        p.hint ? h('span', { class: 'nbo-problem-hint' }, p.hint) : null
      )
    );
  };
  const legacyLine = legacy.length
    ? h(
        'li',
        { class: 'nbo-problem nbo-severity-info nbo-legacy-tags', 'data-code': LEGACY_TAG },
        h('span', { class: 'nbo-problem-icon', 'aria-label': 'info', title: 'info' }),
        h(
          'span',
          { class: 'nbo-problem-text' },
          h(
            'span',
            { class: 'nbo-problem-message' },
            `${count(legacy.length, 'cell')} use${legacy.length === 1 ? 's' : ''} Kale's legacy tags (block:, prev:), read as step:/after:. `,
            options.onRetag
              ? h(
                  'button',
                  { class: 'nbo-link nbo-retag-kale', onclick: () => options.onRetag!() },
                  'Retag all as step:/after:'
                )
              : null
          )
        )
      )
    : null;
  return section(
    title,
    'nbo-problems',
    problems.length
      ? h('ul', { class: 'nbo-problem-list' }, sorted.map(item), legacyLine)
      : h(
          'p',
          { class: 'nbo-empty nbo-ok' },
          `✓ No problems: ${options.subject ?? 'this notebook'} runs as a pipeline.`
        )
  );
}
