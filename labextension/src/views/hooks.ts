/** React hooks the views share: a model's signal as a reason to render again. */
import type { ISignal } from '@lumino/signaling';
import { useEffect, useReducer } from 'react';

/**
 * Render again whenever `signal` emits (a model's `changed`). The connection lives as long as
 * the component, so a view closed or switched to another model stops listening.
 */
export function useSignal<T, U>(signal: ISignal<T, U> | null | undefined): void {
  const [, redraw] = useReducer((n: number) => n + 1, 0);
  useEffect(() => {
    if (!signal) {
      return;
    }
    const onEmit = (): void => redraw();
    signal.connect(onEmit);
    return () => {
      signal.disconnect(onEmit);
    };
  }, [signal]);
}
