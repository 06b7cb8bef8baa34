// Osteon's admin console: plain DOM over the JSON API (/api/v1). Every value from the node is put
// into the page as text (text nodes, never HTML), so tag values with markup show as written.
const view = document.getElementById('view');
const statusLine = document.getElementById('status');

// el('td', {class: 'num'}, 'text', childNode): strings become text nodes.
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null) node.setAttribute(k, v);
  }
  for (const c of children.flat()) node.append(c instanceof Node ? c : document.createTextNode(String(c ?? '')));
  return node;
}

// The console session's CSRF token (from the login or /api/v1/me); sent with every change.
let csrf = '';

class LoginNeeded extends Error {}

async function api(path, options = {}) {
  const headers = {...(options.headers || {})};
  if (csrf && options.method && options.method !== 'GET') headers['X-CSRF-Token'] = csrf;
  const response = await fetch(path, {...options, headers, credentials: 'same-origin'});
  const type = response.headers.get('content-type') || '';
  const body = type.includes('json') ? await response.json() : await response.text();
  if (response.status === 401 && !path.startsWith('/api/v1/login')) throw new LoginNeeded(body?.error?.message ?? 'log in');
  if (!response.ok) throw new Error(body && body.error ? `${body.error.code}: ${body.error.message}` : `HTTP ${response.status}`);
  return body;
}

// Who is logged in, shown in the header with a way out; nothing when the node has no users.
function showUser(me) {
  const who = document.getElementById('user');
  if (!me) return who.replaceChildren();
  who.replaceChildren(`${me.user} (${me.role}) `, el('button', {onclick: async () => {
    await api('/api/v1/logout', {method: 'POST'}).catch(() => {});
    csrf = '';
    showUser(null);
    route();
  }}, 'Log out'));
}

function loginForm(message) {
  const user = el('input', {name: 'user', autocomplete: 'username', size: 20});
  const password = el('input', {name: 'password', type: 'password', autocomplete: 'current-password', size: 20});
  const form = el('form', {class: 'filters', onsubmit: async e => {
    e.preventDefault();
    try {
      const me = await api('/api/v1/login', {method: 'POST', headers: {'Content-Type': 'application/json'},
                                             body: JSON.stringify({user: user.value, password: password.value})});
      csrf = me.csrf;
      showUser(me);
      route();
    } catch (err) { say(err.message, true); }
  }}, el('label', {}, 'user', user), el('label', {}, 'password', password), el('button', {type: 'submit'}, 'Log in'));
  view.replaceChildren(el('h2', {}, 'Log in'), el('p', {class: 'muted'}, message), form);
  user.focus();
}

function say(text, isError = false) {
  statusLine.textContent = text;
  statusLine.className = isError ? 'error' : 'muted';
}

// A table of rows (objects); `columns` picks and orders them; `actions(row)` adds a last cell.
function table(rows, columns, actions) {
  if (!rows.length) return el('p', {class: 'muted'}, 'Nothing to show.');
  const head = el('tr', {}, columns.map(c => el('th', {}, c)), actions ? el('th', {}, '') : []);
  const cls = v => typeof v === 'number' ? 'num' : String(v ?? '').length > 80 ? 'wide' : undefined;
  const body = rows.map(r => el('tr', {}, columns.map(c =>
    el('td', {class: cls(r[c])}, r[c] ?? '')), actions ? el('td', {}, actions(r)) : []));
  return el('table', {}, el('thead', {}, head), el('tbody', {}, body));
}

// A filter form whose fields become query parameters; `run(params)` shows the result.
function filters(fields, run) {
  const inputs = Object.fromEntries(fields.map(f => [f, el('input', {name: f, size: 14})]));
  const form = el('form', {class: 'filters', onsubmit: e => { e.preventDefault(); run(params()); }},
    fields.map(f => el('label', {}, f, inputs[f])), el('button', {type: 'submit'}, 'Search'));
  const params = () => {
    const p = new URLSearchParams();
    for (const f of fields) if (inputs[f].value.trim()) p.set(f, inputs[f].value.trim());
    return p;
  };
  return {form, params};
}

