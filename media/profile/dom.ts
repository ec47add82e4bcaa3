// Small DOM helpers shared by the Profile panel's sections. Text only: never innerHTML.

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

export function stat(label: string, value: string, title?: string): HTMLElement {
  const item = el('div', 'hw-stat');
  item.append(el('span', 'hw-stat-label', label), el('span', 'hw-stat-value', value));
  if (title) item.title = title;
  return item;
}

export function section(id: string, heading: string, note?: string): HTMLElement {
  const node = el('section', 'hw-section');
  node.id = id;
  node.append(el('h2', 'hw-section-title', heading));
  if (note) node.append(el('p', 'hw-note', note));
  return node;
}
