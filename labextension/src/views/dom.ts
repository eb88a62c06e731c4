/** A tiny DOM builder for the panel's views (plain DOM keeps the bundle small and fast). */
export type Child = Node | string | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, unknown> = {},
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) {
      continue;
    }
    if (key.startsWith('on') && typeof value === 'function') {
      node.addEventListener(key.slice(2).toLowerCase(), value as EventListener);
    } else if (key === 'class') {
      node.className = String(value);
    } else if (key === 'value' || (key in node && typeof value !== 'string')) {
      // properties, not attributes: a textarea's text and live input values
      (node as unknown as Record<string, unknown>)[key] = value;
    } else {
      node.setAttribute(key, value === true ? '' : String(value));
    }
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) {
      continue;
    }
    node.append(child);
  }
  return node;
}

export function section(title: string, cls: string, ...body: (Child | Child[])[]): HTMLElement {
  return h('section', { class: `nbo-section ${cls}` }, h('h3', { class: 'nbo-section-title' }, title), ...body);
}
