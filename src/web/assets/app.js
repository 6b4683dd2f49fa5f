// hort's dashboard: renders /api/v1/* into the page and polls every 5 s.
// Everything from the API goes in as text nodes, never as markup.
'use strict';
const POLL_MS = 5000;
const RANK = {FAILED: 4, LATE: 3, NEVER: 2, RUNNING: 1, OK: 0};
let view = 'overview', timer = null, auth = null;

function h(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v); else e.setAttribute(k, v === true ? '' : v);
  }
  for (const k of kids.flat()) if (k !== null && k !== undefined) e.append(k instanceof Node ? k : String(k));
  return e;
}
function bytes(n) {
  if (n === null || n === undefined) return '–';
  const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB']; let i = 0;
  while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
  return (i ? n.toFixed(1) : n) + ' ' + u[i];
}
function dur(s) {
  if (s === null || s === undefined || s < 0) return '–';
  s = Math.round(s);
  if (s < 120) return s + ' s';
  if (s < 7200) return Math.round(s / 60) + ' min';
  if (s < 172800) return (s / 3600).toFixed(1) + ' h';
  return (s / 86400).toFixed(1) + ' d';
}
function when(t) { return t ? new Date(t).toLocaleString() : '–'; }
function badge(text, cls) { return h('span', {class: 'badge ' + (cls || text)}, text); }
function table(caption, heads, rows) {
  return h('div', {class: 'wrap'}, h('table', {},
    caption ? h('caption', {class: 'muted'}, caption) : null,
    h('thead', {}, h('tr', {}, heads.map(x => Array.isArray(x) ? h('th', {scope: 'col', class: x[1]}, x[0]) : h('th', {scope: 'col'}, x)))),
    h('tbody', {}, rows)));
}
function ageBar(e) {
  if (e.rpo_fraction === null) return h('span', {class: 'muted'}, e.age_seconds === null ? 'never' : dur(e.age_seconds));
  // The page's CSP refuses style attributes; the width goes through CSSOM, the colour is a class.
  const f = e.rpo_fraction, fill = h('span', {class: f > 1 ? 'FAILED' : f > 0.8 ? 'LATE' : 'OK'});
  fill.style.width = Math.min(100, f * 100) + '%';
  return h('div', {}, dur(e.age_seconds) + ' / ' + dur(e.rpo_seconds),
    h('div', {class: 'bar', role: 'img', 'aria-label': Math.round(f * 100) + '% of the RPO'}, fill));
}

// A bearer token typed into the sign-in form lives in this tab only
// (sessionStorage); htpasswd users get the browser's own Basic prompt.
const TOKEN_KEY = 'hort-token';
function authHeaders(extra) {
  const t = sessionStorage.getItem(TOKEN_KEY);
  return Object.assign(t ? {Authorization: 'Bearer ' + t} : {}, extra);
}
class HttpError extends Error { constructor(status, text) { super(text); this.status = status; } }
async function api(path) {
  const r = await fetch(path, {headers: authHeaders({Accept: 'application/json'}), credentials: 'same-origin'});
  if (!r.ok) throw new HttpError(r.status, path + ': ' + r.status + ' ' + (await r.text()));
  return r.json();
}
async function act(kind, target, button) {
  button.disabled = true;
  try {
    const r = await fetch('/api/v1/actions/' + kind, {method: 'POST', credentials: 'same-origin',
      headers: authHeaders({'Content-Type': 'application/json', 'X-CSRF-Token': auth.csrf}),
      body: JSON.stringify(kind === 'run' ? {job: target} : {test: target})});
    const j = await r.json().catch(() => ({}));
    button.textContent = r.ok ? 'queued' : 'refused';
    button.title = j.detail || j.error || '';
    document.getElementById('updated').textContent = (r.ok ? '' : 'refused: ') + (j.detail || j.error || '');
  } catch (e) { button.textContent = 'error'; }
  setTimeout(refresh, 500);
}
function renderAuth() {
  const box = document.getElementById('auth');
  if (auth && auth.user) {
    box.replaceChildren(h('span', {class: 'muted'}, 'signed in as ' + auth.user + ' '),
      sessionStorage.getItem(TOKEN_KEY) ? h('button', {type: 'button', onclick: () => { sessionStorage.removeItem(TOKEN_KEY); auth = null; refresh(); }}, 'Sign out') : null);
  } else if (auth && auth.signin) {
    const input = h('input', {id: 'token', type: 'password', autocomplete: 'current-password', required: true});
    box.replaceChildren(h('form', {id: 'signin', onsubmit: ev => {
      ev.preventDefault(); sessionStorage.setItem(TOKEN_KEY, input.value); auth = null; refresh();
    }}, h('label', {for: 'token'}, 'Access token '), input, ' ', h('button', {type: 'submit'}, 'Sign in')));
  } else {
    box.replaceChildren();
  }
}
function actions(e, kind, target) {
  const out = [];
  if (auth && auth.actions) out.push(h('button', {type: 'button', 'aria-label': (kind === 'run' ? 'Run ' : 'Test ') + target + ' now',
    onclick: ev => act(kind, target, ev.currentTarget)}, kind === 'run' ? 'Run now' : 'Test now'));
  if (e.silence_url) out.push(' ', h('a', {href: e.silence_url, rel: 'noreferrer'}, 'silence'));
  return out;
}

