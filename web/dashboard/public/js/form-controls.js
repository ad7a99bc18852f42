// @ts-check
import { el } from './dom.js';

/**
 * Small labelled form controls the views build their toolbars from: every
 * control has an accessible name, and its id is what tests and the URL use.
 */

/** @param {string} id @param {string} label @param {string} [placeholder] */
export function textInput(id, label, placeholder = '') {
  const input = el('input');
  input.id = id;
  input.type = 'search';
  input.placeholder = placeholder;
  input.autocomplete = 'off';
  input.setAttribute('aria-label', label);
  return input;
}

/** @param {string} id @param {string} label @param {Array<[string, string]>} options value, text */
export function selectInput(id, label, options) {
  const select = el(
    'select',
    {},
    options.map(([value, text]) => {
      const option = el('option', { text });
      option.value = value;
      return option;
    }),
  );
  select.id = id;
  select.setAttribute('aria-label', label);
  return select;
}

/** @param {string} text @param {() => void} onClick @param {{ className?: string, label?: string }} [props] */
export function button(text, onClick, props = {}) {
  const node = el('button', { text, className: props.className ?? '' });
  node.type = 'button';
  if (props.label) node.setAttribute('aria-label', props.label);
  node.addEventListener('click', onClick);
  return node;
}

/**
 * A column header that sorts: a button inside the <th>, aria-sort on the <th>.
 * @param {string} key @param {string} label @param {(key: string) => void} onSort
 */
export function sortHeader(key, label, onSort) {
  const th = el('th', { data: { col: key } });
  th.scope = 'col';
  th.append(button(label, () => onSort(key), { className: 'sort' }));
  return th;
}

/** Marks which header sorts and how. @param {HTMLElement} head @param {string} key @param {'asc' | 'desc'} dir */
export function showSort(head, key, dir) {
  for (const th of head.querySelectorAll('th[data-col]')) {
    const node = /** @type {HTMLElement} */ (th);
    if (node.dataset.col === key) node.setAttribute('aria-sort', dir === 'asc' ? 'ascending' : 'descending');
    else node.removeAttribute('aria-sort');
  }
}
