/* Roundcube hosts: register the content scripts at run time so a new host works without a browser restart. */
'use strict';

const AtesakiRegistration = (() => {
  const SCRIPT_ID = 'atesaki-roundcube';
  const FILES = ['common/parse.js', 'content/dom.js', 'content/profile.js', 'content/adapters/roundcube.js', 'content/dialog.js', 'content/core.js'];

  async function permitted(origin) {
    try {
      return await chrome.permissions.contains({ origins: [AtesakiParse.matchPattern(origin)] });
    } catch (error) {
      return false;
    }
  }

  let queue = Promise.resolve([]);

  /** Re-register the Roundcube content scripts for every host we may run on; returns the patterns. */
  function sync() {
    // Storage changes, permission grants and start-up can all ask at once: one at a time.
    queue = queue.catch(() => []).then(syncNow);
    return queue;
  }

  async function syncNow() {
    const { settings } = await AtesakiSettings.load();
    const patterns = [];
    for (const host of settings.webmailHosts) {
      const origin = AtesakiParse.normaliseOrigin(host);
      if (origin && (await permitted(origin))) patterns.push(AtesakiParse.matchPattern(origin));
    }
    try {
      await chrome.scripting.unregisterContentScripts({ ids: [SCRIPT_ID] });
    } catch (error) {
      // Nothing registered yet.
    }
    if (patterns.length) {
      await chrome.scripting.registerContentScripts([
        { id: SCRIPT_ID, matches: patterns, js: FILES, runAt: 'document_start', allFrames: false, persistAcrossSessions: true },
      ]);
    }
    return patterns;
  }

  return { SCRIPT_ID, FILES, sync };
})();