function entryRow(e, showLayer) {
  return h('tr', {'data-job': e.job},
    h('td', {}, showLayer ? e.layer || e.kind : null, showLayer ? ' ' : null, h('a', {href: e.last_run_id ? '#run/' + e.last_run_id : '#history'}, e.entry)),
    h('td', {}, badge(e.health), e.overdue ? [' ', badge('OVERDUE')] : null),
    h('td', {}, ageBar(e)),
    h('td', {class: 'hide-narrow'}, when(e.last_success)),
    h('td', {class: 'hide-narrow'}, when(e.next_run)),
    h('td', {class: 'hide-narrow'}, e.runs_ok + ' / ' + e.runs_failed),
    h('td', {}, e.last_error ? h('pre', {class: 'err'}, e.last_error) : ''),
    h('td', {}, actions(e, 'run', e.job)));
}
const ENTRY_HEADS = ['Entry', 'Status', 'Age / RPO', ['Last success', 'hide-narrow'], ['Next run', 'hide-narrow'],
  ['OK / failed', 'hide-narrow'], 'Last error', 'Actions'];
const worstFirst = (a, b) => (RANK[b.health] || 0) - (RANK[a.health] || 0);

function renderOverview(o) {
  const out = [h('p', {id: 'summary', class: 'summary' + (o.problems.length ? ' bad' : ''), role: 'status'}, o.summary)];
  if (o.running.length) {
    out.push(h('h2', {}, 'Running now'), table(null, ['Job', 'For', 'Files', 'Bytes', 'ETA', ['Current', 'hide-narrow']],
      o.running.map(r => h('tr', {'data-running': r.job},
        h('td', {}, r.run_id ? h('a', {href: '#run/' + r.run_id}, r.job) : r.job), h('td', {}, dur(r.seconds)),
        h('td', {class: 'files'}, r.files_done === null ? '–' : r.files_done + (r.files_total ? ' / ' + r.files_total : '')),
        h('td', {class: 'bytes'}, bytes(r.bytes_done) + (r.bytes_total ? ' / ' + bytes(r.bytes_total) : '')),
        h('td', {class: 'eta'}, dur(r.eta_seconds)), h('td', {class: 'hide-narrow'}, r.current || '')))));
  }
  const services = [...o.services].sort(worstFirst);
  for (const s of services) {
    out.push(h('section', {'aria-labelledby': 'svc-' + s.name, 'data-service': s.name},
      h('h2', {id: 'svc-' + s.name}, s.name, ' ', badge(s.health), ' ', h('span', {class: 'muted'}, s.classification + ' · ' + s.namespace)),
      table(null, ENTRY_HEADS, [...s.entries].sort(worstFirst).map(e => entryRow(e, true)))));
  }
  if (o.maintenance.length) {
    out.push(h('h2', {}, 'Checks, copies and verifications'),
      table(null, ENTRY_HEADS, [...o.maintenance].sort(worstFirst).map(e => entryRow(e, true))));
  }
  out.push(h('h2', {}, 'Next runs'), table(null, ['When', 'Job'], o.next_runs.map(n => h('tr', {}, h('td', {}, when(n.at)), h('td', {}, n.job)))));
  return out;
}

