/** The problems list: severity, message, where; clicking one selects its cell. */
import { IProblem } from '../api';
import { h, section } from './dom';

export function problemsView(problems: IProblem[], onSelect: (problem: IProblem) => void): HTMLElement {
  const order = { error: 0, warning: 1, info: 2 };
  const sorted = [...problems].sort((a, b) => order[a.severity] - order[b.severity] || (a.cell ?? 0) - (b.cell ?? 0));
  const errors = problems.filter(p => p.severity === 'error').length;
  const title = problems.length ? `Problems (${problems.length}${errors ? `, ${errors} errors` : ''})` : 'Problems';
  return section(
    title,
    'nbo-problems',
    problems.length
      ? h(
          'ul',
          { class: 'nbo-problem-list' },
          sorted.map(p =>
            h(
              'li',
              {
                class: `nbo-problem nbo-severity-${p.severity}${p.cell !== null ? ' nbo-clickable' : ''}`,
                'data-code': p.code,
                'data-cell': p.cell ?? '',
                title: p.hint ?? '',
                tabindex: 0,
                onclick: () => onSelect(p),
                onkeydown: (e: KeyboardEvent) => e.key === 'Enter' && onSelect(p)
              },
              h('span', { class: 'nbo-problem-icon', 'aria-label': p.severity, title: p.severity }),
              h(
                'span',
                { class: 'nbo-problem-text' },
                h('span', { class: 'nbo-problem-message' }, p.message),
                h(
                  'span',
                  { class: 'nbo-problem-where' },
                  [p.cell !== null ? `cell ${p.cell}` : null, p.step ? `step ${p.step}` : null, p.code]
                    .filter(Boolean)
                    .join(' · ')
                ),
                p.hint ? h('span', { class: 'nbo-problem-hint' }, p.hint) : null
              )
            )
          )
        )
      : h('p', { class: 'nbo-empty nbo-ok' }, '✓ No problems: this notebook runs as a pipeline.')
  );
}
