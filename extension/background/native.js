/* Native messaging: ask the host jp.atesaki.host for the service's address and token (zero set-up pairing). */
'use strict';

const AtesakiNative = (() => {
  const HOST = 'jp.atesaki.host';
  let pending = null;
  let lastResult = null;

  async function ask() {
    if (!chrome.runtime.sendNativeMessage) return { ok: false, error: 'unavailable' };
    let answer;
    try {
      // Firefox does not tell the host our moz-extension:// origin (Chrome passes it as an
      // argument); the host accepts this field only from an add-on it was installed for.
      const origin = new URL(chrome.runtime.getURL('')).origin;
      answer = await chrome.runtime.sendNativeMessage(HOST, { type: 'hello', origin });
    } catch (error) {
      // No host installed, or not allowed for this extension: pasting a token stays the fallback.
      return { ok: false, error: 'unavailable', message: String(error && error.message) };
    }
    if (!answer || typeof answer.serverUrl !== 'string' || typeof answer.token !== 'string' || !answer.token) {
      return { ok: false, error: 'bad_answer' };
    }
    await chrome.storage.local.set({ serverUrl: answer.serverUrl, token: answer.token, pairedBy: 'native' });
    return { ok: true, serverUrl: answer.serverUrl };
  }

  /** Say hello once at a time; concurrent callers share the same answer. */
  function hello() {
    if (!pending) {
      pending = ask()
        .then((result) => {
          lastResult = { ...result, at: new Date().toISOString() };
          return result;
        })
        .finally(() => {
          pending = null;
        });
    }
    return pending;
  }

  return { HOST, hello, last: () => lastResult };
})();
