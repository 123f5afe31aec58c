// Ways the dashboard draws the provider's attention to a new check-in: a short
// chime, a count in the page title and a desktop notification.

import { t } from './strings.js';

/**
 * A two-tone chime made with the Web Audio API, so that no audio file is needed.
 * Browsers keep an AudioContext suspended until the person interacts with the
 * page; unlock() is called on the first click or key press to resume it.
 */
export class Chime {
  /** @type {AudioContext | null} */
  #context = null;

  /** Creates or resumes the audio context; call it from a user gesture. */
  unlock() {
    try {
      this.#context ??= new AudioContext();
      if (this.#context.state === 'suspended') {
        this.#context.resume().catch(() => {});
      }
    } catch (error) {
      console.warn('visite: audio is not available for the check-in chime', error);
    }
  }

  play() {
    const context = this.#context;
    if (!context || context.state !== 'running') {
      return;
    }
    const start = context.currentTime;
    playTone(context, 660, start, 0.18);
    playTone(context, 880, start + 0.2, 0.28);
  }
}

/**
 * Plays a sine tone on the context's output.
 * @param {AudioContext} context
 * @param {number} frequency in hertz
 * @param {number} at start time in seconds on the context's clock
 * @param {number} duration in seconds
 */
export function playTone(context, frequency, at, duration) {
  const oscillator = context.createOscillator();
  const gain = context.createGain();
  oscillator.type = 'sine';
  oscillator.frequency.value = frequency;

  // A quick attack and an exponential fade avoid clicks at both ends.
  gain.gain.setValueAtTime(0.0001, at);
  gain.gain.exponentialRampToValueAtTime(0.2, at + 0.02);
  gain.gain.exponentialRampToValueAtTime(0.0001, at + duration);

  oscillator.connect(gain).connect(context.destination);
  oscillator.start(at);
  oscillator.stop(at + duration + 0.02);
}

/**
 * Desktop notifications. Permission is only ever requested from the enable
 * button's click, because browsers ignore or penalise unprompted requests.
 * The notification names no patient, since it may show on a locked screen.
 */
export class CheckInNotifications {
  #button;
  #status;

  /**
   * @param {HTMLButtonElement} button
   * @param {HTMLElement} status
   */
  constructor(button, status) {
    this.#button = button;
    this.#status = status;
    this.#button.addEventListener('click', () => this.#request());
    this.#render();
  }

  get supported() {
    return 'Notification' in window;
  }

  /** Shows a notification when permission was granted and the page is not in view. */
  notify() {
    if (!this.supported || Notification.permission !== 'granted' || document.visibilityState === 'visible') {
      return;
    }
    try {
      const notification = new Notification(t('notificationTitle'), { body: t('notificationBody'), tag: 'visite-check-in' });
      notification.addEventListener('click', () => {
        window.focus();
        notification.close();
      });
    } catch (error) {
      // Some mobile browsers only allow notifications from a service worker.
      console.warn('visite: showing a notification failed', error);
    }
  }

  async #request() {
    if (!this.supported) {
      return;
    }
    try {
      await Notification.requestPermission();
    } catch (error) {
      console.warn('visite: asking for notification permission failed', error);
    }
    this.#render();
  }

  #render() {
    if (!this.supported) {
      this.#button.hidden = true;
      this.#status.textContent = t('notificationsUnsupported');
      return;
    }
    const permission = Notification.permission;
    this.#button.hidden = permission !== 'default';
    if (permission === 'granted') {
      this.#status.textContent = t('notificationsOn');
    } else if (permission === 'denied') {
      this.#status.textContent = t('notificationsBlocked');
    } else {
      this.#status.textContent = '';
    }
  }
}

/**
 * Puts the number of waiting patients in front of the page title, such as
 * "(2) Dashboard · visite", and in a badge element on the page.
 */
export class WaitingBadge {
  #baseTitle;
  #elements;

  /** @param {HTMLElement[]} elements */
  constructor(elements) {
    this.#baseTitle = document.title;
    this.#elements = elements;
    this.update(0);
  }

  /** @param {number} count */
  update(count) {
    document.title = count > 0 ? `(${count}) ${this.#baseTitle}` : this.#baseTitle;
    for (const element of this.#elements) {
      element.textContent = String(count);
      element.hidden = count === 0;
    }
  }
}
