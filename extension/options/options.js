/* The options page: service URL, pairing token, connection test, the Roundcube hosts and site profiles. */
'use strict';

(() => {
  const { ask, t } = AtesakiPage;
  let current = { settings: {}, managedKeys: [], managedHosts: [] };

  async function showStatus() {
    const status = document.getElementById('status');
    status.textContent = t('statusChecking');
    status.className = '';
    const answer = await ask('status');
    status.textContent = AtesakiPage.statusText(answer);
    status.className = answer.paired ? 'ok' : 'bad';
  }

  function renderHosts() {
    const list = document.getElementById('hosts');
    list.replaceChildren();
    for (const host of current.settings.webmailHosts || []) {
      const item = document.createElement('li');
      const name = document.createElement('span');
      name.textContent = host;
      item.append(name);
      if (current.managedHosts.includes(host)) {
        const note = document.createElement('span');
        note.className = 'managed';
        note.textContent = t('optionsManaged');
        item.append(note);
      } else {
        const remove = document.createElement('button');
        remove.type = 'button';
        remove.textContent = t('optionsRemoveHost');
        remove.addEventListener('click', () => saveHosts(current.settings.webmailHosts.filter((h) => h !== host)));
        item.append(remove);
      }
      list.append(item);
    }
  }

  async function load() {
    current = await ask('getSettings');
    const form = document.getElementById('connection');
    form.serverUrl.value = current.settings.serverUrl || '';
    form.token.value = current.settings.token || '';
    for (const key of ['serverUrl', 'token']) {
      const managed = current.managedKeys.includes(key);
      form[key].disabled = managed;
      document.querySelector(`[data-managed="${key}"]`).hidden = !managed;
    }
    renderHosts();
  }

  async function saveHosts(hosts) {
    const own = hosts.filter((h) => !current.managedHosts.includes(h));
    const answer = await ask('saveSettings', { values: { webmailHosts: own } });
    if (!answer.ok) {
      const error = document.getElementById('host-error');
      error.textContent = t('optionsSaveFailed', [answer.message || answer.error || '']);
      error.hidden = false;
    }
    await load();
  }

  document.getElementById('connection').addEventListener('submit', async (event) => {
    event.preventDefault();
    const form = event.target;
    const values = {};
    if (!form.serverUrl.disabled) values.serverUrl = form.serverUrl.value;
    if (!form.token.disabled) values.token = form.token.value;
    const answer = await ask('saveSettings', { values });
    // "Saved" only when the worker says so: a failed write must not look like a saved one.
    const saved = document.getElementById('saved');
    saved.textContent = answer.ok ? t('optionsSaved') : t('optionsSaveFailed', [answer.message || answer.error || '']);
    saved.className = answer.ok ? 'ok' : 'bad';
    saved.setAttribute('role', answer.ok ? 'status' : 'alert');
    saved.hidden = false;
    await load();
    showStatus();
  });

  document.getElementById('test').addEventListener('click', showStatus);

  document.getElementById('add-host').addEventListener('submit', async (event) => {
    event.preventDefault();
    const error = document.getElementById('host-error');
    error.hidden = true;
    const typed = event.target.host.value;
    const origin = AtesakiParse.normaliseOrigin(typed);
    if (!origin) {
      error.textContent = t('optionsBadHost', [typed]);
      error.hidden = false;
      return;
    }
    // Loopback is covered by the manifest; any other host needs the user's grant, asked here
    // because a permission request must come from a user gesture.
    if (!AtesakiParse.isLoopbackOrigin(origin)) {
      let granted = false;
      try {
        granted = await chrome.permissions.request({ origins: [AtesakiParse.matchPattern(origin)] });
      } catch (e) {
        granted = false;
      }
      if (!granted) {
        error.textContent = t('optionsPermissionDenied', [origin]);
        error.hidden = false;
        return;
      }
    }
    event.target.host.value = '';
    await saveHosts([...new Set([...(current.settings.webmailHosts || []), origin])]);
  });

  // --- Site profiles (docs/site-profiles.md) ---

  /** The browser's own CSS parser: throws on a selector the page could not use. */
  function checkSelector(css) {
    document.createDocumentFragment().querySelector(css);
  }

  function showProblems(problems) {
    const box = document.getElementById('profile-errors');
    const list = box.querySelector('ul');
    list.replaceChildren(...problems.map((problem) => {
      const item = document.createElement('li');
      item.dataset.path = problem.path;
      item.dataset.code = problem.code;
      item.textContent = AtesakiProfiles.describe(problem, t);
      return item;
    }));
    box.hidden = !problems.length;
  }

  async function loadProfiles() {
    const answer = await ask('getProfiles');
    const local = answer.local || [];
    document.getElementById('profiles').value = local.length ? JSON.stringify(local, null, 2) : '';
    const managed = (answer.managed || []).map((p) => (p && p.id) || '?');
    const note = document.getElementById('managed-profiles');
    note.textContent = t('optionsProfilesManaged', [managed.join(', ')]);
    note.hidden = !managed.length;
  }

  document.getElementById('site-profiles').addEventListener('submit', async (event) => {
    event.preventDefault();
    document.getElementById('profiles-saved').hidden = true;
    const text = event.target.profiles.value.trim();
    const { profiles, problems } = text ? AtesakiProfiles.parseList(text, { checkSelector }) : { profiles: [], problems: [] };
    showProblems(problems);
    if (problems.length) return;
    // Hosts other than loopback need the user's grant, asked here (a user gesture).
    const patterns = [...new Set(profiles.flatMap((p) => p.hosts.map(AtesakiProfiles.hostPattern)))]
      .filter((pattern) => !/^https?:\/\/(127\.0\.0\.1|localhost)\//.test(pattern));
    if (patterns.length) {
      let granted = false;
      try {
        granted = await chrome.permissions.request({ origins: patterns });
      } catch (e) {
        granted = false;
      }
      if (!granted) {
        showProblems([{ path: 'hosts', code: 'permission', detail: patterns.join(' ') }]);
        document.querySelector('#profile-errors li').textContent = t('optionsPermissionDenied', [patterns.join(', ')]);
        return;
      }
    }
    const saved = await ask('saveProfiles', { profiles });
    if (!saved.ok) {
      showProblems(saved.problems || [{ path: '', code: 'json', detail: saved.message || saved.error }]);
      return;
    }
    document.getElementById('profiles-saved').hidden = false;
    await loadProfiles();
  });

  AtesakiPage.translate();
  load().then(showStatus);
  loadProfiles();
})();
