/** The "Make step…" dialog: a name (validated) and the steps it runs after. */
import { Dialog, showDialog } from '@jupyterlab/apputils';
import { Widget } from '@lumino/widgets';

import { validateStepName } from '../tags';
import { h } from './dom';

export interface IStepChoice {
  name: string;
  after: string[];
}

class StepForm extends Widget implements Dialog.IBodyWidget<IStepChoice> {
  constructor(name: string, after: string[], others: string[]) {
    super();
    this.addClass('nbo-step-form');
    this._name = h('input', { type: 'text', class: 'jp-mod-styled nbo-step-name', value: name, 'aria-label': 'step name' });
    this._boxes = others.map(o =>
      h('input', { type: 'checkbox', value: o, checked: after.includes(o), class: 'nbo-after-choice' })
    );
    this.node.append(
      h('label', { class: 'nbo-field' }, h('span', { class: 'nbo-field-label' }, 'Step name'), this._name),
      others.length
        ? h(
            'fieldset',
            { class: 'nbo-after' },
            h('legend', {}, 'Runs after (none: the previous step in the notebook)'),
            this._boxes.map(box => h('label', { class: 'nbo-after-option' }, box, box.value))
          )
        : h('p', { class: 'nbo-help' }, 'The first step. Later steps run after it.')
    );
  }

  getValue(): IStepChoice {
    return { name: this._name.value.trim(), after: this._boxes.filter(b => b.checked).map(b => b.value) };
  }

  protected onAfterAttach(): void {
    this._name.focus();
    this._name.select();
  }

  private _name: HTMLInputElement;
  private _boxes: HTMLInputElement[];
}

/** Ask until the name is valid or the user cancels. */
export async function askStep(
  initial: IStepChoice,
  others: string[],
  taken: string[]
): Promise<IStepChoice | null> {
  let current = initial;
  let error = '';
  for (;;) {
    const body = new StepForm(current.name, current.after, others);
    if (error) {
      body.node.append(h('p', { class: 'nbo-form-error', role: 'alert' }, error));
    }
    const result = await showDialog({
      title: 'Make step',
      body,
      buttons: [Dialog.cancelButton(), Dialog.okButton({ label: 'Make step' })],
      focusNodeSelector: '.nbo-step-name'
    });
    if (!result.button.accept || !result.value) {
      return null;
    }
    current = result.value;
    const problem = validateStepName(current.name, taken);
    if (!problem) {
      return current;
    }
    error = problem;
  }
}