function renderActions(list) {
  return [h('h2', {}, 'Recent actions'), table(null, ['When', 'Who', 'Action', 'Target', 'Result'],
    list.map(a => h('tr', {'data-action': a.id}, h('td', {}, when(a.time)), h('td', {}, a.who), h('td', {}, a.action), h('td', {}, a.target),
      h('td', {title: a.detail}, a.result))))];
}

function renderTests(t) {
  const rows = t.tests.map(x => h('tr', {'data-test': x.test},
    h('td', {}, x.test), h('td', {}, x.type),
    h('td', {}, x.last ? badge(x.last.result) : badge('never', 'none'), x.due ? [' ', badge('OVERDUE')] : null),
    h('td', {}, x.last ? dur(x.last.restore_seconds) + ' / RTO ' + (x.rto_target_seconds ? dur(x.rto_target_seconds) : '–') +
      (x.last.rto_met ? '' : ' (missed)') : '–'),
    h('td', {}, when(x.next_due)), h('td', {class: 'hide-narrow'}, x.responsible),
    h('td', {}, actions(x, 'test', x.test))));
  const proto = t.protocol.map(p => h('tr', {}, h('td', {}, when(p.started)), h('td', {}, p.test), h('td', {}, badge(p.result)),
    h('td', {}, dur(p.restore_seconds)), h('td', {class: 'hide-narrow'}, bytes(p.bytes)), h('td', {}, p.findings ? h('pre', {class: 'err'}, p.findings) : '')));
  return [h('h2', {}, 'Restore tests (overdue first)'),
    table(null, ['Test', 'Type', 'Last result', 'Restore time / RTO', 'Next due', ['Responsible', 'hide-narrow'], 'Actions'], rows),
    h('h2', {}, 'Protocol, latest rows'), h('p', {}, h('a', {href: '/protocol'}, 'The full protocol'), h('span', {class: 'muted'}, ' (as hort protocol --markdown prints it; ',
      h('a', {href: '/protocol?lang=en'}, 'English'), ')')),
    table(null, ['When', 'Test', 'Result', 'Restore time', ['Bytes', 'hide-narrow'], 'Findings'], proto)];
}

function renderRepos(r) {
  const out = [h('h2', {}, 'Repositories'), table(null, ['Name', 'Size', 'Snapshots', 'Last check', 'Locks', 'Offsite copy age'],
    r.repositories.map(x => h('tr', {},
      h('td', {}, x.name, h('div', {class: 'muted'}, x.url)), h('td', {}, bytes(x.size_bytes)), h('td', {}, x.snapshots ?? '–'),
      h('td', {}, x.last_check ? [badge(x.last_check.result), ' ', when(x.last_check.ended)] : badge('never', 'none')),
      h('td', {}, x.locks ? x.locks + ' (oldest ' + dur(x.oldest_lock_age_seconds) + ')' : (x.locks === 0 ? 'none' : '–')),
      h('td', {}, x.offsite.length ? x.offsite.map(c => h('div', {}, c.name + ' → ' + c.to + ': ' + (c.age_seconds === null ? 'never' : dur(c.age_seconds)))) : '–'))))];
  if (r.volume_stores.length) {
    out.push(h('h2', {}, 'Longhorn volume stores'), table(null, ['Store', 'Volume', 'Last backup', 'Size', 'Backups', 'Verified'],
      r.volume_stores.flatMap(s => s.volumes.map(v => h('tr', {}, h('td', {}, s.name), h('td', {}, v.volume), h('td', {}, when(v.last_backup_time)),
        h('td', {}, bytes(v.size_bytes)), h('td', {}, v.backups), h('td', {}, v.verify_result))))));
  }
  if (r.velero_locations.length) {
    out.push(h('h2', {}, 'Velero locations'), table(null, ['Location', 'Verified', 'Backups', 'Failing', 'Newest'],
      r.velero_locations.map(v => h('tr', {}, h('td', {}, v.name), h('td', {}, when(v.verified)), h('td', {}, v.backups),
        h('td', {}, v.failed), h('td', {}, v.newest_name + ' ' + when(v.newest_completed))))));
  }
  return out;
}

