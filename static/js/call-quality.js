// Watches the quality of a running call and adapts the video this side
// sends, without any DOM: getStats() every two seconds, a level per sample,
// and RTCRtpSender.setParameters() when the level stays poor or good.

import {
  AdaptationPolicy,
  LOWERED_FRAME_RATE,
  LOWERED_SCALE,
  classify,
  readStats,
  sampleBetween,
} from './quality.js';

/** @typedef {import('./call.js').Call} Call */
/** @typedef {import('./quality.js').QualitySample} QualitySample */
/** @typedef {import('./quality.js').QualityLevel} QualityLevel */

/** Milliseconds between two getStats() calls. */
export const SAMPLE_INTERVAL_MS = 2000;

/**
 * The event detail of `sample`.
 * @typedef {object} QualityReport
 * @property {QualitySample} sample
 * @property {QualityLevel | null} level
 * @property {boolean} lowered whether this side sends lowered video now
 */

/**
 * The monitor of one call. It dispatches `sample` (CustomEvent with a
 * QualityReport) after every sample.
 */
export class QualityMonitor extends EventTarget {
  #call;
  #policy = new AdaptationPolicy();
  /** @type {import('./quality.js').StatsSnapshot | null} */
  #previous = null;
  #timer = 0;
  #polling = false;
  /** Sender changes run one after the other, so a restore never overtakes a lowering. */
  #adapting = Promise.resolve();

  /** @param {Call} call */
  constructor(call) {
    super();
    this.#call = call;
    this.#timer = window.setInterval(() => this.#poll(), SAMPLE_INTERVAL_MS);
  }

  /** Whether this side sends lowered video now. */
  get lowered() {
    return this.#policy.lowered;
  }

  stop() {
    window.clearInterval(this.#timer);
  }

  /**
   * Classifies a sample, lowers or restores the sent video when the policy
   * returns a change, and reports the result. The timer calls it with measured
   * samples; the browser tests call it with poor ones through visiteDebug.
   * Returns once the sender's parameters are set.
   * @param {QualitySample} sample
   */
  record(sample) {
    const level = classify(sample);
    const change = this.#policy.update(level);
    if (change) {
      this.#adapting = this.#adapting.then(() => this.#adapt(change === 'lower'));
    }
    /** @type {QualityReport} */
    const report = { sample, level, lowered: this.#policy.lowered };
    this.dispatchEvent(new CustomEvent('sample', { detail: report }));
    return this.#adapting;
  }

  async #poll() {
    if (this.#polling || this.#call.closed) {
      return;
    }
    this.#polling = true;
    try {
      const snapshot = readStats((await this.#call.pc.getStats()).values());
      const sample = sampleBetween(this.#previous, snapshot);
      this.#previous = snapshot;
      await this.record(sample);
    } catch (error) {
      console.warn('visite: reading the call statistics failed', error);
    } finally {
      this.#polling = false;
    }
  }

  /**
   * Sets the resolution and frame rate of every video sender for a poor
   * connection, or back to what the camera delivers. A sender whose camera is
   * off keeps the parameters for when the camera is turned on again.
   * @param {boolean} lower
   */
  async #adapt(lower) {
    if (this.#call.closed) {
      return;
    }
    const senders = this.#call.pc
      .getTransceivers()
      .filter((transceiver) => transceiver.receiver.track.kind === 'video')
      .map((transceiver) => transceiver.sender);
    for (const sender of senders) {
      await setVideoLowered(sender, lower);
    }
    console.info(`visite: the sent video is ${lower ? 'lowered' : 'restored'} after the connection quality changed`);
  }
}

/**
 * @param {RTCRtpSender} sender
 * @param {boolean} lower
 */
async function setVideoLowered(sender, lower) {
  const parameters = sender.getParameters();
  // A sender without encodings was never negotiated for sending.
  if (parameters.encodings.length === 0) {
    return;
  }
  for (const encoding of parameters.encodings) {
    encoding.scaleResolutionDownBy = lower ? LOWERED_SCALE : 1;
    if (lower) {
      encoding.maxFramerate = LOWERED_FRAME_RATE;
    } else {
      delete encoding.maxFramerate;
    }
  }
  try {
    await sender.setParameters(parameters);
  } catch (error) {
    console.warn('visite: changing the sent video quality failed', error);
  }
}
