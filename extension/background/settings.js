/* Settings: one defaults object, the user's local storage, and the administrator's managed storage on top. */
'use strict';

const AtesakiSettings = (() => {
  /** Every setting and its default; CONTRACT.md "Extension" names them. */
  const DEFAULTS = Object.freeze({
    serverUrl: 'http://127.0.0.1:8765', // the local service
    token: '', // pairing token from `atesaki token` or native messaging
    webmailHosts: [], // extra origins where the Roundcube adapter runs
    siteProfiles: [], // site profiles for other webmails (docs/site-profiles.md)
  });
  const KEYS = Object.keys(DEFAULTS);

  // Chromium answers chrome.storage.managed only once its policy service is up: about 5 s after
  // start-up with no policy at all. A Send must not wait for that, so the first reads go on
  // without it and the answer is cached (and re-applied) when it comes.
  const MANAGED_WAIT_MS = 50;
  let managedCache = null;
  let managedPending = null;
  const managedListeners = [];

  function fetchManaged() {
    if (!managedPending) {
      managedPending = Promise.resolve()
        .then(() => chrome.storage.managed.get(KEYS))
        .then((values) => values || {}, () => ({})) // no schema applies (Firefox without policies)
        .then((values) => {
          managedCache = values;
          managedWaited = false;
          managedPending = null;
          for (const listener of managedListeners) listener(values);
          return values;
        });
    }
    return managedPending;
  }

  let managedWaited = false;

  async function readManaged() {
    if (managedCache) return managedCache;
    if (managedWaited) return {}; // still not answered: do not make every call wait again
    managedWaited = true;
    const late = new Promise((resolve) => setTimeout(() => resolve({}), MANAGED_WAIT_MS));
    return Promise.race([fetchManaged(), late]);
  }

  /** Call `listener(values)` whenever the administrator's values have been (re)read. */
  function onManagedLoaded(listener) {
    managedListeners.push(listener);
  }

  chrome.storage.onChanged.addListener((changes, area) => {
    if (area === 'managed') {
      managedCache = null;
      fetchManaged();
    }
  });
  fetchManaged();

  /** The settings in force: defaults, then local, then managed (an administrator wins). */
  async function load() {
    const local = await chrome.storage.local.get(KEYS);
    const managed = await readManaged();
    const settings = { ...DEFAULTS };
    for (const key of KEYS) {
      if (local[key] !== undefined && local[key] !== null) settings[key] = local[key];
    }
    for (const key of ['serverUrl', 'token']) {
      if (typeof managed[key] === 'string' && managed[key]) settings[key] = managed[key];
    }
    const localHosts = Array.isArray(local.webmailHosts) ? local.webmailHosts : [];
    const managedHosts = Array.isArray(managed.webmailHosts) ? managed.webmailHosts : [];
    settings.webmailHosts = [...new Set([...managedHosts, ...localHosts])];
    settings.serverUrl = String(settings.serverUrl).replace(/\/+$/, '');
    // Profiles are not merged: the administrator's come first and cannot be edited by the user.
    settings.siteProfiles = Array.isArray(local.siteProfiles) ? local.siteProfiles : [];
    const managedProfiles = Array.isArray(managed.siteProfiles) ? managed.siteProfiles : [];
    return { settings, managed, managedHosts, managedProfiles };
  }

  return { DEFAULTS, KEYS, load, onManagedLoaded };
})();
