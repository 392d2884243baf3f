/* Roundcube hosts and site profiles: register the content scripts at run time so a new host works without a browser restart. */
'use strict';

const AtesakiRegistration = (() => {
  const SCRIPT_ID = 'atesaki-roundcube';
  let adapter = null;

  /**
   * The adapter registered here: the entry of adapters.json without fixed `matches` (the manifests
   * carry the others). Roundcube is a site profile too (content/profiles/roundcube.json): one
   * generic adapter reads them all. Read once per worker life.
   */
  async function registeredAdapter() {
    if (!adapter) {
      const response = await fetch(chrome.runtime.getURL('adapters.json'));
      const { adapters } = await response.json();
      adapter = adapters.find((entry) => !entry.matches);
    }
    return adapter;
  }

  async function permitted(pattern) {
    try {
      return await chrome.permissions.contains({ origins: [pattern] });
    } catch (error) {
      return false;
    }
  }

  let queue = Promise.resolve([]);

  /** Re-register the content scripts for every Roundcube host and site profile host we may run on; returns the patterns. */
  function sync() {
    // Storage changes, permission grants and start-up can all ask at once: one at a time.
    queue = queue.catch(() => []).then(syncNow);
    return queue;
  }

  async function syncNow() {
    const { settings } = await AtesakiSettings.load();
    const wanted = [];
    for (const host of settings.webmailHosts) {
      const origin = AtesakiParse.normaliseOrigin(host);
      if (origin) wanted.push(AtesakiParse.matchPattern(origin));
    }
    wanted.push(...(await AtesakiSiteProfiles.hostPatterns()));
    const patterns = [];
    for (const pattern of new Set(wanted)) if (await permitted(pattern)) patterns.push(pattern);
    try {
      await chrome.scripting.unregisterContentScripts({ ids: [SCRIPT_ID] });
    } catch (error) {
      // Nothing registered yet.
    }
    if (patterns.length) {
      const { js, run_at: runAt, all_frames: allFrames } = await registeredAdapter();
      await chrome.scripting.registerContentScripts([
        { id: SCRIPT_ID, matches: patterns, js, runAt, allFrames, persistAcrossSessions: true },
      ]);
    }
    return patterns;
  }

  return { SCRIPT_ID, registeredAdapter, sync };
})();
