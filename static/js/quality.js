// Figures for the device check and the call-quality indicator, without any
// DOM: the microphone level, what an ICE candidate gathering reached, the
// connection quality from WebRTC statistics, and when to lower or restore the
// video that this side sends.

/**
 * Connection quality: `good`, `fair` or `poor`.
 * @typedef {'good' | 'fair' | 'poor'} QualityLevel
 */

/**
 * Cumulative counters of one getStats() call.
 * @typedef {object} StatsSnapshot
 * @property {number} timestamp milliseconds, from the reports' clock
 * @property {number | null} rttMs currentRoundTripTime of the selected candidate pair
 * @property {number} packetsLost summed over the inbound RTP streams
 * @property {number} packetsReceived summed over the inbound RTP streams
 * @property {number} bytesReceived summed over the inbound RTP streams
 */

/**
 * The figures between two snapshots. A null figure could not be measured.
 * @typedef {object} QualitySample
 * @property {number | null} rttMs
 * @property {number | null} lossPercent share of the expected packets that were lost
 * @property {number | null} bitrateKbps incoming media, in kilobits per second
 */

/**
 * Result of the connectivity check: a TURN relay, the Internet through a STUN
 * server (a server-reflexive candidate), only this device's own network
 * addresses, or nothing at all.
 * @typedef {'relay' | 'internet' | 'local' | 'none'} Reachability
 */

/**
 * Limits between the levels. A sample is as bad as its worse figure. The
 * values are estimates: above about 300 ms round trip people start to talk
 * over each other, and audio and video with retransmission and error
 * concealment usually hide a loss of a few percent.
 */
export const LIMITS = Object.freeze({
  fairRttMs: 300,
  poorRttMs: 600,
  fairLossPercent: 3,
  poorLossPercent: 10,
});

/** Poor samples in a row before the sent video is lowered; with a sample every 2 s, 6 s. */
export const POOR_SAMPLES_TO_LOWER = 3;

/** Good samples in a row before the sent video is restored; with a sample every 2 s, 20 s. */
export const GOOD_SAMPLES_TO_RESTORE = 10;

/** Divides the sent video's width and height while the connection is poor. */
export const LOWERED_SCALE = 2;

/** Frames per second of the sent video while the connection is poor. */
export const LOWERED_FRAME_RATE = 15;

/**
 * Reads the cumulative counters of a getStats() result.
 * @param {Iterable<Record<string, any>>} reports the values of an RTCStatsReport
 * @returns {StatsSnapshot}
 */
export function readStats(reports) {
  const list = [...reports];
  const byId = new Map(list.map((report) => [report.id, report]));
  const snapshot = { timestamp: 0, rttMs: /** @type {number | null} */ (null), packetsLost: 0, packetsReceived: 0, bytesReceived: 0 };

  for (const report of list) {
    snapshot.timestamp = Math.max(snapshot.timestamp, report.timestamp ?? 0);
    if (report.type === 'inbound-rtp') {
      snapshot.packetsLost += report.packetsLost ?? 0;
      snapshot.packetsReceived += report.packetsReceived ?? 0;
      snapshot.bytesReceived += report.bytesReceived ?? 0;
    }
  }

  const pair = selectedPair(list, byId);
  if (pair && typeof pair.currentRoundTripTime === 'number') {
    snapshot.rttMs = pair.currentRoundTripTime * 1000;
  }
  return snapshot;
}

/**
 * Finds the candidate pair that carries the media: the one the transport
 * names, else a nominated pair that succeeded.
 * @param {Record<string, any>[]} list
 * @param {Map<string, Record<string, any>>} byId
 */
function selectedPair(list, byId) {
  for (const report of list) {
    if (report.type === 'transport' && report.selectedCandidatePairId) {
      const pair = byId.get(report.selectedCandidatePairId);
      if (pair) {
        return pair;
      }
    }
  }
  return list.find((report) => report.type === 'candidate-pair' && report.nominated && report.state === 'succeeded') ?? null;
}

/**
 * Returns the figures between two snapshots. Loss and bitrate need a
 * previous snapshot and time between them. Counters that went down, as after
 * an ICE restart replaced the streams, give no figure.
 * @param {StatsSnapshot | null} previous
 * @param {StatsSnapshot} current
 * @returns {QualitySample}
 */
