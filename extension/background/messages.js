/* The one message protocol: {action, args} from content scripts and extension pages, checked by sender. */
'use strict';

const AtesakiMessages = (() => {
  const RECENT_SENDS = 20;
  const REMOTE_WAIT_S = 20; // one long-poll for a checker's decision (the service allows 25)
  // Errors after which the service may have moved, restarted, changed token or lost this
  // extension's origin: ask the native host again (its hello also re-adds our origin).
  const REPAIR_ERRORS = new Set(['service_down', 'timeout', 'unauthorized', 'not_paired', 'bad_origin', 'refused']);

  function afterCall(result) {
    if (!result.ok && REPAIR_ERRORS.has(result.error)) AtesakiNative.hello();
    return result;
  }

  // One write at a time per key: two tabs sending at once would otherwise both read the
  // same list and the second write would drop the first tab's entry.
  const writing = {};

  function remember(key, value, limit) {
    const next = (writing[key] || Promise.resolve()).catch(() => {}).then(() => rememberNow(key, value, limit));
    writing[key] = next;
    return next;
  }

  async function rememberNow(key, value, limit) {
    if (!limit) return chrome.storage.local.set({ [key]: value });
    const stored = (await chrome.storage.local.get(key))[key];
    const list = Array.isArray(stored) ? stored : [];
    list.unshift(value);
    return chrome.storage.local.set({ [key]: list.slice(0, limit) });
  }

  /** Actions a webmail page's content script may ask for. */
  const CONTENT_ACTIONS = {
    async check({ request }) {
      const result = afterCall(await AtesakiClient.call('POST', '/v1/check', request, AtesakiParse.isCheckAnswer));
      await remember('lastCheck', {
        at: new Date().toISOString(),
        ok: result.ok,
        verdict: result.verdict || null,
        error: result.ok ? null : result.error,
        subject: request && request.subject ? String(request.subject).slice(0, 200) : '',
        recipients: (request && request.recipients ? request.recipients.length : 0),
      });
      return result;
    },
    async profile(args, sender) {
      // The page's own URL as the browser reports it, never one the page could claim.
      return AtesakiSiteProfiles.forPage((sender && (sender.url || (sender.tab && sender.tab.url))) || '');
    },
    async resolve({ names }) {
      // Name-only Outlook chips: the service answers only exact, unique staff-directory matches.
      return afterCall(await AtesakiClient.call('POST', '/v1/resolve', { names: Array.isArray(names) ? names.slice(0, 50) : [] }));
    },
    async checkers() {
      return afterCall(await AtesakiClient.call('GET', '/v1/checkers'));
    },
    async approve({ check_id, checker, code }) {
      return afterCall(await AtesakiClient.call('POST', '/v1/approvals', { check_id, checker, code }));
    },
    // Approvals from a checker at another desk, through the central service (issue 17).
    async remoteCheckers() {
      return afterCall(await AtesakiClient.call('GET', '/v1/remote-approvals/checkers'));
    },
    async remoteAsk({ check_id, checker, subject }) {
      return afterCall(await AtesakiClient.call('POST', '/v1/remote-approvals',
        { check_id, checker, subject: String(subject || '').slice(0, 1000) }));
    },
    async remoteWait({ request_id, wait }) {
      const seconds = Math.min(REMOTE_WAIT_S, Math.max(0, Number(wait) || 0));
      return afterCall(await AtesakiClient.call('GET',
        '/v1/remote-approvals/' + encodeURIComponent(String(request_id)) + '?wait=' + seconds,
        undefined, null, (seconds + 10) * 1000));
    },
    async remoteRelease({ request_id, check_id }) {
      return afterCall(await AtesakiClient.call('POST',
        '/v1/remote-approvals/' + encodeURIComponent(String(request_id)) + '/release', { check_id }));
    },
    async recordSend({ check_id, recipients, release_token, subject }) {
      const result = afterCall(
        await AtesakiClient.call('POST', '/v1/sends', { check_id, recipients, release_token: release_token || null }),
      );
      await remember(
        'recentSends',
        { check_id, at: new Date().toISOString(), subject: String(subject || '').slice(0, 200), recipients, recorded: result.ok },
        RECENT_SENDS,
      );
      return result;
    },
  };

  /** Actions only the extension's own pages (options, popup) may ask for. */
  const PAGE_ACTIONS = {
    async status() {
      const { settings, managed } = await AtesakiSettings.load();
      const health = await AtesakiClient.health();
      const auth = health.ok ? await AtesakiClient.call('GET', '/v1/checkers') : health;
      const stored = await chrome.storage.local.get(['lastCheck', 'pairedBy']);
      return {
        ok: true,
        serverUrl: settings.serverUrl,
        reachable: Boolean(health.ok),
        paired: Boolean(auth.ok),
        error: auth.ok ? null : auth.error,
        message: auth.ok ? '' : auth.message,
        hint: auth.ok ? '' : auth.hint || '',
        pairedBy: stored.pairedBy || null,
        managedKeys: Object.keys(managed),
        lastCheck: stored.lastCheck || null,
        native: AtesakiNative.last(),
      };
    },
    async getSettings() {
      const { settings, managed, managedHosts } = await AtesakiSettings.load();
      return { ok: true, settings, managedKeys: Object.keys(managed), managedHosts };
    },
    async saveSettings({ values }) {
      const clean = {};
      if (typeof values.serverUrl === 'string') clean.serverUrl = values.serverUrl.trim();
      if (typeof values.token === 'string') {
        clean.token = values.token.trim();
        clean.pairedBy = 'manual';
      }
      if (Array.isArray(values.webmailHosts)) {
        clean.webmailHosts = values.webmailHosts.map(AtesakiParse.normaliseOrigin).filter(Boolean);
      }
      await chrome.storage.local.set(clean);
      const patterns = await AtesakiRegistration.sync();
      return { ok: true, patterns };
    },
    async hello() {
      return AtesakiNative.hello();
    },
    async recentSends() {
      const stored = await chrome.storage.local.get('recentSends');
      return { ok: true, sends: stored.recentSends || [] };
    },
    async reportIncident({ check_id, address, note }) {
      return afterCall(await AtesakiClient.call('POST', '/v1/incidents', { check_id: check_id || null, address, note }));
    },
    async getProfiles() {
      const { settings, managedProfiles } = await AtesakiSettings.load();
      return { ok: true, local: settings.siteProfiles, managed: managedProfiles, builtin: AtesakiProfiles.BUILTIN };
    },
    async saveProfiles({ profiles }) {
      // The options page validated them with the browser's selector parser; check the shape again here.
      const list = Array.isArray(profiles) ? profiles : [];
      const problems = list.flatMap((p, i) => AtesakiProfiles.validate(p).map((q) => ({ ...q, path: `[${i}].${q.path}` })));
      if (problems.length) return { ok: false, error: 'bad_profile', problems };
      await chrome.storage.local.set({ siteProfiles: list });
      return { ok: true, patterns: await AtesakiRegistration.sync() };
    },
    async syncHosts() {
      return { ok: true, patterns: await AtesakiRegistration.sync() };
    },
    // The checker's side: the requests waiting for this PC's user, and their decision.
    async inbox() {
      return AtesakiInbox.refresh();
    },
    async decide({ request_id, decision, note }) {
      const result = afterCall(await AtesakiClient.call('POST',
        '/v1/remote-approvals/' + encodeURIComponent(String(request_id)) + '/decision',
        { decision: decision === 'approve' ? 'approve' : 'refuse', note: String(note || '').slice(0, 500) }));
      await AtesakiInbox.refresh();
      return result;
    },
  };

  function fromExtensionPage(sender) {
    return Boolean(sender.url && sender.url.startsWith(chrome.runtime.getURL('')) && !(sender.tab && /^https?:/.test(sender.tab.url || '')));
  }

  /** Route one message; refuses other extensions and privileged actions from web pages. */
  async function handle(message, sender) {
    if (!sender || sender.id !== chrome.runtime.id) return { ok: false, error: 'forbidden', message: 'not this extension' };
    const action = message && message.action;
    const args = (message && message.args) || {};
    const page = fromExtensionPage(sender);
    const table = page ? { ...CONTENT_ACTIONS, ...PAGE_ACTIONS } : CONTENT_ACTIONS;
    if (typeof action !== 'string' || !Object.hasOwn(table, action)) {
      return { ok: false, error: 'unknown_action', message: 'unknown or forbidden action: ' + action };
    }
    try {
      return await table[action](args, sender);
    } catch (error) {
      return { ok: false, error: 'extension_error', message: String((error && error.message) || error) };
    }
  }

  return { CONTENT_ACTIONS, PAGE_ACTIONS, handle };
})();