// An SVG line chart: one line per series over the same minutes (null values leave a gap).
// `labels` are ISO minutes; only the numbers and the times go into the drawing, as text.
const SVG = 'http://www.w3.org/2000/svg';
function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return node;
}
function chart(title, labels, series, unit) {
  const [W, H, left, right, top, bottom] = [640, 190, 52, 12, 12, 26];
  const values = series.flatMap(s => s.values).filter(v => v !== null && v !== undefined);
  const max = Math.max(1, ...values);
  const x = i => left + (W - left - right) * (labels.length < 2 ? 0 : i / (labels.length - 1));
  const y = v => top + (H - top - bottom) * (1 - v / max);
  const round = v => v >= 100 ? Math.round(v) : Math.round(v * 10) / 10;
  const drawing = svg('svg', {viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img', 'aria-label': title});
  for (const v of [0, max / 2, max]) {
    drawing.append(svg('line', {x1: left, x2: W - right, y1: y(v), y2: y(v), class: 'grid'}),
      svg('text', {x: left - 6, y: y(v) + 4, 'text-anchor': 'end'}, `${round(v)}${unit}`));
  }
  const time = iso => new Date(iso).toLocaleTimeString([], {hour: '2-digit', minute: '2-digit', hourCycle: 'h23'});
  const ends = [[0, 'start'], [Math.floor((labels.length - 1) / 2), 'middle'], [labels.length - 1, 'end']];
  for (const [i, anchor] of ends) {
    if (labels[i]) drawing.append(svg('text', {x: x(i), y: H - 8, 'text-anchor': anchor}, time(labels[i])));
  }
  for (const s of series) {
    let points = [];
    const flush = () => {
      if (points.length === 1) drawing.append(svg('circle', {cx: points[0][0], cy: points[0][1], r: 2.5, fill: s.color}));
      if (points.length > 1) drawing.append(svg('polyline', {points: points.join(' '), fill: 'none', stroke: s.color, 'stroke-width': 2}));
      points = [];
    };
    s.values.forEach((v, i) => { if (v === null || v === undefined) flush(); else points.push([x(i).toFixed(1), y(v).toFixed(1)]); });
    flush();
  }
  // Colours by class: the console's Content-Security-Policy allows no inline styles.
  const legend = el('div', {class: 'legend'}, series.map(s => el('span', {class: `colour-${s.color.slice(1)}`}, `■ ${s.name}`)));
  return el('figure', {class: 'chart'}, el('figcaption', {}, title), drawing, legend);
}

async function action(label, path, refresh) {
  try {
    const result = await api(path, {method: 'POST'});
    say(`${label}: ${JSON.stringify(result)}`);
    await refresh();
  } catch (e) { say(`${label}: ${e.message}`, true); }
}

const screens = {
  async overview() {
    const [system, stats, failedJobs, failedDeliveries, open, activity] = await Promise.all([
      api('/api/v1/system'), api('/api/v1/stats'),
      api('/api/v1/jobs?state=failed&limit=10'), api('/api/v1/deliveries?state=failed&limit=10'),
      api('/api/v1/associations/open'), api('/api/v1/stats/activity?minutes=60')]);
    const minutes = activity.buckets.map(b => b.minute);
    const column = name => activity.buckets.map(b => b[name]);
    const card = (label, value) => el('div', {class: 'card'}, el('div', {class: 'muted'}, label), el('div', {class: 'value'}, value));
    view.replaceChildren(
      el('h2', {}, `${system.ae_title} — Osteon ${system.version}`),
      el('div', {class: 'cards'},
        card('Studies', stats.studies), card('Instances', stats.instances), card('Stores failed', stats.stores_failed),
        card('Free disk', `${(system.free_disk_bytes / 2 ** 30).toFixed(1)} GiB`), card('Uptime', `${system.uptime_s} s`)),
      system.retention ? el('p', {class: 'muted'},
        `Storage retention: ${['pending', 'kept', 'purgeable', 'purged'].map(k => `${k} ${(system.retention.bytes[k] / 2 ** 20).toFixed(1)} MiB`).join(', ')}` +
        (system.retention.next_purge_at ? `; next purge at ${system.retention.next_purge_at}` : '') +
        (system.retention.status ? `; ${system.retention.status}` : '')) : '',
      el('div', {class: 'charts'},
        chart('Throughput, last hour (per minute)', minutes, [
          {name: 'images received', values: column('received'), color: '#2457a6'},
          {name: 'jobs done', values: column('done'), color: '#21773a'},
          {name: 'not analysable', values: column('not_analysable'), color: '#b07a12'},
          {name: 'jobs failed', values: column('failed'), color: '#a62424'}], ''),
        chart('Latency from receipt to result, last hour', minutes, [
          {name: 'p50', values: column('latency_p50_ms').map(v => v === null ? null : v / 1000), color: '#2457a6'},
          {name: 'p95', values: column('latency_p95_ms').map(v => v === null ? null : v / 1000), color: '#a62424'}], ' s')),
      el('h2', {}, 'Queues'),
      table(system.pipelines.map(p => {
        const hour = activity.pipelines.find(a => a.pipeline === p.name) ?? {};
        return {pipeline: p.name, state: p.state, queued: p.queued, running: p.running, failed: p.failed,
                'settled (last hour)': hour.settled ?? 0, 'p50 ms': hour.latency_p50_ms ?? '', 'p95 ms': hour.latency_p95_ms ?? ''};
      }), ['pipeline', 'state', 'queued', 'running', 'failed', 'settled (last hour)', 'p50 ms', 'p95 ms']),
      table(system.destinations.map(d => ({destination: d.name, state: d.state, pending: d.pending, failed: d.failed})),
        ['destination', 'state', 'pending', 'failed']),
      el('h2', {}, `Associations open now (${open.count})`),
      table(open.items, ['calling_ae', 'peer_host', 'called_ae', 'started_at', 'open_s']),
      el('h2', {}, 'Recent failed jobs'), table(failedJobs.items, ['id', 'pipeline', 'reason', 'finished_at']),
      el('h2', {}, 'Recent failed deliveries'), table(failedDeliveries.items, ['id', 'destination', 'last_error', 'attempts']));
  },

  async studies() {
    const results = el('div');
    const {form, params} = filters(['patient_id', 'accession', 'modality', 'body_part', 'calling_ae', 'from', 'to'], load);
    async function load(p = params()) {
      const data = await api(`/api/v1/studies?${p}`);
      results.replaceChildren(table(data.items, ['study_uid', 'patient_id', 'study_date', 'accession_number', 'study_description', 'modalities', 'instances', 'last_received'],
        r => el('a', {href: `#/study/${encodeURIComponent(r.study_uid)}`}, 'open')));
    }
    view.replaceChildren(el('h2', {}, 'Studies'), form, results);
    await load();
  },

  async study(uid) {
    const s = await api(`/api/v1/studies/${encodeURIComponent(uid)}`);
    const instances = el('div');
    const isResult = i => (i.routing ?? '').startsWith('result of job');
    for (const i of s.instances.filter(i => !isResult(i))) {
      const detail = await api(`/api/v1/instances/${encodeURIComponent(i.sop_instance_uid)}`);
      instances.append(el('h2', {}, `${i.modality} ${i.body_part ?? ''} — ${i.sop_instance_uid}`),
        el('p', {class: 'muted'}, 'Routing: ', i.routing ?? '',
          i.purge_state === 'purged' ? ` — file deleted by storage retention at ${i.purged_at}` : ''),
        table(detail.jobs, ['id', 'pipeline', 'state', 'attempts', 'reason'],
          j => el('a', {href: `#/job/${j.id}`}, 'timeline')),
        table(detail.findings, ['job_id', 'outcome', 'summary', 'model_name', 'model_version', 'created_at']));
    }
    // The result objects: the Secondary Captures as the node rendered them, the SRs and the
    // presentation states (GSPS) listed.
    for (const i of s.instances.filter(isResult)) {
      const uid = encodeURIComponent(i.sop_instance_uid);
      if (i.purge_state === 'purged') {
        instances.append(el('h2', {}, `${i.routing} — ${i.modality}`),
          el('p', {class: 'muted'}, `Deleted by storage retention at ${i.purged_at}; delivered before, its row stays.`));
        continue;
      }
      if (i.modality === 'PR') {
        const ps = await api(`/api/v1/results/${uid}`);
        const rows = [...ps.graphics.map(g => ({layer: g.layer, draws: `${g.type} (${g.points} point${g.points === 1 ? '' : 's'})`, text: ''})),
                      ...ps.texts.map(t => ({layer: t.layer, draws: 'TEXT', text: t.text}))];
        instances.append(el('h2', {}, `${i.routing} — Presentation State (overlay for PACS viewers)`),
          el('p', {class: 'muted'}, `${ps.label}: ${ps.description}`), table(rows, ['layer', 'draws', 'text']));
        continue;
      }
      if (i.modality !== 'SR') {
        instances.append(el('h2', {}, `${i.routing} — Secondary Capture`),
          el('img', {class: 'sc', alt: 'Secondary Capture', src: `/api/v1/results/${uid}`}));
        continue;
      }
      // The SR's content tree, one row per item, indented by its depth.
      const sr = await api(`/api/v1/results/${uid}`);
      const rows = [];
      const walk = (items, depth) => items.forEach(item => {
        rows.push({item: `${'· '.repeat(depth)}${item.concept}`, value: item.value, type: item.value_type});
        walk(item.content, depth + 1);
      });
      walk(sr.content, 0);
      instances.append(el('h2', {}, `${i.routing} — Structured Report`), table(rows, ['item', 'value', 'type']));
    }
    view.replaceChildren(el('h2', {}, `Study ${s.study_uid}`),
      el('p', {}, `Patient ID ${s.patient_id ?? ''}, accession ${s.accession_number ?? ''}, ${s.instances.length} instance(s)`),
      instances);
  },

  async jobs() {
    const results = el('div');
    const {form, params} = filters(['state', 'pipeline', 'study', 'instance'], load);
    async function load(p = params()) {
      const data = await api(`/api/v1/jobs?${p}`);
      results.replaceChildren(
        el('button', {onclick: () => action('Re-run the filtered jobs', `/api/v1/jobs/rerun?${params()}`, load)}, 'Re-run all shown (filtered)'),
        table(data.items, ['id', 'pipeline', 'state', 'attempts', 'reason', 'created_at', 'finished_at'],
          r => [el('a', {href: `#/job/${r.id}`}, 'timeline'), ' ',
                el('button', {onclick: () => action(`Re-run job ${r.id}`, `/api/v1/jobs/${r.id}/rerun`, load)}, 'Re-run')]));
    }
    view.replaceChildren(el('h2', {}, 'Jobs'), form, results);
    await load();
  },

  async job(id) {
    const job = await api(`/api/v1/jobs/${encodeURIComponent(id)}`);
    const detail = e => typeof e.detail === 'string' ? e.detail : JSON.stringify(e.detail);
    view.replaceChildren(el('h2', {}, `Job ${job.id}: ${job.pipeline}, ${job.state}`),
      el('p', {}, job.reason ?? ''),
      el('button', {onclick: () => action(`Re-run job ${job.id}`, `/api/v1/jobs/${job.id}/rerun`, () => screens.job(id))}, 'Re-run'),
      el('h2', {}, 'Timeline'),
      table(job.timeline.map(e => ({at: e.at, event: e.event, detail: detail(e)})), ['at', 'event', 'detail']),
      el('h2', {}, 'Findings'), table(job.findings, ['outcome', 'summary', 'model_name', 'model_version', 'created_at']));
  },

  async deliveries() {
    const results = el('div');
    const {form, params} = filters(['state', 'destination', 'study'], load);
    async function load(p = params()) {
      const failed = await api(`/api/v1/deliveries?state=failed&${p}`);
      const all = await api(`/api/v1/deliveries?${p}`);
      const retry = r => r.state === 'failed'
        ? el('button', {onclick: () => action(`Retry delivery ${r.id}`, `/api/v1/deliveries/${r.id}/retry`, load)}, 'Retry') : '';
      const cols = ['id', 'destination', 'ae_title', 'state', 'attempts', 'last_error', 'sent_as', 'delivered_at'];
      const bulk = new URLSearchParams(p);
      bulk.delete('state');
      results.replaceChildren(el('h2', {}, `Failed (${failed.count})`),
        failed.count ? el('button', {onclick: () => action('Retry the failed deliveries shown', `/api/v1/deliveries/retry?${bulk}`, load)},
          'Retry all failed (filtered)') : '',
        table(failed.items, cols, retry), el('h2', {}, 'All'), table(all.items, cols, retry));
    }
    view.replaceChildren(el('h2', {}, 'Deliveries'), form, results);
    await load();
  },

  async pipelines() {
    const system = await api('/api/v1/system');
    const toggle = (plural, r) => el('button', {onclick: () => action(`${r.state === 'paused' ? 'Resume' : 'Pause'} ${r.name}`,
      `/api/v1/${plural}/${encodeURIComponent(r.name)}/${r.state === 'paused' ? 'resume' : 'pause'}`, screens.pipelines)},
      r.state === 'paused' ? 'Resume' : 'Pause');
    view.replaceChildren(
      el('h2', {}, 'Pipelines'), table(system.pipelines, ['name', 'state', 'paused_at', 'reason'], r => toggle('pipelines', r)),
      el('h2', {}, 'Destinations'), table(system.destinations, ['name', 'ae_title', 'host', 'port', 'tls', 'state', 'paused_at'],
        r => [toggle('destinations', r), ' ', r.name === 'sender' ? '' : el('button', {onclick: async () => {
          try {
            const e = await api(`/api/v1/destinations/${encodeURIComponent(r.name)}/echo`, {method: 'POST'});
            say(`C-ECHO ${r.name}: ${e.ok ? 'answered' : 'failed'} (${e.detail}) in ${e.round_trip_ms.toFixed(1)} ms`, !e.ok);
          } catch (err) { say(err.message, true); }
        }}, 'C-ECHO')]));
  },

  async models() {
    const models = await api('/api/v1/models');
    const card = el('pre', {class: 'card'});
    const show = async name => { card.textContent = (await api(`/api/v1/models/${encodeURIComponent(name)}`)).card; };
    view.replaceChildren(el('h2', {}, 'Models'),
      table(models.items, ['name', 'version', 'task', 'device', 'sha256', 'training_data'],
        r => el('button', {onclick: () => show(r.name)}, 'Model card')),
      card);
  },

  async audit() {
    const results = el('div');
    const {form, params} = filters(['event', 'actor', 'study', 'from', 'to'], load);
    async function load(p = params()) {
      const data = await api(`/api/v1/audit?${p}`);
      results.replaceChildren(table(data.items.map(a => ({...a, outcome: a.outcome === 0 ? 'success' : `failure (${a.outcome}) ${a.outcome_text}`})),
        ['at', 'event_id', 'event', 'event_type', 'action', 'outcome', 'actor', 'actor_host', 'actor_subject', 'destination',
         'study_uid', 'patient_id', 'detail']));
    }
    view.replaceChildren(el('h2', {}, 'Audit trail (newest first; DICOM audit event IDs, e.g. 110104 instances transferred, 110113 security alert)'),
      form, results);
    await load();
  },

  async routing() {
    const file = el('input', {type: 'file'});
    const callingAe = el('input', {value: 'UNKNOWN', size: 16});
    const result = el('div');
    const test = async () => {
      if (!file.files.length) return say('Choose a DICOM file first', true);
      const params = new URLSearchParams({calling_ae: callingAe.value});
      const response = await fetch(`/api/v1/route?${params}`, {method: 'POST', body: file.files[0],
                                                               headers: csrf ? {'X-CSRF-Token': csrf} : {}});
      const body = await response.json();
      if (!response.ok) return say(`${body.error.code}: ${body.error.message}`, true);
      result.replaceChildren(el('p', {}, body.summary),
        table(body.profiles.map(p => ({profile: p.id, matched: p.matched ? 'yes' : 'no', reasons: p.reasons.join('; ')})),
          ['profile', 'matched', 'reasons']));
    };
    const profiles = await api('/api/v1/routing/profiles');
    const rules = m => Object.entries(m).filter(([, v]) => v.length).map(([k, v]) => `${k}: ${v.join(', ')}`).join('; ');
    view.replaceChildren(el('h2', {}, 'Routing profiles (highest priority first)'),
      table(profiles.items.map(p => ({id: p.id, pipeline: p.pipeline, priority: p.priority, matches: rules(p.match),
        destinations: p.destinations.join(', '), sr_class: p.sr_class, description: p.description})),
        ['id', 'pipeline', 'priority', 'matches', 'destinations', 'sr_class', 'description']),
      el('h2', {}, 'Test a file: which pipeline takes it, and why'),
      el('form', {class: 'filters', onsubmit: e => { e.preventDefault(); test(); }},
        el('label', {}, 'DICOM file', file), el('label', {}, 'calling AE', callingAe), el('button', {type: 'submit'}, 'Test')),
      result);
  },
};

async function health() {
  const badge = document.getElementById('health');
  try {
    const r = await fetch('/readyz');
    const body = await r.json();
    badge.textContent = body.ready ? 'ready' : `not ready: ${body.reasons.join('; ')}`;
    badge.className = `badge ${body.ready ? 'ok' : 'bad'}`;
  } catch (e) {
    badge.textContent = 'node unreachable';
    badge.className = 'badge bad';
  }
}

async function route() {
  const [name, ...rest] = (location.hash.replace(/^#\//, '') || 'overview').split('/');
  for (const a of document.querySelectorAll('nav a')) a.classList.toggle('active', a.getAttribute('href') === `#/${name}`);
  const screen = screens[name] || screens.overview;
  try {
    await screen(...rest.map(decodeURIComponent));
    say(`Updated ${new Date().toLocaleTimeString()}`);
  } catch (e) {
    if (e instanceof LoginNeeded) {
      loginForm(e.message);
      say('Not logged in');
    } else {
      say(e.message, true);
    }
  }
}

// A node with users: the session of an earlier login, if it is still valid (with its CSRF token).
async function whoAmI() {
  try {
    const me = await api('/api/v1/me');
    csrf = me.csrf ?? '';
    showUser(me);
  } catch (e) { showUser(null); }  // not logged in (401) or a node without users (404)
}

window.addEventListener('hashchange', route);
await whoAmI();
route();
health();
setInterval(health, 10000);