export function sampleBetween(previous, current) {
  /** @type {QualitySample} */
  const sample = { rttMs: current.rttMs, lossPercent: null, bitrateKbps: null };
  if (!previous) {
    return sample;
  }

  const lost = current.packetsLost - previous.packetsLost;
  const received = current.packetsReceived - previous.packetsReceived;
  // packetsLost goes down when late packets arrive after all, and then none count as lost.
  const expected = received + Math.max(0, lost);
  if (received >= 0 && expected > 0) {
    sample.lossPercent = (Math.max(0, lost) / expected) * 100;
  }

  const elapsedMs = current.timestamp - previous.timestamp;
  const bytes = current.bytesReceived - previous.bytesReceived;
  if (elapsedMs > 0 && bytes >= 0) {
    sample.bitrateKbps = (bytes * 8) / elapsedMs;
  }
  return sample;
}

/**
 * Sorts a sample into a level by its round-trip time and loss. Returns null
 * when neither was measured, such as before the connection is up. The
 * bitrate is shown but not judged, because it is low for a good connection
 * too when the other side's camera is off.
 * @param {QualitySample} sample
 * @returns {QualityLevel | null}
 */
export function classify(sample) {
  const { rttMs, lossPercent } = sample;
  if (rttMs === null && lossPercent === null) {
    return null;
  }
  if ((rttMs ?? 0) >= LIMITS.poorRttMs || (lossPercent ?? 0) >= LIMITS.poorLossPercent) {
    return 'poor';
  }
  if ((rttMs ?? 0) >= LIMITS.fairRttMs || (lossPercent ?? 0) >= LIMITS.fairLossPercent) {
    return 'fair';
  }
  return 'good';
}

/**
 * Decides when the video this side sends is lowered and restored. Lowering
 * waits for several poor samples in a row, so one lost burst does not change
 * the picture, and restoring waits longer, so the video does not flip back
 * and forth on a connection at the edge.
 */
export class AdaptationPolicy {
  #lowered = false;
  #poorInRow = 0;
  #goodInRow = 0;

  /** Whether the sent video is lowered now. */
  get lowered() {
    return this.#lowered;
  }

  /**
   * Counts a level and returns the change to make: `lower`, `restore` or null.
   * A sample without a level (null) interrupts both runs.
   * @param {QualityLevel | null} level
   * @returns {'lower' | 'restore' | null}
   */
  update(level) {
    this.#poorInRow = level === 'poor' ? this.#poorInRow + 1 : 0;
    this.#goodInRow = level === 'good' ? this.#goodInRow + 1 : 0;

    if (!this.#lowered && this.#poorInRow >= POOR_SAMPLES_TO_LOWER) {
      this.#lowered = true;
      return 'lower';
    }
    if (this.#lowered && this.#goodInRow >= GOOD_SAMPLES_TO_RESTORE) {
      this.#lowered = false;
      return 'restore';
    }
    return null;
  }
}

/**
 * Returns the best path that a candidate gathering found.
 *
 * `candidateTypes` are the `type`s of the gathered candidates (`host`,
 * `srflx`, `prflx` or `relay`). `stunResponded` is true when the gathering
 * completed with a STUN server configured and no error from it. That counts
 * as reaching the Internet too, because a browser leaves out a
 * server-reflexive candidate whose address equals a host candidate's, as on a
 * device with a public address; Chromium 156 did so in the browser tests.
 * @param {{ candidateTypes: Iterable<string>, stunResponded: boolean }} gathering
 * @returns {Reachability}
 */
export function reachability({ candidateTypes, stunResponded }) {
  const types = new Set(candidateTypes);
  if (types.has('relay')) {
    return 'relay';
  }
  if (types.has('srflx') || stunResponded) {
    return 'internet';
  }
  if (types.has('host') || types.has('prflx')) {
    return 'local';
  }
  return 'none';
}

/**
 * Returns the loudness of audio samples as 0 to 100: the RMS level in dBFS,
 * with -60 dBFS (about silence for a microphone) as 0 and 0 dBFS as 100.
 * @param {ArrayLike<number>} samples PCM values between -1 and 1
 */
export function levelPercent(samples) {
  if (samples.length === 0) {
    return 0;
  }
  let sum = 0;
  for (let index = 0; index < samples.length; index++) {
    sum += samples[index] * samples[index];
  }
  const rms = Math.sqrt(sum / samples.length);
  if (rms === 0) {
    return 0;
  }
  const decibels = 20 * Math.log10(rms);
  return Math.round(Math.min(100, Math.max(0, ((decibels + 60) / 60) * 100)));
}
