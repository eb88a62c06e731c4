/**
 * The "Make step…" dialog: a name (validated) and the steps it runs after (no loops), each box
 * labelled as its `after:` tag spells it (`01_ingest:load` for another notebook's step).
 */
import { Dialog, showDialog } from '@jupyterlab/apputils';
import { Widget } from '@lumino/widgets';

import { IAfterChoice, stepsOf } from '../afters';
import { IStepChoice, IStepGraph, loopProblem } from '../lanes';
import { validateStepName } from '../tags';
import { h } from './dom';

export type { IStepChoice, IStepGraph } from '../lanes';

class StepForm extends Widget implements Dialog.IBodyWidget<IStepChoice> {
  constructor(
    name: string,
    after: string[],
    private _choices: IAfterChoice[],
    private _graph?: IStepGraph
  ) {
    super();
    this.addClass('nbo-step-form');
    this._name = h('input', {
      type: 'text',
      class: 'jp-mod-styled nbo-step-name',
      value: name,
      'aria-label': 'step name'
    });
    this._boxes = _choices.map(o =>
      h('input', {
        type: 'checkbox',
        value: o.ref,
        checked: after.includes(o.ref),
        class: 'nbo-after-choice',
        onchange: () => this._check()
      })
    );
    this._warning = h('p', { class: 'nbo-form-error nbo-cycle-warning', role: 'alert', hidden: true });
    this.node.append(
      h('label', { class: 'nbo-field' }, h('span', { class: 'nbo-field-label' }, 'Step name'), this._name),
      _choices.length
        ? h(
            'fieldset',
            { class: 'nbo-after' },
            h('legend', {}, 'Runs after (none: the previous step in the notebook)'),
            this._boxes.map((box, i) =>
              h(
                'label',
                { class: 'nbo-after-option' },
                box,
                box.value,
                _choices[i].note ? h('span', { class: 'nbo-help' }, ` (${_choices[i].note})`) : null
              )
            )
          )
        : h('p', { class: 'nbo-help' }, 'The first step. Later steps run after it.'),
      this._warning
    );
    this._check();
  }

  getValue(): IStepChoice {
    return { name: this._name.value.trim(), after: this._boxes.filter(b => b.checked).map(b => b.value) };
  }

  protected onAfterAttach(): void {
    this._name.focus();
    this._name.select();
  }

  private _check(): void {
    const problem = loopProblem(this._graph, stepChoice(this.getValue(), this._choices));
    this._warning.textContent = problem ?? '';
    this._warning.hidden = !problem;
  }

  private _name: HTMLInputElement;
  private _boxes: HTMLInputElement[];
  private _warning: HTMLElement;
}

/** The choice with the pipeline's step names instead of tag references (for the loop check). */
function stepChoice(choice: IStepChoice, choices: IAfterChoice[]): IStepChoice {
  return { name: choice.name, after: stepsOf(choice.after, choices) };
}

/**
 * Ask until the name is valid and the step makes no loop, or the user cancels. `initial.after`
 * and the answer's `after` are tag references (`IAfterChoice.ref`).
 */
export async function askStep(
  initial: IStepChoice,
  choices: IAfterChoice[],
  taken: string[],
  graph?: IStepGraph
): Promise<IStepChoice | null> {
  let current = initial;
  let error = '';
  for (;;) {
    const body = new StepForm(current.name, current.after, choices, graph);
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
    // a loop shows in the form itself (live warning): ask again with the same choice
    error = validateStepName(current.name, taken) ?? '';
    if (!error && !loopProblem(graph, stepChoice(current, choices))) {
      return current;
    }
  }
}
