/**
 * The problems list: severity, message, where (cells numbered as JupyterLab shows them); clicking
 * one selects its cell. Kale's legacy-tag notices fold into one line with a "retag all" action.
 */
import React from 'react';

import { IProblem } from '../api';
import { cellLabel, count } from '../format';
import { onActivate, Section } from './section';

export const LEGACY_TAG = 'legacy-tag';

export interface IProblemsProps {
  problems: IProblem[];
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

const ORDER = { error: 0, warning: 1, info: 2 };

export function Problems(props: IProblemsProps): JSX.Element {
  const { problems, cellOf } = props;
  const legacy = problems.filter(p => p.code === LEGACY_TAG);
  const sorted = problems
    .filter(p => p.code !== LEGACY_TAG)
    .sort((a, b) => ORDER[a.severity] - ORDER[b.severity] || (cellOf(a) ?? 0) - (cellOf(b) ?? 0));
  const title = problems.length ? `Problems: ${problemSummary(problems)}` : 'Problems';
  return (
    <Section title={title} cls="nbo-problems">
      {problems.length ? (
        <ul className="nbo-problem-list">
          {sorted.map((p, i) => (
            <ProblemItem key={i} problem={p} cell={cellOf(p)} onSelect={props.onSelect} />
          ))}
          {legacy.length ? <LegacyTags cells={legacy.length} onRetag={props.onRetag} /> : null}
        </ul>
      ) : (
        <p className="nbo-empty nbo-ok">{`✓ No problems: ${props.subject ?? 'this notebook'} runs as a pipeline.`}</p>
      )}
    </Section>
  );
}

interface IProblemItemProps {
  problem: IProblem;
  cell: number | null;
  onSelect: (problem: IProblem) => void;
}

function ProblemItem({ problem: p, cell, onSelect }: IProblemItemProps): JSX.Element {
  const select = () => onSelect(p);
  const where = [cell !== null ? cellLabel(cell) : null, p.step ? `step ${p.step}` : null, p.code].filter(Boolean);
  return (
    <li
      className={`nbo-problem nbo-severity-${p.severity}${cell !== null ? ' nbo-clickable' : ''}`}
      data-code={p.code}
      data-cell={cell ?? ''}
      title={p.hint ?? ''}
      tabIndex={0}
      onClick={select}
      onKeyDown={onActivate(select)}
    >
      <span className="nbo-problem-icon" aria-label={p.severity} title={p.severity} />
      <span className="nbo-problem-text">
        <span className="nbo-problem-message">{p.message}</span>
        <span className="nbo-problem-where">{where.join(' · ')}</span>
        {p.hint ? <span className="nbo-problem-hint">{p.hint}</span> : null}
      </span>
    </li>
  );
}

/** Kale's legacy tags in one line, with the action that rewrites them all. */
function LegacyTags(props: { cells: number; onRetag?: () => void }): JSX.Element {
  const { cells, onRetag } = props;
  return (
    <li className="nbo-problem nbo-severity-info nbo-legacy-tags" data-code={LEGACY_TAG}>
      <span className="nbo-problem-icon" aria-label="info" title="info" />
      <span className="nbo-problem-text">
        <span className="nbo-problem-message">
          {`${count(cells, 'cell')} use${cells === 1 ? 's' : ''} Kale's legacy tags (block:, prev:), read as step:/after:. `}
          {onRetag ? (
            <button className="nbo-link nbo-retag-kale" onClick={() => onRetag()}>
              Retag all as step:/after:
            </button>
          ) : null}
        </span>
      </span>
    </li>
  );
}
