// Carries a call's signaling messages over a WebSocket that may drop. The
// media run between the browsers and keep going while the server is out of
// reach. Messages for the other side, such as an ICE restart's offer and
// candidates, wait here until the server confirms that this page has its side
// of the call again. Then they go out in order.

/** Messages kept while unlinked; an ICE restart needs far fewer. */
const MAX_WAITING = 200;

export class CallLink {
  #signaling;
  #linked = false;
  /** @type {({ type: string } & Record<string, unknown>)[]} */
  #waiting = [];

  /** @param {import('./signaling.js').Signaling} signaling */
  constructor(signaling) {
    this.#signaling = signaling;
  }

  /** Whether the server currently relays this page's call messages. */
  get linked() {
    return this.#linked;
  }

  /**
   * Sends a message to the other participant, or keeps it until link().
   * @param {{ type: string } & Record<string, unknown>} message
   */
  send(message) {
    if (this.#linked && this.#signaling.send(message)) {
      return;
    }
    if (this.#waiting.length < MAX_WAITING) {
      this.#waiting.push(message);
    }
  }

  /** Marks the call as relayed by the server again and sends what waited. */
  link() {
    this.#linked = true;
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const message of waiting) {
      this.send(message);
    }
  }

  /** Keeps messages from now on, because the connection dropped. */
  unlink() {
    this.#linked = false;
  }

  /** Forgets what waited, because the call is over. */
  reset() {
    this.#linked = false;
    this.#waiting = [];
  }
}
