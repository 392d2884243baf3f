/* The service client: every call to the local Atesaki service goes through here, with a 3 s limit. */
'use strict';

const AtesakiClient = (() => {
  const TIMEOUT_MS = 3000;

  function text(key, fallback) {
    return (chrome.i18n && chrome.i18n.getMessage(key)) || fallback;
  }

  function failure(error, status, messageKey, fallback, detail) {
    return {
      ok: false,
      error,
      status,
      message: text(messageKey, fallback) + (detail ? ' (' + detail + ')' : ''),
    };
  }

  // A lone surrogate (half an emoji cut off in a draft) is not text the service can
  // read: it refuses such a body as invalid JSON. Send U+FFFD in its place instead.
  const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

  function wellFormed(key, value) {
    return typeof value === 'string' ? value.replace(LONE_SURROGATE, '\uFFFD') : value;
  }

  /**
   * Call the service; always resolves to the JSON body with `ok`, or an error object
   * {ok:false, error, message, status}. Never throws: the caller fails closed on ok:false.
   */
  async function call(method, path, body) {
    const { settings } = await AtesakiSettings.load();
    if (!settings.token) {
      return failure('not_paired', 0, 'errorNotPaired', 'Not paired with the Atesaki service.');
    }
    let response;
    try {
      response = await fetch(settings.serverUrl + path, {
        method,
        headers: {
          'X-Atesaki-Token': settings.token,
          'Content-Type': 'application/json',
          'Accept-Language': chrome.i18n.getUILanguage(),
        },
        body: body === undefined ? undefined : JSON.stringify(body, wellFormed),
        signal: AbortSignal.timeout(TIMEOUT_MS),
        cache: 'no-store',
        credentials: 'omit',
      });
    } catch (error) {
      if (error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
        return failure('timeout', 0, 'errorTimeout', 'The Atesaki service did not answer within 3 seconds.');
      }
      return failure('service_down', 0, 'errorServiceDown', 'The Atesaki service is not running.', settings.serverUrl);
    }
    let data = null;
    try {
      data = await response.json();
    } catch (error) {
      data = null;
    }
    if (response.status === 401) {
      return failure('unauthorized', 401, 'errorUnauthorized', 'The pairing token was refused.');
    }
    if (!response.ok) {
      if (data && typeof data === 'object' && data.error) {
        return { ok: false, status: response.status, error: data.error, message: data.message || data.error };
      }
      return failure('http_' + response.status, response.status, 'errorHttp', 'The Atesaki service answered with an error.', 'HTTP ' + response.status);
    }
    if (!data || typeof data !== 'object') {
      return failure('bad_response', response.status, 'errorBadResponse', 'The Atesaki service sent an answer that cannot be read.');
    }
    return { ok: true, status: response.status, ...data };
  }

  /** Health without a token (GET /v1/health), for the connection test. */
  async function health() {
    const { settings } = await AtesakiSettings.load();
    try {
      const response = await fetch(settings.serverUrl + '/v1/health', {
        signal: AbortSignal.timeout(TIMEOUT_MS),
        cache: 'no-store',
        credentials: 'omit',
      });
      return { ok: response.ok, status: response.status };
    } catch (error) {
      return failure('service_down', 0, 'errorServiceDown', 'The Atesaki service is not running.', settings.serverUrl);
    }
  }

  return { TIMEOUT_MS, call, health };
})();
