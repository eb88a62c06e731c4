/**
 * The Export section: one click saves the notebook and writes the versioned bundle; the result
 * shows the version and folder and offers the bundle's README. A dirty git work tree is refused
 * by the server; the user may then export anyway (the manifest marks it dirty).
 */
import { CommandRegistry } from '@lumino/commands';

import { IPipeline } from '../api';
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
                      onclick: () => void this._export(model, true)
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
                        void this._commands.execute('docmanager:open', {
                          path: last.readme,
                          factory: 'Markdown Preview'
                        })
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
        : null
    );
  }

  private async _export(model: PipelineModel, allowDirty: boolean): Promise<void> {
    if (model.panel.context.model.dirty) {
      await model.panel.context.save();
    }
    await model.exports.export(this._outDir(), allowDirty);
  }
}
