/** The parameters form shown before a run: one field per parameter, prefilled from its default. */
import { Dialog, showDialog } from '@jupyterlab/apputils';
import { Widget } from '@lumino/widgets';

import { IParameter } from '../api';
import { h } from './dom';

/** A default as the user would type it (the runner converts text to the declared type). */
export function asText(p: IParameter): string {
  if (p.type === 'str' && typeof p.default === 'string') {
    return p.default;
  }
  if (typeof p.default === 'boolean') {
    return p.default ? 'True' : 'False';
  }
  if (p.default === null || p.default === undefined) {
    return 'None';
  }
  return typeof p.default === 'object' ? JSON.stringify(p.default) : String(p.default);
}

class ParametersForm extends Widget implements Dialog.IBodyWidget<Record<string, string>> {
  constructor(private _params: IParameter[]) {
    super();
    this.addClass('nbo-params-form');
    this._inputs = _params.map(p =>
      h('input', { type: 'text', class: 'jp-mod-styled nbo-input', name: p.name, value: asText(p) })
    );
    this.node.append(
      _params.length
        ? h(
            'div',
            { class: 'nbo-form' },
            _params.map((p, i) =>
              h(
                'label',
                { class: 'nbo-field', 'data-parameter': p.name },
                h('span', { class: 'nbo-field-label' }, `${p.name} (${p.type})${p.help ? ' — ' + p.help : ''}`),
                this._inputs[i]
              )
            )
          )
        : h('p', {}, 'This pipeline has no parameters.')
    );
  }

  /** Only the values the user changed: the others keep the notebook's defaults. */
  getValue(): Record<string, string> {
    const out: Record<string, string> = {};
    this._params.forEach((p, i) => {
      const value = this._inputs[i].value.trim();
      if (value !== asText(p)) {
        out[p.name] = value;
      }
    });
    return out;
  }

  private _inputs: HTMLInputElement[];
}

export async function askParameters(name: string, params: IParameter[]): Promise<Record<string, string> | null> {
  const result = await showDialog({
    title: `Run ${name}`,
    body: new ParametersForm(params),
    buttons: [Dialog.cancelButton(), Dialog.okButton({ label: 'Run' })]
  });
  return result.button.accept ? result.value ?? {} : null;
}
