// The pure parts of the device check and the call-quality indicator, on
// synthetic getStats() reports and samples.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  AdaptationPolicy,
  GOOD_SAMPLES_TO_RESTORE,
  LIMITS,
  POOR_SAMPLES_TO_LOWER,
  classify,
  levelPercent,
  reachability,
  readStats,
  sampleBetween,
} from '../../static/js/quality.js';

/**
 * Returns the reports of one getStats() call at a time, with a selected
 * candidate pair and one audio and one video inbound stream.
 * @param {{ timestamp: number, rtt?: number, audio: number[], video: number[] }} figures
 *   `audio` and `video` are [packetsReceived, packetsLost, bytesReceived]
 */
function reports({ timestamp, rtt, audio, video }) {
  const inbound = (id, kind, [packetsReceived, packetsLost, bytesReceived]) => ({
    id, type: 'inbound-rtp', kind, timestamp, packetsReceived, packetsLost, bytesReceived,
  });
  return [
    { id: 'T1', type: 'transport', timestamp, selectedCandidatePairId: 'CP2' },
    { id: 'CP1', type: 'candidate-pair', timestamp, nominated: false, state: 'failed', currentRoundTripTime: 9 },
    { id: 'CP2', type: 'candidate-pair', timestamp, nominated: true, state: 'succeeded', currentRoundTripTime: rtt },
    inbound('IA', 'audio', audio),
    inbound('IV', 'video', video),
    { id: 'OV', type: 'outbound-rtp', kind: 'video', timestamp, packetsSent: 999, bytesSent: 999_999 },
  ];
}

test('readStats sums inbound streams', () => {
  const snapshot = readStats(reports({ timestamp: 5000, rtt: 0.042, audio: [100, 2, 8000], video: [300, 3, 200_000] }));
  assert.equal(snapshot.timestamp, 5000);
  assert.equal(snapshot.rttMs, 42);
  assert.equal(snapshot.packetsReceived, 400);
  assert.equal(snapshot.packetsLost, 5);
  assert.equal(snapshot.bytesReceived, 208_000);
});

test('readStats uses transport pair', () => {
  const list = reports({ timestamp: 1, rtt: 0.1, audio: [0, 0, 0], video: [0, 0, 0] });
  // The failed pair CP1 has an RTT of 9 s; only the transport's selected pair counts.
  assert.equal(readStats(list).rttMs, 100);
});

test('readStats falls back to nominated pair', () => {
  const list = reports({ timestamp: 1, rtt: 0.25, audio: [0, 0, 0], video: [0, 0, 0] }).filter((report) => report.type !== 'transport');
  assert.equal(readStats(list).rttMs, 250);
});

test('readStats without pair has no RTT', () => {
  const snapshot = readStats([{ id: 'IA', type: 'inbound-rtp', timestamp: 1, packetsReceived: 1, packetsLost: 0, bytesReceived: 10 }]);
  assert.equal(snapshot.rttMs, null);
  assert.equal(snapshot.packetsReceived, 1);
});

test('sampleBetween computes loss and bitrate', () => {
  const first = readStats(reports({ timestamp: 10_000, rtt: 0.05, audio: [1000, 10, 100_000], video: [2000, 20, 1_000_000] }));
  const second = readStats(reports({ timestamp: 12_000, rtt: 0.06, audio: [1090, 20, 120_000], video: [2180, 40, 1_480_000] }));

  const sample = sampleBetween(first, second);

  assert.equal(sample.rttMs, 60);
  // 270 received and 30 lost in between: 30 of 300 expected packets.
  assert.equal(sample.lossPercent, 10);
  // 500,000 bytes in 2 s is 2,000 kbit/s.
  assert.equal(sample.bitrateKbps, 2000);
});

test('sampleBetween without previous has RTT only', () => {
  const current = readStats(reports({ timestamp: 1, rtt: 0.03, audio: [10, 0, 100], video: [10, 0, 100] }));
  assert.deepEqual(sampleBetween(null, current), { rttMs: 30, lossPercent: null, bitrateKbps: null });
});

test('sampleBetween ignores counters that went down', () => {
  const before = readStats(reports({ timestamp: 1000, audio: [500, 5, 50_000], video: [500, 5, 50_000] }));
  const afterRestart = readStats(reports({ timestamp: 3000, audio: [10, 0, 1000], video: [10, 0, 1000] }));
  const sample = sampleBetween(before, afterRestart);
  assert.equal(sample.lossPercent, null);
  assert.equal(sample.bitrateKbps, null);
});

test('sampleBetween counts recovered packets as no loss', () => {
  const first = readStats(reports({ timestamp: 0, audio: [100, 5, 0], video: [0, 0, 0] }));
  const second = readStats(reports({ timestamp: 2000, audio: [200, 3, 0], video: [0, 0, 0] }));
  assert.equal(sampleBetween(first, second).lossPercent, 0);
});

