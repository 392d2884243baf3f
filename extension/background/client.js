/* The service client: every call to the local Atesaki service goes through here, with a 3 s limit. */
'use strict';

const AtesakiClient = (() => {
  const TIMEOUT_MS = 3000;
  const PROBE_MS = 500; // after a failed request, how long each probe looks for a listener

  function text(key, fallback) {
    return (chrome.i18n && chrome.i18n.getMessage(key)) || fallback;
  }

  /**
   * A failed call as the dialog shows it: `message` names the cause, `hint` says what to do.
   * `error` is a stable code (the dialog's `data-error`).
   */
  function failure(error, status, messageKey, fallback, { detail, hint } = {}) {
    return {
      ok: false,
      error,
      status,
      message: text(messageKey, fallback) + (detail ? ' (' + detail + ')' : ''),
      hint: hint || '',
    };
  }

  function doctorHint() {
    return text('hintDoctor', 'What to do: run `atesaki doctor` on this PC; it says what is wrong and how to put it right.');
  }

  function pairHint() {
    const origin = chrome.runtime.getURL('').replace(/\/$/, '');
    return (chrome.i18n && chrome.i18n.getMessage('hintPair', [origin]))
      || 'What to do: pair this browser with the service: run `atesaki native-host install` (or `atesaki pair --origin '
        + origin + '`), then `atesaki doctor`.';
  }

  // The API's error shape: {"ok": false, "error": "<code>", "message": "<text>", "status": <int>}.
  function isApiError(data) {
    return Boolean(data) && typeof data === 'object' && typeof data.error === 'string' && data.error !== '';
  }

  function serviceText(data) {
    return typeof data.message === 'string' && data.message.trim() ? data.message.trim() : data.error;
  }

  async function answers(url, mode) {
    try {
      await fetch(url, { mode, cache: 'no-store', credentials: 'omit', signal: AbortSignal.timeout(PROBE_MS) });
      return true;
    } catch (error) {
      return false;
    }
  }

  /**
   * A fetch that threw without a timeout: nobody listening, a connection dropped without an
   * answer, or an answer the browser refused (CORS). Two probes of /v1/health tell them apart.
   */
  async function unreachable(serverUrl) {
    const health = serverUrl + '/v1/health';
    if (await answers(health, 'cors')) {
      return failure('no_answer', 0, 'errorNoAnswer', 'The Atesaki service closed the connection without answering.',
        { detail: serverUrl, hint: doctorHint() });
    }
    // An opaque no-cors answer proves something listens there: the browser refused what it said.
    if (await answers(health, 'no-cors')) {
      return failure('refused', 0, 'errorRefused',
        "The Atesaki service is running, but the browser refused its answer to this extension (CORS: the service does not allow this extension's origin).",
        { detail: serverUrl, hint: pairHint() });
    }
    return failure('service_down', 0, 'errorServiceDown', 'Cannot reach the Atesaki service (it may not be running).',
      { detail: serverUrl, hint: doctorHint() });
  }

  /** Turn a response that is not a usable answer into the failure that names its cause. */
  function refusal(response, data, readable) {
    const status = response.status;
    if (status === 401) {
      return failure('unauthorized', 401, 'errorUnauthorized', 'The pairing token was refused.', { hint: doctorHint() });
    }
    if (status === 403 && isApiError(data) && data.error === 'bad_origin') {
      return failure('bad_origin', 403, 'errorBadOrigin',
        'The Atesaki service does not accept requests from this extension: they are not paired.',
        { detail: serviceText(data), hint: pairHint() });
    }
    if (status === 403 && isApiError(data) && data.error === 'bad_host') {
      return failure('bad_host', 403, 'errorBadHost', 'The Atesaki service refused the address it was called at.',
        { detail: serviceText(data), hint: doctorHint() });
    }
    if (status >= 500) {
      // The service's own words, when it could still say them, name the cause best.
      const said = isApiError(data) ? ': ' + serviceText(data) : '';
      return failure('server_error', status, 'errorServer', 'The Atesaki service failed with an internal error.',
        { detail: 'HTTP ' + status + said, hint: doctorHint() });
    }
    if (!readable) {
      return failure('bad_response', status, 'errorBadResponse', 'The Atesaki service sent an answer that cannot be read.',
        { detail: 'HTTP ' + status + ', ' + (response.headers.get('Content-Type') || 'no Content-Type'), hint: doctorHint() });
    }
    if (isApiError(data)) {
      // A refusal the caller knows how to show (a wrong approval code, an expired check).
      return { ok: false, status, error: data.error, message: serviceText(data), hint: '' };
    }
    return failure('http_' + status, status, 'errorHttp', 'The Atesaki service answered with an error.',
      { detail: 'HTTP ' + status, hint: doctorHint() });
  }

  // A lone surrogate (half an emoji cut off in a draft) is not text the service can
  // read: it refuses such a body as invalid JSON. Send U+FFFD in its place instead.
  const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

  function wellFormed(key, value) {
    return typeof value === 'string' ? value.replace(LONE_SURROGATE, '\uFFFD') : value;
  }

  /**
   * Call the service; always resolves to the JSON body with `ok`, or an error object
   * {ok:false, error, message, hint, status}. Never throws: the caller fails closed on ok:false.
   * `expect(data)` says whether a 2xx body has the shape the caller needs. `timeoutMs` is
   * longer than TIMEOUT_MS only for a long-poll, whose `?wait=` the service honours.
   */
  async function call(method, path, body, expect, timeoutMs = TIMEOUT_MS) {
    const { settings } = await AtesakiSettings.load();
    if (!settings.token) {
      return failure('not_paired', 0, 'errorNotPaired', 'Not paired with the Atesaki service.', { hint: pairHint() });
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
        signal: AbortSignal.timeout(timeoutMs),
        cache: 'no-store',
        credentials: 'omit',
      });
    } catch (error) {
      if (error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
        return failure('timeout', 0, 'errorTimeout', 'The Atesaki service did not answer within 3 seconds.', { hint: doctorHint() });
      }
      return unreachable(settings.serverUrl);
    }
    let data = null;
    let readable = true;
    try {
      data = await response.json();
    } catch (error) {
      if (error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
        return failure('timeout', 0, 'errorTimeout', 'The Atesaki service did not answer within 3 seconds.', { hint: doctorHint() });
      }
      readable = false; // not JSON, or the body stopped half way
    }
    if (!response.ok) return refusal(response, data, readable);
    const shaped = readable && data !== null && typeof data === 'object' && !Array.isArray(data);
    if (!shaped || (expect && !expect(data))) {
      return failure('bad_response', response.status, 'errorBadResponse', 'The Atesaki service sent an answer that cannot be read.',
        { detail: 'HTTP ' + response.status + ', ' + (readable ? text('errorUnexpectedContent', 'unexpected content')
          : response.headers.get('Content-Type') || 'no Content-Type'), hint: doctorHint() });
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
      return failure('service_down', 0, 'errorServiceDown', 'The Atesaki service is not running.',
        { detail: settings.serverUrl, hint: doctorHint() });
    }
  }

  return { TIMEOUT_MS, call, health };
})();
