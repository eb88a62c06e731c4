/**
 * The Export section: one click saves the notebook and writes the versioned bundle; the result
 * shows the version and folder and offers the bundle's README. A dirty git work tree is refused
 * by the server; the user may then export anyway (the manifest marks it dirty).
 *
 * "Export and prove" writes the bundle, then the server proves it where DevOps will run it: the
 * section shows the proof's progress (the env, step k of n), then "proven ..." or the failing
 * step's one-line problem, which stays until dismissed (focus then returns to the button).
 */
import { CommandRegistry } from '@lumino/commands';

import { IPipeline } from '../api';
import { proofStatus } from '../format';
import { PipelineModel } from '../model';
import { h, section } from './react';
import type { ReactElement } from 'react';
import { IActionView } from './panel';

export class ExportView implements IActionView {
  readonly id = 'exports';

  constructor(
    private _commands: CommandRegistry,
    private _outDir: () => string
  ) {}

  render(model: PipelineModel, pipeline: IPipeline | null): ReactElement | null {
    const exports = model.exports;
    const errors = pipeline?.problems.filter(p => p.severity === 'error').length ?? 0;
    const last = exports.last;
    const error = exports.error;
    return section(
      'Export',
      'nbo-export',
      h(
        'div',
        { class: 'nbo-buttons' },
        h(
          'button',
          {
            class: 'jp-mod-styled jp-mod-accept nbo-button nbo-export-button',
            disabled: !pipeline || errors > 0 || exports.busy,
            title: errors
              ? 'Fix the problems below first'
              : `Save the notebook and write ${this._outDir()}/<name>-v<N>/ and its .tar.gz`,
            onclick: () => void this._export(model, false)
          },
          exports.busy ? 'Exporting…' : 'Export bundle'
        ),
        h(
          'button',
          {
            class: 'jp-mod-styled nbo-button nbo-export-prove',
            disabled: !pipeline || errors > 0 || exports.busy || exports.proving,
            title: errors
              ? 'Fix the problems below first'
              : 'Export, then run the bundle as DevOps will (a clean environment from its requirements, ' +
                'each step as its own task) and compare with the last run',
            onclick: () => void this._export(model, false, true)
          },
          exports.proving ? 'Proving…' : 'Export and prove'
        )
      ),
      error
        ? h(
            'div',
            { class: 'nbo-error', role: 'alert' },
            error.message,
            error.refused
              ? h(
                  'div',
                  {},
                  h(
                    'button',
                    {
                      class: 'jp-mod-styled jp-mod-warn nbo-button nbo-export-dirty',
                      onclick: () => void this._export(model, true, exports.refusedProve)
                    },
                    'Export anyway (marked dirty)'
                  )
                )
              : null
          )
        : null,
      last
        ? h(
            'div',
            { class: 'nbo-export-result', 'data-version': last.version },
            h(
              'div',
              {},
              h('strong', {}, `${last.name} v${last.version}`),
              last.reused ? ' (unchanged: same version)' : ' exported'
            ),
            h('div', { class: 'nbo-mono nbo-export-folder', title: last.archive }, last.folder + '/'),
            last.tag ? h('div', { class: 'nbo-help' }, `git tag ${last.tag}`) : null,
            last.warnings.map(w => h('div', { class: 'nbo-warning' }, w)),
            h(
              'div',
              { class: 'nbo-buttons' },
              last.readme
                ? h(
                    'button',
                    {
                      class: 'nbo-link nbo-open-readme',
                      onclick: () =>
                        void this._commands.execute('notebook-ops:open-bundle-readme', { path: last.readme })
                    },
                    'Open the bundle README'
                  )
                : null,
              h(
                'button',
                {
                  class: 'nbo-link',
                  onclick: () => void this._commands.execute('filebrowser:go-to-path', { path: last.folder })
                },
                'Show in the file browser'
              )
            )
          )
        : null,
      this._proof(model)
    );
  }

  /** The proof's progress while it runs (a live status), then its outcome until dismissed. */
  private _proof(model: PipelineModel): ReactElement | null {
    const proof = model.exports.proof;
    if (!proof) {
      return null;
    }
    const status = proofStatus(proof);
    if (status.tone === 'running') {
      return h(
        'div',
        { class: 'nbo-proof nbo-proof-running', role: 'status', 'aria-live': 'polite', 'data-state': proof.state },
        h('div', { class: 'nbo-proof-text' }, status.text),
        proof.step_index && proof.steps_total
          ? h('progress', {
              class: 'nbo-proof-bar',
              max: proof.steps_total,
              value: proof.step_index - 1,
              'aria-label': `step ${proof.step_index} of ${proof.steps_total}`
            })
          : // wrapped: another element than the steps' bar, so that one starts determinate at 0
            h('div', {}, h('progress', { class: 'nbo-proof-bar', 'aria-label': 'building the environment' }))
      );
    }
    return h(
      'div',
      {
        class: `nbo-proof nbo-proof-${status.tone}${status.tone === 'failed' ? ' nbo-error' : ''}`,
        role: status.tone === 'failed' ? 'alert' : 'status',
        'data-state': proof.state
      },
      h('div', { class: `nbo-proof-text${status.tone === 'proven' ? ' nbo-ok' : ''}` }, status.text),
      h(
        'button',
        {
          class: 'nbo-link nbo-proof-dismiss',
          'aria-label': 'Dismiss the proof result',
          onclick: (event: Event) => {
            const section = (event.currentTarget as HTMLElement).closest('.nbo-export');
            model.exports.dismissProof();
            (section?.querySelector('.nbo-export-prove') as HTMLElement | null)?.focus();
          }
        },
        'Dismiss'
      )
    );
  }

  private async _export(model: PipelineModel, allowDirty: boolean, prove = false): Promise<void> {
    if (model.panel.context.model.dirty) {
      await model.panel.context.save();
    }
    await model.exports.export(this._outDir(), allowDirty, prove);
  }
}
