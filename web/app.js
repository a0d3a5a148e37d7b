// The status page's entry: the event stream and the list it keeps current, the "Now" block reloaded every few
// seconds and after each streamed event, and the two forms. Every text from the API is set as text (dom.js), never as
// markup; every URL is relative, so the page works at / and under Home Assistant's ingress prefix alike.
import { post, request } from './api.js';
import { $, el } from './dom.js';
import { maxEvents, showEvent, showEventList } from './events.js';
import { showProblems, showStatus } from './now.js';

/** How often the "Now" block is reloaded besides after each streamed event. */
const statusEveryMs = 5_000;
/** A stream the browser gave up on (an HTTP error, not a dropped line) is opened again after this long. */
const reopenAfterMs = 5_000;

// The stream.

/**
 * On every (re)connect the list is loaded again to fill what the page missed. Messages that arrive meanwhile wait and
 * are applied after it, in order: each change is streamed, so the last message per id is its newest state. Only the
 * newest load counts when a reconnect overtakes one still running.
 */
let loading = 0;
let newestLoad = 0;
const waiting = [];

function setStreamState(state, text) {
  const node = $('stream-state');
  node.dataset.state = state;
  node.textContent = text;
}

async function reloadEvents() {
  const load = ++newestLoad;
  loading++;
  try {
    const events = await request(`api/events?limit=${maxEvents}`);
    if (load === newestLoad) showEventList(events);
  } catch (error) {
    setStreamState('error', `Could not load the events: ${error.message}`);
  } finally {
    loading--;
    if (loading === 0) for (const event of waiting.splice(0)) showEvent(event);
  }
}

function openStream() {
  const stream = new EventSource('api/events/stream');
  stream.addEventListener('open', () => {
    setStreamState('live', 'Live');
    void reloadEvents();
    void reloadStatus();
  });
  stream.addEventListener('event', (message) => {
    let event;
    try {
      event = JSON.parse(message.data);
    } catch {
      return;
    }
    if (loading > 0) waiting.push(event);
    else showEvent(event);
    statusSoon();
  });
  stream.addEventListener('error', () => {
    if (stream.readyState === EventSource.CLOSED) {
      // The browser gives up after an HTTP error; it retries by itself only after a dropped line.
      setStreamState('offline', 'Offline, trying again…');
      setTimeout(openStream, reopenAfterMs);
    } else setStreamState('connecting', 'Reconnecting…');
  });
}

// The "Now" block.

let statusTimer;
let statusLoading = false;
let statusAgain = false;
let statusSoonTimer;

/** One request at a time; a reload asked for meanwhile follows once it is done. */
async function reloadStatus() {
  if (statusLoading) {
    statusAgain = true;
    return;
  }
  statusLoading = true;
  clearTimeout(statusTimer);
  try {
    showStatus(await request('api/status'), () => void reloadStatus());
  } catch (error) {
    showProblems([`The status could not be loaded: ${error.message}`]);
  } finally {
    statusLoading = false;
    statusTimer = setTimeout(reloadStatus, statusEveryMs);
    if (statusAgain) {
      statusAgain = false;
      void reloadStatus();
    }
  }
}

/** After a streamed event; a burst of them makes one reload. */
function statusSoon() {
  if (statusSoonTimer) return;
  statusSoonTimer = setTimeout(() => {
    statusSoonTimer = undefined;
    void reloadStatus();
  }, 300);
}

// Send a test event, try a mail.

$('test-form').addEventListener('submit', async (submit) => {
  submit.preventDefault();
  const button = $('test-send');
  const result = $('test-result');
  button.disabled = true;
  result.textContent = 'Sending…';
  try {
    const { id } = await post('api/test-event', { deliver: $('test-deliver').checked });
    result.textContent = `Test event ${id} is on its way.`;
    result.dataset.id = id;
  } catch (error) {
    result.textContent = `Not sent: ${error.message}`;
  } finally {
    button.disabled = false;
  }
});

/** The rule as an entry under `rules:`, indented as the configuration file has it. */
function asRulesEntry(rule) {
  const lines = String(rule).replace(/\s+$/, '').split('\n');
  if (lines[0]?.startsWith('rules:')) return lines.join('\n');
  if (lines[0]?.trimStart().startsWith('-')) return ['rules:', ...lines.map((line) => `  ${line}`)].join('\n');
  return ['rules:', `  - ${lines[0] ?? ''}`, ...lines.slice(1).map((line) => `    ${line}`)].join('\n');
}

function showClassification(result) {
  const facts = [
    ['source', result.source],
    ['route', result.route],
    ['category', result.category],
    ['type', result.type],
    ['alarm state', result.alarm_state ?? 'unchanged'],
    ['zone', result.zone],
    ['sensor', result.sensor],
    ['user', result.user],
    ['camera', result.camera ? `${result.camera.name} (${result.camera.id})` : null],
    ['line', result.text],
    ['unparsable', result.unparsable],
  ].filter(([, value]) => value !== null && value !== undefined && value !== '');
  $('classification-facts').replaceChildren(
    ...facts.flatMap(([label, value]) => [
      el('dt', { text: label }),
      el('dd', { text: value, attrs: { 'data-field': label.replace(' ', '_') } }),
    ]),
  );
  $('classification-rule').textContent = asRulesEntry(result.rule ?? '');
  $('classification').hidden = false;
}

$('classify-form').addEventListener('submit', async (submit) => {
  submit.preventDefault();
  const button = $('classify-send');
  const error = $('classify-error');
  const recipient = $('classify-recipient').value.trim();
  button.disabled = true;
  error.textContent = '';
  try {
    showClassification(await post('api/classify', { text: $('classify-text').value, ...(recipient ? { recipient } : {}) }));
  } catch (failure) {
    $('classification').hidden = true;
    error.textContent = `Could not read it: ${failure.message}`;
  } finally {
    button.disabled = false;
  }
});

openStream();
void reloadStatus();
