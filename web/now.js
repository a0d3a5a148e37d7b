// The "Now" block: alarm state, broker and outputs, backlog, mails today, the panel's and each camera's last mail
// (kept apart: a camera mailing every day must never make a dead panel look alive), and the quarantine.
import { post } from './api.js';
import { $, ago, badge, duration, el, timeElement } from './dom.js';

/** The health problems, or nothing when all is well (or the status could not be loaded: app.js says so). */
export function showProblems(problems) {
  const node = $('health');
  node.hidden = problems.length === 0;
  node.replaceChildren(...problems.map((problem) => el('span', { text: problem })));
}

function state(ok, yes, no, unknown = 'unknown') {
  const value = ok === null || ok === undefined ? unknown : ok ? yes : no;
  return el('span', { text: value, className: `state state-${ok === null || ok === undefined ? 'unknown' : ok ? 'ok' : 'bad'}` });
}

function lastMail(mail) {
  if (!mail) return el('span', { text: 'none yet', className: 'muted' });
  return el(
    'span',
    { className: 'last-mail' },
    timeElement(mail.time),
    el('span', { text: ` (${ago(mail.time)}) `, className: 'muted' }),
    badge('category', mail.category),
    el('b', { text: ` ${mail.type} ` }),
    el('span', { text: mail.text, className: 'text' }),
  );
}

/**
 * The command that does what the Retry button does, for a shell on the bridge's host; none in the add-on, where the
 * page is reached through Home Assistant only and the container publishes no port for it.
 */
function retryCommand(id) {
  if (location.pathname.startsWith('/api/hassio_ingress/')) return undefined;
  const base = new URL('.', location.href).href;
  return `curl -X POST -H 'Content-Type: application/json' -d '${JSON.stringify({ id })}' ${base}api/quarantine/retry`;
}

function quarantineItem(mail, onRetried) {
  const command = retryCommand(mail.id);
  const button = el('button', { text: 'Retry', attrs: { type: 'button', 'data-testid': 'quarantine-retry' } });
  button.addEventListener('click', async () => {
    const result = $('quarantine-result');
    button.disabled = true;
    try {
      const { id } = await post('api/quarantine/retry', { id: mail.id });
      result.textContent = `${mail.id} is queued again as ${id}.`;
      onRetried();
    } catch (error) {
      result.textContent = `${mail.id} was not retried: ${error.message}`;
      button.disabled = false;
    }
  });
  return el(
    'li',
    { attrs: { 'data-testid': 'quarantined', 'data-id': mail.id } },
    el(
      'p',
      {},
      el('code', { text: mail.id }),
      ' ',
      timeElement(mail.time),
      el('span', { text: ` ${mail.bytes} bytes`, className: 'muted' }),
    ),
    el('p', { text: mail.reason ?? 'no reason recorded', className: 'reason' }),
    button,
    command ? el('pre', { text: command, className: 'command', attrs: { 'aria-label': 'The same from a shell' } }) : null,
  );
}

/** The quarantine's ids as last shown: the list is rebuilt only when they change, so a selection survives a reload. */
let shownQuarantine = '';

function showQuarantine(quarantine, onRetried) {
  $('quarantine-summary').textContent = quarantine.count
    ? `${quarantine.count} mail${quarantine.count === 1 ? '' : 's'} (${quarantine.total_bytes} bytes) could not be read and wait here.`
    : 'Empty.';
  const ids = JSON.stringify(quarantine.mails.map((mail) => [mail.id, mail.reason]));
  if (ids === shownQuarantine) return;
  shownQuarantine = ids;
  $('quarantine').replaceChildren(...quarantine.mails.map((mail) => quarantineItem(mail, onRetried)));
}

/** The spool first (mails not yet read), then each output's queue by name. */
function backlogOrder(backlog) {
  return Object.entries(backlog).sort(([a], [b]) => (a === 'spool' ? -1 : b === 'spool' ? 1 : a.localeCompare(b)));
}

/**
 * Fills the "Now" block from `api/status`; `reload` runs after one of its buttons changed something (a quarantined
 * mail queued again, an incident acknowledged).
 */
