/* The options page: service URL, pairing token, connection test and the Roundcube hosts. */
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

  AtesakiPage.translate();
  load().then(showStatus);
})();
