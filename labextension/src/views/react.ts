/**
 * The panel's views as React elements, written like plain DOM: `h(tag, attrs, ...children)`.
 *
 * React keeps the DOM nodes from one render to the next, so an input keeps its focus, caret and
 * typed text while the panel redraws around it (a 5 s poll, a server reply). Attributes, DOM
 * properties (`value`, `checked`, `open`...; an SVG's are all attributes) and native listeners (`onchange` fires on commit,
 * `ontoggle` on <details>) are applied to the node after each render, as the DOM names them; a
 * focused field's `value` is left to the user. A DOM node given as a child (an SVG drawn by
 * hand) is mounted as it is.
 */
import { cloneElement, createElement, Fragment, isValidElement, ReactElement, ReactNode } from 'react';

export type Child = ReactNode | Node | readonly Child[];

interface IApplied {
  /** key -> applied as a property (true) or an attribute (false), with the value */
  values: Map<string, [boolean, unknown]>;
  listeners: Map<string, EventListener>;
}

const applied = new WeakMap<Element, IApplied>();

function apply(node: Element, attrs: Record<string, unknown>): void {
  const before = applied.get(node) ?? { values: new Map(), listeners: new Map() };
  const now: IApplied = { values: new Map(), listeners: new Map() };
  for (const [type, listener] of before.listeners) {
    node.removeEventListener(type, listener);
  }
  const props = node as unknown as Record<string, unknown>;
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) {
      continue;
    }
    if (key.startsWith('on') && typeof value === 'function') {
      const type = key.slice(2).toLowerCase();
      node.addEventListener(type, value as EventListener);
      now.listeners.set(type, value as EventListener);
    } else if (key === 'class') {
      node.setAttribute('class', String(value));
      now.values.set(key, [false, value]);
    } else if (key === 'value' || (key in node && typeof value !== 'string' && !(node instanceof SVGElement))) {
      // properties, not attributes: a textarea's text, live input values, `checked`, `open`
      const typing = key === 'value' && node === document.activeElement;
      if (!typing && props[key] !== value) {
        props[key] = value;
      }
      now.values.set(key, [true, value]);
    } else {
      node.setAttribute(key, value === true ? '' : String(value));
      now.values.set(key, [false, value]);
    }
  }
  // what the last render set and this one does not: back to the element's default
  for (const [key, [property, value]] of before.values) {
    if (!now.values.has(key)) {
      if (property) {
        props[key] = typeof value === 'boolean' ? false : '';
      } else {
        node.removeAttribute(key);
      }
    }
  }
  applied.set(node, now);
}

/** A DOM node drawn by hand, mounted in place (a `display: contents` span). */
function Mount(props: { node: Node }): ReactElement {
  return createElement('span', {
    className: 'nbo-mount',
    ref: (host: HTMLElement | null): void => {
      if (host && (host.childNodes.length !== 1 || host.firstChild !== props.node)) {
        host.replaceChildren(props.node);
      }
    }
  });
}

function child(value: Child, index: number | null): ReactNode {
  if (Array.isArray(value)) {
    return (value as Child[]).map((v, i) => child(v, i));
  }
  const node: ReactNode =
    typeof Node !== 'undefined' && value instanceof Node ? createElement(Mount, { node: value }) : (value as ReactNode);
  // children of a list are told apart by position, like the DOM they replace
  return index !== null && isValidElement(node) && node.key === null ? cloneElement(node, { key: index }) : node;
}

export function h(tag: string, attrs: Record<string, unknown> = {}, ...children: Child[]): ReactElement {
  return createElement(
    tag,
    { ref: (node: Element | null) => node && apply(node, attrs) },
    ...children.map(c => child(c, null))
  );
}

/** Siblings without an element around them (the panel's sections). */
export function fragment(...children: Child[]): ReactElement {
  return createElement(Fragment, null, ...children.map(c => child(c, null)));
}

export function section(title: string, cls: string, ...body: Child[]): ReactElement {
  return h('section', { class: `nbo-section ${cls}` }, h('h3', { class: 'nbo-section-title' }, title), ...body);
}
