/* Unit tests of the pure parsing in common/parse.js: run with `node --test extension/tests/`. */
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const P = require('../common/parse.js');

// Subject prefixes are the service's alone (tests/core/test_content.py holds the cases that
// were here): the extension only says what the webmail shows.
test('composeKind: the webmail mode is passed on, the subject is left to the service', () => {
  assert.deepEqual(P.composeKind('forward', true), { kind: 'forward', quoted: true });
  assert.deepEqual(P.composeKind('reply', false), { kind: 'reply', quoted: false });
  assert.deepEqual(P.composeKind(null, true), { kind: null, quoted: true });
  assert.deepEqual(P.composeKind(null, undefined), { kind: null, quoted: false });
});

const LISTS = [
  ['a bare address', 'a@example.jp', [{ name: '', address: 'a@example.jp' }]],
  ['a name and an address', '佐藤 健二 <k.sato@example.com>', [{ name: '佐藤 健二', address: 'k.sato@example.com' }]],
  ['a quoted name with a comma', '"Sato, Kenji" <k@x.jp>, b@y.jp', [{ name: 'Sato, Kenji', address: 'k@x.jp' }, { name: '', address: 'b@y.jp' }]],
  ['an unquoted name with a comma stays one person', 'Sato, Kenji <k@x.jp>, b@y.jp', [{ name: 'Sato, Kenji', address: 'k@x.jp' }, { name: '', address: 'b@y.jp' }]],
  ['semicolons as Outlook writes them', 'a@x.jp; b@y.jp;', [{ name: '', address: 'a@x.jp' }, { name: '', address: 'b@y.jp' }]],
  ['Japanese comma between addresses', 'a@x.jp、b@y.jp', [{ name: '', address: 'a@x.jp' }, { name: '', address: 'b@y.jp' }]],
  ['zero-width spaces between chips are dropped', '\u200ba@x.jp\u200b', [{ name: '', address: 'a@x.jp' }]],
  ['an empty field gives nothing', ' , ', []],
];

for (const [title, text, expected] of LISTS) {
  test(`splitAddressList: ${title}`, () => {
    assert.deepEqual(P.splitAddressList(text), expected);
  });
}

test('firstAddress finds the address in an Outlook chip label', () => {
  assert.equal(P.firstAddress('佐藤 健二 k.sato@example.com'), 'k.sato@example.com');
  assert.equal(P.firstAddress('Sato Kenji <k.sato@example.com>.'), 'k.sato@example.com');
  assert.equal(P.firstAddress('佐藤 健二'), '');
});

test('canonicalList lower-cases the domain only, IDNA-encodes it, and sorts', () => {
  const list = P.canonicalList([
    { field: 'to', address: 'Kenji@Example.COM' },
    { field: 'bcc', address: 'a@例え.jp' },
  ]);
  assert.equal(list, 'bcc:a@xn--r8jz45g.jp\nto:Kenji@example.com');
});

test('sameRecipients notices an added Bcc and ignores order', () => {
  const checked = [{ field: 'to', address: 'a@x.jp' }, { field: 'cc', address: 'b@y.jp' }];
  assert.ok(P.sameRecipients(checked, [...checked].reverse()));
  assert.ok(!P.sameRecipients(checked, [...checked, { field: 'bcc', address: 'c@z.jp' }]));
  assert.ok(!P.sameRecipients(checked, [{ field: 'to', address: 'a@x.jp' }, { field: 'to', address: 'b@y.jp' }]));
});

test('splitAddress separates the domain for emphasis', () => {
  assert.deepEqual(P.splitAddress('m-sato@agency.go.jp'), { local: 'm-sato', domain: 'agency.go.jp' });
  assert.deepEqual(P.splitAddress('佐藤'), { local: '佐藤', domain: '' });
});

const ORIGINS = [
  ['a full https origin', 'https://mail.example.jp/', 'https://mail.example.jp'],
  ['a bare host becomes https', 'mail.example.jp', 'https://mail.example.jp'],
  ['a loopback port is kept', 'http://127.0.0.1:8080/roundcube/', 'http://127.0.0.1:8080'],
  ['another scheme is refused', 'ftp://mail.example.jp', ''],
  ['nonsense is refused', 'http://', ''],
];

for (const [title, text, expected] of ORIGINS) {
  test(`normaliseOrigin: ${title}`, () => {
    assert.equal(P.normaliseOrigin(text), expected);
  });
}

test('isLoopbackOrigin: only 127.0.0.1, localhost and [::1]', () => {
  assert.ok(P.isLoopbackOrigin('http://127.0.0.1:8080'));
  assert.ok(P.isLoopbackOrigin('http://localhost'));
  assert.ok(P.isLoopbackOrigin('http://[::1]:80'));
  assert.ok(!P.isLoopbackOrigin('https://mail.example.jp'));
});

test('uniqueRecipients keeps the first of a repeated field:address', () => {
  const list = P.uniqueRecipients([
    { field: 'to', address: 'a@x.jp', name: 'A' },
    { field: 'to', address: 'A@x.jp', name: '' },
    { field: 'cc', address: 'a@x.jp', name: '' },
  ]);
  assert.equal(list.length, 2);
  assert.equal(list[0].name, 'A');
});

const GOOD_CHECK = {
  check_id: 'c_1',
  verdict: 'confirm',
  digest: '0'.repeat(64),
  recipients: [{ field: 'to', address: 'k.sato@example.com', findings: [{ code: 'first_time', severity: 'warn' }] }],
  findings: [],
};

const CHECK_SHAPES = [
  ['the service\'s own answer is readable', GOOD_CHECK, true],
  ['an empty recipient list is still an answer', { ...GOOD_CHECK, recipients: [] }, true],
  ['no check_id', { ...GOOD_CHECK, check_id: undefined }, false],
  ['a verdict the dialog does not know', { ...GOOD_CHECK, verdict: 'ok' }, false],
  ['no verdict at all', { status: 'ok' }, false],
  ['recipients that are not a list', { ...GOOD_CHECK, recipients: 'k.sato@example.com' }, false],
  ['a recipient with no address', { ...GOOD_CHECK, recipients: [{ field: 'to' }] }, false],
  ['findings that are not a list', { ...GOOD_CHECK, findings: {} }, false],
  ['a finding with no code', { ...GOOD_CHECK, findings: [{ severity: 'high' }] }, false],
  ['a list, not an object', [GOOD_CHECK], false],
  ['null', null, false],
];

for (const [title, data, expected] of CHECK_SHAPES) {
  test(`isCheckAnswer: ${title}`, () => {
    assert.equal(P.isCheckAnswer(data), expected);
  });
}