export function showStatus(status, reload) {
  showProblems(status.health?.ok === false ? status.health.problems : []);
  $('alarm-state').replaceChildren(badge('alarm', status.alarm?.state ?? 'unknown'));
  $('alarm-since').replaceChildren(...(status.alarm?.since ? ['since ', timeElement(status.alarm.since)] : []));
  $('broker').replaceChildren(
    ...(status.broker
      ? [state(status.broker.connected, 'connected', 'disconnected'), ' ', el('span', { text: status.broker.url, className: 'muted' })]
      : [state(null, '', '', 'not reported yet')]),
  );
  $('inputs').replaceChildren(
    ...(status.inputs ?? []).map((input) =>
      el(
        'li',
        {},
        el('b', { text: `${input.input} ` }),
        state(input.listening, 'listening', 'closed'),
        el('span', { text: input.address ? ` ${input.address}` : '', className: 'muted' }),
      ),
    ),
  );
  $('outputs').replaceChildren(
    ...(status.outputs ?? []).map((output) =>
      el(
        'li',
        { attrs: { 'data-testid': 'output-health', 'data-output': output.output } },
        el('b', { text: `${output.output} ` }),
        state(output.problem === null ? null : !output.problem, 'ok', 'problem'),
        output.last ? el('span', { text: ` last: ${output.last.result}`, className: 'muted' }) : null,
      ),
    ),
  );
  $('backlog').replaceChildren(
    ...backlogOrder(status.backlog ?? {}).map(([queue, depth]) =>
      el('li', { className: depth > 0 ? 'busy' : '' }, el('span', { text: `${queue} `, className: 'muted' }), el('b', { text: depth })),
    ),
  );
  const today = status.mails_today;
  const refused = Object.entries(today?.refused ?? {}).map(([code, count]) => `${count} × ${code}`);
  $('mails-today').textContent = today
    ? `${today.accepted} accepted, ${refused.length ? `refused ${refused.join(', ')}` : 'none refused'}`
    : '–';
  $('version').textContent = status.version ?? '–';
  $('uptime').textContent = duration(status.uptime_seconds ?? 0);
  $('panel-last').replaceChildren(lastMail(status.panel?.last_mail));
  const cameras = status.cameras ?? [];
  $('cameras').replaceChildren(
    ...(cameras.length
      ? cameras.map((camera) =>
          el('li', { attrs: { 'data-camera': camera.camera } }, el('b', { text: `${camera.name ?? camera.camera}: ` }), lastMail(camera)),
        )
      : [el('li', { text: 'none yet', className: 'muted' })]),
  );
  showWatches(status.entities ?? [], reload);
  showQuarantine(status.quarantine ?? { count: 0, total_bytes: 0, mails: [] }, reload);
}

/** The alarm incident: what and how far it went, who acknowledged it; while it is open, a button that acknowledges it. */
function incidentWatch(entity, reload) {
  const { state: shown, attributes = {} } = entity;
  const open = shown === 'open';
  const parts = [
    el('b', { text: `${entity.name ?? entity.id} ` }),
    state(shown === null || shown === 'none' ? null : !open, shown, 'open', shown ?? 'not known yet'),
  ];
  if (attributes.last_alarm) parts.push(el('span', { text: ` ${attributes.last_alarm}`, className: 'text' }));
  if (attributes.level) parts.push(el('span', { text: ` level ${attributes.level}`, className: 'muted' }));
  if (shown === 'acknowledged' && attributes.acknowledged_by)
    parts.push(el('span', { text: ` by ${attributes.acknowledged_by}`, className: 'muted' }));
  if (open) {
    const button = el('button', { text: 'Acknowledge', attrs: { type: 'button', 'data-testid': 'incident-acknowledge' } });
    button.addEventListener('click', async () => {
      const result = $('incident-result');
      button.disabled = true;
      try {
        await post('api/incidents/acknowledge', {});
        result.textContent = 'The alarm is acknowledged: no further escalation level is told.';
      } catch (error) {
        result.textContent = `Not acknowledged: ${error.message}`;
      }
      reload();
    });
    parts.push(' ', button);
  }
  return el('li', { attrs: { 'data-entity': entity.id, 'data-state': shown ?? '' } }, ...parts);
}

/** The features' sensors: a problem sensor that is on is a problem; the alarm incident has its button; others show their state. */
function showWatches(entities, reload) {
  $('watches').replaceChildren(
    ...(entities.length
      ? entities.map((entity) =>
          entity.id === 'alarm_incident'
            ? incidentWatch(entity, reload)
            : el(
                'li',
                { attrs: { 'data-entity': entity.id } },
                el('b', { text: `${entity.name ?? entity.id} ` }),
                entity.device_class === 'problem'
                  ? state(entity.state === null ? null : entity.state !== 'ON', 'ok', 'problem', 'not known yet')
                  : el('span', { text: entity.state ?? 'not known yet' }),
              ),
        )
      : [el('li', { text: 'nothing set up (supervision, incidents)', className: 'muted' })]),
  );
}