test('sampleBetween without packets has no loss figure', () => {
  const first = readStats(reports({ timestamp: 0, rtt: 0.02, audio: [100, 0, 100], video: [0, 0, 0] }));
  const second = readStats(reports({ timestamp: 2000, rtt: 0.02, audio: [100, 0, 100], video: [0, 0, 0] }));
  const sample = sampleBetween(first, second);
  assert.equal(sample.lossPercent, null);
  assert.equal(sample.bitrateKbps, 0);
});

test('classify levels by RTT and loss', () => {
  const cases = [
    [{ rttMs: 40, lossPercent: 0, bitrateKbps: 1500 }, 'good'],
    [{ rttMs: LIMITS.fairRttMs - 1, lossPercent: LIMITS.fairLossPercent - 0.1, bitrateKbps: 10 }, 'good'],
    [{ rttMs: LIMITS.fairRttMs, lossPercent: 0, bitrateKbps: 1500 }, 'fair'],
    [{ rttMs: 40, lossPercent: LIMITS.fairLossPercent, bitrateKbps: 1500 }, 'fair'],
    [{ rttMs: LIMITS.poorRttMs, lossPercent: 0, bitrateKbps: 1500 }, 'poor'],
    [{ rttMs: 40, lossPercent: LIMITS.poorLossPercent, bitrateKbps: 1500 }, 'poor'],
    [{ rttMs: LIMITS.fairRttMs, lossPercent: LIMITS.poorLossPercent, bitrateKbps: 1500 }, 'poor'],
    [{ rttMs: null, lossPercent: 20, bitrateKbps: null }, 'poor'],
    [{ rttMs: 50, lossPercent: null, bitrateKbps: null }, 'good'],
    [{ rttMs: null, lossPercent: null, bitrateKbps: 800 }, null],
  ];
  for (const [sample, expected] of cases) {
    assert.equal(classify(sample), expected, JSON.stringify(sample));
  }
});

test('policy lowers after poor run', () => {
  const policy = new AdaptationPolicy();
  for (let sample = 1; sample < POOR_SAMPLES_TO_LOWER; sample++) {
    assert.equal(policy.update('poor'), null, `poor sample ${sample}`);
  }
  assert.equal(policy.update('poor'), 'lower');
  assert.equal(policy.lowered, true);
  assert.equal(policy.update('poor'), null, 'lowered only once');
});

test('policy needs poor samples in a row', () => {
  const policy = new AdaptationPolicy();
  for (let round = 0; round < 5; round++) {
    for (let sample = 1; sample < POOR_SAMPLES_TO_LOWER; sample++) {
      assert.equal(policy.update('poor'), null);
    }
    assert.equal(policy.update('fair'), null, 'a fair sample breaks the run');
    assert.equal(policy.update(null), null, 'a sample without level breaks it too');
  }
  assert.equal(policy.lowered, false);
});

test('policy restores after good run', () => {
  const policy = new AdaptationPolicy();
  for (let sample = 0; sample < POOR_SAMPLES_TO_LOWER; sample++) {
    policy.update('poor');
  }
  for (let sample = 1; sample < GOOD_SAMPLES_TO_RESTORE; sample++) {
    assert.equal(policy.update('good'), null, `good sample ${sample}`);
  }
  assert.equal(policy.update('fair'), null, 'a fair sample restarts the count');
  for (let sample = 1; sample < GOOD_SAMPLES_TO_RESTORE; sample++) {
    assert.equal(policy.update('good'), null);
  }
  assert.equal(policy.update('good'), 'restore');
  assert.equal(policy.lowered, false);
  assert.equal(policy.update('good'), null, 'restored only once');
});

test('policy never restores when not lowered', () => {
  const policy = new AdaptationPolicy();
  for (let sample = 0; sample < GOOD_SAMPLES_TO_RESTORE * 2; sample++) {
    assert.equal(policy.update('good'), null);
  }
});

test('reachability picks best path', () => {
  const cases = [
    [{ candidateTypes: ['host', 'srflx', 'relay'], stunResponded: false }, 'relay'],
    [{ candidateTypes: ['host', 'srflx'], stunResponded: false }, 'internet'],
    [{ candidateTypes: ['host'], stunResponded: true }, 'internet'],
    [{ candidateTypes: ['host'], stunResponded: false }, 'local'],
    [{ candidateTypes: ['prflx'], stunResponded: false }, 'local'],
    [{ candidateTypes: [], stunResponded: false }, 'none'],
  ];
  for (const [gathering, expected] of cases) {
    assert.equal(reachability(gathering), expected, JSON.stringify(gathering));
  }
});

test('levelPercent maps dBFS to 0 to 100', () => {
  assert.equal(levelPercent([]), 0);
  assert.equal(levelPercent(new Float32Array(512)), 0, 'silence');
  assert.equal(levelPercent(new Float32Array(512).fill(1)), 100, 'full scale');
  assert.equal(levelPercent(new Float32Array(512).fill(0.001)), 0, '-60 dBFS');
  assert.equal(levelPercent(new Float32Array(512).fill(0.0001)), 0, 'below -60 dBFS');
  // -20 dBFS is two thirds of the range from -60 dBFS.
  assert.equal(levelPercent(new Float32Array(512).fill(-0.1)), 67);
});