function renderHistory(hist) {
  const now = Date.now(), day = 86400000;
  const rows = hist.entries.map(e => {
    const cells = [];
    for (let d = hist.days - 1; d >= 0; d--) {
      const from = now - (d + 1) * day, to = now - d * day;
      const runs = e.runs.filter(r => { const t = Date.parse(r.started); return t >= from && t < to; });
      const failed = runs.some(r => r.result === 'failed'), last = runs[runs.length - 1];
      const cls = !runs.length ? '' : failed ? 'failed' : runs.some(r => r.result === 'partial') ? 'partial' : last.result;
      const tip = runs.map(r => `${new Date(r.started).toLocaleString()} ${r.result} ${dur(r.duration_seconds)} ${bytes(r.bytes_added)}`).join('\n') || 'no run';
      cells.push(last ? h('a', {href: '#run/' + last.id, class: cls, title: tip, 'aria-label': tip}) : h('span', {title: tip}));
    }
    const last = e.runs[e.runs.length - 1];
    return h('tr', {}, h('td', {}, e.job), h('td', {}, h('div', {class: 'days'}, cells)),
      h('td', {}, e.runs.length), h('td', {class: 'hide-narrow'}, last ? dur(last.duration_seconds) + ', ' + bytes(last.bytes_added) : '–'));
  });
  return [h('h2', {}, `Runs of the last ${hist.days} days (oldest left)`),
    table(null, ['Job', 'Days', 'Runs', ['Last: duration, added', 'hide-narrow']], rows)];
}

function renderRun(r) {
  const dl = h('dl', {});
  for (const [k, v] of [['Job', r.job], ['Result', badge(r.result)], ['Trigger', r.trigger], ['Started', when(r.started)],
    ['Ended', when(r.ended)], ['Duration', dur(r.duration_seconds)], ['Snapshot', r.snapshot_id || '–'],
    ['Bytes added', bytes(r.bytes_added)], ['Files', r.files], ['Attempt', r.attempt]]) dl.append(h('dt', {}, k), h('dd', {}, v));
  if (r.progress) dl.append(h('dt', {}, 'Progress'), h('dd', {}, r.progress.files_done + ' files, ' + bytes(r.progress.bytes_done)));
  return [h('h2', {}, 'Run ' + r.id), dl, r.error ? [h('h2', {}, 'Error'), h('pre', {class: 'err'}, r.error)] : null,
    h('h2', {}, 'Log'), h('pre', {class: 'log'}, r.log.length ? r.log.map(l => new Date(l.time).toLocaleTimeString() + ' ' + l.line).join('\n') : 'no lines kept')];
}

const VIEWS = {
  overview: ['/api/v1/overview', renderOverview], tests: ['/api/v1/tests', renderTests],
  repos: ['/api/v1/repositories', renderRepos], history: ['/api/v1/history?days=30', renderHistory],
};
async function refresh() {
  clearTimeout(timer);
  const hash = location.hash.slice(1) || 'overview';
  const run = hash.match(/^run\/(\d+)$/);
  view = run ? 'run' : (VIEWS[hash] ? hash : 'overview');
  for (const a of document.querySelectorAll('nav a')) a.toggleAttribute('aria-current', a.dataset.view === view) && a.setAttribute('aria-current', 'page');
  const [path, render] = run ? ['/api/v1/runs/' + run[1], renderRun] : VIEWS[view];
  try {
    if (auth === null) {
      auth = await api('/api/v1/session').catch(e => ({actions: false, signin: e.status === 401}));
      renderAuth();
    }
    const data = await api(path);
    const parts = render(data).flat().filter(Boolean);
    if (view === 'overview' && auth.actions) {
      const recent = await api('/api/v1/actions').catch(() => ({actions: []}));
      if (recent.actions.length) parts.push(renderActions(recent.actions.slice(0, 10)));
    }
    document.getElementById('main').replaceChildren(...parts.flat());
    document.getElementById('updated').textContent = 'updated ' + new Date().toLocaleTimeString();
  } catch (e) {
    if (e.status === 401) {
      auth = {actions: false, signin: true};
      renderAuth();
      document.getElementById('main').replaceChildren(h('p', {class: 'summary bad', role: 'status'},
        'Sign in to see the dashboard (serve.auth).'));
    }
    document.getElementById('updated').textContent = String(e.message || e);
  }
  timer = setTimeout(refresh, POLL_MS);
}
window.addEventListener('hashchange', refresh);
refresh();
