// The chat panel of the call view: the message log and the input. Messages
// are shown with textContent only, so markup and links stay plain text and
// nothing in a message is fetched or previewed. The log is cleared when the
// call ends, and nothing is kept in storage.

import { CHAT_MAX_CHARS, chatText } from './chat.js';
import { required } from './media-panel.js';
import { t } from './strings.js';

/** Messages the chat log shows at most; older ones leave the page. */
const MAX_SHOWN_MESSAGES = 200;

/** @typedef {import('./call.js').Call} Call */

export class ChatView {
  /** @type {import('./chat.js').Chat | null} */
  #chat = null;
  #peerName = '';
  /** Listeners of the attached chat, removed on detach. */
  #abort = new AbortController();

  #log;
  #input;
  #sendButton;
  #error;

  /** @param {Document} document */
  constructor(document) {
    this.#log = required(document, 'chat-log');
    this.#input = /** @type {HTMLInputElement} */ (required(document, 'chat-input'));
    this.#sendButton = /** @type {HTMLButtonElement} */ (required(document, 'chat-send'));
    this.#error = required(document, 'chat-error');

    // maxLength counts UTF-16 code units, so it never lets more than CHAT_MAX_CHARS code points through.
    this.#input.maxLength = CHAT_MAX_CHARS;
    required(document, 'chat-form').addEventListener('submit', (event) => {
      event.preventDefault();
      this.#send();
    });
  }

  /**
   * Shows the chat of a call.
   * @param {Call} call
   * @param {string} peerName shown next to the other person's messages
   */
  attach(call, peerName) {
    this.detach();
    this.#chat = call.chat;
    this.#peerName = peerName;
    this.#abort = new AbortController();
    const signal = this.#abort.signal;

    call.chat.addEventListener('message', (event) => {
      this.#append(this.#peerName, /** @type {CustomEvent<string>} */ (event).detail, 'peer');
    }, { signal });
    call.chat.addEventListener('statechange', () => this.#render(), { signal });
    this.#render();
  }

  /** Removes every message from the page and empties the input. */
  detach() {
    this.#abort.abort();
    this.#chat = null;
    this.#log.replaceChildren();
    this.#input.value = '';
    this.#hideError();
    this.#render();
  }

  #send() {
    const chat = this.#chat;
    if (!chat || chatText(this.#input.value) === null) {
      return;
    }
    const sent = chat.send(this.#input.value);
    if (sent === null) {
      this.#error.textContent = t('callChatNotOpen');
      this.#error.hidden = false;
      return;
    }
    this.#hideError();
    this.#append(t('callChatYou'), sent, 'self');
    this.#input.value = '';
  }

  /**
   * @param {string} author
   * @param {string} text
   * @param {'self' | 'peer'} from
   */
  #append(author, text, from) {
    const item = document.createElement('li');
    item.className = `chat-message from-${from}`;
    const authorElement = document.createElement('span');
    authorElement.className = 'chat-author';
    authorElement.dir = 'auto';
    authorElement.textContent = author;
    const textElement = document.createElement('span');
    textElement.className = 'chat-text';
    textElement.dir = 'auto';
    textElement.textContent = text;
    item.append(authorElement, textElement);
    this.#log.append(item);
    // The log keeps the latest messages only, so it stays quick to draw.
    while (this.#log.childElementCount > MAX_SHOWN_MESSAGES) {
      this.#log.firstElementChild?.remove();
    }
    this.#log.scrollTop = this.#log.scrollHeight;
  }

  #hideError() {
    this.#error.hidden = true;
    this.#error.textContent = '';
  }

  #render() {
    const open = this.#chat?.open ?? false;
    this.#sendButton.disabled = !open;
  }
}
