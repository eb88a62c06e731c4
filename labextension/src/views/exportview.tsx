/**
 * The Export section: one click saves the notebook and writes the versioned bundle; the result
 * shows the version and folder and offers the bundle's README. A dirty git work tree is refused
 * by the server; the user may then export anyway (the manifest marks it dirty). A problem export
 * would refuse (a file outside the project: `outside-project`) is listed with the problems before
 * any click, and the buttons say so instead of failing after it.
 *
 * "Export and prove" writes the bundle, then the server proves it where DevOps will run it: the
 * section shows the proof's progress (the env, step k of n), then "proven ..." or the failing
 * step's one-line problem, which stays until dismissed (focus then returns to the button). The
 * notebook's NotebookExports exports and polls the proof (exports.ts); this only renders it.
 */
import { CommandRegistry } from '@lumino/commands';
import React, { useRef } from 'react';

import { IExport, IPipeline, IProofProgress } from '../api';
import { cellLabel, proofStatus } from '../format';
import { PipelineModel } from '../model';
import { Section } from './section';
import { saveFirst } from '../savefirst';

export interface IExportSectionProps {
  model: PipelineModel;
  pipeline: IPipeline | null;
  commands: CommandRegistry;
  /** The export folder (the user's setting). */
  outDir: () => string;
}

export function ExportSection({ model, pipeline, commands, outDir }: IExportSectionProps): JSX.Element {
  const exports = model.exports;
  const errors = pipeline?.problems.filter(p => p.severity === 'error').length ?? 0;
  const refusal = exportRefusal(pipeline);
  const blocked = errors > 0 || refusal !== null;
  const why = errors ? 'Fix the problems below first' : refusal;
  const error = exports.error;
  const prove = useRef<HTMLButtonElement>(null);
  const run = async (allowDirty: boolean, andProve = false) => {
    if (model.panel.context.model.dirty) {
      await saveFirst(model.panel.context);
    }
    await exports.export(outDir(), allowDirty, andProve);
  };
  return (
    <Section title="Export" cls="nbo-export">
      <div className="nbo-buttons">
        <button
          className="jp-mod-styled jp-mod-accept nbo-button nbo-export-button"
          disabled={!pipeline || blocked || exports.busy}
          title={why ?? `Save the notebook and write ${outDir()}/<name>-v<N>/ and its .tar.gz`}
          onClick={() => void run(false)}
        >
          {exports.busy ? 'Exporting…' : 'Export bundle'}
        </button>
        <button
          ref={prove}
          className="jp-mod-styled nbo-button nbo-export-prove"
          disabled={!pipeline || blocked || exports.busy || exports.proving}
          title={
            why ??
            'Export, then run the bundle as DevOps will (a clean environment from its requirements, ' +
              'each step as its own task) and compare with the last run'
          }
          onClick={() => void run(false, true)}
        >
          {exports.proving ? 'Proving…' : 'Export and prove'}
        </button>
      </div>
      {refusal && !errors ? (
        <div className="nbo-warning nbo-export-blocked" role="status">
          {refusal}
        </div>
      ) : null}
      {error ? (
        <div className="nbo-error" role="alert">
          {error.message}
          {error.refused ? (
            <div>
              <button
                className="jp-mod-styled jp-mod-warn nbo-button nbo-export-dirty"
                onClick={() => void run(true, exports.refusedProve)}
              >
                Export anyway (marked dirty)
              </button>
            </div>
          ) : null}
        </div>
      ) : null}
      {exports.last ? <ExportResult last={exports.last} commands={commands} /> : null}
      {exports.proof ? (
        <ProofStatus
          proof={exports.proof}
          onDismiss={() => {
            exports.dismissProof();
            prove.current?.focus();
          }}
        />
      ) : null}
    </Section>
  );
}

/** Problem codes export refuses (the server checks the same: bundle/shipping.py). */
export const EXPORT_REFUSES = ['outside-project'];

/** Why export would be refused, from the problems the panel lists (null: it would not). */
export function exportRefusal(pipeline: IPipeline | null): string | null {
  const found = (pipeline?.problems ?? []).filter(p => EXPORT_REFUSES.includes(p.code));
  if (!found.length) {
    return null;
  }
  const first = found[0];
  const where = first.cell !== null && first.cell !== undefined ? ` (${cellLabel(first.cell)})` : '';
  return `Export would be refused: ${found.length === 1 ? 'a file' : `${found.length} files`} outside the project${where}. See Problems for the fix.`;
}

/** The bundle written: its version, folder, tag, warnings, README and place in the file browser. */
function ExportResult({ last, commands }: { last: IExport; commands: CommandRegistry }): JSX.Element {
  return (
    <div className="nbo-export-result" data-version={last.version}>
      <div>
        <strong>{`${last.name} v${last.version}`}</strong>
        {last.reused ? ' (unchanged: same version)' : ' exported'}
      </div>
      <div className="nbo-mono nbo-export-folder" title={last.archive}>
        {last.folder + '/'}
      </div>
      {last.tag ? <div className="nbo-help">{`git tag ${last.tag}`}</div> : null}
      {last.warnings.map((w, i) => (
        <div key={i} className="nbo-warning">
          {w}
        </div>
      ))}
      <div className="nbo-buttons">
        {last.readme ? (
          <button
            className="nbo-link nbo-open-readme"
            onClick={() => void commands.execute('notebook-ops:open-bundle-readme', { path: last.readme })}
          >
            Open the bundle README
          </button>
        ) : null}
        <button
          className="nbo-link"
          onClick={() => void commands.execute('filebrowser:go-to-path', { path: last.folder })}
        >
          Show in the file browser
        </button>
      </div>
    </div>
  );
}

/** The proof's progress while it runs (a live status), then its outcome until dismissed. */
function ProofStatus({ proof, onDismiss }: { proof: IProofProgress; onDismiss: () => void }): JSX.Element {
  const status = proofStatus(proof);
  if (status.tone === 'running') {
    return (
      <div className="nbo-proof nbo-proof-running" role="status" aria-live="polite" data-state={proof.state}>
        <div className="nbo-proof-text">{status.text}</div>
        {proof.step_index && proof.steps_total ? (
          <progress
            className="nbo-proof-bar"
            max={proof.steps_total}
            value={proof.step_index - 1}
            aria-label={`step ${proof.step_index} of ${proof.steps_total}`}
          />
        ) : (
          // wrapped: another element than the steps' bar, so that one starts determinate at 0
          <div>
            <progress className="nbo-proof-bar" aria-label="building the environment" />
          </div>
        )}
      </div>
    );
  }
  const failed = status.tone === 'failed';
  return (
    <div
      className={`nbo-proof nbo-proof-${status.tone}${failed ? ' nbo-error' : ''}`}
      role={failed ? 'alert' : 'status'}
      data-state={proof.state}
    >
      <div className={`nbo-proof-text${status.tone === 'proven' ? ' nbo-ok' : ''}`}>{status.text}</div>
      <button className="nbo-link nbo-proof-dismiss" aria-label="Dismiss the proof result" onClick={onDismiss}>
        Dismiss
      </button>
    </div>
  );
}
