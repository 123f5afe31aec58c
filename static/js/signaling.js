// The WebSocket connection to the visite server. It parses and serialises the
// messages (JSON objects with a `type` field, see src/core/protocol.rs) and
// has no page, no room state and no DOM.

/**
 * A message from the server. Fields beyond `type` depend on the type.
 * @typedef {{ type: string } & Record<string, any>} ServerMessage
 */

/**
 * Details of a closed connection. `intentional` is true when this side
 * called close().
 * @typedef {{ code: number, intentional: boolean }} CloseDetail
 */

/**
 * Returns the WebSocket URL for a path on this page's origin, `wss:` for an
 * HTTPS page and `ws:` otherwise.
 * @param {string} path
 */
export function socketUrl(path) {
  const url = new URL(path, window.location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.search = '';
  url.hash = '';
  return url.href;
}

/**
 * One signaling connection. It dispatches `open` (Event), `message`
 * (CustomEvent with a ServerMessage) and `close` (CustomEvent with a
 * CloseDetail). connect() may be called again after a close to reconnect.
 */
export class Signaling extends EventTarget {
  /** @type {WebSocket | null} */
  #socket = null;
  #intentionalClose = false;

  /** @param {string} url */
  constructor(url) {
    super();
    this.url = url;
  }

  get isOpen() {
    return this.#socket?.readyState === WebSocket.OPEN;
  }

  /**
   * Opens a new socket unless one is open or opening. Resolves when it is
   * open and rejects when it closes before opening.
   * @returns {Promise<void>}
   */
  connect() {
    const current = this.#socket;
    if (current && current.readyState === WebSocket.OPEN) {
      return Promise.resolve();
    }
    if (current && current.readyState === WebSocket.CONNECTING) {
      return waitForOpen(current);
    }

    this.#intentionalClose = false;
    const socket = new WebSocket(this.url);
    this.#socket = socket;

    socket.addEventListener('open', () => {
      this.dispatchEvent(new Event('open'));
    });
    socket.addEventListener('message', (event) => {
      this.#receive(event.data);
    });
    socket.addEventListener('close', (event) => {
      if (this.#socket !== socket) {
        return;
      }
      this.#socket = null;
      /** @type {CloseDetail} */
      const detail = { code: event.code, intentional: this.#intentionalClose };
      this.dispatchEvent(new CustomEvent('close', { detail }));
    });
    return waitForOpen(socket);
  }

  /**
   * Sends one message. Returns false when the socket is not open, so the
   * message was dropped.
   * @param {{ type: string } & Record<string, unknown>} message
   */
  send(message) {
    if (!this.#socket || this.#socket.readyState !== WebSocket.OPEN) {
      console.warn(`visite: dropped ${message.type} message, the connection is not open`);
      return false;
    }
    this.#socket.send(JSON.stringify(message));
    return true;
  }

  /** Closes the socket; the `close` event then reports `intentional: true`. */
  close() {
    this.#intentionalClose = true;
    this.#socket?.close(1000);
  }

  /** @param {unknown} data */
  #receive(data) {
    if (typeof data !== 'string') {
      console.warn('visite: ignored a binary message from the server');
      return;
    }

    /** @type {unknown} */
    let message;
    try {
      message = JSON.parse(data);
    } catch {
      console.warn('visite: ignored a message from the server that is not JSON');
      return;
    }
    if (typeof message !== 'object' || message === null || typeof (/** @type {any} */ (message).type) !== 'string') {
      console.warn('visite: ignored a message from the server without a type');
      return;
    }
    this.dispatchEvent(new CustomEvent('message', { detail: /** @type {ServerMessage} */ (message) }));
  }
}

/**
 * @param {WebSocket} socket
 * @returns {Promise<void>}
 */
function waitForOpen(socket) {
  return new Promise((resolve, reject) => {
    if (socket.readyState === WebSocket.OPEN) {
      resolve();
      return;
    }
    const onOpen = () => {
      socket.removeEventListener('close', onClose);
      resolve();
    };
    /** @param {CloseEvent} event */
    const onClose = (event) => {
      socket.removeEventListener('open', onOpen);
      reject(new Error(`WebSocket closed before it opened (code ${event.code})`));
    };
    socket.addEventListener('open', onOpen, { once: true });
    socket.addEventListener('close', onClose, { once: true });
  });
}

/**
 * Delays for reconnecting: 1 s, 2 s, 4 s, then 8 s, with up to 20 % jitter so
 * that many browsers do not reconnect at the same instant after a restart.
 * @param {number} attempt 0 for the first retry
 */
export function reconnectDelayMs(attempt) {
  const base = 1000 * 2 ** Math.min(attempt, 3);
  return Math.round(base * (1 + Math.random() * 0.2));
}
