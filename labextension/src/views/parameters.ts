/** The pipeline's parameters: name, type, default and the help comment from the parameters cell. */
import { IPipeline } from '../api';
import { cellLabel, formatValue } from '../format';
import { h, section } from './react';
import type { ReactElement } from 'react';

export function parametersView(pipeline: IPipeline, onSelectCell: (cell: number) => void): ReactElement {
  const params = pipeline.parameters;
  return section(
    `Parameters (${params.length})`,
    'nbo-parameters',
    params.length
      ? h(
          'table',
          { class: 'nbo-table' },
          h('thead', {}, h('tr', {}, h('th', {}, 'name'), h('th', {}, 'type'), h('th', {}, 'default'))),
          h(
            'tbody',
            {},
            params.map(p =>
              h(
                'tr',
                { 'data-parameter': p.name, title: p.help },
                h(
                  'td',
                  {},
                  h('span', { class: 'nbo-mono' }, p.name),
                  p.help ? h('span', { class: 'nbo-help' }, p.help) : null
                ),
                h('td', { class: 'nbo-type' }, p.type),
                h('td', { class: 'nbo-mono' }, formatValue(p.default))
              )
            )
          )
        )
      : h('p', { class: 'nbo-empty' }, 'No parameters cell. Tag a cell of literal assignments "parameters".'),
    pipeline.parameters_cell !== null
      ? h(
          'button',
          { class: 'nbo-link', onclick: () => onSelectCell(pipeline.parameters_cell as number) },
          `Go to the parameters cell (${cellLabel(pipeline.parameters_cell)})`
        )
      : null
  );
}
