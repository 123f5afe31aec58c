// The DOM-free parts of the in-call security features: the verification code
// from two session descriptions, the summary of getStats, and the chat limits.
// Runs in node, which has crypto.subtle.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';

import { CHAT_MAX_CHARS, RateLimit, chatText } from '../../static/js/chat.js';
import { connectionSecurity } from '../../static/js/connection-security.js';
import { fingerprintsOf, verificationCode } from '../../static/js/verify.js';

const PROVIDER_FINGERPRINT = 'sha-256 ' + Array.from({ length: 32 }, (_, i) => (i * 7).toString(16).padStart(2, '0').toUpperCase()).join(':');
const PATIENT_FINGERPRINT = 'sha-256 ' + Array.from({ length: 32 }, (_, i) => (255 - i).toString(16).toUpperCase()).join(':');

/**
 * Returns a minimal BUNDLE description with the fingerprint in two media sections, as Chromium writes it.
 * @param {string} fingerprint `algorithm HEX`
 */
function sdpWith(fingerprint) {
  return [
    'v=0', 'o=- 1 2 IN IP4 127.0.0.1', 's=-', 't=0 0', 'a=group:BUNDLE 0 1',
    'm=audio 9 UDP/TLS/RTP/SAVPF 111', 'c=IN IP4 0.0.0.0', `a=fingerprint:${fingerprint}`, 'a=setup:actpass', 'a=mid:0',
    'm=video 9 UDP/TLS/RTP/SAVPF 96', 'c=IN IP4 0.0.0.0', `a=fingerprint:${fingerprint}`, 'a=setup:actpass', 'a=mid:1',
    '',
  ].join('\r\n');
}

test('fingerprints are read and normalised', () => {
  const lowerCase = sdpWith(PROVIDER_FINGERPRINT.replace('sha-256', 'SHA-256').toLowerCase());
  assert.deepEqual(fingerprintsOf(lowerCase), [PROVIDER_FINGERPRINT], 'case is normalised and repeats collapse');
  assert.deepEqual(fingerprintsOf(sdpWith(PROVIDER_FINGERPRINT).replace(/\r\n/g, '\n')), [PROVIDER_FINGERPRINT]);
  assert.deepEqual(fingerprintsOf('v=0\r\na=fingerprint:sha-256 not-hex\r\n'), []);
  assert.deepEqual(fingerprintsOf('v=0\r\na=setup:actpass\r\n'), []);
});

test('code matches an independent computation', async () => {
  const sides = [PROVIDER_FINGERPRINT, PATIENT_FINGERPRINT].sort();
  const digest = createHash('sha256').update(['visite verification code v1', ...sides].join('\n')).digest();
  const digits = String(digest.readUInt32BE(0) % 1_000_000).padStart(6, '0');
  const expected = `${digits.slice(0, 3)} ${digits.slice(3)}`;

  assert.equal(await verificationCode(sdpWith(PROVIDER_FINGERPRINT), sdpWith(PATIENT_FINGERPRINT)), expected);
});

test('code is the same on both sides', async () => {
  const provider = await verificationCode(sdpWith(PROVIDER_FINGERPRINT), sdpWith(PATIENT_FINGERPRINT));
  const patient = await verificationCode(sdpWith(PATIENT_FINGERPRINT), sdpWith(PROVIDER_FINGERPRINT));
  assert.match(provider ?? '', /^\d{3} \d{3}$/);
  assert.equal(patient, provider);
});

test('code changes with a swapped certificate', async () => {
  const attacker = 'sha-256 ' + PATIENT_FINGERPRINT.slice(8).replace(/^FF/, '00');
  const real = await verificationCode(sdpWith(PROVIDER_FINGERPRINT), sdpWith(PATIENT_FINGERPRINT));
  const intercepted = await verificationCode(sdpWith(PROVIDER_FINGERPRINT), sdpWith(attacker));
  assert.notEqual(intercepted, real);
});

test('code is null without fingerprints', async () => {
  assert.equal(await verificationCode('v=0\r\n', sdpWith(PATIENT_FINGERPRINT)), null);
  assert.equal(await verificationCode(sdpWith(PROVIDER_FINGERPRINT), ''), null);
});

/**
 * Returns a stats report with one transport and a selected pair of the given candidate types.
 * @param {string} dtlsState
 * @param {string} localType
 * @param {string} remoteType
 */
function statsReport(dtlsState, localType, remoteType) {
  return new Map(Object.entries({
    T1: { type: 'transport', dtlsState, selectedCandidatePairId: 'P1', srtpCipher: 'AES_CM_128_HMAC_SHA1_80', dtlsCipher: 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256' },
    P1: { type: 'candidate-pair', localCandidateId: 'L1', remoteCandidateId: 'R1' },
    L1: { type: 'local-candidate', candidateType: localType },
    R1: { type: 'remote-candidate', candidateType: remoteType },
  }));
}

test('security of a direct connection', () => {
  assert.deepEqual(connectionSecurity(statsReport('connected', 'host', 'srflx')), {
    encrypted: true,
    dtlsState: 'connected',
    route: 'direct',
    srtpCipher: 'AES_CM_128_HMAC_SHA1_80',
    dtlsCipher: 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256',
  });
});

test('security of a relayed connection', () => {
  assert.equal(connectionSecurity(statsReport('connected', 'relay', 'host')).route, 'relayed');
  assert.equal(connectionSecurity(statsReport('connected', 'host', 'relay')).route, 'relayed');
});

test('security before DTLS is connected', () => {
  const connecting = connectionSecurity(statsReport('connecting', 'host', 'host'));
  assert.equal(connecting.encrypted, false);
  assert.equal(connecting.dtlsState, 'connecting');
  assert.equal(connectionSecurity(new Map()).route, 'unknown');
  assert.equal(connectionSecurity(new Map()).encrypted, false);
});

test('chat text limits', () => {
  assert.equal(chatText('  hello  '), 'hello');
  assert.equal(chatText('   '), null);
  assert.equal(chatText(''), null);
  assert.equal(chatText(new ArrayBuffer(4)), null, 'binary messages are dropped');
  assert.equal(chatText('ü'.repeat(CHAT_MAX_CHARS)), 'ü'.repeat(CHAT_MAX_CHARS));
  assert.equal(chatText('a'.repeat(CHAT_MAX_CHARS + 1)), null);
  assert.equal(chatText('😀'.repeat(CHAT_MAX_CHARS)), '😀'.repeat(CHAT_MAX_CHARS), 'the limit counts code points');
});

test('chat text drops bidi controls', () => {
  assert.equal(chatText('Termin \u202E21\u202C Uhr'), 'Termin 21 Uhr');
  assert.equal(chatText('\u2066\u2069'), null, 'a message of only bidi controls is empty');
});

test('chat rate limit allows a burst, then a steady rate', () => {
  let now = 0;
  const limit = new RateLimit(3, 2, () => now);
  assert.deepEqual([limit.take(), limit.take(), limit.take(), limit.take()], [true, true, true, false]);
  now = 400;
  assert.equal(limit.take(), false, 'less than one message is refilled after 0.4 s');
  now = 500;
  assert.equal(limit.take(), true, 'one message is refilled after 0.5 s');
  now = 60_000;
  assert.deepEqual([limit.take(), limit.take(), limit.take(), limit.take()], [true, true, true, false], 'the burst never grows');
});
