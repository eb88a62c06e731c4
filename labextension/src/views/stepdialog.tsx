/**
 * The "Make step…" dialog: a name (validated) and the steps it runs after (no loops), each box
 * labelled as its `after:` tag spells it (`01_ingest:load` for another notebook's step).
 */
import { Dialog, showDialog } from '@jupyterlab/apputils';
import { ReactWidget } from '@jupyterlab/ui-components';
import React, { useEffect, useRef, useState } from 'react';

import { IAfterChoice, stepsOf } from '../afters';
import { IStepChoice, IStepGraph, loopProblem } from '../lanes';
import { validateStepName } from '../tags';

export type { IStepChoice, IStepGraph } from '../lanes';

/** The choice with the pipeline's step names instead of tag references (for the loop check). */
function stepChoice(choice: IStepChoice, choices: IAfterChoice[]): IStepChoice {
  return { name: choice.name, after: stepsOf(choice.after, choices) };
}

export interface IStepFormFieldsProps {
  initial: IStepChoice;
  choices: IAfterChoice[];
  graph?: IStepGraph;
  /** Why the last answer was refused (an invalid name), shown under the fields. */
  error: string;
  onChange: (choice: IStepChoice) => void;
}

/** The name and the after: boxes; a loop the boxes would make is said at once. */
export function StepFormFields({ initial, choices, graph, error, onChange }: IStepFormFieldsProps): JSX.Element {
  const [name, setName] = useState(initial.name);
  const [after, setAfter] = useState<string[]>(initial.after);
  const nameField = useRef<HTMLInputElement>(null);
  const choice = { name: name.trim(), after: choices.map(o => o.ref).filter(ref => after.includes(ref)) };
  const loop = loopProblem(graph, stepChoice(choice, choices));
  useEffect(() => {
    onChange(choice);
  });
  useEffect(() => {
    nameField.current?.focus();
    nameField.current?.select();
  }, []);
  const toggle = (ref: string, on: boolean) => setAfter(a => (on ? [...a, ref] : a.filter(r => r !== ref)));
  return (
    <>
      <label className="nbo-field">
        <span className="nbo-field-label">Step name</span>
        <input
          ref={nameField}
          type="text"
          className="jp-mod-styled nbo-step-name"
          value={name}
          aria-label="step name"
          onChange={e => setName(e.target.value)}
        />
      </label>
      {choices.length ? (
        <fieldset className="nbo-after">
          <legend>Runs after (none: the previous step in the notebook)</legend>
          {choices.map(o => (
            <label key={o.ref} className="nbo-after-option">
              <input
                type="checkbox"
                value={o.ref}
                checked={after.includes(o.ref)}
                className="nbo-after-choice"
                onChange={e => toggle(o.ref, e.target.checked)}
              />
              {o.ref}
              {o.note ? <span className="nbo-help">{` (${o.note})`}</span> : null}
            </label>
          ))}
        </fieldset>
      ) : (
        <p className="nbo-help">The first step. Later steps run after it.</p>
      )}
      <p className="nbo-form-error nbo-cycle-warning" role="alert" hidden={!loop}>
        {loop ?? ''}
      </p>
      {error ? (
        <p className="nbo-form-error" role="alert">
          {error}
        </p>
      ) : null}
    </>
  );
}

class StepForm extends ReactWidget implements Dialog.IBodyWidget<IStepChoice> {
  constructor(
    private _initial: IStepChoice,
    private _choices: IAfterChoice[],
    private _error: string,
    private _graph?: IStepGraph
  ) {
    super();
    this.addClass('nbo-step-form');
    this._value = _initial;
  }

  getValue(): IStepChoice {
    return this._value;
  }

  protected render(): JSX.Element {
    return (
      <StepFormFields
        initial={this._initial}
        choices={this._choices}
        graph={this._graph}
        error={this._error}
        onChange={choice => {
          this._value = choice;
        }}
      />
    );
  }

  private _value: IStepChoice;
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
    const result = await showDialog({
      title: 'Make step',
      body: new StepForm(current, choices, error, graph),
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
