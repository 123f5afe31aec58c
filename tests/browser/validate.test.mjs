// The check-in form's display-name rules, which mirror DisplayName::parse in
// src/core/validate.rs. The cases are those of the Rust tests.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { NAME_MAX_CHARS, parseDisplayName } from '../../static/js/validate.js';

test('names of any script are accepted', () => {
  const names = ['Ada Lovelace', 'Jürgen Groß-Müller', 'O’Brien', "O'Brien", 'Dr. Ana María Núñez', '李小龍',
    'Παναγιώτης', 'Алёна', 'محمد', 'नमस्ते', 'José', 'Jose\u0301', 'Smith, John'];
  for (const name of names) {
    assert.deepEqual(parseDisplayName(name), { ok: true, name }, `${name} was rejected`);
  }
});

test('names are trimmed and collapsed', () => {
  assert.deepEqual(parseDisplayName('  Ada   Lovelace '), { ok: true, name: 'Ada Lovelace' });
  assert.deepEqual(parseDisplayName('Ada\u00A0Lovelace'), { ok: true, name: 'Ada Lovelace' });
});

test('name length limits', () => {
  assert.deepEqual(parseDisplayName(''), { ok: false, error: 'empty' });
  assert.deepEqual(parseDisplayName('   '), { ok: false, error: 'empty' });
  assert.equal(parseDisplayName('a'.repeat(NAME_MAX_CHARS)).ok, true);
  assert.deepEqual(parseDisplayName('a'.repeat(NAME_MAX_CHARS + 1)), { ok: false, error: 'too-long' });
  assert.equal(parseDisplayName('ü'.repeat(NAME_MAX_CHARS)).ok, true, 'length counts characters, not bytes');
  assert.equal(parseDisplayName('李'.repeat(NAME_MAX_CHARS)).ok, true);
});

test('control and bidi characters are rejected', () => {
  const names = ['Ada\u0000', 'Ada\nLovelace', 'Ada\tL', '\u202EadA', 'Ada\u2066x', 'A\u200Bda', 'Ada\uFEFF',
    'Ada\u200F', '\u001b[31mAda', 'Ada\u00AD', 'Ada\uE000'];
  for (const name of names) {
    assert.deepEqual(parseDisplayName(name), { ok: false, error: 'forbidden-character' }, JSON.stringify(name));
  }
});

test('digits and symbols are rejected', () => {
  for (const name of ['<script>', 'Ada 123', 'a@b.c', '😀', '...', '--', 'Ada; Lovelace', 'Ada_Lovelace']) {
    assert.deepEqual(parseDisplayName(name), { ok: false, error: 'not-a-letter' }, JSON.stringify(name));
  }
});
