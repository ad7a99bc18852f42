// @ts-check
/**
 * The only way this page builds DOM: elements with text set through
 * textContent, never innerHTML, so nothing a device or the server sends can
 * become markup or script.
 */

/**
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {{ className?: string, text?: string, data?: Record<string, string>, title?: string }} [props]
 * @param {Array<Node | string>} [children]
 * @returns {HTMLElementTagNameMap[K]}
 */
export function el(tag, props = {}, children = []) {
  const node = document.createElement(tag);
  if (props.className) node.className = props.className;
  if (props.text !== undefined) node.textContent = props.text;
  if (props.title) node.title = props.title;
  for (const [key, value] of Object.entries(props.data ?? {})) node.dataset[key] = value;
  for (const child of children) node.append(child);
  return node;
}

/** @param {string} id */
export function byId(id) {
  const node = document.getElementById(id);
  if (!node) throw new Error(`#${id} is missing from the page`);
  return node;
}

/**
 * Sets a cell's text and class only when they changed, so a 1 Hz telemetry
 * stream does not rewrite the whole table.
 * @param {HTMLElement} node
 * @param {string} text
 * @param {string} [className]
 */
export function setText(node, text, className = '') {
  if (node.textContent !== text) node.textContent = text;
  if (node.className !== className) node.className = className;
}

/**
 * Replaces a definition list's content with label/value pairs.
 * @param {HTMLElement} list
 * @param {Array<[string, string, string?]>} facts label, value, optional data-fact name
 */
export function setFacts(list, facts) {
  list.replaceChildren(
    ...facts.flatMap(([label, value, name]) => [el('dt', { text: label }), el('dd', { text: value, data: name ? { fact: name } : {} })]),
  );
}
