// @ts-check
import { el } from './dom.js';
import { button, selectInput, textInput } from './form-controls.js';
import { parseTags, recordedAt, tagsText } from './recording-rows.js';

/**
 * @typedef {import('./recording-rows.js').RecordingView} RecordingView
 * @typedef {{ patch: (id: string, review: Record<string, unknown>) => Promise<boolean>, say: (text: string) => void }} EditHooks
 */

/**
 * A row under a take for its outcome, tags and note (PATCH /api/recordings/:id).
 * Tags are typed "name=value, ..."; a tag left out is removed.
 * @param {RecordingView} r @param {EditHooks} hooks
 */
export function editRow(r, hooks) {
  const outcome = selectInput(`edit-outcome-${r.recordingId}`, 'Outcome', [
    ['', 'Outcome: unset'],
    ['success', 'success'],
    ['failure', 'failure'],
  ]);
  outcome.value = r.outcome ?? '';
  const tags = textInput(`edit-tags-${r.recordingId}`, 'Tags (name=value, ...)', 'name=value, …');
  tags.value = tagsText(r.tags);
  const note = el('textarea');
  note.id = `edit-note-${r.recordingId}`;
  note.setAttribute('aria-label', 'Note');
  note.maxLength = 2000;
  note.value = r.note ?? '';
  note.rows = 2;
  const save = async () => {
    const parsed = parseTags(tags.value);
    if (!parsed) return hooks.say('Tags are name=value, separated by commas.');
    for (const key of Object.keys(r.tags)) if (!(key in parsed)) parsed[key] = '';
    const review = { tags: parsed, note: note.value, ...(outcome.value ? { outcome: outcome.value } : {}) };
    if (await hooks.patch(r.recordingId, review)) {
      hooks.say(`Saved ${r.deviceId} at ${recordedAt(r)}.`);
      row.remove();
    }
  };
  const cell = el('td', {}, [
    el('div', { className: 'controls' }, [outcome, tags, note, button('Save', () => void save()), button('Cancel', () => row.remove())]),
  ]);
  cell.colSpan = 10;
  const row = el('tr', { className: 'edit-row' }, [cell]);
  queueMicrotask(() => tags.focus());
  return row;
}

/**
 * POST /api/datasets's body for the Recordings view's current filter (the API's query of GET /api/recordings).
 * @param {string} name @param {URLSearchParams} q
 */
export function datasetRequest(name, q) {
  const tag = q.get('tag');
  const filter = {
    ...(q.get('sessionId') ? { sessionIds: [q.get('sessionId')] } : {}),
    ...(q.get('deviceId') ? { deviceIds: [q.get('deviceId')] } : {}),
    ...(tag ? { tags: { [tag.slice(0, tag.indexOf(':'))]: tag.slice(tag.indexOf(':') + 1) } } : {}),
    ...(q.get('verdict') ? { verdict: q.get('verdict') } : {}),
    ...(q.get('decision') ? { decision: q.get('decision') } : {}),
  };
  return { name, format: 'lerobot-v3', filter };
}
