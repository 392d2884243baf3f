/* Unit tests of site profiles in common/profiles.js: the format, host matching, which profile a page gets. */
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const PR = require('../common/profiles.js');
const ROUNDCUBE = require('../content/profiles/roundcube.json');
const SOGO = require('../../docs/profiles/sogo.json');

const codes = (problems) => problems.map((p) => `${p.path}:${p.code}`);
const copy = (value) => JSON.parse(JSON.stringify(value));

test('the shipped Roundcube profile and the documented SOGo profile are valid', () => {
  assert.deepEqual(PR.validate(ROUNDCUBE, { builtin: true }), []);
  assert.deepEqual(PR.validate(SOGO), []);
});

const BROKEN = [
  ['a misspelt key is named, not ignored', (p) => { p.sned = p.send; delete p.send; }, ['send:missing', 'sned:unknown']],
  ['a missing compose root is named', (p) => { delete p.compose.root; }, ['compose.root:missing']],
  ['a recipient field needs text or chips', (p) => { delete p.recipients.cc.chips; }, ['recipients.cc:no_source']],
  ['a host must name its scheme', (p) => { p.hosts = ['mail.example.jp/webmail']; }, ['hosts[0]:host']],
  ['no hosts at all is an error for a site profile', (p) => { p.hosts = []; }, ['hosts:empty']],
  ['a shortcut must name real modifiers', (p) => { p.send.shortcuts = ['Strg+Enter']; }, ['send.shortcuts[0]:shortcut']],
  ['a key code must be a number', (p) => { p.recipients.to.add.keyCode = '188'; }, ['recipients.to.add.keyCode:type']],
  ['an id is lower-case letters and digits', (p) => { p.id = 'SOGo mail'; }, ['id:id']],
];
for (const [name, breakIt, expected] of BROKEN) {
  test(name, () => {
    const profile = copy(SOGO);
    breakIt(profile);
    assert.deepEqual(codes(PR.validate(profile)).sort(), expected.sort());
  });
}

test('a selector the browser cannot parse is named with its path', () => {
  const profile = copy(SOGO);
  profile.recipients.to.chips.chip = 'md-chip[[';
  const check = (css) => { if (css.includes('[[')) throw new SyntaxError('bad'); };
  assert.deepEqual(codes(PR.validate(profile, { checkSelector: check })), ['recipients.to.chips.chip:selector']);
});

test('parseList reports JSON errors and places problems in a list', () => {
  assert.equal(PR.parseList('{"id": ').problems[0].code, 'json');
  const second = { ...copy(SOGO), id: 'second' };
  delete second.send;
  const { problems } = PR.parseList(JSON.stringify([SOGO, second]));
  assert.deepEqual(codes(problems), ['[1].send:missing']);
  assert.deepEqual(codes(PR.parseList(JSON.stringify([SOGO, SOGO])).problems), ['[1].id:duplicate']);
});

const HOSTS = [
  ['the exact origin', 'https://mail.example.jp', 'https://mail.example.jp/SOGo/so/u/Mail', true],
  ['another scheme', 'https://mail.example.jp', 'http://mail.example.jp/', false],
  ['another port', 'http://127.0.0.1:8080', 'http://127.0.0.1:8081/', false],
  ['the same port', 'http://127.0.0.1:8080', 'http://127.0.0.1:8080/SOGo/', true],
  ['a subdomain under a wildcard', 'https://*.example.jp', 'https://webmail.tokyo.example.jp/', true],
  ['a lookalike suffix is not a subdomain', 'https://*.example.jp', 'https://evil-example.jp/', false],
  ['a host is not a prefix', 'https://mail.example.jp', 'https://mail.example.jp.evil.com/', false],
  ['a page under the path prefix', 'https://intra.example.jp/webmail/', 'https://intra.example.jp/webmail/compose?x=1', true],
  ['a page outside the path prefix', 'https://intra.example.jp/webmail/', 'https://intra.example.jp/wiki/', false],
];
for (const [name, host, url, expected] of HOSTS) {
  test(`host matching: ${name}`, () => {
    assert.equal(PR.hostMatches({ hosts: [host] }, url), expected);
  });
}

test('host patterns for registration leave the port out', () => {
  assert.equal(PR.hostPattern('http://127.0.0.1:8080'), 'http://127.0.0.1/*');
  assert.equal(PR.hostPattern('https://*.example.jp'), 'https://*.example.jp/*');
  assert.equal(PR.hostPattern('ftp://x'), null);
  assert.equal(PR.hostPattern('https://intra.example.jp/webmail/'), 'https://intra.example.jp/*');
});

test('a page gets the administrator\'s profile first, then the user\'s, then Roundcube on its hosts', () => {
  const admin = { ...copy(SOGO), id: 'admin' };
  const mine = { ...copy(SOGO), id: 'mine' };
  const builtins = { roundcube: ROUNDCUBE };
  const url = 'https://mail.example.jp/SOGo/';
  assert.equal(PR.choose(url, { managed: [admin], local: [mine], builtins }).profile.id, 'admin');
  assert.equal(PR.choose(url, { local: [mine], builtins }).source, 'local');
  const rc = PR.choose('http://127.0.0.1:9000/?_task=mail', { builtins, webmailHosts: ['http://127.0.0.1:9000'] });
  assert.equal(rc.profile.id, 'roundcube');
  assert.deepEqual(rc.problems, []);
  assert.equal(PR.choose('https://other.example.jp/', { local: [mine], builtins }), null);
});

test('a broken profile for the page is returned with its problems, so the page can block', () => {
  const broken = copy(SOGO);
  delete broken.send;
  const chosen = PR.choose('https://mail.example.jp/', { managed: [broken] });
  assert.deepEqual(codes(chosen.problems), ['send:missing']);
});

test('problems read as sentences in the page language', () => {
  const t = (key, subs) => ({ profileProblem_missing: `${subs[0]} is missing` })[key] || '';
  assert.equal(PR.describe({ path: 'send', code: 'missing', detail: '' }, t), 'send is missing');
});
