/**
 * @jest-environment jsdom
 */
import { act } from 'react';
import { createRoot } from 'react-dom/client';

import { fragment, h } from '../src/views/react';

// React's act() outside a test renderer
(globalThis as unknown as { IS_REACT_ACT_ENVIRONMENT: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

describe('the panel renderer', () => {
  const host = document.createElement('div');
  document.body.appendChild(host);
  const root = createRoot(host);
  const draw = (value: string, note: string | null, onchange: () => void, open = false) =>
    act(() =>
      root.render(
        fragment(
          note ? h('p', { class: 'nbo-error' }, note) : null,
          h('input', { class: 'nbo-cron', value, onchange }),
          h('details', { open }, h('summary', {}, 'more')),
          [h('li', {}, 'a'), h('li', {}, 'b')]
        )
      )
    );

  it('keeps the field being typed in, its focus and its text, across redraws', () => {
    const changes: string[] = [];
    draw('0 6 * * 1', null, () => changes.push('first'));
    const input = host.querySelector('input') as HTMLInputElement;
    expect(input.value).toBe('0 6 * * 1');
    input.focus();
    input.value = '0 7';
    // a poll redraws with a notice above the field and the old value
    draw('0 6 * * 1', 'queued', () => changes.push('second'));
    expect(host.querySelector('input')).toBe(input);
    expect(document.activeElement).toBe(input);
    expect(input.value).toBe('0 7');
    expect(host.querySelector('.nbo-error')?.textContent).toBe('queued');
    // native change (on commit), and only the latest listener
    input.dispatchEvent(new Event('change'));
    expect(changes).toEqual(['second']);
  });

  it('sets a field the user is not in, and takes back what a redraw no longer sets', () => {
    draw('a', null, () => undefined, true);
    const input = host.querySelector('input') as HTMLInputElement;
    input.blur();
    expect((host.querySelector('details') as HTMLDetailsElement).open).toBe(true);
    draw('b', null, () => undefined, false);
    expect(input.value).toBe('b');
    expect((host.querySelector('details') as HTMLDetailsElement).open).toBe(false);
    expect(input.getAttribute('class')).toBe('nbo-cron');
    expect([...host.querySelectorAll('li')].map(li => li.textContent)).toEqual(['a', 'b']);
  });

  it('mounts a node drawn by hand', () => {
    const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
    act(() => root.render(h('div', { class: 'nbo-lanes' }, svg)));
    expect(host.querySelector('.nbo-lanes svg')).toBe(svg);
  });
});
