// @ts-check
import { el, setFacts } from './dom.js';

/**
 * What a detail view hands to the sections other features plug into it.
 * @typedef {{ api: (path: string, options?: { method?: string, body?: unknown }) => Promise<any>,
 *   state: import('./fleet-state.js').FleetState }} DetailContext
 *
 * A section another feature adds to a detail view (device history, a
 * session's recordings, ...). render() runs once each time the view opens,
 * into an empty element under the section's heading; what it returns (if a
 * function) runs when the view closes, to stop timers or requests.
 * @typedef {{ id: string, title: string,
 *   render: (container: HTMLElement, id: string, context: DetailContext) => void | (() => void) }} DetailSection
 */

/**
 * One thing (a device, a session) shown in full: facts that follow the live
 * state, then the plugged-in sections. In a modal <dialog> (the session):
 * Escape, the Close button or a click outside closes it. In a page of its own
 * (the device page, any other element): the router opens and closes it as the
 * URL comes and goes.
 */
export class DetailDialog {
  /**
   * @param {HTMLElement} dialog a <dialog> or a page's element, with a heading [data-title], a Close button, [data-body] and [data-sections]
   * @param {{ sections: DetailSection[], context: DetailContext, onClose: () => void }} options
   */
  constructor(dialog, options) {
    this.dialog = dialog;
    this.options = options;
    this.title = /** @type {HTMLElement} */ (dialog.querySelector('[data-title]'));
    this.body = /** @type {HTMLElement} */ (dialog.querySelector('[data-body]'));
    this.sectionsNode = /** @type {HTMLElement} */ (dialog.querySelector('[data-sections]'));
    /** @type {string | undefined} */
    this.id = undefined;
    /** @type {Array<() => void>} */
    this.cleanups = [];
    /** Facts last drawn, so a 1 s refresh with nothing new leaves the DOM alone. */
    this.drawn = '';
    /** @type {HTMLDialogElement | undefined} */
    this.modal = dialog instanceof HTMLDialogElement ? dialog : undefined;
    const modal = this.modal;
    if (!modal) return;
    modal.querySelector('[data-close]')?.addEventListener('click', () => modal.close());
    // A click on the backdrop (outside the dialog's box) lands on the dialog itself.
    modal.addEventListener('click', (event) => {
      if (event.target === modal) modal.close();
    });
    modal.addEventListener('close', () => this.closed());
  }

  /** Whether it shows something now. */
  get isOpen() {
    return this.modal ? this.modal.open : this.id !== undefined;
  }

  /** @param {string} id */
  open(id) {
    if (this.id === id && this.isOpen) return;
    this.stopSections();
    this.id = id;
    this.drawn = '';
    this.sectionsNode.replaceChildren(
      ...this.options.sections.map((section) => {
        const container = el('div', { className: 'section-body' });
        const heading = el('h3', { text: section.title });
        const node = el('section', { className: 'detail-section', data: { section: section.id } }, [heading, container]);
        try {
          const cleanup = section.render(container, id, this.options.context);
          if (typeof cleanup === 'function') this.cleanups.push(cleanup);
        } catch (err) {
          container.replaceChildren(
            el('p', { className: 'error', text: `Could not show ${section.title}: ${/** @type {Error} */ (err).message}` }),
          );
        }
        return node;
      }),
    );
    if (this.modal && !this.modal.open) this.modal.showModal();
  }

  close() {
    if (this.modal?.open) this.modal.close();
    else if (!this.modal && this.id !== undefined) this.closed();
  }

  closed() {
    this.stopSections();
    this.id = undefined;
    this.options.onClose();
  }

  stopSections() {
    for (const cleanup of this.cleanups.splice(0)) {
      try {
        cleanup();
      } catch {
        // A section's own trouble must not keep the dialog from closing.
      }
    }
  }

  /**
   * Redraws the fact groups when they changed.
   * @param {string} title
   * @param {Array<{ heading: string, facts: Array<[string, string, string?]> }>} groups
   * @param {Node[]} [extra] nodes after the facts (a table)
   */
  draw(title, groups, extra = []) {
    const key = JSON.stringify([title, groups, extra.map((n) => n.textContent)]);
    if (key === this.drawn) return;
    this.drawn = key;
    this.title.textContent = title;
    this.body.replaceChildren(
      ...groups.map(({ heading, facts }) => {
        const list = el('dl', { className: 'facts' });
        setFacts(list, facts);
        return el('section', { className: 'fact-group' }, [el('h3', { text: heading }), list]);
      }),
      ...extra,
    );
  }
}
