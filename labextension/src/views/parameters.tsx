/** The pipeline's parameters: name, type, default and the help comment from the parameters cell. */
import React from 'react';

import { IPipeline } from '../api';
import { cellLabel, formatValue } from '../format';
import { Section } from './section';

export interface IParametersProps {
  pipeline: IPipeline;
  onSelectCell: (cell: number) => void;
}

export function Parameters({ pipeline, onSelectCell }: IParametersProps): JSX.Element {
  const params = pipeline.parameters;
  const cell = pipeline.parameters_cell;
  return (
    <Section title={`Parameters (${params.length})`} cls="nbo-parameters">
      {params.length ? (
        <table className="nbo-table">
          <thead>
            <tr>
              <th>name</th>
              <th>type</th>
              <th>default</th>
            </tr>
          </thead>
          <tbody>
            {params.map(p => (
              <tr key={p.name} data-parameter={p.name} title={p.help}>
                <td>
                  <span className="nbo-mono">{p.name}</span>
                  {p.help ? <span className="nbo-help">{p.help}</span> : null}
                </td>
                <td className="nbo-type">{p.type}</td>
                <td className="nbo-mono">{formatValue(p.default)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p className="nbo-empty">No parameters cell. Tag a cell of literal assignments "parameters".</p>
      )}
      {cell !== null ? (
        <button className="nbo-link" onClick={() => onSelectCell(cell)}>
          {`Go to the parameters cell (${cellLabel(cell)})`}
        </button>
      ) : null}
    </Section>
  );
}
