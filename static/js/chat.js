// Text chat of a call over an RTCDataChannel, without any DOM. The messages
// go from browser to browser inside the call's DTLS connection, so the
// server never relays or receives them, and nothing stores them.

/** Maximum length of one chat message, in Unicode code points. */
export const CHAT_MAX_CHARS = 2000;

/**
 * How many messages from the other side may arrive at once, and how many per
 * second after that. A person types far slower; a flood beyond this is
 * dropped, so a page that sends thousands of messages cannot freeze this one.
 */
const RECEIVE_BURST = 20;
const RECEIVE_PER_SECOND = 2;

/**
 * Bidirectional embedding, override and isolate characters. They could make
 * a message show its digits or words in another order, so they are removed.
 */
const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069]/gu;

/**
 * The data channel's id. Both sides create the channel with `negotiated:
 * true` and this id, so neither waits for the other to announce it.
 */
const CHAT_CHANNEL_ID = 0;

/**
 * Returns the text of a chat message that may be sent or shown: trimmed, and
 * null when it is empty or longer than CHAT_MAX_CHARS.
 * @param {unknown} text
 * @returns {string | null}
 */
export function chatText(text) {
  if (typeof text !== 'string') {
    return null;
  }
  const trimmed = text.replace(BIDI_CONTROLS, '').trim();
  if (trimmed === '' || [...trimmed].length > CHAT_MAX_CHARS) {
    return null;
  }
  return trimmed;
}

/** A token bucket: `take()` returns whether one more event fits the rate. */
export class RateLimit {
  #burst;
  #perSecond;
  #tokens;
  #updatedAt;
  #now;

  /**
   * @param {number} burst
   * @param {number} perSecond
   * @param {() => number} [now] the clock in milliseconds, replaceable in tests
   */
  constructor(burst, perSecond, now = () => performance.now()) {
    this.#burst = burst;
    this.#perSecond = perSecond;
    this.#tokens = burst;
    this.#now = now;
    this.#updatedAt = now();
  }

  take() {
    const now = this.#now();
    this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#updatedAt) / 1000) * this.#perSecond);
    this.#updatedAt = now;
    if (this.#tokens < 1) {
      return false;
    }
    this.#tokens -= 1;
    return true;
  }
}

/**
 * The chat of one call. It dispatches:
 * - `message` (CustomEvent with the text) for each valid message from the other side,
 * - `statechange` when the channel opens or closes.
 */
export class Chat extends EventTarget {
  #channel;
  #incoming = new RateLimit(RECEIVE_BURST, RECEIVE_PER_SECOND);
  #warnedFlood = false;

  /**
   * Creates the channel on the peer connection. Call it before the first
   * offer, so that offer already negotiates the data channel.
   * @param {RTCPeerConnection} pc
   */
  constructor(pc) {
    super();
    this.#channel = pc.createDataChannel('chat', { negotiated: true, id: CHAT_CHANNEL_ID, ordered: true });
    this.#channel.addEventListener('open', () => this.dispatchEvent(new Event('statechange')));
    this.#channel.addEventListener('close', () => this.dispatchEvent(new Event('statechange')));
    this.#channel.addEventListener('message', ({ data }) => this.#receive(data));
  }

  get open() {
    return this.#channel.readyState === 'open';
  }

  /**
   * Sends a message. Returns the text that was sent, or null when the channel
   * is not open or the text is empty or too long.
   * @param {string} text
   * @returns {string | null}
   */
  send(text) {
    const valid = chatText(text);
    if (valid === null || !this.open) {
      return null;
    }
    this.#channel.send(valid);
    return valid;
  }

  /** @param {unknown} data */
  #receive(data) {
    if (!this.#incoming.take()) {
      if (!this.#warnedFlood) {
        this.#warnedFlood = true;
        console.warn('visite: dropped chat messages that arrived faster than a person types');
      }
      return;
    }
    const text = chatText(data);
    if (text === null) {
      // A binary, empty or too long message is dropped. Its content is never logged.
      console.warn('visite: dropped an invalid chat message');
      return;
    }
    this.dispatchEvent(new CustomEvent('message', { detail: text }));
  }
}
