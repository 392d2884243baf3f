/* Settings: one defaults object, the user's local storage, and the administrator's managed storage on top. */
'use strict';

const AtesakiSettings = (() => {
  /** Every setting and its default; CONTRACT.md "Extension" names them. */
  const DEFAULTS = Object.freeze({
    serverUrl: 'http://127.0.0.1:8765', // the local service
    token: '', // pairing token from `atesaki token` or native messaging
    webmailHosts: [], // extra origins where the Roundcube adapter runs
  });
  const KEYS = Object.keys(DEFAULTS);

  async function readManaged() {
    // Managed storage throws where no policy schema applies (Firefox without policies, tests).
    try {
      return (await chrome.storage.managed.get(KEYS)) || {};
    } catch (error) {
      return {};
    }
  }

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
    return { settings, managed, managedHosts };
  }

  /** Store the user's own values; keys outside DEFAULTS are refused. */
  async function save(values) {
    const clean = {};
    for (const [key, value] of Object.entries(values || {})) {
      if (!KEYS.includes(key)) throw new Error('unknown setting: ' + key);
      clean[key] = value;
    }
    await chrome.storage.local.set(clean);
    return load();
  }

  return { DEFAULTS, KEYS, load, save };
})();
