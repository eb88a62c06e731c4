/**
 * @jest-environment jsdom
 */
/** runform.ts: what the stale check and Run stale take from the last Run dialog. */
import { rememberedValues, runFormKey } from '../src/runform';

describe("the Run dialog's remembered values", () => {
  afterEach(() => window.localStorage.clear());

  it('are the typed values of the last Run dialog, strings only', () => {
    window.localStorage.setItem(
      runFormKey('a/b.ipynb'),
      JSON.stringify({ values: { seed: '3', n_rows: '200', bad: 7 }, cache: true })
    );
    expect(rememberedValues('a/b.ipynb')).toEqual({ seed: '3', n_rows: '200' });
  });

  it('are empty for a notebook never run from the dialog, or a broken entry', () => {
    expect(rememberedValues('never.ipynb')).toEqual({});
    window.localStorage.setItem(runFormKey('x.ipynb'), '{not json');
    expect(rememberedValues('x.ipynb')).toEqual({});
    window.localStorage.setItem(runFormKey('y.ipynb'), JSON.stringify({ values: null }));
    expect(rememberedValues('y.ipynb')).toEqual({});
  });
});
