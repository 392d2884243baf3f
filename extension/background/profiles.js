/* Site profiles in the worker: the built-in ones shipped as data, the administrator's and the user's, per page. */
'use strict';

const AtesakiSiteProfiles = (() => {
  let builtins = null;

  /** The profiles shipped in content/profiles/, read once per worker life. */
  async function loadBuiltins() {
    if (!builtins) {
      const entries = await Promise.all(AtesakiProfiles.BUILTIN.map(async (id) => {
        const response = await fetch(chrome.runtime.getURL(`content/profiles/${id}.json`));
        return [id, await response.json()];
      }));
      builtins = Object.fromEntries(entries);
    }
    return builtins;
  }

  /**
   * The profile for a page: {ok, profile, source}, or {ok: false, error: 'bad_profile', id, problems}
   * (the page then blocks every send with that reason), or {ok: false, error: 'no_profile'}.
   */
  async function forPage(url) {
    const { settings, managedProfiles } = await AtesakiSettings.load();
    const chosen = AtesakiProfiles.choose(url, {
      managed: managedProfiles,
      local: settings.siteProfiles,
      builtins: await loadBuiltins(),
      webmailHosts: settings.webmailHosts,
      normaliseOrigin: AtesakiParse.normaliseOrigin,
    });
    if (!chosen) return { ok: false, error: 'no_profile', message: 'no site profile for this page' };
    if (chosen.problems.length) {
      return { ok: false, error: 'bad_profile', id: String(chosen.profile.id || chosen.profile.name || '?'), problems: chosen.problems, source: chosen.source };
    }
    return { ok: true, profile: chosen.profile, source: chosen.source };
  }

  /** Match patterns of every site profile's hosts (broken profiles too: their pages must block). */
  async function hostPatterns() {
    const { settings, managedProfiles } = await AtesakiSettings.load();
    const patterns = [];
    for (const profile of [...managedProfiles, ...settings.siteProfiles]) {
      for (const host of (profile && Array.isArray(profile.hosts) ? profile.hosts : [])) {
        const pattern = AtesakiProfiles.hostPattern(host);
        if (pattern) patterns.push(pattern);
      }
    }
    return [...new Set(patterns)];
  }

  return { forPage, hostPatterns, loadBuiltins };
})();
